/**
 * In-app notifications: sent to one person or broadcast to the tenant, read one by one or all at
 * once, and pushed live to the recipient's `notificationReceived` subscription when the sending
 * transaction commits.
 */
import { and, eq, isNull, or, sql, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import { queryRows, type Executor } from '../db/database.js';
import { NOTIFICATION_CATEGORIES, SEVERITIES, notificationReads, notifications, type NotificationCategory, type NotificationRow } from '../db/tables/index.js';
import { recordChange } from '../audit/record-change.js';
import { BadInput, NotFound } from '../errors.js';
import { findUserByRef } from '../identity/users.js';
import { newId } from '../ids.js';
import { fetchPage, type Page, type PageArgs } from '../pagination/keyset.js';
import { publishEvents } from '../realtime/domain-events.js';
import { inTimeRange, oneOfIfGiven, type TimeRange } from '../records/queries/conditions.js';
import type { TransactionContext } from '../service-context.js';
import { parseInput } from '../validation.js';

/**
 * A link a front end may put in an href as it is: an absolute http(s) URL, or a path on the same
 * site. Not `javascript:` or `data:` (script in the reader's session), nor `//host` or `/\host`,
 * which browsers take as another site.
 */
function isSafeLink(link: string): boolean {
  if (/[\u0000-\u001f\u007f\\]/.test(link)) return false;
  if (link.startsWith('/')) return !link.startsWith('//');
  try {
    const url = new URL(link);
    return url.protocol === 'https:' || url.protocol === 'http:';
  } catch {
    return false;
  }
}

const notificationInput = z.object({
  category: z.enum(NOTIFICATION_CATEGORIES),
  severity: z.enum(SEVERITIES).default('info'),
  title: z.string().trim().min(1, 'must not be empty').max(200, 'must be at most 200 characters'),
  body: z.string().trim().max(4000, 'must be at most 4000 characters').default(''),
  link: z.string().trim().max(2000, 'must be at most 2000 characters').refine(isSafeLink, 'must be an http(s) URL or a path starting with /').nullish(),
  resourceType: z.string().trim().max(64).nullish(),
  resourceId: z.string().trim().max(128).nullish(),
});

export type NotificationInput = z.input<typeof notificationInput>;

/** Sends notifications to `userIds` (null: the whole tenant), in the caller's transaction. */
export async function notify(ctx: TransactionContext, userIds: readonly (string | null)[], input: NotificationInput): Promise<NotificationRow[]> {
  if (userIds.length === 0) return [];
  const parsed = parseInput(notificationInput, input, 'input');
  const now = ctx.clock.now();
  const rows = await ctx.db
    .insert(notifications)
    .values(
      userIds.map((userId) => ({
        tenantId: ctx.actor.tenantId,
        id: newId(),
        userId,
        category: parsed.category,
        severity: parsed.severity,
        title: parsed.title,
        body: parsed.body,
        link: parsed.link ?? null,
        resourceType: parsed.resourceType ?? null,
        resourceId: parsed.resourceId ?? null,
        createdAt: now,
      })),
    )
    .returning();
  await publishEvents(
    ctx.db,
    rows.map((row) => ({ type: 'notification.created' as const, tenantId: row.tenantId, notificationId: row.id, userId: row.userId })),
    now,
  );
  return rows;
}

/** An admin's notification: to one user (by id or email), or broadcast. */
export async function sendNotification(ctx: TransactionContext, recipient: string | null | undefined, input: NotificationInput): Promise<NotificationRow> {
  let userId: string | null = null;
  if (recipient != null) {
    // An empty recipient is a mistake (an empty form field), not a request to tell everyone.
    if (recipient.trim() === '') throw new BadInput('input.user', 'input.user: must not be empty; omit it to broadcast');
    const user = await findUserByRef(ctx.db, ctx.actor.tenantId, recipient);
    if (!user) throw new BadInput('input.user', `input.user: no user ${recipient} in this tenant`);
    userId = user.id;
  }
  const [row] = await notify(ctx, [userId], input);
  // What someone chose to tell others (and link them to) is on the record like any other change.
  await recordChange(ctx, {
    action: 'notification.sent',
    resource: { type: 'notification', id: row!.id, name: row!.title },
    after: { recipient: userId ?? 'everyone', category: row!.category, severity: row!.severity, title: row!.title, link: row!.link },
  });
  return row!;
}

/** A notification as one person sees it. */
export interface NotificationView extends NotificationRow {
  readonly isRead: boolean;
}

const isRead = (tenantId: string, userId: string) => sql<boolean>`exists (
  select 1 from ${notificationReads} r where r.tenant_id = ${tenantId} and r.user_id = ${userId} and r.notification_id = ${notifications.id})`;

/** Notifications a person receives: their own and the tenant's broadcasts. */
const visibleTo = (tenantId: string, userId: string): SQL[] => [
  eq(notifications.tenantId, tenantId),
  or(eq(notifications.userId, userId), isNull(notifications.userId))!,
];

export interface NotificationFilter extends TimeRange {
  category?: NotificationCategory[] | null;
  isUnread?: boolean | null;
}

export async function listNotifications(
  db: Executor,
  tenantId: string,
  userId: string,
  filter: NotificationFilter,
  args: PageArgs,
): Promise<Page<NotificationView>> {
  const read = isRead(tenantId, userId);
  const conditions = [
    ...visibleTo(tenantId, userId),
    oneOfIfGiven(notifications.category, filter.category),
    inTimeRange(notifications.createdAt, filter),
    filter.isUnread === true ? sql`not ${read}` : filter.isUnread === false ? read : undefined,
  ];
  return fetchPage(
    args,
    [notifications.createdAt, notifications.id],
    (row) => [row.createdAt.toISOString(), row.id],
    ({ where, orderBy, limit }) =>
      db
        .select({ row: notifications, isRead: read })
        .from(notifications)
        .where(and(...conditions, where))
        .orderBy(...orderBy)
        .limit(limit)
        .then((rows) => rows.map(({ row, isRead: wasRead }) => ({ ...row, isRead: Boolean(wasRead) }))),
  );
}

export async function unreadNotificationCount(db: Executor, tenantId: string, userId: string): Promise<number> {
  const [row] = await db
    .select({ count: sql<number>`count(*)::int` })
    .from(notifications)
    .where(and(...visibleTo(tenantId, userId), sql`not ${isRead(tenantId, userId)}`));
  return Number(row?.count ?? 0);
}

export async function getNotificationView(db: Executor, tenantId: string, userId: string, id: string): Promise<NotificationView> {
  const [found] = await db
    .select({ row: notifications, isRead: isRead(tenantId, userId) })
    .from(notifications)
    .where(and(...visibleTo(tenantId, userId), eq(notifications.id, id)));
  if (!found) throw new NotFound('Notification', id);
  return { ...found.row, isRead: Boolean(found.isRead) };
}

/** A notification as its recipients first see it, unread: what their live subscription delivers. */
export async function newNotificationView(db: Executor, tenantId: string, id: string): Promise<NotificationView | undefined> {
  const [row] = await db
    .select()
    .from(notifications)
    .where(and(eq(notifications.tenantId, tenantId), eq(notifications.id, id)));
  return row && { ...row, isRead: false };
}

export async function markNotificationRead(ctx: TransactionContext, userId: string, id: string): Promise<NotificationView> {
  await getNotificationView(ctx.db, ctx.actor.tenantId, userId, id);
  await ctx.db.insert(notificationReads).values({ tenantId: ctx.actor.tenantId, userId, notificationId: id, readAt: ctx.clock.now() }).onConflictDoNothing();
  return getNotificationView(ctx.db, ctx.actor.tenantId, userId, id);
}

/**
 * Marks everything received so far read, one read row per notification that was unread: a
 * notification sent in the same instant, or committed a moment later, stays unread. Returns how
 * many were unread.
 */
export async function markAllNotificationsRead(ctx: TransactionContext, userId: string): Promise<number> {
  const tenantId = ctx.actor.tenantId;
  const marked = await queryRows<{ notification_id: string }>(
    ctx.db,
    sql`insert into notification_reads (tenant_id, user_id, notification_id, read_at)
        select ${tenantId}, ${userId}, ${notifications.id}, ${ctx.clock.now().toISOString()}::timestamptz
        from ${notifications}
        where ${and(...visibleTo(tenantId, userId), sql`not ${isRead(tenantId, userId)}`)}
        on conflict do nothing
        returning notification_id`,
  );
  return marked.length;
}
