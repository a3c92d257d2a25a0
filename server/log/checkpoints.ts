/**
 * Signed tree heads. A checkpoint is the C2SP tlog-checkpoint note of a tenant's tree (origin,
 * size, root) with two extension lines: `vigil-time <ISO time>` and `vigil-prev <hex SHA-256 of
 * the previous checkpoint's whole note>` (`none` for the first), signed with the instance's
 * Ed25519 key as a C2SP signed note. The links make the checkpoints one chain: deleting any of
 * them breaks the next one's link, and a witness holding a later one sees any cut of the tail.
 */
import { sql, type Placeholder, type SQL } from 'drizzle-orm';
import { arrayLiteral } from '../db/bulk-insert.js';
import { queryRows, type Executor } from '../db/database.js';
import { logCheckpoints, type LogCheckpointRow } from '../db/tables/index.js';
import { newId } from '../ids.js';
import { publishEvents } from '../realtime/domain-events.js';
import { formatCheckpointBody, noteHash } from './checkpoint-note.js';
import { readLogHead } from './sequencer.js';
import { readCheckpoint } from './checkpoint-chain.js';
import { rootFromStore } from './merkle.js';
import { fetchNodes } from './node-store.js';
import { signNote, type NoteSigner, type NoteVerifier } from './signed-note.js';

export interface CheckpointPolicy {
  readonly everyEntries: number;
  readonly everyMinutes: number;
}

export interface LogSigner {
  /** Names this Vigil deployment in every checkpoint's origin line. */
  readonly instance: string;
  readonly note: NoteSigner;
  /** The keys whose checkpoints this signer builds on (configuration's, never the database's). */
  readonly trusted: readonly NoteVerifier[];
}

/** The tree no longer extends the last signed one: Vigil signs nothing until someone looks. */
export class LogInconsistent extends Error {}

export const originOf = (instance: string, tenantId: string) => `${instance}/tenants/${tenantId}`;

/** Newest first: by signing time, then size (two checkpoints of one time). */
const latestFirst = sql`${logCheckpoints.signedAt} desc, ${logCheckpoints.size} desc`;

export async function latestLogCheckpoint(db: Executor, tenantId: string): Promise<LogCheckpointRow | undefined> {
  const [row] = await db
    .select()
    .from(logCheckpoints)
    .where(sql`${logCheckpoints.tenantId} = ${tenantId}`)
    .orderBy(latestFirst)
    .limit(1);
  return row;
}

/** The row latestLogCheckpoint reads, as a subquery for a statement that reads more with it. */
export const latestCheckpointSql = (tenantId: string | Placeholder): SQL =>
  sql`select * from ${logCheckpoints} where ${logCheckpoints.tenantId} = ${tenantId} order by ${latestFirst} limit 1`;

export function isCheckpointDue(last: { size: number; signedAt: Date } | undefined, size: number, now: Date, policy: CheckpointPolicy): boolean {
  if (!last) return true;
  return size - last.size >= policy.everyEntries || last.signedAt.getTime() <= now.getTime() - policy.everyMinutes * 60_000;
}

/** Those of `tenantIds` whose head is due a checkpoint (by size or time; every one if `force`). */
export async function tenantsDueAmong(db: Executor, tenantIds: readonly string[], now: Date, policy: CheckpointPolicy, force: boolean): Promise<string[]> {
  if (force) return [...tenantIds];
  const rows = await queryRows<{ tenant_id: string; size: string | number; last_size: string | number | null; signed_ms: string | number | null }>(
    db,
    sql`select t.id as tenant_id, coalesce(h.size, 0) as size, c.size as last_size, (extract(epoch from c.signed_at) * 1000)::float8 as signed_ms
        from unnest(${arrayLiteral(tenantIds)}::uuid[]) as t(id)
        left join log_heads h on h.tenant_id = t.id
        left join lateral (select size, signed_at from log_checkpoints where tenant_id = t.id order by signed_at desc, size desc limit 1) c on true`,
  );
  return rows
    .filter((row) =>
      isCheckpointDue(
        row.last_size === null ? undefined : { size: Number(row.last_size), signedAt: new Date(Number(row.signed_ms)) },
        Number(row.size),
        now,
        policy,
      ),
    )
    .map((row) => row.tenant_id);
}

