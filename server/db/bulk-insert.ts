/**
 * A many-row INSERT as `INSERT … SELECT * FROM unnest($1::type[], $2::type[], …)`: one array
 * parameter per column instead of one parameter per cell. For a batch of 1,000 rows this is one
 * short statement for the database to parse and little work for the query builder, which would
 * otherwise inspect every one of the tens of thousands of values (see bench/RESULTS.md).
 */
import { getTableColumns, sql, type SQL } from 'drizzle-orm';
import type { PgColumn, PgTable } from 'drizzle-orm/pg-core';

type RowOf<Table extends PgTable> = Table['$inferInsert'];

function toText(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'object') return JSON.stringify(value);
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return value.toString();
  throw new TypeError(`A ${typeof value} is not a column value`);
}

/**
 * A PostgreSQL array literal (`{"a",NULL,"b \"c\""}`), sent as one text parameter and cast to
 * the column's array type: both drivers pass a string through unchanged, where their own array
 * encodings differ.
 */
export function arrayLiteral(values: readonly unknown[]): string {
  const elements = values.map((value) => {
    const text = toText(value);
    return text === null ? 'NULL' : `"${text.replace(/[\\"]/g, (character) => `\\${character}`)}"`;
  });
  return `{${elements.join(',')}}`;
}

/** The statement inserting `rows` (all with the same keys) into `table`, followed by `tail`. */
export function unnestInsert<Table extends PgTable>(table: Table, rows: readonly RowOf<Table>[], tail: SQL = sql``): SQL {
  const columns = getTableColumns(table) as Record<string, PgColumn>;
  const keys = Object.keys(rows[0]!).filter((key) => columns[key]);
  const names = sql.join(
    keys.map((key) => sql.identifier(columns[key]!.name)),
    sql`, `,
  );
  const arrays = sql.join(
    keys.map((key) => {
      const values = rows.map((row) => (row as Record<string, unknown>)[key]);
      return sql`${arrayLiteral(values)}::${sql.raw(columns[key]!.getSQLType())}[]`;
    }),
    sql`, `,
  );
  return sql`insert into ${table} (${names}) select * from unnest(${arrays}) ${tail}`;
}
