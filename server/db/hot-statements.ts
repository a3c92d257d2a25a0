/**
 * Statements Vigil sends again and again run as prepared statements.
 *
 * drizzle asks postgres.js for an unnamed statement whenever a query is not given a name, and
 * postgres.js sends an unnamed statement with parameters in two round trips: Parse and Describe
 * first, then, once PostgreSQL has told it the parameters' types, Bind and Execute. A prepared
 * statement costs that once per connection; every later run is one write and one round trip. A
 * page of commands sent three such statements, six round trips, where the raw handler it is
 * measured against sends two (bench/RESULTS.md, finding 2).
 *
 * A text is prepared once it has run a few times, and only so many texts are: statements built
 * with a varying number of parameters (an insert of N rows) would otherwise leave one prepared
 * statement per shape on every pooled connection. Those, and rare ones, stay unnamed.
 */
import { LRUCache } from 'lru-cache';
import type { Sql, TransactionSql } from 'postgres';

/** Runs of the same text before it is prepared: a statement sent once or twice is not worth a slot. */
const RUNS_BEFORE_PREPARING = 3;
/** Distinct texts prepared per process; each may be prepared on every pooled connection. */
const MAX_PREPARED_TEXTS = 200;
/** Texts whose runs are being counted. */
const MAX_COUNTED_TEXTS = 2_000;
/** More parameters than this is a batch (its text varies with its size): never prepared. */
const MAX_PARAMETERS = 256;

type UnsafeOptions = { prepare?: boolean } | undefined;

export interface HotStatements {
  /** Whether a statement drizzle sends unnamed should run prepared. */
  shouldPrepare(text: string, parameterCount: number): boolean;
}

export function hotStatements(): HotStatements {
  const runs = new LRUCache<string, number>({ max: MAX_COUNTED_TEXTS });
  const prepared = new Set<string>();
  return {
    shouldPrepare(text, parameterCount) {
      if (prepared.has(text)) return true;
      if (parameterCount === 0 || parameterCount > MAX_PARAMETERS || prepared.size >= MAX_PREPARED_TEXTS) return false;
      const count = (runs.get(text) ?? 0) + 1;
      if (count < RUNS_BEFORE_PREPARING) {
        runs.set(text, count);
        return false;
      }
      runs.delete(text);
      prepared.add(text);
      return true;
    },
  };
}

/**
 * `client` as drizzle should see it: its `unsafe` (what drizzle sends every statement through),
 * also inside transactions and savepoints, prepares the hot statements. Everything else is the
 * client's own.
 */
export function preparingHotStatements<Client extends Sql | TransactionSql>(client: Client, hot: HotStatements = hotStatements()): Client {
  const wrapTransaction = (callback: (tx: TransactionSql) => unknown) => (tx: TransactionSql) => callback(preparingHotStatements(tx, hot));
  return new Proxy(client, {
    get(target, property, receiver) {
      if (property === 'unsafe') {
        return (text: string, parameters?: unknown[], options?: UnsafeOptions) => {
          const isUnnamed = options?.prepare === false;
          const prepare = isUnnamed && hot.shouldPrepare(text, parameters?.length ?? 0);
          return target.unsafe(text, parameters as never, prepare ? { ...options, prepare: true } : options);
        };
      }
      if (property === 'begin' || property === 'savepoint') {
        const method = Reflect.get(target, property, receiver) as (...args: unknown[]) => unknown;
        return (...args: unknown[]) => {
          const last = args.length - 1;
          if (typeof args[last] === 'function') args[last] = wrapTransaction(args[last] as (tx: TransactionSql) => unknown);
          return method.apply(target, args);
        };
      }
      return Reflect.get(target, property, receiver);
    },
  });
}
