/**
 * DataLoaders for nested fields. They are made per operation and keyed within the actor's tenant,
 * so a page of 100 rows resolves each nested object kind with one statement, and a cached row can
 * never leak across requests or tenants.
 */
import DataLoader from 'dataloader';
import type { Actor } from '../server/auth/actor.js';
import type { Database } from '../server/db/database.js';
import { rowsByIds } from '../server/db/rows-by-ids.js';
import { decisionsOfApprovals } from '../server/approvals/approval-queries.js';
import { recordingsOfSessions } from '../server/recordings/recording-queries.js';
import {
  accessSessions,
  apiTokens,
  approvals,
  servers,
  sudoAuthorizations,
  terminalSessions,
  users,
  type AccessSessionRow,
  type ApiTokenRow,
  type ApprovalDecisionRow,
  type ApprovalRow,
  type ServerRow,
  type SudoAuthorizationRow,
  type TerminalRecordingRow,
  type TerminalSessionRow,
  type UserRow,
} from '../server/db/tables/index.js';

export interface Loaders {
  readonly userById: DataLoader<string, UserRow | null>;
  readonly serverById: DataLoader<string, ServerRow | null>;
  readonly tokenById: DataLoader<string, ApiTokenRow | null>;
  readonly accessSessionById: DataLoader<string, AccessSessionRow | null>;
  readonly terminalSessionById: DataLoader<string, TerminalSessionRow | null>;
  readonly approvalById: DataLoader<string, ApprovalRow | null>;
  readonly sudoAuthorizationById: DataLoader<string, SudoAuthorizationRow | null>;
  /** A terminal session's recording (not scoped: the field applies the row rule). */
  readonly recordingBySessionId: DataLoader<string, TerminalRecordingRow | null>;
  /** Every decision on a request, oldest first. */
  readonly decisionsByApprovalId: DataLoader<string, ApprovalDecisionRow[]>;
  /** Loaders for nested lists, made on first use, one per field and argument set. */
  readonly nested: Map<string, DataLoader<string, unknown>>;
}

function byId<Row extends { id: string }>(load: (ids: readonly string[]) => Promise<Row[]>) {
  return new DataLoader<string, Row | null>(async (ids) => {
    const rows = new Map((await load(ids)).map((row) => [row.id, row]));
    return ids.map((id) => rows.get(id) ?? null);
  });
}

/**
 * The operation's loaders, each made on first use: a long-lived subscription context (which
 * resolves its events through shared per-event loaders) costs nothing for the ones it never uses.
 */
export function createLoaders(db: Database, actor: Actor | null): Loaders {
  const tenantId = actor?.tenantId;
  const inTenant = <Row>(load: (tenantId: string, ids: readonly string[]) => Promise<Row[]>) =>
    (ids: readonly string[]) => (tenantId ? load(tenantId, ids) : Promise.resolve([]));
  const made = new Map<string, unknown>();
  const lazily = <Loader>(name: string, make: () => Loader): Loader => {
    let loader = made.get(name) as Loader | undefined;
    if (!loader) made.set(name, (loader = make()));
    return loader;
  };
  let nested: Loaders['nested'] | undefined;
  return {
    get userById() {
      return lazily('userById', () => byId(inTenant((tenant, ids) => rowsByIds(db, users, tenant, ids))));
    },
    get serverById() {
      return lazily('serverById', () => byId(inTenant((tenant, ids) => rowsByIds(db, servers, tenant, ids))));
    },
    get tokenById() {
      return lazily('tokenById', () => byId(inTenant((tenant, ids) => rowsByIds(db, apiTokens, tenant, ids))));
    },
    get accessSessionById() {
      return lazily('accessSessionById', () => byId(inTenant((tenant, ids) => rowsByIds(db, accessSessions, tenant, ids))));
    },
    get terminalSessionById() {
      return lazily('terminalSessionById', () => byId(inTenant((tenant, ids) => rowsByIds(db, terminalSessions, tenant, ids))));
    },
    get approvalById() {
      return lazily('approvalById', () => byId(inTenant((tenant, ids) => rowsByIds(db, approvals, tenant, ids))));
    },
    get sudoAuthorizationById() {
      return lazily('sudoAuthorizationById', () => byId(inTenant((tenant, ids) => rowsByIds(db, sudoAuthorizations, tenant, ids))));
    },
    get recordingBySessionId() {
      return lazily(
        'recordingBySessionId',
        () =>
          new DataLoader<string, TerminalRecordingRow | null>(async (ids) => {
            const rows = tenantId ? await recordingsOfSessions(db, tenantId, ids) : [];
            return ids.map((id) => rows.find((row) => row.terminalSessionId === id) ?? null);
          }),
      );
    },
    get decisionsByApprovalId() {
      return lazily(
        'decisionsByApprovalId',
        () =>
          new DataLoader<string, ApprovalDecisionRow[]>(async (ids) => {
            const rows = tenantId ? await decisionsOfApprovals(db, tenantId, ids) : [];
            return ids.map((id) => rows.filter((row) => row.approvalId === id));
          }),
      );
    },
    get nested() {
      return (nested ??= new Map());
    },
  };
}
