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
 * A loader by id within the actor's tenant (none without an actor), filled by `fetch`. Its
 * statement goes through the operation's pipeline: loaders that dispatch together share one write.
 */
function loaderById<Row extends { readonly id: string }>(
  pipeline: LookupPipeline,
  tenantId: string | undefined,
  fetch: (db: DatabaseHandle, tenantId: string, ids: readonly string[]) => Promise<Row[]>,
) {
  return new DataLoader<string, Row | null>(async (ids) => {
    const rows = new Map((tenantId ? await pipeline.run((db) => fetch(db, tenantId, ids)) : []).map((row) => [row.id, row]));
    return ids.map((id) => rows.get(id) ?? null);
  });
}

/** A loader of one kind of record by id. */
function byId<Kind extends LookupKind>(pipeline: LookupPipeline, kind: Kind, tenantId: string | undefined) {
  return loaderById<RecordsByKind[Kind]>(pipeline, tenantId, (db, tenant, ids) => recordsByIds(db, kind, tenant, ids));
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
  #pipeline: LookupPipeline | undefined;

  constructor(db: DatabaseHandle, actor: Actor | null, signedInUser: UserRecord | undefined) {
    this.#db = db;
    this.#tenantId = actor?.tenantId;
    this.#signedInUser = signedInUser;
  }

  #statements(): LookupPipeline {
    return (this.#pipeline ??= lookupPipeline(this.#db));
  }

  #lazily<Loader>(name: string, make: () => Loader): Loader {
    this.#made ??= new Map();
    let loader = this.#made.get(name) as Loader | undefined;
    if (!loader) this.#made.set(name, (loader = make()));
    return loader;
  }

  /** `loader`, already holding the signed-in person (when of this tenant). */
  #withSignedInUser<Row>(loader: DataLoader<string, Row | null>, asRow: (user: UserRecord) => Row): DataLoader<string, Row | null> {
    const signedInUser = this.#signedInUser;
    if (signedInUser && signedInUser.tenantId === this.#tenantId) loader.prime(signedInUser.id, asRow(signedInUser));
    return loader;
  }

  get userById() {
    return this.#lazily('userById', () => this.#withSignedInUser(byId(this.#statements(), 'users', this.#tenantId), (user) => user));
  }
  get personById() {
    return this.#lazily('personById', () => this.#withSignedInUser(loaderById(this.#statements(), this.#tenantId, peopleByIds), (user): PersonRecord => user));
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
