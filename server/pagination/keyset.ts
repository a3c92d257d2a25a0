/**
 * Relay-style pages over keyset cursors. Lists are ordered newest first by a tuple of sort keys
 * that ends in a unique column (usually the UUIDv7 id); a cursor is the opaque encoding of one
 * row's key values, and a page is "the next N rows after that tuple": an index range scan whose
 * cost does not grow with how deep the page is.
 */
import { sql, type SQL } from 'drizzle-orm';
import type { AnyPgColumn } from 'drizzle-orm/pg-core';
import { BadInput } from '../errors.js';

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 500;

export interface PageArgs {
  first?: number | null;
  after?: string | null;
  last?: number | null;
  before?: string | null;
}

export interface PagePlan {
  /** forward: newest first from `after`; backward: the `last` rows before `before`. */
  readonly direction: 'forward' | 'backward';
  readonly size: number;
  readonly cursor: readonly string[] | null;
}

export interface Page<T> {
  readonly nodes: T[];
  /**
   * The cursor of the node at `index`, encoded when asked: most pages are read by `nodes` and
   * one end cursor, not a cursor per row.
   */
  cursorAt(index: number): string;
  readonly hasNextPage: boolean;
  readonly hasPreviousPage: boolean;
}

export function encodeCursor(values: readonly string[]): string {
  return Buffer.from(JSON.stringify(values)).toString('base64url');
}

function decodeCursor(cursor: string, field: string, arity: number): string[] {
  try {
    const values: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(values) && values.length === arity && values.every((value) => typeof value === 'string')) {
      return values;
    }
  } catch {
    // fall through to the error below
  }
  throw new BadInput(field, `${field} is not a cursor returned by this list`);
}

export function planPage(args: PageArgs, arity: number): PagePlan {
  const { first, after, last, before } = args;
  if (first != null && last != null) throw new BadInput('last', 'Pass either first or last, not both');
  if (after != null && before != null) throw new BadInput('before', 'Pass either after or before, not both');
  for (const [field, value] of [
    ['first', first],
    ['last', last],
  ] as const) {
    if (value != null && (!Number.isInteger(value) || value < 0 || value > MAX_PAGE_SIZE)) {
      throw new BadInput(field, `${field} must be between 0 and ${MAX_PAGE_SIZE}`);
    }
  }
  const isBackward = last != null || (before != null && first == null);
  if (isBackward) {
    return { direction: 'backward', size: last ?? DEFAULT_PAGE_SIZE, cursor: before ? decodeCursor(before, 'before', arity) : null };
  }
  return { direction: 'forward', size: first ?? DEFAULT_PAGE_SIZE, cursor: after ? decodeCursor(after, 'after', arity) : null };
}

/**
 * The WHERE, ORDER BY and LIMIT of a page over `keys` (descending = newest first). The limit asks
 * for one row more than the page, which tells whether another page follows.
 */
export function keysetClauses(plan: PagePlan, keys: readonly AnyPgColumn[]): { where?: SQL; orderBy: SQL[]; limit: number } {
  const isForward = plan.direction === 'forward';
  const tuple = sql.join(
    keys.map((key) => sql`${key}`),
    sql`, `,
  );
  let where: SQL | undefined;
  if (plan.cursor) {
    const values = sql.join(
      plan.cursor.map((value) => sql`${value}`),
      sql`, `,
    );
    where = isForward ? sql`(${tuple}) < (${values})` : sql`(${tuple}) > (${values})`;
  }
  const orderBy = keys.map((key) => (isForward ? sql`${key} desc` : sql`${key} asc`));
  return { where, orderBy, limit: plan.size + 1 };
}

/** Turns the rows fetched with `keysetClauses` into a page, newest first either way. */
export function toPage<T>(rows: T[], plan: PagePlan, keyValues: (row: T) => readonly string[]): Page<T> {
  const hasMore = rows.length > plan.size;
  const kept = rows.slice(0, plan.size);
  const nodes = plan.direction === 'forward' ? kept : kept.reverse();
  return {
    nodes,
    cursorAt: (index) => encodeCursor(keyValues(nodes[index]!)),
    hasNextPage: plan.direction === 'forward' ? hasMore : plan.cursor !== null,
    hasPreviousPage: plan.direction === 'forward' ? plan.cursor !== null : hasMore,
  };
}

/**
 * Plans a page from `args`, lets `fetch` run the query with the keyset clauses, and returns the
 * page: the one way every list in Vigil pages.
 */
export async function fetchPage<Row>(
  args: PageArgs,
  keys: readonly AnyPgColumn[],
  keyValues: (row: Row) => readonly string[],
  fetch: (clauses: { where?: SQL; orderBy: SQL[]; limit: number }) => Promise<Row[]>,
): Promise<Page<Row>> {
  const plan = planPage(args, keys.length);
  checkCursorValues(plan, keys, args.after != null ? 'after' : 'before');
  return toPage(await fetch(keysetClauses(plan, keys)), plan, keyValues);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

/**
 * A cursor is opaque but not trusted: a well-formed one of the right length still carries values
 * a client can edit. Each must be what its key column holds, or the list refuses the cursor
 * rather than letting PostgreSQL fail on it.
 */
function checkCursorValues(plan: PagePlan, keys: readonly AnyPgColumn[], field: string): void {
  if (!plan.cursor) return;
  plan.cursor.forEach((value, index) => {
    const type = keys[index]!.getSQLType();
    const isValid =
      type === 'uuid'
        ? UUID.test(value)
        : type.startsWith('timestamp')
          ? ISO_TIME.test(value) && !Number.isNaN(Date.parse(value))
          : ['bigint', 'integer', 'smallint', 'bigserial', 'serial'].includes(type)
            ? /^-?\d{1,19}$/.test(value)
            : !value.includes('\u0000');
    if (!isValid) throw new BadInput(field, `${field} is not a cursor returned by this list`);
  });
}
