/**
 * `COPY (SELECT …) TO STDOUT WITH (FORMAT csv)`: PostgreSQL renders the CSV records itself and
 * Node only passes their bytes on (in buffers split anywhere: the stream joins what it holds).
 * Rows are read only as fast as the caller takes them: postgres.js pauses its socket when the
 * stream's buffer is full, and PostgreSQL then waits.
 *
 * PGlite has COPY TO only into a blob made whole in memory, which would defeat the point: there
 * the callers render their CSV in JavaScript (copyCsvRecords answers null).
 */
import type { Readable } from 'node:stream';
import { type SQL } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import type { Database } from './database.js';

const dialect = new PgDialect();

/** A connection of its own for one COPY: postgres.js, pool of one. */
export interface CopyConnection {
  unsafe(statement: string): { readable(): Promise<Readable>; cancel(): void };
  end(options: { timeout: number }): Promise<void>;
}

/** How each PostgreSQL database opens a COPY connection (server/db/database.ts registers it). */
const copyConnectionOpeners = new WeakMap<Database, () => CopyConnection>();

export function registerCopyConnections(database: Database, open: () => CopyConnection): void {
  copyConnectionOpeners.set(database, open);
}
/**
 * A value written into the statement as a literal, since COPY takes no bind parameters. An
 * escape string literal (E'…', backslashes and quotes doubled) means the same whatever
 * standard_conforming_strings says, and like a parameter it has no type of its own until the
 * context gives it one.
 */
export function sqlLiteral(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value === 'bigint') return String(value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  const text = value instanceof Date ? value.toISOString() : value;
  if (typeof text !== 'string') throw new TypeError(`A ${typeof value} cannot be written into a COPY statement`);
  if (text.includes('\u0000')) throw new TypeError('Text with a NUL character cannot be written into a COPY statement');
  return `E'${text.replaceAll('\\', '\\\\').replaceAll("'", "''")}'`;
}

/**
 * The statement's text with each $n replaced by its value as a literal. Only drizzle's parameter
 * markers take that form in Vigil's own statement text (its literals hold no `$` before a digit);
 * what a caller gives arrives only as parameters, so it is always escaped.
 */
export function inlineParameters(query: SQL): string {
  const { sql: text, params } = dialect.sqlToQuery(query);
  return text.replace(/\$(\d+)\b/g, (_match, position: string) => sqlLiteral(params[Number(position) - 1]));
}

/**
 * The CSV records of `select` as PostgreSQL renders them (LF after each); null on PGlite.
 *
 * Each COPY runs on a connection of its own, closed when it ends: postgres.js pauses its socket
 * when the stream's buffer is full and resumes it only when the stream is read again, so a COPY
 * whose end arrives while paused would leave a pooled connection paused for good, with the
 * statements queued behind it.
 */
export function copyCsvRecords(database: Database, select: SQL): AsyncGenerator<Buffer> | null {
  const open = copyConnectionOpeners.get(database);
  if (!open) return null;
  return records(open(), `copy (${inlineParameters(select)}) to stdout with (format csv)`);
}

/** How long a stopped COPY may take to answer its cancel before its connection is dropped. */
const END_SECONDS = 5;

async function* records(connection: CopyConnection, statement: string): AsyncGenerator<Buffer> {
  const query = connection.unsafe(statement);
  let stream: Readable | undefined;
  let isDone = false;
  try {
    stream = await query.readable();
    // Not destroyed on an early return: what is left must be read for the cancel to arrive.
    for await (const chunk of stream.iterator({ destroyOnReturn: false })) yield chunk as Buffer;
    isDone = true;
  } finally {
    if (!isDone && stream) {
      // Stopped early (the client went away). PostgreSQL acts on a cancel only once its pending
      // write is taken, so what it already sent is read and dropped until the statement ends.
      stream.on('error', () => {});
      stream.resume();
      query.cancel();
    }
    await connection.end({ timeout: END_SECONDS });
  }
}
