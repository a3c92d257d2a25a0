import { and, or, type SQL } from 'drizzle-orm';
import type { RowScope } from '../../auth/scope.js';
import type { Executor } from '../../db/database.js';
import { fileTransfers, type FileTransferRow, type TransferDirection, type TransferStatus } from '../../db/tables/index.js';
import { fetchPage, type Page, type PageArgs } from '../../pagination/keyset.js';
import { containsIfGiven, equalsIfGiven, inTimeRange, findInScope, findManyInScope, scopeConditions, type ScopeColumns, type TimeRange } from './conditions.js';

/** The row rule's columns: the tenant, and whose row it is. */
const SCOPE: ScopeColumns = { tenantId: fileTransfers.tenantId, owner: fileTransfers.userId, servers: { serverId: fileTransfers.serverId } };

/** The list's keys, newest first: its pages and its export go in this order. */
export const FILE_TRANSFER_ORDER = [fileTransfers.occurredAt, fileTransfers.id] as const;

export interface FileTransferFilter extends TimeRange {
  userId?: string | null;
  serverId?: string | null;
  accessSessionId?: string | null;
  direction?: TransferDirection | null;
  status?: TransferStatus | null;
  /** Part of the object name or path, case-insensitive. */
  search?: string | null;
}

/** File transfers, newest first. */
export async function listFileTransfers(db: Executor, scope: RowScope, filter: FileTransferFilter, args: PageArgs): Promise<Page<FileTransferRow>> {
  const conditions = fileTransferConditions(scope, filter);
  return fetchPage(
    args,
    FILE_TRANSFER_ORDER,
    (row) => [row.occurredAt.toISOString(), row.id],
    ({ where, orderBy, limit }) =>
      db
        .select()
        .from(fileTransfers)
        .where(and(...conditions, where))
        .orderBy(...orderBy)
        .limit(limit),
  );
}

/** The file transfers within `scope` that `filter` asks for, as the list and the export select them. */
export function fileTransferConditions(scope: RowScope, filter: FileTransferFilter): (SQL | undefined)[] {
  return [
    ...scopeConditions(scope, SCOPE),
    equalsIfGiven(fileTransfers.userId, filter.userId),
    equalsIfGiven(fileTransfers.serverId, filter.serverId),
    equalsIfGiven(fileTransfers.accessSessionId, filter.accessSessionId),
    equalsIfGiven(fileTransfers.direction, filter.direction),
    equalsIfGiven(fileTransfers.status, filter.status),
    inTimeRange(fileTransfers.occurredAt, filter),
    filter.search ? or(containsIfGiven(fileTransfers.path, filter.search), containsIfGiven(fileTransfers.objectName, filter.search)) : undefined,
  ];
}

/** One row by id within the scope; undefined when it does not exist or is not the actor's to see. */
export function getFileTransferInScope(db: Executor, scope: RowScope, id: string): Promise<FileTransferRow | undefined> {
  return findInScope(db, fileTransfers, SCOPE, scope, id);
}

/** The rows of `ids` within the scope, in one statement (those not the actor's to see are left out). */
export function getFileTransfersInScope(db: Executor, scope: RowScope, ids: readonly string[]): Promise<FileTransferRow[]> {
  return findManyInScope(db, fileTransfers, SCOPE, scope, ids);
}
