/**
 * Which chat workspace speaks for which tenant: a Slack team id or a Teams (AAD) tenant id is bound
 * to one Vigil tenant, with the channel where requests needing approval are posted. A tenant admin
 * asks for the binding and gets a one-time code; it takes effect when the code is posted from
 * inside the workspace by someone entitled to speak for it (workspace-proof.ts), so no tenant can
 * claim a workspace it does not control. Bots serve and post to proven bindings only.
 */
import { and, eq, isNotNull } from 'drizzle-orm';
import { z } from 'zod';
import { actorId, type Actor } from '../auth/actor.js';
import { requireAdmin } from '../auth/scope.js';
import { recordChange } from '../audit/record-change.js';
import type { Executor } from '../db/database.js';
import {
  CHAT_PROVIDERS,
  chatWorkspaceClaims,
  chatWorkspaces,
  type ChatProvider,
  type ChatWorkspaceClaimRow,
  type ChatWorkspaceRow,
} from '../db/tables/index.js';
import { Conflict, NotFound } from '../errors.js';
import type { TransactionContext } from '../service-context.js';
import { parseInput } from '../validation.js';
import { hashOneTimeCode, oneTimeCode } from './one-time-code.js';

/** Long enough for a Vigil admin to hand the code to the workspace's admin, who may be someone else. */
export const BIND_CODE_TTL_MS = 24 * 60 * 60_000;

const bindInput = z.object({
  provider: z.enum(CHAT_PROVIDERS),
  externalId: z.string().trim().min(1, 'must not be empty').max(200, 'is too long'),
  approverChannel: z.string().trim().min(1, 'must not be empty').max(400, 'is too long').nullish(),
});

export type BindWorkspaceInput = z.input<typeof bindInput>;

/** A binding as the API shows it: proven, or waiting for its code to be posted from the workspace. */
export interface WorkspaceBinding {
  readonly provider: ChatProvider;
  readonly externalId: string;
  readonly approverChannel: string | null;
  readonly verifiedAt: Date | null;
  readonly verifiedBy: string | null;
  /** Only in the answer that made it: the code to post in the workspace. */
  readonly bindCode: string | null;
  /** Until when the code is good, while the binding waits for it. */
  readonly bindCodeExpiresAt: Date | null;
  readonly updatedAt: Date;
}

const bindingOf = (row: ChatWorkspaceRow): WorkspaceBinding => ({
  provider: row.provider,
  externalId: row.externalId,
  approverChannel: row.approverChannel,
  verifiedAt: row.verifiedAt,
  verifiedBy: row.verifiedBy,
  bindCode: null,
  bindCodeExpiresAt: null,
  updatedAt: row.updatedAt,
});

/** A binding waiting for its code; the code itself only in the answer that made it. */
const waitingBinding = (claim: ChatWorkspaceClaimRow, bindCode: string | null = null): WorkspaceBinding => ({
  provider: claim.provider,
  externalId: claim.externalId,
  approverChannel: claim.approverChannel,
  verifiedAt: null,
  verifiedBy: null,
  bindCode,
  bindCodeExpiresAt: claim.expiresAt,
  updatedAt: claim.createdAt,
});

/**
 * Asks to bind a workspace. The approver channel of a binding already proven for the same
 * workspace changes at once; anything else (a new workspace, or one bound before proof was
 * required) waits for the answer's one-time code, replacing any code asked for before.
 */
export async function bindChatWorkspace(ctx: TransactionContext, input: BindWorkspaceInput): Promise<WorkspaceBinding> {
  const actor = requireAdmin(ctx.actor);
  const { provider, externalId, approverChannel = null } = parseInput(bindInput, input);
  const elsewhere = await findWorkspace(ctx.db, provider, externalId);
  if (elsewhere && elsewhere.tenantId !== actor.tenantId) throw new Conflict(`This ${provider} workspace is bound to another tenant`, { field: 'externalId' });
  const [current] = await ctx.db
    .select()
    .from(chatWorkspaces)
    .where(and(eq(chatWorkspaces.tenantId, actor.tenantId), eq(chatWorkspaces.provider, provider)));
  const resource = { type: 'chat_workspace', id: provider, name: externalId };
  if (current?.verifiedAt && current.externalId === externalId) {
    const [row] = await ctx.db
      .update(chatWorkspaces)
      .set({ approverChannel, updatedAt: ctx.clock.now() })
      .where(and(eq(chatWorkspaces.tenantId, actor.tenantId), eq(chatWorkspaces.provider, provider)))
      .returning();
    await recordChange(ctx, {
      action: 'chat_workspace.bound',
      resource,
      before: { externalId, approverChannel: current.approverChannel },
      after: { externalId, approverChannel },
    });
    return bindingOf(row!);
  }
  const bindCode = oneTimeCode(3);
  const expiresAt = new Date(ctx.clock.now().getTime() + BIND_CODE_TTL_MS);
  const claim = { externalId, approverChannel, codeHash: await hashOneTimeCode(bindCode), expiresAt, requestedBy: actorId(actor), createdAt: ctx.clock.now() };
  const [saved] = await ctx.db
    .insert(chatWorkspaceClaims)
    .values({ tenantId: actor.tenantId, provider, ...claim })
    .onConflictDoUpdate({ target: [chatWorkspaceClaims.tenantId, chatWorkspaceClaims.provider], set: claim })
    .returning();
  await recordChange(ctx, { action: 'chat_workspace.bind_requested', resource, after: { externalId, approverChannel, expiresAt: expiresAt.toISOString() } });
  return waitingBinding(saved!, bindCode);
}

