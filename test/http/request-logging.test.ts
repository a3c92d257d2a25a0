import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../server/clock.js';
import { loadConfig } from '../../server/config.js';
import { createLogger } from '../../server/logger.js';
import { startVigil, type RunningVigil } from '../../server/vigil.js';
import { graphql } from '../support/graphql-client.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { TEST_SECRET_KEY, TEST_SIGNING_KEY } from '../support/test-vigil.js';

const lines: Record<string, any>[] = [];
const sink = new Writable({
  write(chunk, _encoding, done) {
    for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
    done();
  },
});

let database: TestDatabase;
let vigil: RunningVigil;
beforeAll(async () => {
  database = await createTestDatabase();
  const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', VIGIL_AUDIT_SIGNING_KEY: TEST_SIGNING_KEY, VIGIL_SECRET_KEY: TEST_SECRET_KEY, ...database.env });
  vigil = await startVigil(config, { logger: createLogger('info', sink), clock: new ManualClock(), database: await database.openOptions() });
});
afterAll(async () => {
  await vigil?.dispose();
  await database?.drop();
});

describe('request logs', () => {
  it('writes one JSON line per request with its request id, and never the token', async () => {
    const token = vigil.bootstrap!.token;
    await graphql(vigil.graphqlUrl, '{ me { email } }', { token, headers: { 'x-request-id': 'log-test-1' } });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const requestLines = lines.filter((line) => line.req?.id === 'log-test-1');
    expect(requestLines).toHaveLength(1);
    expect(requestLines[0]).toMatchObject({ level: 'info', req: { method: 'POST', url: '/graphql' }, res: { statusCode: 200 } });
    expect(typeof requestLines[0]!.responseTime).toBe('number');
    const everything = lines.map((line) => JSON.stringify(line)).join('\n');
    expect(everything).not.toContain(token);
    expect(everything).not.toContain(token.slice(-20));
  });
});