/** Signs the tenant's head as it is now. The caller's transaction holds the tenant's log lock. */
export async function signLogCheckpoint(db: Executor, signer: LogSigner, tenantId: string, now: Date): Promise<LogCheckpointRow> {
  const head = await readLogHead(db, tenantId);
  const previous = await latestLogCheckpoint(db, tenantId);
  if (previous) await assertExtends(db, signer, tenantId, previous, head.size);
  // Checkpoints are ordered by time; a clock that went back would make the next one look older.
  const signedAt = previous && previous.signedAt > now ? previous.signedAt : now;
  const body = formatCheckpointBody({
    origin: originOf(signer.instance, tenantId),
    size: head.size,
    rootHash: head.rootHash,
    extensions: [`vigil-time ${signedAt.toISOString()}`, `vigil-prev ${previous ? noteHash(previous.note) : 'none'}`],
  });
  const note = signNote(body, [signer.note]);
  const [row] = await db.insert(logCheckpoints).values({ tenantId, id: newId(), size: head.size, rootHash: head.rootHash, signedAt, note }).returning();
  await publishEvents(
    db,
    [{ type: 'log.checkpoint_signed', tenantId, checkpointId: row!.id, size: row!.size, rootHash: head.rootHash.toString('base64'), note }],
    signedAt,
  );
  return row!;
}

/** Tenants whose next checkpoint is due by size or by time (a quiet tenant is due by time). */
export async function tenantsDueForCheckpoint(db: Executor, now: Date, policy: CheckpointPolicy): Promise<string[]> {
  const staleBefore = new Date(now.getTime() - policy.everyMinutes * 60_000).toISOString();
  const rows = await queryRows<{ tenant_id: string }>(
    db,
    sql`select t.id as tenant_id from tenants t
        left join log_heads h on h.tenant_id = t.id
        left join lateral (
          select c.size, c.signed_at from log_checkpoints c where c.tenant_id = t.id order by c.signed_at desc, c.size desc limit 1
        ) last on true
        where last.size is null or coalesce(h.size, 0) - last.size >= ${policy.everyEntries} or last.signed_at <= ${staleBefore}::timestamptz
           or exists (select 1 from log_leaves q where q.tenant_id = t.id and q.idx is null)`,
  );
  return rows.map((row) => row.tenant_id);
}

/**
 * Never sign what was not checked against the last signed state: the previous checkpoint must be
 * one a trusted key signed, and the stored tree must still hash, at its size, to its root.
 */
async function assertExtends(db: Executor, signer: LogSigner, tenantId: string, previous: LogCheckpointRow, size: number): Promise<void> {
  const { checkpoint, error } = readCheckpoint(previous.note, tenantId, signer.trusted);
  if (!checkpoint)
    throw new LogInconsistent(`The latest checkpoint of tenant ${tenantId} is not one a trusted key signed (${error}); no new checkpoint is signed`);
  if (size < checkpoint.size) {
    throw new LogInconsistent(
      `The log of tenant ${tenantId} holds ${size} leaves but its latest checkpoint signed ${checkpoint.size}: its tail was cut; no new checkpoint is signed`,
    );
  }
  const root = await rootFromStore(checkpoint.size, (ids) => fetchNodes(db, tenantId, ids)).catch(() => null);
  if (!root || !root.equals(checkpoint.rootHash)) {
    throw new LogInconsistent(
      `The log of tenant ${tenantId} no longer hashes, at ${checkpoint.size} leaves, to the root its latest checkpoint signed; no new checkpoint is signed`,
    );
  }
}
