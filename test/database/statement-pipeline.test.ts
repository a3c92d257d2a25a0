/**
 * Statements due in the same turn of the event loop share one connection (and so one write) on
 * PostgreSQL; a failing one fails alone; the reserved connection always goes back to the pool.
 * On PGlite (one connection) they simply run.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../server/db/database.js';
import { statementPipeline } from '../../server/db/statement-pipeline.js';
import { isPostgres } from '../support/test-database.js';
import { startTestVigil, type TestVigil } from '../support/test-vigil.js';

describe('statement pipeline', () => {
  let t: TestVigil;
  beforeAll(async () => {
    // A small pool: a connection kept by mistake would exhaust it within the test.
    t = await startTestVigil({ env: { VIGIL_DB_POOL_MAX: '3' } });
  });
  afterAll(() => t?.close());

  const backend = (db: Parameters<typeof queryRows>[0]) => queryRows<{ pid: number }>(db, sql`select pg_backend_pid() as pid`).then((rows) => rows[0]!.pid);

  it.runIf(isPostgres)('runs the statements of one turn on one connection', async () => {
    const pipeline = statementPipeline(t.vigil.database.db);
    for (let round = 0; round < 5; round++) {
      const pids = await Promise.all([pipeline.run(backend), pipeline.run(backend), pipeline.run(backend)]);
      expect(new Set(pids).size).toBe(1);
    }
  });

  it('fails only the statement that fails, and gives every connection back', async () => {
    const pipeline = statementPipeline(t.vigil.database.db);
    for (let round = 0; round < 10; round++) {
      const [good, bad, other] = await Promise.allSettled([
        pipeline.run((db) => queryRows<{ n: number }>(db, sql`select 1 as n`)),
        pipeline.run((db) => queryRows(db, sql`select * from no_such_table`)),
        pipeline.run((db) => queryRows<{ n: number }>(db, sql`select 2 as n`)),
      ]);
      expect(good).toEqual({ status: 'fulfilled', value: [{ n: 1 }] });
      expect(bad.status).toBe('rejected');
      expect(other).toEqual({ status: 'fulfilled', value: [{ n: 2 }] });
    }
    // Ten rounds on a pool of three: had a round kept its connection, this would wait forever.
    expect(await queryRows<{ n: number }>(t.vigil.database.db, sql`select 3 as n`)).toEqual([{ n: 3 }]);
  });
});
