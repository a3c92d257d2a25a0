/**
 * csvCell (csv-cells.ts) written in SQL, for exports that PostgreSQL renders itself with COPY:
 * each function gives, for one value, the text csvCell gives for the same value read into
 * JavaScript, or NULL where csvCell gives an empty cell (COPY writes NULL as an empty unquoted
 * field, as csv-stringify writes an empty string; a non-null empty string it would quote). The
 * export tests compare both renderings byte for byte on the same rows.
 */
import { sql, type SQL } from 'drizzle-orm';
import type { AnyPgColumn } from 'drizzle-orm/pg-core';

type Value = AnyPgColumn | SQL;

/**
 * Recorded text: empty is an empty cell, and a leading formula trigger (`=`, `+`, `-`, `@`, tab,
 * CR) gets a `'` (neutralizeFormula). ascii() reads the first character without copying it.
 */
export const textCell = (value: Value): SQL =>
  sql`case when ascii(${value}) in (61, 43, 45, 64, 9, 13) then '''' || ${value} else nullif(${value}::text, '') end`;

/** A timestamp as Date.prototype.toISOString writes it (milliseconds, UTC, `Z`). */
export const timeCell = (value: Value): SQL => sql`to_char(${value} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/** An integer or an id: its text, as String(number) writes a number (never a formula, never empty). */
export const plainCell = (value: Value): SQL => sql`${value}::text`;

/**
 * secondsBetween (record-kind.ts) of two event times: never negative, as a JavaScript number
 * prints it (1.5, not 1.500); empty unless both are known (greatest ignores nulls). Event times
 * are stored to the millisecond (timestamptz(3)), so their difference is whole milliseconds, as
 * between the two JavaScript Dates.
 */
export const secondsCell = (from: Value, to: Value): SQL =>
  sql`case when ${from} is not null and ${to} is not null then trim_scale(greatest(0, extract(epoch from ${to} - ${from})))::text end`;

/** The cell when `isVisible`, else an empty cell: the API's field rules (null) in SQL. */
export const cellWhen = (isVisible: SQL, cell: SQL): SQL => sql`case when ${isVisible} then ${cell} end`;

/** A boolean as String(boolean) writes it (COPY alone would write t and f). */
export const booleanCell = (value: Value): SQL => sql`case when ${value} then 'true' when not ${value} then 'false' end`;

/**
 * A value of another type (an inet address) as recorded text: concat() gives the type's own
 * output text, as the driver hands it to JavaScript (a cast to text would add an inet's /32).
 */
export const outputTextCell = (value: Value): SQL => textCell(sql`concat(${value})`);

/**
 * A flat JSON object of text values (labels) as csvCell writes the object the driver reads from
 * it: JSON.stringify's text (no spaces), keys in the order a JavaScript object keeps them
 * (integer-like keys first, ascending, then the others in jsonb's order, which parsing keeps);
 * an empty object is an empty cell.
 */
export const labelsCell = (value: Value): SQL =>
  textCell(sql`(select '{' || string_agg(to_json(e.key)::text || ':' || e.value::text, ','
      order by case when e.key ~ '^(0|[1-9][0-9]{0,9})$' then case when e.key::bigint < 4294967295 then e.key::bigint end end nulls last, e.ord) || '}'
    from jsonb_each(${value}) with ordinality as e(key, value, ord))`);
