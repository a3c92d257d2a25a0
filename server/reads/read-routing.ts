/**
 * Where list queries and record exports read: a read replica (VIGIL_READ_DATABASE_URL) while it is
 * fresh enough, else the primary. Each instance measures its replica itself, so nothing is shared
 * between instances: every `probeIntervalMs` it notes the primary's WAL position and then asks the
 * replica what it has replayed. Once the replica has replayed a noted position, it holds everything
 * committed before that note was taken; how long ago the oldest note it has not replayed was taken
 * (or, when it has replayed them all, the newest one) bounds how stale a read there can be. A
 * replica that does not answer, is not a standby, or is a standby of another database is not read.
 *
 * A request that wrote reads the primary from then on, and a client that must see its own write on
 * a later request passes back the position a write's response gave it (X-Vigil-Read-After): the
 * replica serves that request only once it has replayed that far.
 */
import { sql } from 'drizzle-orm';
import type { Logger } from '../logger.js';
import { queryRows, type Database, type ReplicaConnection } from '../db/database.js';
import { formatWalPosition, parseWalPosition, type WalPosition } from './wal-position.js';

export type ReplicaState = 'ok' | 'behind' | 'unreachable' | 'not-standby' | 'other-database';

export interface ReplicaStatus {
  readonly state: ReplicaState;
  /** How stale a read on the replica could be now, in milliseconds; null when it is not read. */
  readonly stalenessMs: number | null;
  /** The last position the replica said it had replayed. */
  readonly replayed: string | null;
}

export interface ReadSession {
  /** Where this request's list queries and exports read: the same database for the whole request. */
  db(): Database;
  /** The request wrote: from now on it reads the primary, which holds what it wrote. */
  noteWrite(): void;
}

export interface ReadRouting {
  /** A replica is configured (on PGlite and without VIGIL_READ_DATABASE_URL, every read is the primary's). */
  readonly hasReplica: boolean;
  /** The reads of one request; `after` is a position it must see (null: any fresh-enough replica will do). */
  session(after: WalPosition | null): ReadSession;
  /** The primary's WAL position now: a client passes it back to read what it just wrote. */
  writePosition(): Promise<string>;
  status(): ReplicaStatus | null;
  /** How many sessions read each database since the start. */
  readonly routed: { replica: number; primary: number };
  /** Measures once now, then a few times a second until `close()`. */
  start(): Promise<void>;
  close(): Promise<void>;
}

export interface ReadRoutingOptions {
  readonly primary: Database;
  readonly replica?: ReplicaConnection;
  /** Reads go to the replica only while it is at most this stale. */
  readonly maxStalenessMs: number;
  readonly logger: Logger;
}

/** The notes kept of positions the replica has not replayed yet: the oldest is kept, the rest thinned. */
const MAX_NOTES = 64;

