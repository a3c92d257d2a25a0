/**
 * Two instances on one PostgreSQL database, ingesting and mutating on one tenant at once: the log
 * never forks and has no gap, every leaf is numbered once, the audit chain stays contiguous, and
 * proofs from either instance verify against checkpoints either one signed.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../server/clock.js';
import { loadConfig } from '../../server/config.js';
import { queryRows } from '../../server/db/database.js';
import { createLogger } from '../../server/logger.js';
import { verifyInclusion } from '../../server/log/merkle.js';
import { startVigil, type RunningVigil } from '../../server/vigil.js';
import { graphql } from '../support/graphql-client.js';
import { INGEST } from '../support/records-fixture.js';
import { createTestDatabase, isPostgres, type TestDatabase } from '../support/test-database.js';
import { TEST_ENV } from '../support/test-vigil.js';

let database: TestDatabase;
let a: RunningVigil;
let b: RunningVigil;
const clock = new ManualClock();

beforeAll(async () => {
  if (!isPostgres) return;
  database = await createTestDatabase();
  const config = () =>
    loadConfig({
      ...TEST_ENV,
      // The periodic pass at its default pace: it integrates and signs beside the writers.
      VIGIL_LOG_INTERVAL_MS: '1000',
      VIGIL_CHECKPOINT_EVERY: '50',
      ...database.env,
    });
  a = await startVigil(config(), { clock, logger: createLogger('silent') });
  b = await startVigil(config(), { clock, logger: createLogger('silent') });
});
afterAll(async () => {
  await Promise.all([a?.dispose(), b?.dispose()]);
  await database?.drop();
});

async function ok<T = any>(vigil: RunningVigil, query: string, token: string, variables?: Record<string, unknown>): Promise<T> {
  const response = await graphql<any>(vigil.graphqlUrl, query, { token, variables });
  if (response.errors) throw new Error(JSON.stringify(response.errors));
  return response.data as T;
}

describe.runIf(isPostgres)('two instances on one tenant', () => {
  it('never fork the log nor leave a gap, and their proofs verify against either one’s checkpoints', async () => {
    const admin = a.bootstrap!.token;
    const tenantId = a.bootstrap!.tenant.id;
    const agents: string[] = [];
    for (const name of ['web-01', 'web-02']) {
      const server = await ok(a, `mutation { registerServer(input: { name: "${name}", hostname: "${name}.example.test", os: "Debian 12" }) { id } }`, admin);
      const token = await ok(a, 'mutation($id: ID!) { createAgentToken(input: { name: "agent", serverId: $id }) { token } }', admin, {
        id: server.registerServer.id,
      });
      agents.push(token.createAgentToken.token);
    }
    const batch = (agent: number, round: number) =>
      Array.from({ length: 50 }, (_, index) => ({
        eventId: `a${agent}-r${round}-${index}`,
        kind: 'COMMAND',
        command: {
          shell: 'SYSTEM',
          line: `echo ${agent} ${round} ${index}`,
          status: 'SUCCESS',
          submittedAt: new Date(clock.now().getTime() - 60_000).toISOString(),
        },
      }));
    const work: Promise<unknown>[] = [];
    for (let round = 0; round < 12; round++) {
      work.push(ok(a, INGEST, agents[0]!, { events: batch(0, round) }));
      work.push(ok(b, INGEST, agents[1]!, { events: batch(1, round) }));
      work.push(ok(round % 2 ? a : b, `mutation { createUser(input: { email: "u${round}@example.test" }) { id } }`, admin));
    }
    await Promise.all(work);
    await Promise.all([a.log.settle(tenantId, { force: true }), b.log.settle(tenantId)]);

    const db = a.database.db;
    const [leaves] = await queryRows<{ count: string; max: string; queued: string }>(
      db,
      sql`select count(*) as count, max(idx) as max, count(*) filter (where idx is null) as queued from log_leaves where tenant_id = ${tenantId}`,
    );
    expect(Number(leaves!.queued)).toBe(0);
    expect(Number(leaves!.max) + 1).toBe(Number(leaves!.count));
    const [head] = await queryRows<{ size: string }>(db, sql`select size from log_heads where tenant_id = ${tenantId}`);
    expect(Number(head!.size)).toBe(Number(leaves!.count));
    const [chain] = await queryRows<{ count: string; min: string; max: string }>(
      db,
      sql`select count(*) as count, min(seq) as min, max(seq) as max from audit_entries where tenant_id = ${tenantId}`,
    );
    expect(Number(chain!.max) - Number(chain!.min) + 1).toBe(Number(chain!.count));
    const [commands] = await queryRows<{ count: string }>(db, sql`select count(*) as count from log_leaves where tenant_id = ${tenantId} and kind = 'command'`);
    expect(Number(commands!.count)).toBe(2 * 12 * 50);

    for (const vigil of [a, b]) {
      const report = await ok(vigil, '{ logIntegrity { isIntact faultCount checkedCheckpoints faults { kind message } } }', admin);
      expect(report.logIntegrity).toMatchObject({ isIntact: true, faultCount: 0 });
      expect(report.logIntegrity.checkedCheckpoints).toBeGreaterThanOrEqual(2);
    }
    const picked = await queryRows<{ record_id: string }>(
      db,
      sql`select record_id from log_leaves where tenant_id = ${tenantId} and kind = 'command' order by random() limit 10`,
    );
    for (const [index, { record_id: recordId }] of picked.entries()) {
      const proof = (await ok(index % 2 ? a : b, `{ logInclusionProof(recordId: "${recordId}") { treeSize rootHash hashes leaf { index leafHash } } }`, admin))
        .logInclusionProof;
      const decode = (value: string) => Buffer.from(value, 'base64');
      expect(verifyInclusion(decode(proof.leaf.leafHash), proof.leaf.index, proof.treeSize, proof.hashes.map(decode), decode(proof.rootHash))).toBe(true);
    }
  });
});
