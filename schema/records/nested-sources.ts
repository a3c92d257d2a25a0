/**
 * The nested lists of the record types, batched per operation: a terminal session's commands, and
 * an access session's terminal sessions, commands, file transfers and sudo authorizations. What
 * each reads, and why a visible parent shows all its children, is server/records/queries/nested-children.ts.
 */
import type { Page, PageArgs } from '../../server/pagination/keyset.js';
import { childrenOf, type ChildKind, type ChildrenByKind, type ParentColumn } from '../../server/records/queries/nested-children.js';
import type { GraphQLContext } from '../context.js';
import { loadNestedPage } from './nested-list.js';

function children<Kind extends ChildKind>(
  ctx: GraphQLContext,
  kind: Kind,
  parent: ParentColumn,
  parentId: string,
  args: PageArgs,
): Promise<Page<ChildrenByKind[Kind]>> {
  return loadNestedPage(ctx, `${kind}:${parent}`, parentId, args, childrenOf(ctx.deps.db, ctx.actor!.tenantId, kind, parent));
}

export const commandsOfTerminalSession = (ctx: GraphQLContext, id: string, args: PageArgs) => children(ctx, 'commands', 'terminalSessionId', id, args);
export const commandsOfAccessSession = (ctx: GraphQLContext, id: string, args: PageArgs) => children(ctx, 'commands', 'accessSessionId', id, args);
export const terminalSessionsOfAccessSession = (ctx: GraphQLContext, id: string, args: PageArgs) =>
  children(ctx, 'terminalSessions', 'accessSessionId', id, args);
export const fileTransfersOfAccessSession = (ctx: GraphQLContext, id: string, args: PageArgs) => children(ctx, 'fileTransfers', 'accessSessionId', id, args);
export const sudoAuthorizationsOfAccessSession = (ctx: GraphQLContext, id: string, args: PageArgs) =>
  children(ctx, 'sudoAuthorizations', 'accessSessionId', id, args);
