/**
 * Whole rows of one table, read with a flat mapping: one decoder per column, chosen once per table.
 * drizzle's own mapping asks of every column of every row what kind of field it is (`is()` walks
 * the prototype chain) before decoding it; on a page of 100 commands of 25 columns, that was the
 * largest single cost of the request (bench/RESULTS.md, finding 2). The decoders are drizzle's own
 * (`mapFromDriverValue`), so the rows are the ones drizzle would have given.
 */
import { Column, getTableColumns, type SQLWrapper } from 'drizzle-orm';
import { PgDialect, type PgTable } from 'drizzle-orm/pg-core';
import type { Executor } from './database.js';

type RowMapper = (row: Record<string, unknown>) => Record<string, unknown>;

const dialect = new PgDialect();
const mappers = new WeakMap<PgTable, RowMapper>();

function mapperOf(table: PgTable): RowMapper {
  let mapper = mappers.get(table);
  if (mapper) return mapper;
  const fields = Object.entries(getTableColumns(table)).map(([key, column]) => ({
    key,
    name: column.name,
    // Text, uuid, boolean and enum columns hand the driver's value through: nothing to call.
    decode: column.mapFromDriverValue === Column.prototype.mapFromDriverValue ? undefined : (value: unknown) => column.mapFromDriverValue(value),
  }));
  mapper = (row) => {
    const mapped: Record<string, unknown> = {};
    for (const { key, name, decode } of fields) {
      const value = row[name];
      mapped[key] = value === null || value === undefined || !decode ? (value ?? null) : decode(value);
    }
    return mapped;
  };
  mappers.set(table, mapper);
  return mapper;
}

/**
 * Runs `query`, a `db.select().from(table)…` of `table`'s whole rows (no joins, no chosen fields),
 * and gives its rows as drizzle would have.
 */
export async function selectWholeRows<Table extends PgTable>(db: Executor, table: Table, query: SQLWrapper): Promise<Table['$inferSelect'][]> {
  // Without fields, both drivers return rows as objects keyed by column name, values as the
  // driver parsed them (timestamps as text: drizzle's drivers ask for that, and its decoders expect it).
  const prepared = db._.session.prepareQuery(dialect.sqlToQuery(query.getSQL()), undefined, undefined, false);
  const result = (await prepared.execute()) as Record<string, unknown>[] | { rows: Record<string, unknown>[] };
  const rows = Array.isArray(result) ? result : result.rows;
  const mapper = mapperOf(table);
  const mapped = new Array<Record<string, unknown>>(rows.length);
  for (let index = 0; index < rows.length; index++) mapped[index] = mapper(rows[index]!);
  return mapped;
}
