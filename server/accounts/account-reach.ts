/**
 * What an account-wide view reads: the account's workspaces (all, or those a filter names), each
 * with the person as they act there (their marked row, an admin of it). Each workspace is then read
 * by the same per-workspace service as a request in that workspace would be, so no statement ever
 * reads two workspaces. A workspace whose admins disabled the person's row there is left out.
 */
import { userActorOf, type UserActor } from '../auth/actor.js';
import { requireAccountAdmin } from '../auth/scope.js';
import { BadInput } from '../errors.js';
import type { ServiceContext } from '../service-context.js';
import { findAccountSeat } from './account-admins.js';
import { accountWorkspaces, type WorkspaceRecord } from './accounts.js';

export interface ReachedWorkspace {
  readonly workspace: WorkspaceRecord;
  readonly actor: UserActor;
}

/** `names`: slugs or ids; an unknown one (or another account's) is refused, left out: every workspace. */
export async function reachedWorkspaces(ctx: ServiceContext, names: readonly string[] | null | undefined): Promise<ReachedWorkspace[]> {
  const admin = requireAccountAdmin(ctx.actor);
  const all = await accountWorkspaces(ctx.db, admin.accountId);
  const chosen =
    !names || names.length === 0
      ? all
      : names.map((name) => {
          const wanted = name.trim().toLowerCase();
          const found = all.find((workspace) => workspace.slug === wanted || workspace.id === wanted);
          if (!found) throw new BadInput('workspaces', `${name} is not a workspace of your account`);
          return found;
        });
  const reached: ReachedWorkspace[] = [];
  for (const workspace of chosen) {
    const seat = await findAccountSeat(ctx.db, workspace.id, admin.accountId, admin.email);
    if (seat && !seat.disabledAt) reached.push({ workspace, actor: userActorOf(seat, { isPersonal: true }) });
  }
  return reached;
}
