/**
 * An account admin's choice of workspace (the Vigil-Workspace header, or `workspace` in graphql-ws
 * connection parameters): the request then acts in that workspace, as the person's own row there,
 * with everything bound to that one tenant as any other request is. Only a person's full
 * credential may choose, only among the workspaces of the account they are an admin of, and only
 * while their row in the chosen workspace carries the account's mark and is enabled (a workspace
 * admin who disables it shuts the account admin out of that workspace). Every refusal is the same
 * FORBIDDEN, so a guess learns nothing of which workspaces exist.
 */
import { findAccountSeat } from '../accounts/account-admins.js';
import type { Executor } from '../db/database.js';
import { Forbidden } from '../errors.js';
import { findTenant } from '../identity/tenants.js';
import { userActorOf, type Authenticated } from './actor.js';

export async function actInWorkspace(db: Executor, home: Authenticated, workspace: string): Promise<Authenticated> {
  const { actor, user } = home;
  const refusal = () =>
    new Forbidden(`You may not act in workspace "${workspace.slice(0, 80)}": only an admin of its account may choose it`, { field: 'Vigil-Workspace' });
  const target = await findTenant(db, workspace);
  if (target?.id === actor.tenantId) return home;
  // actor.accountId is set only for the person's own credential (CredentialFacts.isPersonal).
  if (actor.type !== 'user' || !user || actor.isStreamOnly || !actor.accountId || !target || target.accountId !== actor.accountId) throw refusal();
  const seat = await findAccountSeat(db, target.id, actor.accountId, user.email);
  if (!seat || seat.disabledAt) throw refusal();
  const via = actor.via ?? { tenantId: actor.tenantId, userId: actor.userId, ...(actor.tokenId ? { tokenId: actor.tokenId } : {}) };
  return { actor: { ...userActorOf(seat, { isPersonal: true, ...(actor.expiresAt ? { expiresAt: actor.expiresAt } : {}) }), via }, user: seat };
}
