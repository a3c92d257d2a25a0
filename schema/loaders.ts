/**
 * DataLoaders for nested fields. They are made per operation and keyed within the actor's tenant,
 * so a page of 100 rows resolves each nested object kind with one statement, and a cached row can
 * never leak across requests or tenants.
 */
import DataLoader from 'dataloader';
import type { ApprovalDecisionRecord, ApprovalRecord } from '../server/approvals/approval-types.js';
import { decisionsOfApprovals } from '../server/approvals/approval-queries.js';
import type { Actor } from '../server/auth/actor.js';
import type { ApiTokenRecord, PersonRecord, ServerRecord, UserRecord } from '../server/identity/identity-types.js';
import { peopleByIds, recordsByIds, type LookupKind, type RecordsByKind } from '../server/lookups/records-by-ids.js';
import { recordingsOfSessions } from '../server/recordings/recording-queries.js';
import type { TerminalRecordingRecord } from '../server/recordings/recording-types.js';
import type { AccessSessionRecord, SudoAuthorizationRecord, TerminalSessionRecord } from '../server/records/record-types.js';
import type { DatabaseHandle } from '../server/service-context.js';
import { lookupPipeline, type LookupPipeline } from '../server/lookups/lookup-pipeline.js';

export interface Loaders {
  readonly userById: DataLoader<string, UserRecord | null>;
  /** People named by records (operators, requesters): their name and email only. */
  readonly personById: DataLoader<string, PersonRecord | null>;
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

/**
 * A loader of one kind by id, within the actor's tenant (none without an actor). Its statement goes
 * through the operation's pipeline: loaders that dispatch together share one write.
 */
function byId<Kind extends LookupKind>(pipeline: LookupPipeline, kind: Kind, tenantId: string | undefined) {
  return new DataLoader<string, RecordsByKind[Kind] | null>(async (ids) => {
    const records = new Map((tenantId ? await pipeline.run((db) => recordsByIds(db, kind, tenantId, ids)) : []).map((record) => [record.id, record]));
    return ids.map((id) => records.get(id) ?? null);
  });
}

/**
 * The operation's loaders, each made on first use: a long-lived subscription context (which
 * resolves its events through shared per-event loaders) costs nothing for the ones it never uses.
 * A class, so the getters live once on its prototype rather than as closures in every context.
 */
class OperationLoaders implements Loaders {
  readonly #db: DatabaseHandle;
  readonly #tenantId: string | undefined;
  readonly #signedInUser: UserRecord | undefined;
  #made: Map<string, unknown> | undefined;
  #nested: Loaders['nested'] | undefined;

  constructor(db: DatabaseHandle, actor: Actor | null, signedInUser: UserRecord | undefined) {
    this.#db = db;
    this.#tenantId = actor?.tenantId;
    this.#signedInUser = signedInUser;
  }

  #pipeline: LookupPipeline | undefined;

  #statements(): LookupPipeline {
    return (this.#pipeline ??= lookupPipeline(this.#db));
  }

  #lazily<Loader>(name: string, make: () => Loader): Loader {
    this.#made ??= new Map();
    let loader = this.#made.get(name) as Loader | undefined;
    if (!loader) this.#made.set(name, (loader = make()));
    return loader;
  }

  get userById() {
    return this.#lazily('userById', () => {
      const loader = byId(this.#statements(), 'users', this.#tenantId);
      const signedInUser = this.#signedInUser;
      if (signedInUser && signedInUser.tenantId === this.#tenantId) loader.prime(signedInUser.id, signedInUser);
      return loader;
    });
  }
  get personById() {
    return this.#lazily('personById', () => {
      const pipeline = this.#statements();
      const tenantId = this.#tenantId;
      const loader = new DataLoader<string, PersonRecord | null>(async (ids) => {
        const people = new Map((tenantId ? await pipeline.run((db) => peopleByIds(db, tenantId, ids)) : []).map((person) => [person.id, person]));
        return ids.map((id) => people.get(id) ?? null);
      });
      const signedInUser = this.#signedInUser;
      if (signedInUser && signedInUser.tenantId === tenantId) loader.prime(signedInUser.id, signedInUser);
      return loader;
    });
  }
  get serverById() {
    return this.#lazily('serverById', () => byId(this.#statements(), 'servers', this.#tenantId));
  }
  get tokenById() {
    return this.#lazily('tokenById', () => byId(this.#statements(), 'apiTokens', this.#tenantId));
  }
  get accessSessionById() {
    return this.#lazily('accessSessionById', () => byId(this.#statements(), 'accessSessions', this.#tenantId));
  }
  get terminalSessionById() {
    return this.#lazily('terminalSessionById', () => byId(this.#statements(), 'terminalSessions', this.#tenantId));
  }
  get approvalById() {
    return this.#lazily('approvalById', () => byId(this.#statements(), 'approvals', this.#tenantId));
  }
  get sudoAuthorizationById() {
    return this.#lazily('sudoAuthorizationById', () => byId(this.#statements(), 'sudoAuthorizations', this.#tenantId));
  }
  get recordingBySessionId() {
    return this.#lazily('recordingBySessionId', () => {
      const db = this.#db;
      const tenantId = this.#tenantId;
      return new DataLoader<string, TerminalRecordingRecord | null>(async (ids) => {
        const rows = tenantId ? await recordingsOfSessions(db, tenantId, ids) : [];
        return ids.map((id) => rows.find((row) => row.terminalSessionId === id) ?? null);
      });
    });
  }
  get decisionsByApprovalId() {
    return this.#lazily('decisionsByApprovalId', () => {
      const db = this.#db;
      const tenantId = this.#tenantId;
      return new DataLoader<string, ApprovalDecisionRecord[]>(async (ids) => {
        const rows = tenantId ? await decisionsOfApprovals(db, tenantId, ids) : [];
        return ids.map((id) => rows.filter((row) => row.approvalId === id));
      });
    });
  }
  get nested() {
    return (this.#nested ??= new Map());
  }
}

/**
 * `signedInUser`: the acting person as authentication read them moments ago in this request; the
 * user loader starts with them, so a page of one's own rows asks nobody's row again.
 */
export function createLoaders(db: DatabaseHandle, actor: Actor | null, signedInUser?: UserRecord): Loaders {
  return new OperationLoaders(db, actor, signedInUser);
}
