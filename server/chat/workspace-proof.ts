/**
 * Proof, from inside a chat workspace, that it may be bound to the tenant that asked: someone the
 * platform vouches for as entitled (a Slack workspace admin or owner; a member, not a guest, of the
 * Teams AAD tenant) posts the one-time code the tenant's admin was given. The workspace id is the
 * one the platform signed the request with, never one typed by anyone.
 */
import { and, eq, inArray } from 'drizzle-orm';
import { recordChange } from '../audit/record-change.js';
import type { Clock } from '../clock.js';
import type { Database } from '../db/database.js';
import { uniqueViolation } from '../db/db-errors.js';
import { chatWorkspaceClaims, chatWorkspaces, type ChatProvider, type ChatWorkspaceRow } from '../db/tables/index.js';
import { BadInput, Conflict, Forbidden } from '../errors.js';
import { inTransaction } from '../service-context.js';
import { storedHashesOfOneTimeCode } from './one-time-code.js';
import { chatBotActor, takeOverUnprovenBinding } from './workspaces.js';

export interface WorkspaceProof {
  readonly provider: ChatProvider;
  /** The workspace the signed request came from (Slack team id, Teams AAD tenant id). */
  readonly externalId: string;
  /** Who posted the code there. */
  readonly chatUserId: string;
  readonly code: string;
}

/** Whether the poster may speak for the workspace: undefined when they may, else why not. */
export type EntitlementCheck = () => Promise<string | undefined>;

const WORKSPACE_WORD: Record<ChatProvider, string> = { slack: 'Slack workspace', teams: 'Microsoft Teams tenant' };
const UNKNOWN_CODE = 'That bind code is unknown, used or expired: an admin of your Vigil tenant makes a new one with bindChatWorkspace.';

/**
 * Binds the workspace to the tenant whose code was posted. BAD_USER_INPUT when the code is unknown,
 * used, expired or made for another workspace; FORBIDDEN when the poster may not speak for the
 * workspace; CONFLICT when another tenant holds a proven binding of it. A binding made before proof
 * was required, held by another tenant, gives way (recorded in that tenant's audit log).
 */
export async function proveWorkspaceBinding(
  deps: { readonly db: Database; readonly clock: Clock },
  proof: WorkspaceProof,
  isEntitled: EntitlementCheck,
): Promise<ChatWorkspaceRow> {
  const [claim] = await deps.db
    .select()
    .from(chatWorkspaceClaims)
    .where(inArray(chatWorkspaceClaims.codeHash, await storedHashesOfOneTimeCode(proof.code)));
  if (!claim || claim.provider !== proof.provider || claim.expiresAt <= deps.clock.now()) throw new BadInput('code', UNKNOWN_CODE);
  const word = WORKSPACE_WORD[proof.provider];
  if (claim.externalId !== proof.externalId) {
    throw new BadInput('code', `That bind code was made for another ${word} (${claim.externalId}), not this one (${proof.externalId}): nothing was bound.`);
  }
  const refusal = await isEntitled();
  if (refusal) throw new Forbidden(refusal);

  const ctx = { db: deps.db, clock: deps.clock, actor: chatBotActor(claim.tenantId, proof.provider) };
  try {
    return await inTransaction(ctx, async (tx) => {
      const [held] = await tx.db
        .select()
        .from(chatWorkspaceClaims)
        .where(
          and(
            eq(chatWorkspaceClaims.tenantId, claim.tenantId),
            eq(chatWorkspaceClaims.provider, claim.provider),
            eq(chatWorkspaceClaims.codeHash, claim.codeHash),
          ),
        )
        .for('update');
      if (!held) throw new BadInput('code', UNKNOWN_CODE);
      await takeOverUnprovenBinding(
        tx,
        { tenantId: held.tenantId, provider: held.provider, externalId: held.externalId },
        new Conflict(`This ${word} is already bound to another Vigil tenant: its admin unbinds it there first.`, { field: 'code' }),
        { reason: 'the workspace proved a binding to another tenant; this one was never proven', provenBy: proof.chatUserId },
      );
      const [before] = await tx.db
        .select()
        .from(chatWorkspaces)
        .where(and(eq(chatWorkspaces.tenantId, held.tenantId), eq(chatWorkspaces.provider, held.provider)));
      const now = tx.clock.now();
      const binding = { externalId: held.externalId, approverChannel: held.approverChannel, verifiedAt: now, verifiedBy: proof.chatUserId, updatedAt: now };
      const [row] = await tx.db
        .insert(chatWorkspaces)
        .values({ tenantId: held.tenantId, provider: held.provider, ...binding })
        .onConflictDoUpdate({ target: [chatWorkspaces.tenantId, chatWorkspaces.provider], set: binding })
        .returning();
      await tx.db.delete(chatWorkspaceClaims).where(and(eq(chatWorkspaceClaims.tenantId, held.tenantId), eq(chatWorkspaceClaims.provider, held.provider)));
      await recordChange(tx, {
        action: 'chat_workspace.bound',
        resource: { type: 'chat_workspace', id: held.provider, name: held.externalId },
        before: before
          ? { externalId: before.externalId, approverChannel: before.approverChannel, verifiedAt: before.verifiedAt?.toISOString() ?? null }
          : null,
        after: { externalId: held.externalId, approverChannel: held.approverChannel, provenBy: proof.chatUserId, requestedBy: held.requestedBy },
      });
      return row!;
    });
  } catch (error) {
    // Two tenants proving the same workspace at once: the unique binding keeps the first.
    if (uniqueViolation(error) !== undefined)
      throw new Conflict(`This ${word} is already bound to another Vigil tenant: its admin unbinds it there first.`, { field: 'code' });
    throw error;
  }
}
