/**
 * Chat users as Vigil users. A chat user is known by a row here, made the first time they are
 * seen: by their verified email (the chat platform vouches for it) matching a user of the
 * workspace's tenant, or by a one-time code that a signed-in Vigil user made through the API and
 * typed in chat. Disabled users are never matched.
 */
import { and, eq, inArray, isNull, sql } from 'drizzle-orm';
import { requireAdmin, requireUser } from '../auth/scope.js';
import { recordChange } from '../audit/record-change.js';
import type { Executor } from '../db/database.js';
import { chatIdentities, chatLinkCodes, users, type ChatIdentityRow, type ChatLinkMethod, type ChatProvider, type UserRow } from '../db/tables/index.js';
import { BadInput } from '../errors.js';
import { newId } from '../ids.js';
import { findUserByEmail, getUser } from '../identity/users.js';
import { hashOneTimeCode, oneTimeCode, storedHashesOfOneTimeCode } from './one-time-code.js';
import type { ServiceContext, TransactionContext } from '../service-context.js';
import { inTransaction } from '../service-context.js';

export const LINK_CODE_TTL_MS = 10 * 60_000;

/** The enabled Vigil user a chat user is linked to. */
export async function linkedUser(db: Executor, tenantId: string, provider: ChatProvider, externalUserId: string): Promise<UserRow | undefined> {
  const [row] = await db
    .select({ user: users })
    .from(chatIdentities)
    .innerJoin(users, and(eq(users.tenantId, chatIdentities.tenantId), eq(users.id, chatIdentities.userId)))
    .where(
      and(
        eq(chatIdentities.tenantId, tenantId),
        eq(chatIdentities.provider, provider),
        eq(chatIdentities.externalUserId, externalUserId),
        isNull(users.disabledAt),
      ),
    );
  return row?.user;
}

/** Links a chat user by an email the chat platform verified; undefined when no enabled user has it. */
export async function linkByVerifiedEmail(ctx: ServiceContext, provider: ChatProvider, externalUserId: string, email: string): Promise<UserRow | undefined> {
  const user = await findUserByEmail(ctx.db, ctx.actor.tenantId, email);
  if (!user || user.disabledAt) return undefined;
  await inTransaction(ctx, (tx) => saveLink(tx, provider, externalUserId, user, 'email'));
  return user;
}

/**
 * Links a chat user who signed in with the chat platform's identity provider (Teams single
 * sign-on), by the email of the token the bot checked; undefined when no enabled user has it.
 * `isNew` is false when they were already linked to that user this way: Teams may send the same
 * sign-in more than once, and an unchanged link is neither written nor audited again.
 */
export async function linkBySignIn(
  ctx: ServiceContext,
  provider: ChatProvider,
  externalUserId: string,
  email: string,
): Promise<{ user: UserRow; isNew: boolean } | undefined> {
  const user = await findUserByEmail(ctx.db, ctx.actor.tenantId, email);
  if (!user || user.disabledAt) return undefined;
  const isNew = await inTransaction(ctx, (tx) => saveLink(tx, provider, externalUserId, user, 'sso'));
  return { user, isNew };
}

/**
 * A one-time code to type in chat (`/audit link CODE`) that links the chat account to `userId`: the
 * acting user's own, or, made by an admin (the API, or `vigil chat link-code`) for someone who
 * never uses the API, theirs; the audit entry names who made it for whom. Only its hash is kept.
 */
export async function createLinkCode(ctx: TransactionContext, userId?: string | null): Promise<{ code: string; expiresAt: Date }> {
  const forSelf = !userId || (ctx.actor.type === 'user' && ctx.actor.userId === userId);
  let user: { id: string; email: string };
  if (forSelf) {
    const self = requireUser(ctx.actor);
    user = { id: self.userId, email: self.email };
  } else {
    requireAdmin(ctx.actor);
    const row = await getUser(ctx.db, ctx.actor.tenantId, userId);
    if (row.disabledAt) throw new BadInput('userId', `${row.email} is disabled: enable them before linking a chat account`);
    user = row;
  }
  const code = oneTimeCode(2);
  const expiresAt = new Date(ctx.clock.now().getTime() + LINK_CODE_TTL_MS);
  await ctx.db.insert(chatLinkCodes).values({ tenantId: ctx.actor.tenantId, id: newId(), codeHash: await hashOneTimeCode(code), userId: user.id, expiresAt });
  await recordChange(ctx, {
    action: 'chat.link_code_created',
    resource: { type: 'user', id: user.id, name: user.email },
    after: { expiresAt: expiresAt.toISOString(), isForSelf: forSelf },
  });
  return { code, expiresAt };
}

