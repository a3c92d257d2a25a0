/**
 * A tenant's records of one kind by id, in one statement: what the schema's DataLoaders and the
 * subscriptions' loads of an event's rows batch into. No row rule is applied here; whoever shows
 * what comes back applies it (server/auth/scope.ts).
 */
import type { PgColumn, PgTable } from 'drizzle-orm/pg-core';
import type { ApprovalRecord } from '../approvals/approval-types.js';
import type { Executor } from '../db/database.js';
import { columnsByIds, rowsByIds } from '../db/rows-by-ids.js';
import {
  accessSessions,
  apiTokens,
  approvals,
  commands,
  fileTransfers,
  servers,
  sudoAuthorizations,
  systemLogs,
  terminalSessions,
  users,
} from '../db/tables/index.js';
import type { ApiTokenRecord, PersonRecord, ServerRecord, UserRecord } from '../identity/identity-types.js';
import type {
  AccessSessionRecord,
  CommandRecord,
  FileTransferRecord,
  SudoAuthorizationRecord,
  SystemLogRecord,
  TerminalSessionRecord,
} from '../records/record-types.js';

export interface RecordsByKind {
  users: UserRecord;
  servers: ServerRecord;
  apiTokens: ApiTokenRecord;
  approvals: ApprovalRecord;
  accessSessions: AccessSessionRecord;
  terminalSessions: TerminalSessionRecord;
  commands: CommandRecord;
  fileTransfers: FileTransferRecord;
  systemLogs: SystemLogRecord;
  sudoAuthorizations: SudoAuthorizationRecord;
}

export type LookupKind = keyof RecordsByKind;

type TableOf<Row> = PgTable & { tenantId: PgColumn; id: PgColumn; $inferSelect: Row };

/** Each kind's table. The annotation is where a table whose rows no longer fit its record fails. */
const TABLES: { readonly [Kind in LookupKind]: TableOf<RecordsByKind[Kind]> } = {
  users,
  servers,
  apiTokens,
  approvals,
  accessSessions,
  terminalSessions,
  commands,
  fileTransfers,
  systemLogs,
  sudoAuthorizations,
};

export function recordsByIds<Kind extends LookupKind>(db: Executor, kind: Kind, tenantId: string, ids: readonly string[]): Promise<RecordsByKind[Kind][]> {
  return rowsByIds<TableOf<RecordsByKind[Kind]>>(db, TABLES[kind], tenantId, ids);
}

/** People by id: the columns a record's operator or requester shows, not the whole user row. */
export function peopleByIds(db: Executor, tenantId: string, ids: readonly string[]): Promise<PersonRecord[]> {
  return columnsByIds(db, users, ['tenantId', 'id', 'email', 'name'], tenantId, ids);
}
