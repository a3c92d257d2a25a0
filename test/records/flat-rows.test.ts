/**
 * selectWholeRows maps rows with one decoder per column instead of drizzle's per-row field checks:
 * for every table, over a database holding the records fixture, it gives exactly the rows
 * drizzle's own mapping gives (dates, bigints, JSON, arrays, inet and enums alike).
 */
import { getTableName, is } from 'drizzle-orm';
import { PgTable } from 'drizzle-orm/pg-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectWholeRows } from '../../server/db/flat-rows.js';
import * as tables from '../../server/db/tables/index.js';
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
      const expected = await db.select().from(table).limit(200);
      const actual = await selectWholeRows(db, table, db.select().from(table).limit(200));
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
});
