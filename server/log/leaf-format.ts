/**
 * A leaf text's format, told by its ending: format 1 (migration 0011) ends `"v":1}`, format 2
 * (0012, server/log/transaction-placement.ts) `"v":2,"xact":<transaction id>}`.
 */
import { sql, type SQL } from 'drizzle-orm';

/**
 * SQL over a log_leaves row: whether its text is of format 1 (null when retention dropped it). LIKE
 * matches the ending byte by byte; right() would count the characters of the whole text first.
 */
export function isFormat1Sql(): SQL {
  return sql`leaf like '%"v":1}'`;
}

/** SQL over a log_leaves row: whether its text records a deletion (a setting removed; null when retention dropped the text). */
export function isDeletionSql(): SQL {
  return sql`leaf like '{"deleted":true,%'`;
}