/** Redeems a code typed in chat: the chat user becomes the code's user. BAD_USER_INPUT when unknown, used or expired. */
export async function redeemLinkCode(ctx: ServiceContext, provider: ChatProvider, externalUserId: string, code: string): Promise<UserRow> {
  const hashes = await storedHashesOfOneTimeCode(code);
  return inTransaction(ctx, async (tx) => {
    const [found] = await tx.db
      .select()
      .from(chatLinkCodes)
      .where(and(eq(chatLinkCodes.tenantId, ctx.actor.tenantId), inArray(chatLinkCodes.codeHash, hashes)))
      .for('update');
    if (!found || found.usedAt || found.expiresAt <= ctx.clock.now()) {
      throw new BadInput('code', 'That link code is unknown, used or expired: ask a Vigil admin for a new one (or make one yourself in Vigil)');
    }
    const [user] = await tx.db
      .select()
      .from(users)
      .where(and(eq(users.tenantId, found.tenantId), eq(users.id, found.userId), isNull(users.disabledAt)));
    if (!user) throw new BadInput('code', 'The user of that link code is disabled');
    await tx.db
      .update(chatLinkCodes)
      .set({ usedAt: ctx.clock.now() })
      .where(and(eq(chatLinkCodes.tenantId, found.tenantId), eq(chatLinkCodes.codeHash, found.codeHash)));
    await saveLink({ ...tx, actor: { type: 'system', tenantId: found.tenantId, name: `${provider}-bot` } }, provider, externalUserId, user, 'code');
    return user;
  });
}

/** Saves and audits the link; a sign-in that changes nothing (same user, same way) writes nothing. False then. */
async function saveLink(tx: TransactionContext, provider: ChatProvider, externalUserId: string, user: UserRow, linkedVia: ChatLinkMethod): Promise<boolean> {
  const [saved] = await tx.db
    .insert(chatIdentities)
    .values({ tenantId: user.tenantId, provider, externalUserId, userId: user.id, linkedVia })
    .onConflictDoUpdate({
      target: [chatIdentities.tenantId, chatIdentities.provider, chatIdentities.externalUserId],
      set: { userId: user.id, linkedVia },
      // Only a repeated sign-in is skipped when unchanged: a code is spent and an email link made each time they happen.
      ...(linkedVia === 'sso'
        ? { setWhere: sql`(${chatIdentities.userId}, ${chatIdentities.linkedVia}) is distinct from (${user.id}::uuid, ${linkedVia})` }
        : {}),
    })
    .returning();
  if (!saved) return false;
  await recordChange(tx, {
    action: 'chat_identity.linked',
    resource: { type: 'user', id: user.id, name: user.email },
    after: { provider, externalUserId, linkedVia: saved.linkedVia },
  });
  return true;
}

/** The chat identities of some users (to reach approvers and requesters in chat). */
export function chatIdentitiesOf(db: Executor, tenantId: string, provider: ChatProvider, userIds: readonly string[]): Promise<ChatIdentityRow[]> {
  if (userIds.length === 0) return Promise.resolve([]);
  return db
    .select()
    .from(chatIdentities)
    .where(and(eq(chatIdentities.tenantId, tenantId), eq(chatIdentities.provider, provider), inArray(chatIdentities.userId, [...userIds])));
}

/**
 * Remembers where a direct message reaches a chat user (Teams needs a conversation reference, whose
 * service URL receives the bot's token): a change is audited, and is a version in the verifiable
 * log, so a reference rewritten in the database is named. Unchanged, nothing is written.
 */
export async function saveConversation(
  ctx: ServiceContext,
  provider: ChatProvider,
  externalUserId: string,
  conversation: Record<string, unknown>,
): Promise<void> {
  await inTransaction(ctx, async (tx) => {
    const [changed] = await tx.db
      .update(chatIdentities)
      .set({ conversation })
      .where(
        and(
          eq(chatIdentities.tenantId, ctx.actor.tenantId),
          eq(chatIdentities.provider, provider),
          eq(chatIdentities.externalUserId, externalUserId),
          sql`${chatIdentities.conversation} is distinct from ${JSON.stringify(conversation)}::jsonb`,
        ),
      )
      .returning({ userId: chatIdentities.userId });
    if (!changed) return;
    const reference = conversation as { serviceUrl?: string; conversation?: { id?: string } };
    await recordChange(tx, {
      action: 'chat_identity.conversation_saved',
      resource: { type: 'user', id: changed.userId },
      after: { provider, externalUserId, conversationId: reference.conversation?.id ?? null, serviceUrl: reference.serviceUrl ?? null },
    });
  });
}
