import { and, type SQL } from 'drizzle-orm';
import type { RowScope } from '../../auth/scope.js';
import type { Executor } from '../../db/database.js';
import { columnsOf, selectColumns, selectWholeRows } from '../../db/flat-rows.js';
import { commands, type CommandRow, type CommandShell, type CommandStatus, type SessionSource } from '../../db/tables/index.js';
import { fetchPage, type Page, type PageArgs } from '../../pagination/keyset.js';
import {
  containsIfGiven,
  equalsIfGiven,
  inTimeRange,
  oneOfIfGiven,
  findInScope,
  findManyInScope,
  scopeConditions,
  type ScopeColumns,
  type TimeRange,
} from './conditions.js';

/** The row rule's columns: the tenant, and whose row it is. */
const SCOPE: ScopeColumns = { tenantId: commands.tenantId, owner: commands.operatorUserId, servers: { serverId: commands.serverId } };

/** The list's keys, newest first: its pages and its export go in this order. */
export const COMMAND_ORDER = [commands.submittedAt, commands.id] as const;

export interface CommandFilter extends TimeRange {
  userId?: string | null;
  serverId?: string | null;
  accessSessionId?: string | null;
  terminalSessionId?: string | null;
  status?: CommandStatus[] | null;
  shell?: CommandShell | null;
  source?: SessionSource | null;
  /** Part of the command line, case-insensitive (trigram index). */
  search?: string | null;
}

/**
 * Commands, newest submitted first. With `columns` (which must hold id and submittedAt, the
 * page's keys), only those are read and the rows hold only those: for a caller that knows what it
 * will read of them (a GraphQL page asking for a few fields).
 */
export async function listCommands(
  db: Executor,
  scope: RowScope,
  filter: CommandFilter,
  args: PageArgs,
  columns?: readonly (keyof CommandRow)[],
): Promise<Page<CommandRow>> {
  const conditions = commandConditions(scope, filter);
  return fetchPage(
    args,
    COMMAND_ORDER,
    (row) => [row.submittedAt.toISOString(), row.id],
    ({ where, orderBy, limit }) => {
      const select = columns ? db.select(columnsOf(commands, columns)) : db.select();
      const query = select
        .from(commands)
        .where(and(...conditions, where))
        .orderBy(...orderBy)
        .limit(limit);
      return columns ? selectColumns(db, commands, columns, query) : selectWholeRows(db, commands, query);
    },
  );
}

/** The commands within `scope` that `filter` asks for, as the list and the export select them. */
export function commandConditions(scope: RowScope, filter: CommandFilter): (SQL | undefined)[] {
  return [
    ...scopeConditions(scope, SCOPE),
    equalsIfGiven(commands.operatorUserId, filter.userId),
    equalsIfGiven(commands.serverId, filter.serverId),
    equalsIfGiven(commands.accessSessionId, filter.accessSessionId),
    equalsIfGiven(commands.terminalSessionId, filter.terminalSessionId),
    oneOfIfGiven(commands.status, filter.status),
    equalsIfGiven(commands.shell, filter.shell),
    equalsIfGiven(commands.source, filter.source),
    inTimeRange(commands.submittedAt, filter),
    containsIfGiven(commands.line, filter.search),
  ];
}

/** One row by id within the scope; undefined when it does not exist or is not the actor's to see. */
export function getCommandInScope(db: Executor, scope: RowScope, id: string): Promise<CommandRow | undefined> {
  return findInScope(db, commands, SCOPE, scope, id);
}

/** The rows of `ids` within the scope, in one statement (those not the actor's to see are left out). */
export function getCommandsInScope(db: Executor, scope: RowScope, ids: readonly string[]): Promise<CommandRow[]> {
  return findManyInScope(db, commands, SCOPE, scope, ids);
}