/** Ends the tenant's binding for a provider, and any code waiting for proof. NOT_FOUND when there is neither. */
export async function unbindChatWorkspace(ctx: TransactionContext, provider: ChatProvider): Promise<boolean> {
  const actor = requireAdmin(ctx.actor);
  const [removed] = await ctx.db
    .delete(chatWorkspaces)
    .where(and(eq(chatWorkspaces.tenantId, actor.tenantId), eq(chatWorkspaces.provider, provider)))
    .returning();
  const [withdrawn] = await ctx.db
    .delete(chatWorkspaceClaims)
    .where(and(eq(chatWorkspaceClaims.tenantId, actor.tenantId), eq(chatWorkspaceClaims.provider, provider)))
    .returning();
  if (!removed && !withdrawn) throw new NotFound('Chat workspace binding', provider.toUpperCase());
  await recordChange(ctx, {
    action: 'chat_workspace.unbound',
    resource: { type: 'chat_workspace', id: provider, name: removed?.externalId ?? withdrawn!.externalId },
    before: {
      externalId: removed?.externalId ?? null,
      approverChannel: removed?.approverChannel ?? null,
      verifiedAt: removed?.verifiedAt?.toISOString() ?? null,
      awaitingProof: withdrawn ? withdrawn.externalId : null,
    },
    after: null,
  });
  return true;
}

/** Vigil's bot acting in a tenant: who binds, installs and unbinds workspaces from chat. */
export const chatBotActor = (tenantId: string, provider: ChatProvider): Actor => ({ type: 'system', tenantId, name: `${provider}-bot` });

/**
 * Clears the way for binding workspace `externalId` to `tenantId`, inside the binding's
 * transaction: a proven binding of it held by another tenant refuses (`conflict` is thrown); one
 * never proven gives way, removed and recorded in that tenant's audit log with `why` (the reason
 * and who proved the workspace for the new tenant). The holder's row stays locked until commit.
 */
export async function takeOverUnprovenBinding(
  tx: TransactionContext,
  workspace: { readonly tenantId: string; readonly provider: ChatProvider; readonly externalId: string },
  conflict: Conflict,
  why: Readonly<Record<string, unknown>>,
): Promise<void> {
  const [holder] = await tx.db
    .select()
    .from(chatWorkspaces)
    .where(and(eq(chatWorkspaces.provider, workspace.provider), eq(chatWorkspaces.externalId, workspace.externalId)))
    .for('update');
  if (!holder || holder.tenantId === workspace.tenantId) return;
  if (holder.verifiedAt) throw conflict;
  await tx.db.delete(chatWorkspaces).where(and(eq(chatWorkspaces.tenantId, holder.tenantId), eq(chatWorkspaces.provider, holder.provider)));
  await recordChange(
    { ...tx, actor: chatBotActor(holder.tenantId, holder.provider) },
    {
      action: 'chat_workspace.unbound',
      resource: { type: 'chat_workspace', id: holder.provider, name: holder.externalId },
      before: { externalId: holder.externalId, approverChannel: holder.approverChannel },
      after: why,
    },
  );
}

/** The proven binding of a workspace: the only kind a bot answers for. */
export async function findWorkspace(db: Executor, provider: ChatProvider, externalId: string): Promise<ChatWorkspaceRow | undefined> {
  const [row] = await db
    .select()
    .from(chatWorkspaces)
    .where(and(eq(chatWorkspaces.provider, provider), eq(chatWorkspaces.externalId, externalId), isNotNull(chatWorkspaces.verifiedAt)));
  return row;
}

/** The tenant's proven binding for a provider: the only kind a bot posts to. */
export async function workspaceOfTenant(db: Executor, tenantId: string, provider: ChatProvider): Promise<ChatWorkspaceRow | undefined> {
  const [row] = await db
    .select()
    .from(chatWorkspaces)
    .where(and(eq(chatWorkspaces.tenantId, tenantId), eq(chatWorkspaces.provider, provider), isNotNull(chatWorkspaces.verifiedAt)));
  return row;
}

/** The tenant's bindings, proven or not, and the ones waiting for their code. */
export async function listChatWorkspaces(db: Executor, tenantId: string): Promise<WorkspaceBinding[]> {
  const [bound, claims] = await Promise.all([
    db.select().from(chatWorkspaces).where(eq(chatWorkspaces.tenantId, tenantId)).orderBy(chatWorkspaces.provider),
    db.select().from(chatWorkspaceClaims).where(eq(chatWorkspaceClaims.tenantId, tenantId)).orderBy(chatWorkspaceClaims.provider),
  ]);
  return [...bound.map(bindingOf), ...claims.map((claim) => waitingBinding(claim))];
}
