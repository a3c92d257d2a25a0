/**
 * Read-only work spread over more than one connection, every one reading the same snapshot: the
 * transaction's own connection, and on PostgreSQL a few more from the pool that import its
 * snapshot (pg_export_snapshot, SET TRANSACTION SNAPSHOT), so a long check uses more than one of
 * the server's cores and still sees one consistent database. PGlite has one connection: there,
 * the work runs on the transaction's, one piece after another.
 *
 * Work is queued and taken by whichever connection is free, the transaction's own included, so
 * nothing waits on a connection the pool cannot give (a busy pool only means less help). A helper
 * that gets its connection after the work is done ends at once.
 */
import { sql } from 'drizzle-orm';
import { queryRows, type Database, type Executor } from './database.js';

interface Queued {
  readonly work: (db: Executor) => Promise<unknown>;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

/** The pool size of a postgres.js database; 1 (no helpers) for PGlite. */
function poolSize(database: Database): number {
  // postgres.js's client is a function carrying its options; PGlite's is an object.
  const client = (database as { $client?: unknown }).$client as { options?: { max?: unknown } } | undefined;
  const max = typeof client === 'function' ? (client as { options?: { max?: unknown } }).options?.max : undefined;
  return typeof max === 'number' ? max : 1;
}

export class SnapshotReaders {
  private readonly idle: Executor[] = [];
  private readonly queue: Queued[] = [];
  /** The helpers' transactions that joined, each ending once released. */
  private readonly joined: Promise<void>[] = [];
  private running = 0;
  private isClosed = false;
  private release = () => {};
  private readonly released = new Promise<void>((resolve) => (this.release = resolve));
  private onIdle: (() => void) | undefined;

  private constructor(own: Executor) {
    this.idle.push(own);
  }

  /**
   * Readers for transaction `tx` of `database` (repeatable read, read only): its own connection,
   * and up to `helpers` more where the pool has them. `prepare` runs first on each helper.
   */
  static async open(database: Database, tx: Executor, helpers: number, prepare: (db: Executor) => Promise<void>): Promise<SnapshotReaders> {
    const readers = new SnapshotReaders(tx);
    const count = Math.min(helpers, poolSize(database) - 1);
    if (count <= 0) return readers;
    const [exported] = await queryRows<{ id: string }>(tx, sql`select pg_export_snapshot() as id`);
    const id = exported!.id;
    if (!/^[0-9A-F-]+$/i.test(id)) return readers;
    for (let i = 0; i < count; i++) {
      let joined = () => {};
      const transaction = database.transaction(
        async (helperTx) => {
          if (readers.isClosed) return;
          // SET TRANSACTION SNAPSHOT takes no parameters; the id was checked above.
          await helperTx.execute(sql.raw(`set transaction snapshot '${id}'`));
          await prepare(helperTx);
          if (readers.isClosed) return;
          joined();
          readers.idle.push(helperTx);
          readers.pump();
          await readers.released;
        },
        { isolationLevel: 'repeatable read', accessMode: 'read only' },
      );
      // A helper that could not join (the snapshot ended, the connection failed) only means less help.
      const ended = transaction.then(
        () => {},
        () => {},
      );
      joined = () => readers.joined.push(ended);
    }
    return readers;
  }

  /**
   * Runs `work` on the first free connection. Work is started before its result is needed, so a
   * failure nobody awaits (the caller stopped on another error) is not reported as unhandled.
   */
  run<T>(work: (db: Executor) => Promise<T>): Promise<T> {
    const result = this.isClosed
      ? Promise.reject(new Error('The snapshot readers are closed'))
      : new Promise<T>((resolve, reject) => {
          this.queue.push({ work, resolve: resolve as (value: unknown) => void, reject });
          this.pump();
        });
    result.catch(() => {});
    return result;
  }

  private pump(): void {
    while (this.idle.length > 0 && this.queue.length > 0) {
      const db = this.idle.shift()!;
      const { work, resolve, reject } = this.queue.shift()!;
      this.running++;
      work(db)
        .then(resolve, reject)
        .finally(() => {
          this.running--;
          this.idle.push(db);
          this.pump();
          if (this.running === 0) this.onIdle?.();
        });
    }
  }

  /**
   * Ends the helpers' transactions once the work running now is done; work still queued is
   * dropped (close after awaiting what you need).
   */
  async close(): Promise<void> {
    this.isClosed = true;
    this.queue.length = 0;
    if (this.running > 0) await new Promise<void>((resolve) => (this.onIdle = resolve));
    this.release();
    await Promise.all(this.joined);
  }
}
