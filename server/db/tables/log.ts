import { sql } from 'drizzle-orm';
import { bigint, bigserial, index, pgTable, primaryKey, smallint, text, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
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
