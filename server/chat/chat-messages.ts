/** What the bots posted, so every copy can be updated, and claims so each post is made once. */
import { and, eq, sql, type SQL } from 'drizzle-orm';
import { queryRows, type Executor } from '../db/database.js';
import { chatMessages, chatNotices, type ChatMessageRow, type ChatProvider, type ChatSubject } from '../db/tables/index.js';

/**
 * True for exactly one caller per key, on every instance together: the domain event that prompts
 * a post is heard by all of them, and only the one that claims it posts.
 */
export async function claimNotice(db: Executor, tenantId: string, provider: ChatProvider, key: string): Promise<boolean> {
  const claimed = await db.insert(chatNotices).values({ tenantId, provider, key }).onConflictDoNothing().returning({ key: chatNotices.key });
  return claimed.length === 1;
}

export async function saveChatMessage(
  db: Executor,
  message: {
    tenantId: string;
    provider: ChatProvider;
    subjectType: ChatSubject;
    subjectId: string;
    conversation: string;
    messageId: string;
    reference?: Record<string, unknown> | null;
  },
): Promise<void> {
  await db
    .insert(chatMessages)
    .values({ ...message, reference: message.reference ?? null })
    .onConflictDoNothing();
}

export function chatMessagesOf(db: Executor, tenantId: string, provider: ChatProvider, subjectType: ChatSubject, subjectId: string): Promise<ChatMessageRow[]> {
  return db
    .select()
    .from(chatMessages)
    .where(
      and(
        eq(chatMessages.tenantId, tenantId),
        eq(chatMessages.provider, provider),
        eq(chatMessages.subjectType, subjectType),
        eq(chatMessages.subjectId, subjectId),
      ),
    );
}

/** How long the event that announces a request has before the sweep takes it up; and how often the sweep tries one again. */
export const ANNOUNCE_GRACE_MS = 60_000;
export const ANNOUNCE_RETRY_MS = 5 * 60_000;
const SWEPT_PER_TENANT = 50;

/**
 * Pending requests, of tenants bound to a workspace of `provider`, that a minute after they were
 * made the workspace's approver channel does not show (or, without one, no message of the bot
 * does): the event that should have announced them reached no instance (none was running), or the
 * post failed (the chat service was down). Each is claimed for one announcement per five minutes
 * across every instance (a notice keyed by the period), so the caller that gets it posts it, and a
 * request keeps being offered until the channel shows it or it is decided. Direct messages to
 * approvers are not retried one by one: the channel is where every approver can see the request.
 */
export async function claimUnannouncedApprovals(db: Executor, provider: ChatProvider, now: Date): Promise<{ tenantId: string; approvalId: string }[]> {
  const cutoff = new Date(now.getTime() - ANNOUNCE_GRACE_MS).toISOString();
  const unannounced = (tenant: SQL, channel: SQL) => sql`a.tenant_id = ${tenant} and a.status = 'pending' and a.requested_at <= ${cutoff}::timestamptz
    and not exists (select 1 from chat_messages m where m.tenant_id = a.tenant_id and m.provider = ${provider} and m.subject_type = 'approval'
                      and m.subject_id = a.id and (${channel} is null or m.conversation = ${channel}))`;
  // One statement finds the tenants with any (each tenant's pending requests through its own index); the common answer is none.
  const tenants = await queryRows<{ tenant_id: string; approver_channel: string | null }>(
    db,
    sql`select w.tenant_id, w.approver_channel from chat_workspaces w
        where w.provider = ${provider} and exists (select 1 from approvals a where ${unannounced(sql`w.tenant_id`, sql`w.approver_channel`)})`,
  );
  const claimed: { tenantId: string; approvalId: string }[] = [];
  const period = Math.floor(now.getTime() / ANNOUNCE_RETRY_MS);
  for (const { tenant_id: tenantId, approver_channel: channel } of tenants) {
    const rows = await queryRows<{ id: string }>(
      db,
      sql`select a.id from approvals a where ${unannounced(sql`${tenantId}`, sql`${channel}::text`)} order by a.requested_at limit ${SWEPT_PER_TENANT}`,
    );
    for (const { id } of rows) {
      if (await claimNotice(db, tenantId, provider, `approval:${id}:requested:${period}`)) claimed.push({ tenantId, approvalId: id });
    }
  }
  return claimed;
}
