/**
 * DataLoaders for nested fields. They are made per operation and keyed within the actor's tenant,
 * so a page of 100 rows resolves each nested object kind with one statement, and a cached row can
 * never leak across requests or tenants.
 */
import DataLoader from 'dataloader';
import type { ApprovalDecisionRecord, ApprovalRecord } from '../server/approvals/approval-types.js';
import { decisionsOfApprovals } from '../server/approvals/approval-queries.js';
import type { Actor } from '../server/auth/actor.js';
import type { ApiTokenRecord, ServerRecord, UserRecord } from '../server/identity/identity-types.js';
import { recordsByIds, type LookupKind, type RecordsByKind } from '../server/lookups/records-by-ids.js';
import { recordingsOfSessions } from '../server/recordings/recording-queries.js';
import type { TerminalRecordingRecord } from '../server/recordings/recording-types.js';
import type { AccessSessionRecord, SudoAuthorizationRecord, TerminalSessionRecord } from '../server/records/record-types.js';
import type { DatabaseHandle } from '../server/service-context.js';

export interface Loaders {
  readonly userById: DataLoader<string, UserRecord | null>;
  readonly serverById: DataLoader<string, ServerRecord | null>;
  readonly tokenById: DataLoader<string, ApiTokenRecord | null>;
  readonly accessSessionById: DataLoader<string, AccessSessionRecord | null>;
  readonly terminalSessionById: DataLoader<string, TerminalSessionRecord | null>;
  readonly approvalById: DataLoader<string, ApprovalRecord | null>;
  readonly sudoAuthorizationById: DataLoader<string, SudoAuthorizationRecord | null>;
  /** A terminal session's recording (not scoped: the field applies the row rule). */
  readonly recordingBySessionId: DataLoader<string, TerminalRecordingRecord | null>;
  /** Every decision on a request, oldest first. */
  readonly decisionsByApprovalId: DataLoader<string, ApprovalDecisionRecord[]>;
  /** Loaders for nested lists, made on first use, one per field and argument set. */
  readonly nested: Map<string, DataLoader<string, unknown>>;
}

/** A loader of one kind by id, within the actor's tenant (none without an actor). */
function byId<Kind extends LookupKind>(db: DatabaseHandle, kind: Kind, tenantId: string | undefined) {
  return new DataLoader<string, RecordsByKind[Kind] | null>(async (ids) => {
    const records = new Map((tenantId ? await recordsByIds(db, kind, tenantId, ids) : []).map((record) => [record.id, record]));
    return ids.map((id) => records.get(id) ?? null);
  });
}

/**
 * The operation's loaders, each made on first use: a long-lived subscription context (which
 * resolves its events through shared per-event loaders) costs nothing for the ones it never uses.
 */
/**
 * `signedInUser`: the acting person as authentication read them moments ago in this request; the
 * user loader starts with them, so a page of one's own rows asks nobody's row again.
 */
export function createLoaders(db: DatabaseHandle, actor: Actor | null, signedInUser?: UserRecord): Loaders {
  const tenantId = actor?.tenantId;
  const made = new Map<string, unknown>();
  const lazily = <Loader>(name: string, make: () => Loader): Loader => {
    let loader = made.get(name) as Loader | undefined;
    if (!loader) made.set(name, (loader = make()));
    return loader;
  };
  let nested: Loaders['nested'] | undefined;
  return {
    get userById() {
      return lazily('userById', () => {
        const loader = byId(db, 'users', tenantId);
        if (signedInUser && signedInUser.tenantId === tenantId) loader.prime(signedInUser.id, signedInUser);
        return loader;
      });
    },
    get serverById() {
      return lazily('serverById', () => byId(db, 'servers', tenantId));
    },
    get tokenById() {
      return lazily('tokenById', () => byId(db, 'apiTokens', tenantId));
    },
    get accessSessionById() {
      return lazily('accessSessionById', () => byId(db, 'accessSessions', tenantId));
    },
    get terminalSessionById() {
      return lazily('terminalSessionById', () => byId(db, 'terminalSessions', tenantId));
    },
    get approvalById() {
      return lazily('approvalById', () => byId(db, 'approvals', tenantId));
    },
    get sudoAuthorizationById() {
      return lazily('sudoAuthorizationById', () => byId(db, 'sudoAuthorizations', tenantId));
    },
    get recordingBySessionId() {
      return lazily(
        'recordingBySessionId',
        () =>
          new DataLoader<string, TerminalRecordingRecord | null>(async (ids) => {
            const rows = tenantId ? await recordingsOfSessions(db, tenantId, ids) : [];
            return ids.map((id) => rows.find((row) => row.terminalSessionId === id) ?? null);
          }),
      );
    },
    get decisionsByApprovalId() {
      return lazily(
        'decisionsByApprovalId',
        () =>
          new DataLoader<string, ApprovalDecisionRecord[]>(async (ids) => {
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
