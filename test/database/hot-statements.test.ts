/**
 * Hot statements run prepared: on PostgreSQL a statement drizzle sends unnamed is prepared on its
 * connection once it has run a few times (one round trip a run after that, not two), gives the
 * same rows prepared as unnamed, and batches (whose text varies with their size) are never
 * prepared, nor more than a bounded number of texts.
 */
import { and, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hotStatements } from '../../server/db/hot-statements.js';
import { queryRows } from '../../server/db/database.js';
import { users } from '../../server/db/tables/index.js';
import { isPostgres } from '../support/test-database.js';
import { startTestVigil, type TestVigil } from '../support/test-vigil.js';

describe('hotStatements', () => {
  it('prepares a text from its third run on, and keeps it prepared', () => {
    const hot = hotStatements();
    expect([1, 2, 3, 4, 5].map(() => hot.shouldPrepare('select $1', 1))).toEqual([false, false, true, true, true]);
    expect(hot.shouldPrepare('select $1, $2', 2)).toBe(false);
  });

  it('never prepares a statement without parameters or a batch of more than 256', () => {
    const hot = hotStatements();
    for (let run = 0; run < 5; run++) {
      expect(hot.shouldPrepare('select 1', 0)).toBe(false);
      expect(hot.shouldPrepare('insert … 257 values', 257)).toBe(false);
    }
  });

  it('prepares at most 200 texts', () => {
    const hot = hotStatements();
    const prepared = Array.from({ length: 250 }, (_, index) => {
      const text = `select $1 + ${index}`;
      for (let run = 0; run < 2; run++) hot.shouldPrepare(text, 1);
      return hot.shouldPrepare(text, 1);
    });
    expect(prepared.filter(Boolean)).toHaveLength(200);
    expect(prepared.slice(200).some(Boolean)).toBe(false);
  });
});

describe.runIf(isPostgres)('statements drizzle sends, on PostgreSQL', () => {
  let t: TestVigil;
  beforeAll(async () => {
    t = await startTestVigil();
  });
  afterAll(() => t?.close());

  /** The statements prepared on this transaction's connection whose text contains `fragment`. */
  const preparedLike = async (tx: Parameters<Parameters<TestVigil['vigil']['database']['db']['transaction']>[0]>[0], fragment: string) =>
    (await queryRows<{ statement: string }>(tx, sql`select statement from pg_prepared_statements where statement like ${`%${fragment}%`}`)).map(
      (row) => row.statement,
    );

  it('prepares a query run repeatedly on a connection, with the same rows each run', async () => {
    const tenantId = t.admin.tenantId;
    await t.vigil.database.db.transaction(async (tx) => {
      const query = () =>
        tx
          .select({ id: users.id, email: users.email })
          .from(users)
          .where(and(eq(users.tenantId, tenantId), eq(users.role, 'admin')));
      const runs = [];
      for (let run = 0; run < 4; run++) runs.push(await query());
      expect(runs[0]!.map((row) => row.email)).toContain(t.admin.email);
      for (const rows of runs) expect(rows).toEqual(runs[0]);
      const statements = await preparedLike(tx, '"role" = $2');
      expect(statements).toHaveLength(1);
    });
  });

  it('plans every run for its own values (no generic plans from the plan cache)', async () => {
    const [setting] = await queryRows<{ plan_cache_mode: string }>(t.vigil.database.db, sql`show plan_cache_mode`);
    expect(setting!.plan_cache_mode).toBe('force_custom_plan');
  });

  it('does not prepare a batch of more than 256 parameters', async () => {
    await t.vigil.database.db.transaction(async (tx) => {
      const values = Array.from({ length: 300 }, (_, index) => `v${index}`);
      for (let run = 0; run < 4; run++) {
        const rows = await queryRows<{ n: number }>(
          tx,
          sql`select count(*)::int as n from (values ${sql.join(
            values.map((value) => sql`(${value}::text)`),
            sql`, `,
          )}) as batch_marker(v)`,
        );
        expect(rows[0]!.n).toBe(300);
      }
      expect(await preparedLike(tx, 'batch_marker')).toEqual([]);
    });
  });
});
