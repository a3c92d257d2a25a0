/**
 * Dates at the edges of what can be stored (years 1 to 9999): refused where they are read, naming
 * the argument or parameter, never a 500 from the database, never an export that answers 200 and
 * then breaks, and never a checkpoint or an audit entry for an export that could not run.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../server/db/database.js';
import { exportError, fetchExport } from '../support/export-client.js';
import { errorCodes } from '../support/graphql-client.js';
import { addServer, ingest, minutesAgo, type TestServer } from '../support/records-fixture.js';
import { startTestVigil, type TestVigil } from '../support/test-vigil.js';

let t: TestVigil;
let web: TestServer;

beforeAll(async () => {
  t = await startTestVigil();
  web = await addServer(t, t.admin.tenantId, 'web-dates');
});
afterAll(async () => t?.close());

const YEAR_ZERO = '0000-06-01T00:00:00Z';
const LAST_STORABLE = '9999-12-31T23:59:59.999Z';

async function countOf(query: ReturnType<typeof sql>): Promise<number> {
  const [row] = await queryRows<{ count: number }>(t.vigil.database.db, query);
  return row!.count;
}

describe('dates at the edges', () => {
  it('refuses year 0000 in a list filter, as a variable and inline, and accepts the last storable instant', async () => {
    const query = 'query($from: DateTimeISO) { commands(first: 5, filter: { from: $from }) { nodes { id } } }';
    const asVariable = await t.gql(query, t.admin.token, { from: YEAR_ZERO });
    expect(errorCodes(asVariable)).toEqual(['BAD_USER_INPUT']);
    expect(asVariable.errors![0]!.message).toContain('$from');
    const inline = await t.gql(`{ commands(first: 5, filter: { from: "${YEAR_ZERO}" }) { nodes { id } } }`, t.admin.token);
    expect(errorCodes(inline)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    expect(inline.errors![0]!.message).toContain('0001-01-01');
    const last = await t.gql(query, t.admin.token, { from: LAST_STORABLE });
    expect(last.errors).toBeUndefined();
  });

  it('refuses an agent’s timestamp in year 0000 and writes nothing of the batch', async () => {
    const response = await ingest(t, web.agentToken, [
      { eventId: 'fine', kind: 'SYSTEM_LOG', systemLog: { program: 'cron', level: 'INFO', message: 'ok', loggedAt: minutesAgo(t, 1) } },
      { eventId: 'ancient', kind: 'SYSTEM_LOG', systemLog: { program: 'cron', level: 'INFO', message: 'old', loggedAt: YEAR_ZERO } },
    ]);
    expect(errorCodes(response)).toEqual(['BAD_USER_INPUT']);
    expect(await countOf(sql`select count(*)::int as count from system_logs where tenant_id = ${t.admin.tenantId} and event_id in ('fine', 'ancient')`)).toBe(
      0,
    );
  });

  it('refuses an export with such a date before its first byte, signing and recording nothing', async () => {
    const checkpoints = () => countOf(sql`select count(*)::int as count from audit_checkpoints where tenant_id = ${t.admin.tenantId}`);
    const exportsRecorded = () =>
      countOf(sql`select count(*)::int as count from audit_entries where tenant_id = ${t.admin.tenantId} and action in ('audit.exported', 'records.exported')`);
    const [signedBefore, recordedBefore] = [await checkpoints(), await exportsRecorded()];
    for (const path of [`/export/commands.csv?from=${YEAR_ZERO}`, `/export/audit.csv?to=${YEAR_ZERO}`, `/export/audit.jsonl?from=${YEAR_ZERO}`]) {
      const response = await fetchExport(t, path, t.admin.token);
      expect(response.status, path).toBe(400);
      expect(exportError(response)).toMatchObject({ code: 'BAD_USER_INPUT', field: path.includes('to=') ? 'to' : 'from' });
    }
    await t.vigil.log.whenIdle();
    expect(await checkpoints()).toBe(signedBefore);
    expect(await exportsRecorded()).toBe(recordedBefore);
  });
});
