/**
 * The bot's home (Slack's App Home tab) of each chat user who opened it, so that a change that
 * concerns them republishes it. Several instances hear every change: each marks the homes it
 * concerns stale (idempotent), and whichever claims a stale home first (one UPDATE, SKIP LOCKED)
 * republishes it, so a burst of changes is one publish and no home is published twice for one mark.
 * A claimed home whose instance dies before publishing waits for the next change or opening.
 */
import { and, eq, inArray, isNotNull, sql } from 'drizzle-orm';
import type { Clock } from '../clock.js';
import type { Executor } from '../db/database.js';
import { chatHomeViews, chatIdentities, type ChatProvider } from '../db/tables/index.js';

type HomeKey = { readonly tenantId: string; readonly provider: ChatProvider; readonly externalUserId: string };

const keyOf = (key: HomeKey) =>
  and(eq(chatHomeViews.tenantId, key.tenantId), eq(chatHomeViews.provider, key.provider), eq(chatHomeViews.externalUserId, key.externalUserId));

/** The chat user opened their home now (and is about to see it fresh): no change awaits, no old answer shows. */
export async function recordHomeOpened(db: Executor, clock: Clock, key: HomeKey): Promise<void> {
  const now = clock.now();
  await db
    .insert(chatHomeViews)
    .values({ ...key, openedAt: now })
    .onConflictDoUpdate({
      target: [chatHomeViews.tenantId, chatHomeViews.provider, chatHomeViews.externalUserId],
      set: { openedAt: now, staleSince: null, notice: null },
    });
}

/** Marks stale the opened homes of these Vigil users (through their chat identities); how many. */
export async function markHomesStale(db: Executor, clock: Clock, tenantId: string, provider: ChatProvider, userIds: readonly string[]): Promise<number> {
  if (userIds.length === 0) return 0;
  const now = clock.now();
  const marked = await db
    .update(chatHomeViews)
    .set({ staleSince: sql`coalesce(${chatHomeViews.staleSince}, ${now.toISOString()}::timestamptz)` })
    .where(
      and(
        eq(chatHomeViews.tenantId, tenantId),
        eq(chatHomeViews.provider, provider),
        inArray(
          chatHomeViews.externalUserId,
          db
            .select({ externalUserId: chatIdentities.externalUserId })
            .from(chatIdentities)
            .where(and(eq(chatIdentities.tenantId, tenantId), eq(chatIdentities.provider, provider), inArray(chatIdentities.userId, [...userIds]))),
        ),
      ),
    )
    .returning({ externalUserId: chatHomeViews.externalUserId });
  return marked.length;
}

/**
 * Takes up to `limit` of the tenant's stale homes to republish: each goes to exactly one caller,
 * however many instances ask at once (rows another one is claiming are skipped, not waited for).
 */
export async function claimStaleHomes(
  db: Executor,
  tenantId: string,
  provider: ChatProvider,
  limit: number,
): Promise<{ externalUserId: string; notice: string | null }[]> {
  const stale = db
    .select({ externalUserId: chatHomeViews.externalUserId })
    .from(chatHomeViews)
    .where(and(eq(chatHomeViews.tenantId, tenantId), eq(chatHomeViews.provider, provider), isNotNull(chatHomeViews.staleSince)))
    .limit(limit)
    .for('update', { skipLocked: true });
  return db
    .update(chatHomeViews)
    .set({ staleSince: null })
    .where(and(eq(chatHomeViews.tenantId, tenantId), eq(chatHomeViews.provider, provider), inArray(chatHomeViews.externalUserId, stale)))
    .returning({ externalUserId: chatHomeViews.externalUserId, notice: chatHomeViews.notice });
}

/**
 * Keeps the answer to the person's last click on their home (a home has no response_url to answer
 * through), shown at its top until they open it again; false when they have no home here.
 */
export async function saveHomeNotice(db: Executor, key: HomeKey, notice: string): Promise<boolean> {
  const saved = await db.update(chatHomeViews).set({ notice }).where(keyOf(key)).returning({ externalUserId: chatHomeViews.externalUserId });
  return saved.length === 1;
}

/** The answer kept for the person's home, if any. */
export async function homeNotice(db: Executor, key: HomeKey): Promise<string | null> {
  const [row] = await db.select({ notice: chatHomeViews.notice }).from(chatHomeViews).where(keyOf(key));
  return row?.notice ?? null;
}
