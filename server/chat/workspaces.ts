/**
 * Which chat workspace speaks for which tenant: a Slack team id or a Teams (AAD) tenant id is bound
 * to one Vigil tenant by its admin, with the channel where requests needing approval are posted.
 * A bot refuses every request from a workspace that is not bound.
 */
import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import { requireAdmin } from '../auth/scope.js';
import { recordChange } from '../audit/record-change.js';
import type { Executor } from '../db/database.js';
import { CHAT_PROVIDERS, chatWorkspaces, type ChatProvider, type ChatWorkspaceRow } from '../db/tables/index.js';
import { Conflict } from '../errors.js';
import type { TransactionContext } from '../service-context.js';
import { parseInput } from '../validation.js';

const bindInput = z.object({
  provider: z.enum(CHAT_PROVIDERS),
  externalId: z.string().trim().min(1, 'must not be empty').max(200, 'is too long'),
  approverChannel: z.string().trim().min(1, 'must not be empty').max(400, 'is too long').nullish(),
});

export type BindWorkspaceInput = z.input<typeof bindInput>;

export async function bindChatWorkspace(ctx: TransactionContext, input: BindWorkspaceInput): Promise<ChatWorkspaceRow> {
  const actor = requireAdmin(ctx.actor);
  const { provider, externalId, approverChannel } = parseInput(bindInput, input);
  const elsewhere = await findWorkspace(ctx.db, provider, externalId);
  if (elsewhere && elsewhere.tenantId !== actor.tenantId) throw new Conflict(`This ${provider} workspace is bound to another tenant`, { field: 'externalId' });
  const [before] = await ctx.db.select().from(chatWorkspaces).where(and(eq(chatWorkspaces.tenantId, actor.tenantId), eq(chatWorkspaces.provider, provider)));
  const [row] = await ctx.db
    .insert(chatWorkspaces)
    .values({ tenantId: actor.tenantId, provider, externalId, approverChannel: approverChannel ?? null })
    .onConflictDoUpdate({
      target: [chatWorkspaces.tenantId, chatWorkspaces.provider],
      set: { externalId, approverChannel: approverChannel ?? null, updatedAt: ctx.clock.now() },
    })
    .returning();
  await recordChange(ctx, {
    action: 'chat_workspace.bound',
    resource: { type: 'chat_workspace', id: provider, name: externalId },
    before: before ? { externalId: before.externalId, approverChannel: before.approverChannel } : null,
    after: { externalId, approverChannel: approverChannel ?? null },
  });
  return row!;
}

export async function findWorkspace(db: Executor, provider: ChatProvider, externalId: string): Promise<ChatWorkspaceRow | undefined> {
  const [row] = await db.select().from(chatWorkspaces).where(and(eq(chatWorkspaces.provider, provider), eq(chatWorkspaces.externalId, externalId)));
  return row;
}

export async function workspaceOfTenant(db: Executor, tenantId: string, provider: ChatProvider): Promise<ChatWorkspaceRow | undefined> {
  const [row] = await db.select().from(chatWorkspaces).where(and(eq(chatWorkspaces.tenantId, tenantId), eq(chatWorkspaces.provider, provider)));
  return row;
}

export function listChatWorkspaces(db: Executor, tenantId: string): Promise<ChatWorkspaceRow[]> {
  return db.select().from(chatWorkspaces).where(eq(chatWorkspaces.tenantId, tenantId));
}
