import { index, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { oneOf, sameTenantReference, tenantId, writtenAt } from './columns.js';
import { users } from './users.js';

/** Where an investigation stands: `closed` is final unless an admin reopens it (server/cases/case-status.ts). */
export const CASE_STATUSES = ['open', 'investigating', 'resolved', 'closed'] as const;
export type CaseStatus = (typeof CASE_STATUSES)[number];

export const CASE_SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;
export type CaseSeverity = (typeof CASE_SEVERITIES)[number];

/**
 * What may be attached to a case: the leaf kinds of the records the verifiable log covers (the
 * names of server/log/leaf-kinds.ts), so a case's bundle proves each item by its leaf. The API
 * offers those it can show (server/cases/case-item-kinds.ts); the rest are allowed here so that
 * offering one later needs no migration.
 */
export const CASE_ITEM_KINDS = [
  'audit_entry',
  'activity',
  'access_session',
  'terminal_session',
  'command',
  'command_status_change',
  'file_transfer',
  'system_log',
  'sudo_authorization',
  'sudo_check',
  'session_check',
  'approval',
  'approval_decision',
  'agent_directive',
  'terminal_recording',
  'recording_chunk',
  'desktop_recording',
  'desktop_recording_chunk',
] as const;
export type CaseItemKind = (typeof CASE_ITEM_KINDS)[number];

/** An incident case: what investigators found in the record, with its status, severity and assignee. */
export const cases = pgTable(
  'cases',
  {
    tenantId: tenantId(),
    id: uuid('id').notNull(),
    title: text('title').notNull(),
    description: text('description').notNull().default(''),
    status: text('status', { enum: CASE_STATUSES }).notNull().default('open'),
    severity: text('severity', { enum: CASE_SEVERITIES }).notNull(),
    assigneeUserId: uuid('assignee_user_id'),
    createdById: uuid('created_by_id').notNull(),
    createdAt: writtenAt(),
    updatedAt: timestamp('updated_at', { withTimezone: true, precision: 6 }).notNull().defaultNow(),
    closedAt: timestamp('closed_at', { withTimezone: true, precision: 6 }),
  },
  (table) => [
    primaryKey({ name: 'cases_pkey', columns: [table.tenantId, table.id] }),
    // "My cases": the list filtered by assignee (newest first by the UUIDv7 id, the key's order).
    index('cases_tenant_assignee_idx').on(table.tenantId, table.assigneeUserId, table.id),
    sameTenantReference('cases_assignee_fk', { tenantId: table.tenantId, column: table.assigneeUserId }, users),
    sameTenantReference('cases_created_by_fk', { tenantId: table.tenantId, column: table.createdById }, users),
    oneOf('cases_status_check', table.status, CASE_STATUSES),
    oneOf('cases_severity_check', table.severity, CASE_SEVERITIES),
  ],
);

/**
 * A record attached to a case, once per case: detaching sets removed_at and removed_by_id (the
 * attachment's history stays, as versions of its leaf); attaching it again clears them.
 */
export const caseItems = pgTable(
  'case_items',
  {
    tenantId: tenantId(),
    caseId: uuid('case_id').notNull(),
    id: uuid('id').notNull(),
    itemKind: text('item_kind', { enum: CASE_ITEM_KINDS }).notNull(),
    /** The record's id as its leaf names it (server/log/leaf-kinds.ts recordId). */
    itemId: text('item_id').notNull(),
    note: text('note').notNull().default(''),
    addedById: uuid('added_by_id').notNull(),
    addedAt: writtenAt('added_at'),
    removedAt: timestamp('removed_at', { withTimezone: true, precision: 6 }),
    removedById: uuid('removed_by_id'),
  },
  (table) => [
    primaryKey({ name: 'case_items_pkey', columns: [table.tenantId, table.id] }),
    uniqueIndex('case_items_tenant_case_item_unique').on(table.tenantId, table.caseId, table.itemKind, table.itemId),
    sameTenantReference('case_items_case_fk', { tenantId: table.tenantId, column: table.caseId }, cases),
    sameTenantReference('case_items_added_by_fk', { tenantId: table.tenantId, column: table.addedById }, users),
    sameTenantReference('case_items_removed_by_fk', { tenantId: table.tenantId, column: table.removedById }, users),
    oneOf('case_items_kind_check', table.itemKind, CASE_ITEM_KINDS),
  ],
);

/** What investigators wrote on a case, oldest first. Append-only: the API neither edits nor deletes a note. */
export const caseNotes = pgTable(
  'case_notes',
  {
    tenantId: tenantId(),
    caseId: uuid('case_id').notNull(),
    id: uuid('id').notNull(),
    authorId: uuid('author_id').notNull(),
    body: text('body').notNull(),
    createdAt: writtenAt(),
  },
  (table) => [
    primaryKey({ name: 'case_notes_pkey', columns: [table.tenantId, table.id] }),
    index('case_notes_tenant_case_idx').on(table.tenantId, table.caseId, table.createdAt),
    sameTenantReference('case_notes_case_fk', { tenantId: table.tenantId, column: table.caseId }, cases),
    sameTenantReference('case_notes_author_fk', { tenantId: table.tenantId, column: table.authorId }, users),
  ],
);

export type CaseRow = typeof cases.$inferSelect;
export type CaseItemRow = typeof caseItems.$inferSelect;
export type CaseNoteRow = typeof caseNotes.$inferSelect;
