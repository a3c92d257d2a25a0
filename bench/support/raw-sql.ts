/**
 * The baselines' direct line to the database: hand-written SQL, multi-row INSERT, COPY in and
 * out, with the plainest client there is for each engine.
 */
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { PGlite } from '@electric-sql/pglite';
import postgres from 'postgres';

export interface RawSql {
  query<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>;
  /** COPY `table (columns)` FROM STDIN, CSV. */
  copyIn(table: string, columns: readonly string[], csv: string): Promise<void>;
  /** COPY (`select`) TO STDOUT WITH CSV; returns the bytes read. */
  copyOut(select: string, onChunk?: (bytes: number) => void): Promise<number>;
  close(): Promise<void>;
}

export function createRawSql(target: { url: string } | { pglite: PGlite }): RawSql {
  if ('pglite' in target) {
    const db = target.pglite;
    return {
      async query<T>(text: string, params: unknown[] = []) {
        return (await db.query<T>(text, params)).rows;
      },
      async copyIn(table, columns, csv) {
        await db.query(`copy ${table} (${columns.join(', ')}) from '/dev/blob' with (format csv)`, [], { blob: new Blob([csv]) });
      },
      async copyOut(select) {
        const result = await db.query(`copy (${select}) to '/dev/blob' with (format csv, header)`);
        return result.blob?.size ?? 0;
      },
      async close() {},
    };
  }
  const sql = postgres(target.url, { max: 40, onnotice: () => {} });
  return {
    async query<T>(text: string, params: unknown[] = []) {
      return (await sql.unsafe(text, params as postgres.ParameterOrJSON<never>[])) as unknown as T[];
    },
    async copyIn(table, columns, csv) {
      const stream = await sql.unsafe(`copy ${table} (${columns.join(', ')}) from stdin with (format csv)`).writable();
      await pipeline(Readable.from([csv]), stream);
    },
    async copyOut(select, onChunk) {
      const stream = await sql.unsafe(`copy (${select}) to stdout with (format csv, header)`).readable();
      let bytes = 0;
      await pipeline(
        stream,
        new Writable({
          write(chunk: Buffer, _encoding, done) {
            bytes += chunk.length;
            onChunk?.(chunk.length);
            done();
          },
        }),
      );
      return bytes;
    },
    async close() {
      await sql.end({ timeout: 5 });
    },
  };
}
