/**
 * Whole rows of one table, read with a flat mapping: one decoder per column, chosen once per table.
 * drizzle's own mapping asks of every column of every row what kind of field it is (`is()` walks
 * the prototype chain) before decoding it; on a page of 100 commands of 25 columns, that was the
 * largest single cost of the request (bench/RESULTS.md, finding 2). The decoders are drizzle's own
 * (`mapFromDriverValue`), so the rows are the ones drizzle would have given. A page that needs a
 * few of a table's columns reads only those (selectColumns).
 */
import { Column, getTableColumns, type SQLWrapper } from 'drizzle-orm';
import { PgDialect, type PgColumn, type PgTable } from 'drizzle-orm/pg-core';
import type { Executor } from './database.js';

type RowMapper = (row: Record<string, unknown>) => Record<string, unknown>;

const dialect = new PgDialect();
const mappers = new WeakMap<PgTable, RowMapper>();

/** A mapper for `keys` of `table` (all of its columns when absent): only those keys are set. */
function makeMapper(table: PgTable, keys?: readonly string[]): RowMapper {
  const columns = getTableColumns(table);
  const fields = (keys ?? Object.keys(columns)).map((key) => {
    const column = columns[key];
    if (!column) throw new Error(`${key} is not a column of the table`);
    return {
      key,
      name: column.name,
      // Text, uuid, boolean and enum columns hand the driver's value through: nothing to call.
      decode: column.mapFromDriverValue === Column.prototype.mapFromDriverValue ? undefined : (value: unknown) => column.mapFromDriverValue(value),
    };
  });
  return (row) => {
    const mapped: Record<string, unknown> = {};
    for (const { key, name, decode } of fields) {
      const value = row[name];
      mapped[key] = value === null || value === undefined || !decode ? (value ?? null) : decode(value);
    }
    return mapped;
  };
}

/** The mapper for `keys` of `table`; whole rows' is made once per table. */
function mapperOf(table: PgTable, keys?: readonly string[]): RowMapper {
  if (keys) return makeMapper(table, keys);
  let mapper = mappers.get(table);
  if (!mapper) mappers.set(table, (mapper = makeMapper(table)));
  return mapper;
}

type BuiltQuery = ReturnType<PgDialect['sqlToQuery']>;

async function runMapped(db: Executor, query: BuiltQuery, mapper: RowMapper, values?: Record<string, unknown>): Promise<Record<string, unknown>[]> {
  // Without fields, both drivers return rows as objects keyed by column name, values as the
  // driver parsed them (timestamps as text: drizzle's drivers ask for that, and its decoders expect it).
  const prepared = db._.session.prepareQuery(query, undefined, undefined, false);
  const result = (await prepared.execute(values)) as Record<string, unknown>[] | { rows: Record<string, unknown>[] };
  const rows = Array.isArray(result) ? result : result.rows;
  const mapped = new Array<Record<string, unknown>>(rows.length);
  for (let index = 0; index < rows.length; index++) mapped[index] = mapper(rows[index]!);
  return mapped;
}

/**
 * A statement of `table`'s rows (`keys` of them, or whole rows), rendered once with
 * sql.placeholder()s for what varies: `run` fills them and maps the rows, without building the
 * statement from drizzle's objects again.
 */
export function builtRows<Table extends PgTable, Key extends keyof Table['$inferSelect'] & string = keyof Table['$inferSelect'] & string>(
  table: Table,
  keys: readonly Key[] | undefined,
  query: SQLWrapper,
): (db: Executor, values: Record<string, unknown>) => Promise<Pick<Table['$inferSelect'], Key>[]> {
  const built = dialect.sqlToQuery(query.getSQL());
  const mapper = mapperOf(table, keys);
  return (db, values) => runMapped(db, built, mapper, values) as Promise<Pick<Table['$inferSelect'], Key>[]>;
}

/**
 * Runs `query`, a `db.select().from(table)…` of `table`'s whole rows (no joins, no chosen fields),
 * and gives its rows as drizzle would have.
 */
export async function selectWholeRows<Table extends PgTable>(db: Executor, table: Table, query: SQLWrapper): Promise<Table['$inferSelect'][]> {
  return runMapped(db, dialect.sqlToQuery(query.getSQL()), mapperOf(table));
}

/** The columns `keys` of `table`, as `db.select(…)` takes them. */
export function columnsOf<Table extends PgTable>(table: Table, keys: readonly (keyof Table['$inferSelect'] & string)[]): Record<string, PgColumn> {
  const columns = getTableColumns(table) as Record<string, PgColumn>;
  return Object.fromEntries(keys.map((key) => [key, columns[key]!]));
}

/**
 * Runs `query`, a `db.select(columnsOf(table, keys)).from(table)…`: rows holding `keys` only (the
 * other properties are absent, not null), mapped as selectWholeRows maps them.
 */
export async function selectColumns<Table extends PgTable, Key extends keyof Table['$inferSelect'] & string>(
  db: Executor,
  table: Table,
  keys: readonly Key[],
  query: SQLWrapper,
): Promise<Pick<Table['$inferSelect'], Key>[]> {
  return runMapped(db, dialect.sqlToQuery(query.getSQL()), mapperOf(table, keys)) as Promise<Pick<Table['$inferSelect'], Key>[]>;
}
