/**
 * selectWholeRows maps rows with one decoder per column instead of drizzle's per-row field checks:
 * for every table, over a database holding the records fixture, it gives exactly the rows
 * drizzle's own mapping gives (dates, bigints, JSON, arrays, inet and enums alike).
 */
import { isDeepStrictEqual } from 'node:util';
import { getTableName, is } from 'drizzle-orm';
import { PgTable } from 'drizzle-orm/pg-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectWholeRows } from '../../server/db/flat-rows.js';
import * as tables from '../../server/db/tables/index.js';
import { peopleByIds } from '../../server/lookups/records-by-ids.js';
import { buildRecordsFixture, reportOneOfEachRecord } from '../support/records-fixture.js';
import { startTestVigil, type TestVigil } from '../support/test-vigil.js';

const ALL_TABLES = (Object.values(tables) as unknown[]).filter((value): value is PgTable => is(value, PgTable));

describe('rows read with a flat mapping', () => {
  let t: TestVigil;

  beforeAll(async () => {
    t = await startTestVigil();
    await reportOneOfEachRecord(t, await buildRecordsFixture(t));
  }, 60_000);

  afterAll(async () => {
    await t?.close();
  });

  it('are, for every table, the rows drizzle maps', async () => {
    const db = t.vigil.database.db;
    const withRows: string[] = [];
    for (const table of ALL_TABLES) {
      // Background work (the log's sequencer) may change rows between two reads: compare reads
      // taken while the table held still (the same rows before and after).
      let expected: unknown[] = [];
      let actual: unknown[] = [];
      for (let attempt = 0; attempt < 10; attempt++) {
        expected = await db.select().from(table).limit(200);
        actual = await selectWholeRows(db, table, db.select().from(table).limit(200));
        if (isDeepStrictEqual(await db.select().from(table).limit(200), expected)) break;
      }
      expect(actual, getTableName(table)).toEqual(expected);
      if (expected.length > 0) withRows.push(getTableName(table));
    }
    // The comparison means something only where there are rows, of every kind of column.
    expect(ALL_TABLES.length).toBeGreaterThan(30);
    expect(withRows).toEqual(
      expect.arrayContaining([
        'commands',
        'terminal_sessions',
        'access_sessions',
        'file_transfers',
        'servers',
        'users',
        'audit_entries',
        'log_leaves',
        'log_nodes',
      ]),
    );
  });

  it("read by id with chosen columns, give those columns of the tenant's rows only", async () => {
    const db = t.vigil.database.db;
    const everyone = await db.select().from(tables.users);
    const tenantId = t.admin.tenantId;
    const mine = everyone.filter((user) => user.tenantId === tenantId);
    const others = everyone.filter((user) => user.tenantId !== tenantId);
    expect(mine.length).toBeGreaterThan(1);
    expect(others.length).toBeGreaterThan(0);
    const people = await peopleByIds(
      db,
      tenantId,
      [...mine, ...others].map((user) => user.id),
    );
    expect(people.sort((a, b) => a.id.localeCompare(b.id))).toEqual(
      mine.map(({ tenantId: tenant, id, email, name }) => ({ tenantId: tenant, id, email, name })).sort((a, b) => a.id.localeCompare(b.id)),
    );
  });
});
