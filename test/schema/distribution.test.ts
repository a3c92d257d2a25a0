/**
 * The migrated schema distributes on Citus as server/db/distribution.ts says: every table is
 * tenant-owned (distributed by tenant_id) or named there as global; every key, index and foreign
 * key of a tenant-owned table leads with tenant_id; docs/SCALING.md gives the DDL for exactly
 * these tables.
 */
import { readFile } from 'node:fs/promises';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../server/db/database.js';
import { distributionDdl, GLOBAL_TABLES, TENANT_COLUMN } from '../../server/db/distribution.js';
import { startTestVigil, type TestVigil } from '../support/test-vigil.js';

let t: TestVigil;
let tables: { name: string; has_tenant: boolean }[];
let indexes: { table_name: string; index_name: string; first_column: string | null }[];
let foreignKeys: { name: string; table_name: string; referenced: string; first_column: string; referenced_first: string }[];

beforeAll(async () => {
  t = await startTestVigil();
  const db = t.vigil.database.db;
  tables = await queryRows(
    db,
    sql`select c.relname as name, exists (select 1 from pg_attribute a where a.attrelid = c.oid and a.attname = ${TENANT_COLUMN} and not a.attisdropped) as has_tenant
        from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where n.nspname = 'public' and c.relkind in ('r', 'p') and c.relname not like '\\_\\_drizzle%' order by 1`,
  );
  indexes = await queryRows(
    db,
    sql`select t.relname as table_name, i.relname as index_name, a.attname as first_column
        from pg_index ix join pg_class i on i.oid = ix.indexrelid join pg_class t on t.oid = ix.indrelid
        join pg_namespace n on n.oid = t.relnamespace
        left join pg_attribute a on a.attrelid = t.oid and a.attnum = ix.indkey[0]
        where n.nspname = 'public' order by 1, 2`,
  );
  foreignKeys = await queryRows(
    db,
    sql`select c.conname as name, t.relname as table_name, r.relname as referenced,
               (select attname from pg_attribute where attrelid = c.conrelid and attnum = c.conkey[1]) as first_column,
               (select attname from pg_attribute where attrelid = c.confrelid and attnum = c.confkey[1]) as referenced_first
        from pg_constraint c join pg_class t on t.oid = c.conrelid join pg_class r on r.oid = c.confrelid
        where c.contype = 'f' and c.connamespace = 'public'::regnamespace order by 2, 1`,
  );
}, 120_000);
afterAll(async () => t?.close());

const isGlobal = (table: string) => GLOBAL_TABLES[table] !== undefined;

describe('distribution over Citus', () => {
  it('knows every table: tenant-owned ones carry tenant_id, the rest are named as global with a reason', () => {
    expect(tables.length).toBeGreaterThan(30);
    const unplaced = tables.filter((table) => !table.has_tenant && !isGlobal(table.name)).map((table) => table.name);
    expect(unplaced, 'tables with no tenant_id that server/db/distribution.ts does not name').toEqual([]);
    const names = new Set(tables.map((table) => table.name));
    expect(
      Object.keys(GLOBAL_TABLES).filter((table) => !names.has(table)),
      'global tables that no longer exist',
    ).toEqual([]);
  });

  it('leads every key and index of a tenant-owned table with tenant_id, so each is local to a node', () => {
    const stray = indexes
      .filter((index) => !isGlobal(index.table_name) && index.first_column !== TENANT_COLUMN)
      .map((index) => `${index.table_name}.${index.index_name} (${index.first_column})`);
    expect(stray).toEqual([]);
  });

  it('joins tenant-owned tables by foreign keys that lead with tenant_id on both sides, or point at a reference table', () => {
    const stray = foreignKeys
      .filter((key) => !isGlobal(key.table_name))
      .filter((key) => {
        const target = GLOBAL_TABLES[key.referenced];
        // Citus keeps a reference table on every node: a key to it from any column is local (users.managing_account_id → accounts).
        if (target) return target.kind !== 'reference';
        return key.first_column !== TENANT_COLUMN || key.referenced_first !== TENANT_COLUMN;
      })
      .map((key) => `${key.name}: ${key.table_name}(${key.first_column}…) → ${key.referenced}(${key.referenced_first}…)`);
    expect(stray).toEqual([]);
  });

  it('keeps global tables apart: reference tables point only at reference tables, own-key tables lead every key with their column', () => {
    const fromGlobal = foreignKeys.filter((key) => isGlobal(key.table_name) && GLOBAL_TABLES[key.referenced]?.kind !== 'reference');
    expect(fromGlobal.map((key) => key.name)).toEqual([]);
    for (const [table, distribution] of Object.entries(GLOBAL_TABLES)) {
      if (distribution.kind !== 'own-key') continue;
      const stray = indexes.filter((index) => index.table_name === table && index.first_column !== distribution.column);
      expect(stray.map((index) => index.index_name)).toEqual([]);
      expect(foreignKeys.filter((key) => key.table_name === table || key.referenced === table).map((key) => key.name)).toEqual([]);
    }
  });

  it('is what docs/SCALING.md tells an operator to run', async () => {
    const doc = await readFile(new URL('../../docs/SCALING.md', import.meta.url), 'utf8').catch(() => '');
    // PRINT_DDL=1 prints the DDL to paste into docs/SCALING.md after a migration changes tables.
    if (process.env.PRINT_DDL)
      process.stdout.write(
        distributionDdl(
          tables.map((table) => table.name),
          foreignKeys.map((key) => ({ table: key.table_name, referenced: key.referenced })),
        ),
      );
    expect(doc).toContain(
      distributionDdl(
        tables.map((table) => table.name),
        foreignKeys.map((key) => ({ table: key.table_name, referenced: key.referenced })),
      ),
    );
  });
});