export function createReadRouting(options: ReadRoutingOptions): ReadRouting {
  const { primary, replica, maxStalenessMs, logger } = options;
  const routed = { replica: 0, primary: 0 };
  // Often enough that a healthy replica is always well within the bound, yet a few statements a second at most.
  const probeIntervalMs = Math.max(50, Math.min(1000, Math.floor(maxStalenessMs / 4)));
  let state: ReplicaState = 'unreachable';
  let replayed: WalPosition | null = null;
  /** Primary positions, oldest first, with when they were read (ms since the epoch). */
  let notes: { position: WalPosition; at: number }[] = [];
  let isIdentityChecked = false;
  let timer: NodeJS.Timeout | undefined;
  let probing: Promise<void> | undefined;

  const setState = (next: ReplicaState, detail?: Record<string, unknown>) => {
    if (next === state) return;
    const level = next === 'ok' ? 'info' : 'warn';
    logger[level]({ readReplica: next, previous: state, ...detail }, `read replica ${next === 'ok' ? 'in use' : `not used: ${next}`}`);
    state = next;
  };

  /** How stale a read there could be now; null while the replica is not one to read. */
  const stalenessMs = (): number | null => {
    if ((state !== 'ok' && state !== 'behind') || replayed === null) return null;
    const since = notes.find((note) => note.position > replayed!) ?? notes.at(-1);
    return since ? Date.now() - since.at : null;
  };

  /** The state now: staleness grows between probes, so an `ok` replica can have fallen behind since. */
  const currentState = (): ReplicaState => {
    if (state !== 'ok') return state;
    const staleness = stalenessMs();
    return staleness !== null && staleness <= maxStalenessMs ? 'ok' : 'behind';
  };

  async function probe(): Promise<void> {
    // A URL that is not this database's standby stays unread until the configuration changes.
    if (!replica || state === 'other-database') return;
    const at = Date.now();
    const position = await currentPosition(primary);
    let answer: { standby: boolean; replayed: string | null } | undefined;
    try {
      if (!isIdentityChecked) {
        if (!(await isStandbyOfPrimary(primary, replica.db, logger))) {
          setState('other-database');
          return;
        }
        isIdentityChecked = true;
      }
      [answer] = await queryRows<{ standby: boolean; replayed: string | null }>(
        replica.db,
        sql`select pg_is_in_recovery() as standby, pg_last_wal_replay_lsn()::text as replayed`,
      );
    } catch (error) {
      setState('unreachable', { err: error });
      return;
    }
    if (!answer?.standby || answer.replayed === null) {
      setState('not-standby');
      return;
    }
    replayed = parseWalPosition(answer.replayed);
    notes.push({ position, at });
    notes = notes.filter((note, index) => note.position > replayed! || index === notes.length - 1);
    if (notes.length > MAX_NOTES) notes.splice(1, 1);
    const staleness = stalenessMs();
    setState(staleness !== null && staleness <= maxStalenessMs ? 'ok' : 'behind', { stalenessMs: staleness });
  }

  const probeLogged = () => {
    probing ??= probe()
      .catch((error: unknown) => logger.warn({ err: error }, 'measuring the read replica failed'))
      .finally(() => {
        probing = undefined;
      });
    return probing;
  };

  const readerFor = (after: WalPosition | null): Database =>
    replica && currentState() === 'ok' && (after === null || (replayed !== null && replayed >= after)) ? replica.db : primary;

  return {
    hasReplica: replica !== undefined,
    routed,
    session(after) {
      let chosen: Database | undefined;
      let hasWritten = false;
      return {
        db() {
          if (hasWritten) return primary;
          if (!chosen) {
            chosen = readerFor(after);
            routed[chosen === primary ? 'primary' : 'replica'] += 1;
          }
          return chosen;
        },
        noteWrite() {
          hasWritten = true;
        },
      };
    },
    writePosition: () => currentPosition(primary).then(formatWalPosition),
    status() {
      if (!replica) return null;
      return { state: currentState(), stalenessMs: stalenessMs(), replayed: replayed === null ? null : formatWalPosition(replayed) };
    },
    async start() {
      if (!replica) return;
      await probeLogged();
      timer = setInterval(() => void probeLogged(), probeIntervalMs);
      timer.unref();
    },
    // The replica's connections are the database handle's to close.
    async close() {
      clearInterval(timer);
      await probing;
    },
  };
}

async function currentPosition(db: Database): Promise<WalPosition> {
  const [row] = await queryRows<{ position: string }>(db, sql`select pg_current_wal_lsn()::text as position`);
  const position = row && parseWalPosition(row.position);
  if (position === undefined || position === null) throw new Error(`PostgreSQL gave an unreadable WAL position: ${row?.position}`);
  return position;
}

/**
 * A physical standby has its primary's system identifier and the same database oids: a URL naming
 * another cluster, or another database of the same one, would show rows that are not this Vigil's.
 * Rejects when the replica does not answer (it is checked again at the next probe).
 */
async function isStandbyOfPrimary(primary: Database, replica: Database, logger: Logger): Promise<boolean> {
  const identity = sql`select system_identifier::text as system, (select oid::text from pg_database where datname = current_database()) as database
    from pg_control_system()`;
  const [[ours], [theirs]] = await Promise.all([
    queryRows<{ system: string; database: string }>(primary, identity),
    queryRows<{ system: string; database: string }>(replica, identity),
  ]);
  if (ours && theirs && ours.system === theirs.system && ours.database === theirs.database) return true;
  logger.error(
    { primary: ours, replica: theirs },
    'VIGIL_READ_DATABASE_URL is not a standby of DATABASE_URL’s database (another cluster or database): it is never read',
  );
  return false;
}
