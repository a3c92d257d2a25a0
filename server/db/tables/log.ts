import { sql } from 'drizzle-orm';
import { bigint, bigserial, foreignKey, index, pgTable, primaryKey, smallint, text, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { bytes, eventTime, tenantId, writtenAt } from './columns.js';

/**
 * The verifiable log: one append-only RFC 6962 Merkle tree per tenant whose leaves are every
 * version of every record Vigil stores (server/log/leaf-kinds.ts lists them). Writers never touch
 * this table themselves: triggers on the record tables queue a leaf (idx null) in the writing
 * transaction, for Vigil's own sessions (server/db/log-writer.ts), and the sequencer (server/log/sequencer.ts) gives queued leaves their positions in
 * batches. `leaf` is the RFC 8785 text the leaf hash covers; retention drops it and keeps the hash.
 */
export const logLeaves = pgTable(
  'log_leaves',
  {
    tenantId: tenantId(),
    /** Order of queueing within a transaction. */
    leafId: bigserial('leaf_id', { mode: 'number' }).notNull(),
    /** The leaf's position in the tenant's tree, null while queued. */
    idx: bigint('idx', { mode: 'number' }),
    kind: text('kind').notNull(),
    recordId: text('record_id').notNull(),
    leaf: text('leaf'),
    leafHash: bytes('leaf_hash').notNull(),
    /**
     * The writing transaction: a version is explained by the audit entry written with it, and a
     * transaction's leaves sit side by side in the tree. Leaves of format v2 carry it in their
     * text too, so the hash covers it.
     */
    xact: bigint('xact', { mode: 'number' })
      .notNull()
      .default(sql`txid_current()`),
    queuedAt: writtenAt('queued_at'),
  },
  (table) => [
    primaryKey({ name: 'log_leaves_pkey', columns: [table.tenantId, table.leafId] }),
    // Partial: a queued leaf has no position, so queueing maintains one index fewer.
    uniqueIndex('log_leaves_placed_idx')
      .on(table.tenantId, table.idx)
      .where(sql`${table.idx} is not null`),
    index('log_leaves_record_idx').on(table.tenantId, table.recordId, table.leafId),
    // The sequencer takes queued leaves a transaction at a time (server/log/sequencer.ts).
    index('log_leaves_queue_xact_idx')
      .on(table.tenantId, table.xact, table.leafId)
      .where(sql`${table.idx} is null`),
  ],
);

export type LogLeafRow = typeof logLeaves.$inferSelect;

/**
 * Every perfect subtree of level >= 1 (2^level leaves from index * 2^level): with the leaf hashes,
 * any root, inclusion proof or consistency proof of any tree size is read in one query.
 */
export const logNodes = pgTable(
  'log_nodes',
  {
    tenantId: tenantId(),
    level: smallint('level').notNull(),
    idx: bigint('idx', { mode: 'number' }).notNull(),
    hash: bytes('hash').notNull(),
  },
  (table) => [primaryKey({ name: 'log_nodes_pkey', columns: [table.tenantId, table.level, table.idx] })],
);

/** Each tenant's tree as the sequencer last left it. */
export const logHeads = pgTable('log_heads', {
  tenantId: tenantId().primaryKey(),
  size: bigint('size', { mode: 'number' }).notNull().default(0),
  rootHash: bytes('root_hash').notNull(),
  updatedAt: writtenAt('updated_at'),
});

/**
 * Signed tree heads: C2SP tlog-checkpoint notes signed with Ed25519 (server/log/checkpoint-note.ts).
 * Each names the previous one's hash in an extension line, so a deleted checkpoint breaks the chain.
 */
export const logCheckpoints = pgTable(
  'log_checkpoints',
  {
    tenantId: tenantId(),
    id: uuid('id').notNull(),
    size: bigint('size', { mode: 'number' }).notNull(),
    rootHash: bytes('root_hash').notNull(),
    signedAt: eventTime('signed_at').notNull(),
    note: text('note').notNull(),
  },
  (table) => [
    primaryKey({ name: 'log_checkpoints_pkey', columns: [table.tenantId, table.id] }),
    index('log_checkpoints_tenant_time_idx').on(table.tenantId, table.signedAt),
    index('log_checkpoints_tenant_size_idx').on(table.tenantId, table.size),
  ],
);

export type LogCheckpointRow = typeof logCheckpoints.$inferSelect;

/**
 * Witnesses' cosignatures of checkpoints (C2SP tlog-cosignature, server/log/cosignature.ts): each
 * a signature line a witness made after it checked the checkpoint extends what it saw before, and
 * sent back (POST /log/cosignatures). Only lines that verify under a key of VIGIL_LOG_WITNESS_KEYS
 * are kept, the newest per witness and checkpoint. Each line proves itself: a reader checks it with
 * the witness's key, so a row forged here proves nothing, and a row deleted only lowers the count
 * of witnesses a reader sees.
 */
export const logCosignatures = pgTable(
  'log_cosignatures',
  {
    tenantId: tenantId(),
    checkpointId: uuid('checkpoint_id').notNull(),
    witnessName: text('witness_name').notNull(),
    /** The witness key's id, hex (8 digits). */
    keyId: text('key_id').notNull(),
    /** The time the witness stated in its cosignature. */
    cosignedAt: eventTime('cosigned_at').notNull(),
    /** The signature line, newline included, as it is appended to the checkpoint's note. */
    line: text('line').notNull(),
    receivedAt: eventTime('received_at').notNull(),
  },
  (table) => [
    primaryKey({ name: 'log_cosignatures_pkey', columns: [table.tenantId, table.checkpointId, table.witnessName, table.keyId] }),
    foreignKey({
      name: 'log_cosignatures_checkpoint_fk',
      columns: [table.tenantId, table.checkpointId],
      foreignColumns: [logCheckpoints.tenantId, logCheckpoints.id],
    }).onDelete('cascade'),
  ],
);

export type LogCosignatureRow = typeof logCosignatures.$inferSelect;

/**
 * A witness that refused a checkpoint Vigil offered it (server/log/witness-push.ts) because it
 * contradicts what the witness cosigned before: a proof that does not verify, another root at the
 * same size, a smaller tree. One row per checkpoint and witness, so the alarm it raises is raised
 * once, whichever instance heard the refusal.
 */
export const logWitnessRefusals = pgTable(
  'log_witness_refusals',
  {
    tenantId: tenantId(),
    checkpointId: uuid('checkpoint_id').notNull(),
    witnessName: text('witness_name').notNull(),
    keyId: text('key_id').notNull(),
    /** The witness's HTTP status (409, 422), or 0 when Vigil found the contradiction in its answer. */
    status: smallint('status').notNull(),
    reason: text('reason').notNull(),
    refusedAt: eventTime('refused_at').notNull(),
  },
  (table) => [
    primaryKey({ name: 'log_witness_refusals_pkey', columns: [table.tenantId, table.checkpointId, table.witnessName, table.keyId] }),
    foreignKey({
      name: 'log_witness_refusals_checkpoint_fk',
      columns: [table.tenantId, table.checkpointId],
      foreignColumns: [logCheckpoints.tenantId, logCheckpoints.id],
    }).onDelete('cascade'),
  ],
);

export type LogWitnessRefusalRow = typeof logWitnessRefusals.$inferSelect;

/**
 * The log's archive in object storage (server/archive/): one object per tenant and closed period,
 * holding the leaves from the previous object's checkpoint to this one's. A row is claimed before
 * its checkpoint is chosen and its object uploaded, so a crash anywhere leaves a row that any
 * instance finishes; what the object holds is fixed once `size` is, so an upload tried again
 * writes the same bytes under the same key. Delivery state, like the webhook outbox: the objects
 * carry their own proofs, and a row changed here changes nothing they prove.
 */
export const logArchiveObjects = pgTable(
  'log_archive_objects',
  {
    tenantId: tenantId(),
    periodStart: eventTime('period_start').notNull(),
    periodEnd: eventTime('period_end').notNull(),
    /** The first position in the object (the previous object's size); null until the checkpoint is chosen. */
    fromSize: bigint('from_size', { mode: 'number' }),
    previousCheckpointId: uuid('previous_checkpoint_id'),
    size: bigint('size', { mode: 'number' }),
    checkpointId: uuid('checkpoint_id'),
    objectKey: text('object_key'),
    bytes: bigint('bytes', { mode: 'number' }),
    sha256: bytes('sha256'),
    /** Until when the instance that took the row works on it; another takes it over after. */
    leaseUntil: eventTime('lease_until'),
    attempts: smallint('attempts').notNull().default(0),
    lastError: text('last_error'),
    createdAt: writtenAt('created_at'),
    uploadedAt: eventTime('uploaded_at'),
  },
  (table) => [
    primaryKey({ name: 'log_archive_objects_pkey', columns: [table.tenantId, table.periodStart] }),
    index('log_archive_objects_pending_idx')
      .on(table.tenantId, table.periodStart)
      .where(sql`${table.uploadedAt} is null`),
  ],
);

export type LogArchiveObjectRow = typeof logArchiveObjects.$inferSelect;
