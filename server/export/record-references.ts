/**
 * The rows a page of records names (servers, people, the access and terminal sessions they ran
 * in), fetched with one statement per kind for the whole page, so an export's columns can show
 * names next to ids without a query per row.
 */
import type { Executor } from '../db/database.js';
import { rowsByIds } from '../db/rows-by-ids.js';
import * as tables from '../db/tables/index.js';
import type { AccessSessionRow, ApprovalDecisionRow, ServerRow, TerminalSessionRow, UserRow } from '../db/tables/index.js';
import { decisionsOfApprovals } from '../approvals/approval-queries.js';

export interface ReferencedIds {
  readonly users?: readonly (string | null)[];
  readonly servers?: readonly (string | null)[];
  readonly accessSessions?: readonly (string | null)[];
  readonly terminalSessions?: readonly (string | null)[];
  /** Also the servers in the scope of the referenced access sessions. */
  readonly serversOfAccessSessions?: boolean;
  /** Requests whose decisions to load (with their reviewers among the users). */
  readonly approvalDecisions?: readonly string[];
}

export interface PageReferences {
  readonly users: ReadonlyMap<string, UserRow>;
  readonly servers: ReadonlyMap<string, ServerRow>;
  readonly accessSessions: ReadonlyMap<string, AccessSessionRow>;
  readonly terminalSessions: ReadonlyMap<string, TerminalSessionRow>;
  /** Each request's decisions, oldest first. */
  readonly decisions: ReadonlyMap<string, readonly ApprovalDecisionRow[]>;
}

function distinct(ids: readonly (string | null)[] | undefined): string[] {
  return [...new Set((ids ?? []).filter((id): id is string => id !== null))];
}

async function byId<Row extends { id: string }>(ids: readonly (string | null)[] | undefined, load: (ids: string[]) => Promise<Row[]>) {
  const wanted = distinct(ids);
  return new Map((wanted.length > 0 ? await load(wanted) : []).map((row) => [row.id, row]));
}

export async function loadReferences(db: Executor, tenantId: string, ids: ReferencedIds): Promise<PageReferences> {
  const decisionRows = ids.approvalDecisions?.length ? await decisionsOfApprovals(db, tenantId, ids.approvalDecisions) : [];
  const decisions = new Map<string, ApprovalDecisionRow[]>();
  for (const row of decisionRows) decisions.set(row.approvalId, [...(decisions.get(row.approvalId) ?? []), row]);
  const userIds = [...(ids.users ?? []), ...decisionRows.map((row) => row.approverId)];
  const accessSessions = await byId(ids.accessSessions, (wanted) => rowsByIds(db, tables.accessSessions, tenantId, wanted));
  const serverIds = [...(ids.servers ?? []), ...(ids.serversOfAccessSessions ? [...accessSessions.values()].flatMap((session) => session.serverIds) : [])];
  const [users, servers, terminalSessions] = await Promise.all([
    byId(userIds, (wanted) => rowsByIds(db, tables.users, tenantId, wanted)),
    byId(serverIds, (wanted) => rowsByIds(db, tables.servers, tenantId, wanted)),
    byId(ids.terminalSessions, (wanted) => rowsByIds(db, tables.terminalSessions, tenantId, wanted)),
  ]);
  return { users, servers, accessSessions, terminalSessions, decisions };
}
