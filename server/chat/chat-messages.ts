/** What the bots posted, so every copy can be updated, and claims so each post is made once. */
import { and, eq } from 'drizzle-orm';
import type { Executor } from '../db/database.js';
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
