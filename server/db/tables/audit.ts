import { bigint, index, jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { eventTime, oneOf, tenantId, writtenAt } from './columns.js';

export const AUDIT_ACTOR_TYPES = ['user', 'system', 'agent', 'workflow'] as const;
export type AuditActorType = (typeof AUDIT_ACTOR_TYPES)[number];

/**
 * The audit log. Each entry is a leaf of the tenant's verifiable log (server/db/tables/log.ts),
 * queued when it is inserted. The sequencer then numbers it: `seq` has no gaps, and `hash` is
 * SHA-256 over `prev_hash` and the entry's canonical form (server/audit/canonical-entry.ts), the
 * linear chain older exports were verified against. Until then seq, prev_hash and hash are null.
 */
export const auditEntries = pgTable(
  'audit_entries',
  {
    tenantId: tenantId(),
    seq: bigint('seq', { mode: 'number' }),
    id: uuid('id').notNull(),
    occurredAt: eventTime('occurred_at').notNull(),
    actorType: text('actor_type', { enum: AUDIT_ACTOR_TYPES }).notNull(),
    actorId: text('actor_id').notNull(),
    actorEmail: text('actor_email'),
    action: text('action').notNull(),
    resourceType: text('resource_type').notNull(),
    resourceId: text('resource_id'),
    resourceName: text('resource_name'),
    before: jsonb('before').$type<Record<string, unknown> | null>(),
    after: jsonb('after').$type<Record<string, unknown> | null>(),
    clientIp: text('client_ip'),
    userAgent: text('user_agent'),
    requestId: text('request_id'),
    prevHash: text('prev_hash'),
    hash: text('hash'),
  },
  (table) => [
    primaryKey({ name: 'audit_entries_pkey', columns: [table.tenantId, table.id] }),
    uniqueIndex('audit_entries_seq_unique').on(table.tenantId, table.seq),
    index('audit_entries_tenant_time_idx').on(table.tenantId, table.occurredAt, table.seq),
    index('audit_entries_tenant_action_idx').on(table.tenantId, table.action, table.seq),
    index('audit_entries_tenant_actor_idx').on(table.tenantId, table.actorId, table.seq),
    index('audit_entries_tenant_resource_idx').on(table.tenantId, table.resourceType, table.resourceId, table.seq),
    oneOf('audit_entries_actor_type_check', table.actorType, AUDIT_ACTOR_TYPES),
  ],
);

export type QueuedAuditEntryRow = typeof auditEntries.$inferSelect;
/** An entry as every reader sees it: numbered into the chain (readers select `seq is not null`). */
export type AuditEntryRow = QueuedAuditEntryRow & { seq: number; prevHash: string; hash: string };

/**
 * The head of each tenant's linear chain, moved by the sequencer as it numbers audit entries.
 * `start_seq`/`start_hash` say where the retained chain begins once retention has cut it.
 */
export const auditChainHeads = pgTable('audit_chain_heads', {
  tenantId: tenantId().primaryKey(),
  seq: bigint('seq', { mode: 'number' }).notNull().default(0),
  hash: text('hash').notNull(),
  startSeq: bigint('start_seq', { mode: 'number' }).notNull().default(1),
  startHash: text('start_hash').notNull(),
  updatedAt: writtenAt('updated_at'),
});

/**
 * Signed checkpoints: an Ed25519 signature over (tenant, seq, head hash, time). One is made every
 * N entries or M minutes, also when nothing was written, so a quiet period is provably quiet.
 */
export const auditCheckpoints = pgTable(
  'audit_checkpoints',
  {
    tenantId: tenantId(),
    id: uuid('id').notNull(),
    seq: bigint('seq', { mode: 'number' }).notNull(),
    headHash: text('head_hash').notNull(),
    signedAt: eventTime('signed_at').notNull(),
    keyId: text('key_id').notNull(),
    signature: text('signature').notNull(),
  },
  (table) => [
    primaryKey({ name: 'audit_checkpoints_pkey', columns: [table.tenantId, table.id] }),
    index('audit_checkpoints_tenant_seq_idx').on(table.tenantId, table.seq, table.signedAt),
    index('audit_checkpoints_tenant_time_idx').on(table.tenantId, table.signedAt),
  ],
);

export type AuditCheckpointRow = typeof auditCheckpoints.$inferSelect;

/** Every public key that ever signed a checkpoint, so rotated keys keep old checkpoints verifiable. */
export const auditSigningKeys = pgTable('audit_signing_keys', {
  keyId: text('key_id').primaryKey(),
  publicKey: text('public_key').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true, precision: 6 }).notNull().defaultNow(),
});

/** Per-tenant retention, in days, for each kind of record; absent means keep forever. */
export const retentionPolicies = pgTable(
  'retention_policies',
  {
    tenantId: tenantId(),
    kind: text('kind').notNull(),
    days: bigint('days', { mode: 'number' }).notNull(),
    updatedAt: writtenAt('updated_at'),
  },
  (table) => [primaryKey({ name: 'retention_policies_pkey', columns: [table.tenantId, table.kind] })],
);
