import { sql } from 'drizzle-orm';
import { check, index, integer, jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { oneOf, sameTenantReference, tenantId, writtenAt } from './columns.js';
import { users } from './users.js';

/**
 * The grants a review may cover: a user's standing permissions, the admin role, group memberships
 * (groups make approvers), custom role assignments, standing sudo grants (made by an admin outside
 * any request), person API tokens and long-lived access sessions (since migration 0035).
 */
export const REVIEW_ITEM_KINDS = ['permission', 'admin_role', 'group', 'role_assignment', 'sudo_grant', 'api_token', 'access_session'] as const;
export type ReviewItemKind = (typeof REVIEW_ITEM_KINDS)[number];

export const ACCESS_REVIEW_STATUSES = ['open', 'completed', 'cancelled'] as const;
export type AccessReviewStatus = (typeof ACCESS_REVIEW_STATUSES)[number];

export const REVIEW_DECISIONS = ['keep', 'revoke'] as const;
export type ReviewDecision = (typeof REVIEW_DECISIONS)[number];

/** What a revoke found: the grant taken away, or already gone since the snapshot. */
export const REVOKE_OUTCOMES = ['revoked', 'already_gone'] as const;
export type RevokeOutcome = (typeof REVOKE_OUTCOMES)[number];

const at = (name: string) => timestamp(name, { withTimezone: true, precision: 6 });

/**
 * An access review campaign: which kinds of grant it re-certifies, who reviews, by when. A
 * recurring one (a cron expression in a time zone) starts the next campaign of its series at the
 * next run; (tenant, series, period) is unique, so two instances never start the same one.
 */
export const accessReviews = pgTable(
  'access_reviews',
  {
    tenantId: tenantId(),
    id: uuid('id').notNull(),
    /** The recurring campaigns of one review share it (a one-off review is a series of one). */
    seriesId: uuid('series_id').notNull(),
    name: text('name').notNull(),
    description: text('description').notNull().default(''),
    grantKinds: text('grant_kinds').array().notNull(),
    /** With api_token: only tokens at least this many days old (null: every token in force). */
    tokenMinAgeDays: integer('token_min_age_days'),
    reviewerIds: uuid('reviewer_ids')
      .array()
      .notNull()
      .default(sql`'{}'::uuid[]`),
    reviewerGroups: text('reviewer_groups')
      .array()
      .notNull()
      .default(sql`'{}'::text[]`),
    /** The run of the schedule this campaign belongs to (its creation, for the first). */
    periodStart: at('period_start').notNull(),
    dueAt: at('due_at').notNull(),
    recurrence: text('recurrence'),
    timeZone: text('time_zone'),
    status: text('status', { enum: ACCESS_REVIEW_STATUSES }).notNull().default('open'),
    /** When items still undecided past due_at were escalated to the admins (once). */
    overdueAt: at('overdue_at'),
    /** Null for a campaign the schedule started. */
    createdById: uuid('created_by_id'),
    createdAt: writtenAt(),
    completedAt: at('completed_at'),
    cancelledAt: at('cancelled_at'),
    closedById: uuid('closed_by_id'),
  },
  (table) => [
    primaryKey({ name: 'access_reviews_pkey', columns: [table.tenantId, table.id] }),
    uniqueIndex('access_reviews_series_period_unique').on(table.tenantId, table.seriesId, table.periodStart),
    index('access_reviews_tenant_status_due_idx').on(table.tenantId, table.status, table.dueAt),
    sameTenantReference('access_reviews_created_by_fk', { tenantId: table.tenantId, column: table.createdById }, users),
    sameTenantReference('access_reviews_closed_by_fk', { tenantId: table.tenantId, column: table.closedById }, users),
    oneOf('access_reviews_status_check', table.status, ACCESS_REVIEW_STATUSES),
    check('access_reviews_recurrence_check', sql`(${table.recurrence} is null) = (${table.timeZone} is null)`),
  ],
);

export type AccessReviewRow = typeof accessReviews.$inferSelect;

/**
 * One grant under review: its kind, whose it is, which grant (grant_ref: a permission's name, a
 * group's name, a token's or a role assignment's id) and what it was when the campaign started
 * (grant_snapshot), then the decision. A revoke took effect in the deciding transaction.
 */
export const accessReviewItems = pgTable(
  'access_review_items',
  {
    tenantId: tenantId(),
    id: uuid('id').notNull(),
    reviewId: uuid('review_id').notNull(),
    itemKind: text('item_kind', { enum: REVIEW_ITEM_KINDS }).notNull(),
    /** Whose grant; null for a role assigned to a group (grant_snapshot names the group). */
    subjectUserId: uuid('subject_user_id'),
    grantRef: text('grant_ref').notNull(),
    grantSnapshot: jsonb('grant_snapshot').$type<Record<string, unknown>>().notNull(),
    assignedReviewerId: uuid('assigned_reviewer_id'),
    decision: text('decision', { enum: REVIEW_DECISIONS }),
    reason: text('reason'),
    decidedById: uuid('decided_by_id'),
    decidedAt: at('decided_at'),
    revokedAt: at('revoked_at'),
    revokeOutcome: text('revoke_outcome', { enum: REVOKE_OUTCOMES }),
    createdAt: writtenAt(),
  },
  (table) => [
    primaryKey({ name: 'access_review_items_pkey', columns: [table.tenantId, table.id] }),
    uniqueIndex('access_review_items_grant_unique').on(table.tenantId, table.reviewId, table.itemKind, table.grantRef, table.subjectUserId),
    index('access_review_items_reviewer_idx').on(table.tenantId, table.assignedReviewerId, table.decision),
    sameTenantReference('access_review_items_review_fk', { tenantId: table.tenantId, column: table.reviewId }, accessReviews),
    sameTenantReference('access_review_items_subject_fk', { tenantId: table.tenantId, column: table.subjectUserId }, users),
    sameTenantReference('access_review_items_reviewer_fk', { tenantId: table.tenantId, column: table.assignedReviewerId }, users),
    sameTenantReference('access_review_items_decided_by_fk', { tenantId: table.tenantId, column: table.decidedById }, users),
    oneOf('access_review_items_kind_check', table.itemKind, REVIEW_ITEM_KINDS),
    check('access_review_items_decision_check', sql`${table.decision} is null or ${table.decision} in ('keep', 'revoke')`),
    check('access_review_items_revoke_outcome_check', sql`${table.revokeOutcome} is null or ${table.revokeOutcome} in ('revoked', 'already_gone')`),
    check('access_review_items_revoke_reason_check', sql`${table.decision} is distinct from 'revoke' or ${table.reason} is not null`),
  ],
);

export type AccessReviewItemRow = typeof accessReviewItems.$inferSelect;

/**
 * When a reviewer was last reminded of the reviews waiting for them: bookkeeping of the periodic
 * job (at most one reminder a day per reviewer, on any instance), not a fact of the log.
 */
export const accessReviewReminders = pgTable(
  'access_review_reminders',
  {
    tenantId: tenantId(),
    reviewerId: uuid('reviewer_id').notNull(),
    lastRemindedAt: at('last_reminded_at').notNull(),
  },
  (table) => [
    primaryKey({ name: 'access_review_reminders_pkey', columns: [table.tenantId, table.reviewerId] }),
    sameTenantReference('access_review_reminders_reviewer_fk', { tenantId: table.tenantId, column: table.reviewerId }, users),
  ],
);
