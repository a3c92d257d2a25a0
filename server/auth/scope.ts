/**
 * Who may see and do what: every access rule of Vigil lives in this module. Resolvers, exports,
 * subscriptions and bots ask it; none of them decides access on its own. The event stream's
 * rules, each leaf kind of the log mapped onto these (or to admins, or a permission), are beside
 * it in event-scope.ts.
 *
 * The tenant boundary is not a rule here but a property of every query: query functions take the
 * actor's tenant id and filter by it, and rows reference each other through (tenant_id, id) keys.
 *
 * Custom roles scoped by server labels (server/roles) reach here as the actor's `scopedGrants`: a
 * permission held for the servers matching some selectors gives what it gives tenant-wide, limited
 * to rows on those servers, besides one's own (RowScope's `servers`, ServerReach). Rows on several
 * servers are read when any of them matches (isRowOnServerInReach); a request is decided only when
 * every one of its servers matches (isRequestWithinReach). The SQL twins are in
 * server/records/queries/conditions.ts (rowInScope, serverInReach) and approval-queries.ts.
 */
import { Forbidden, Unauthenticated } from '../errors.js';
import type { AccessReviewItemRow, AccessReviewRow, ServerSelector } from '../db/tables/index.js';
import type { Actor, AgentActor, ServerLabels, SystemActor, UserActor } from './actor.js';
import type { Permission } from './permissions.js';

export function requireActor(actor: Actor | null): Actor {
  if (!actor) throw new Unauthenticated();
  return actor;
}

/** A person (user token or JWT); agents are refused. */
export function requireUser(actor: Actor | null): UserActor {
  const present = requireActor(actor);
  if (present.type !== 'user') throw new Forbidden('This operation is for users, not agent tokens');
  return present;
}

export function requireAgent(actor: Actor | null): AgentActor {
  const present = requireActor(actor);
  if (present.type !== 'agent') throw new Forbidden('This operation is for agent tokens');
  return present;
}

export function isAdmin(actor: Actor): boolean {
  return actor.type === 'system' || (actor.type === 'user' && actor.role === 'admin');
}

/** An admin of the actor's tenant (or Vigil itself). */
export function requireAdmin(actor: Actor | null): UserActor | SystemActor {
  const present = requireActor(actor);
  if (!isAdmin(present)) throw new Forbidden('This operation requires the admin role', { requiredRole: 'admin' });
  return present as UserActor | SystemActor;
}

/** An admin of the account (organisation) the actor's workspace belongs to: what account-wide views need. */
export function requireAccountAdmin(actor: Actor | null): UserActor & { readonly accountId: string } {
  const present = requireUser(actor);
  if (!present.accountId) throw new Forbidden('This operation is for admins of the workspace’s account (organisation)');
  return present as UserActor & { readonly accountId: string };
}

export function hasPermission(actor: Actor, permission: Permission): boolean {
  if (actor.type === 'system') return true;
  if (actor.type === 'agent') return false;
  return actor.permissions.has(permission);
}

export function requirePermission(actor: Actor | null, permission: Permission): Actor {
  const present = requireActor(actor);
  if (!hasPermission(present, permission)) {
    throw new Forbidden(`This operation requires the ${permission} permission`, { requiredPermission: permission });
  }
  return present;
}

/** Who reads agents' health (a server's presence, the fleet): admins and holders of monitoring.view. */
export function canSeeAgentHealth(actor: Actor | null): boolean {
  return actor !== null && (isAdmin(actor) || hasPermission(actor, 'monitoring.view'));
}

/** As canSeeAgentHealth, refusing with FORBIDDEN (UNAUTHENTICATED without an actor). */
export function requireAgentHealthReader(actor: Actor | null): Actor {
  const present = requireActor(actor);
  if (!isAdmin(present)) requirePermission(present, 'monitoring.view');
  return present;
}

/** Users manage their own tokens; admins manage everyone's in their tenant. */
export function requireSelfOrAdmin(actor: Actor | null, userId: string): UserActor | SystemActor {
  const present = requireActor(actor);
  if (present.type === 'system') return present;
  if (present.type === 'user' && (present.role === 'admin' || present.userId === userId)) return present;
  throw new Forbidden("Only an admin may act on another user's behalf");
}

/** The user a token listing is narrowed to: a regular user sees only their own tokens. */
export function tokenOwnerScope(actor: UserActor | SystemActor, requestedUserId?: string | null): string | undefined {
  if (isAdmin(actor)) return requestedUserId ?? undefined;
  const ownId = (actor as UserActor).userId;
  if (requestedUserId && requestedUserId !== ownId) throw new Forbidden("Only an admin may list another user's tokens");
  return ownId;
}

// ---------------------------------------------------------------------------------------------
// Credentials: a stream token reads the event stream and nothing else.
//
// A stream token acts as its owner, so what it reads of the stream is scoped exactly as the owner
// (the rules below); what narrows it is which operations it may run at all. GraphQL accepts it and
// refuses, over HTTP and WebSocket alike, every operation that selects a root field outside
// STREAM_CREDENTIAL_FIELDS (schema/limits/stream-credential.ts). Every other route refuses it when
// it authenticates (server/auth/authenticate.ts), unless the route says it serves the stream.
// ---------------------------------------------------------------------------------------------

/**
 * The root fields a stream credential may select, by operation type: the event stream, and `me`
 * as a health check (it shows the owner's own profile and nothing else); `__typename` anywhere.
 */
export const STREAM_CREDENTIAL_FIELDS: Readonly<Record<'query' | 'mutation' | 'subscription', ReadonlySet<string>>> = {
  query: new Set(['eventStream', 'me', '__typename']),
  mutation: new Set(['__typename']),
  subscription: new Set(['eventStream']),
};

const STREAM_ONLY = 'A stream token reads only the event stream';

export function isStreamCredential(actor: Actor | null): boolean {
  return actor?.type === 'user' && actor.isStreamOnly === true;
}

/** Refuses a stream credential (FORBIDDEN): for every route but the event stream's. */
export function requireFullCredential<A extends Actor | null>(actor: A): A {
  if (isStreamCredential(actor)) throw new Forbidden(`${STREAM_ONLY}: it cannot be used here`, { credential: 'stream' });
  return actor;
}

/** The refusal of an operation of `type` selecting `rootFields` to `actor`; undefined when it may run. */
export function streamCredentialRefusal(actor: Actor | null, type: keyof typeof STREAM_CREDENTIAL_FIELDS, rootFields: Iterable<string>): Forbidden | undefined {
  if (!isStreamCredential(actor)) return undefined;
  const allowed = STREAM_CREDENTIAL_FIELDS[type];
  const refused = [...rootFields].find((field) => !allowed.has(field));
  if (refused === undefined) return undefined;
  const open = [...allowed].filter((field) => field !== '__typename');
  const mayRun = open.length > 0 ? `it may select ${open.join(', ')}` : `it may run no ${type}`;
  return new Forbidden(`${STREAM_ONLY}: ${type} field ${refused} is not open to it (${mayRun})`, { credential: 'stream' });
}

// ---------------------------------------------------------------------------------------------
// Audit records: which rows of a tenant an actor sees, and which fields of them.
// ---------------------------------------------------------------------------------------------

export type RecordKind =
  | 'accessSessions'
  | 'terminalSessions'
  | 'terminalRecordings'
  | 'desktopRecordings'
  | 'commands'
  | 'fileTransfers'
  | 'sudoAuthorizations'
  | 'systemLogs'
  | 'activityLog'
  | 'approvals';

/**
 * The servers a permission held through label-scoped roles reaches: every selector of every such
 * grant (a server matches when its labels contain one: `labels @> selector`), and the tenant's
 * servers they matched when the credential was checked, with their labels.
 */
export interface ServerReach {
  readonly selectors: readonly ServerSelector[];
  readonly servers: ReadonlyMap<string, ServerLabels>;
}

/**
 * The rows of one kind an actor may list. `ownerUserId` narrows them to one person's rows
 * (the requester, operator, grantee or user, by kind); `servers` to the rows on servers within a
 * reach; with both, a row is in scope when either holds (own rows, and rows on those servers).
 * Neither: the whole tenant.
 */
export interface RowScope {
  readonly tenantId: string;
  readonly ownerUserId?: string;
  readonly servers?: ServerReach;
}

/**
 * Where a row is, for the server part of a scope: its server, or for an access session the servers
 * it covers (by id, and by label: `serverLabels` covers every server whose labels contain them).
 * A request (approval) is where its access session is, and a sudo request also on its server.
 */
export interface RowServers {
  readonly serverIds: readonly string[];
  readonly serverLabels?: ServerLabels | null;
}

export const onServer = (serverId: string | null): RowServers => ({ serverIds: serverId ? [serverId] : [] });

/**
 * Row rules, by record kind: who reads the whole tenant's rows (admins, holders of `permission`);
 * holders of that permission through a role scoped by server labels read the rows on the servers
 * it matches; everyone else sees only their own rows, where the kind has an owner.
 */
const WHOLE_TENANT_READERS: Record<RecordKind, { permission?: Permission; isOwnRowsAllowed: boolean }> = {
  accessSessions: { permission: 'records.view', isOwnRowsAllowed: true },
  terminalSessions: { permission: 'session_recordings.view', isOwnRowsAllowed: true },
  terminalRecordings: { permission: 'session_recordings.view', isOwnRowsAllowed: true },
  desktopRecordings: { permission: 'session_recordings.view', isOwnRowsAllowed: true },
  commands: { permission: 'records.view', isOwnRowsAllowed: true },
  fileTransfers: { permission: 'records.view', isOwnRowsAllowed: true },
  sudoAuthorizations: { permission: 'records.view', isOwnRowsAllowed: true },
  // Not tied to a person: the whole tenant, the servers a scoped monitoring.view reaches, or nothing.
  systemLogs: { permission: 'monitoring.view', isOwnRowsAllowed: false },
  // Governance: admins only, however it is asked for.
  activityLog: { isOwnRowsAllowed: false },
  // The approval history is governance; a requester sees their own requests and how they went.
  approvals: { permission: 'records.view', isOwnRowsAllowed: true },
};

/** The servers `actor` holds `permission` for through label-scoped roles; undefined when none. */
export function serverReachOf(actor: Actor, permission: Permission): ServerReach | undefined {
  if (actor.type !== 'user') return undefined;
  const grants = (actor.scopedGrants ?? []).filter((grant) => grant.permission === permission);
  if (grants.length === 0) return undefined;
  const servers = new Map<string, ServerLabels>();
  for (const grant of grants) for (const [id, labels] of grant.servers) servers.set(id, labels);
  return { selectors: grants.flatMap((grant) => grant.selectors), servers };
}

export function recordScope(actor: Actor | null, kind: RecordKind): RowScope {
  const present = requireActor(actor);
  if (present.type === 'agent') throw new Forbidden('Agent tokens report records; they do not read them');
  const rule = WHOLE_TENANT_READERS[kind];
  if (isAdmin(present) || (rule.permission && hasPermission(present, rule.permission))) return { tenantId: present.tenantId };
  const servers = rule.permission ? serverReachOf(present, rule.permission) : undefined;
  if (servers && !rule.isOwnRowsAllowed) return { tenantId: present.tenantId, servers };
  if (!rule.isOwnRowsAllowed || present.type !== 'user') {
    const needed = rule.permission ? `the admin role or the ${rule.permission} permission` : 'the admin role';
    throw new Forbidden(`Reading ${kind} requires ${needed}`, { requiredRole: 'admin', requiredPermission: rule.permission });
  }
  return { tenantId: present.tenantId, ownerUserId: present.userId, ...(servers ? { servers } : {}) };
}

/**
 * Whose rows of `kind` the actor sees when they are reached through a reference (a command's
 * access session, a session's parent): the lists' rule, or null when the actor sees none.
 */
export function referenceScope(actor: Actor | null, kind: RecordKind): RowScope | null {
  try {
    return recordScope(actor, kind);
  } catch {
    return null;
  }
}

/** Whether labels hold every key of `wanted` with its value (jsonb's `@>` on flat label maps). */
export function labelsContain(labels: ServerLabels, wanted: ServerLabels): boolean {
  return Object.entries(wanted).every(([key, value]) => labels[key] === value);
}

/**
 * Whether a row on `where` is on a server of `reach`: any server it names is, or (an access
 * session by label) a server of the reach carries all of its labels. SQL twin: serverInReach.
 */
export function isRowOnServerInReach(reach: ServerReach, where: RowServers): boolean {
  if (where.serverIds.some((id) => reach.servers.has(id))) return true;
  const labels = where.serverLabels;
  return !!labels && Object.keys(labels).length > 0 && [...reach.servers.values()].some((server) => labelsContain(server, labels));
}

/**
 * Whether a row owned by `ownerUserId` on `where` is within `scope` (null: within no scope).
 * SQL twin: rowInScope (server/records/queries/conditions.ts).
 */
export function isRowInScope(scope: RowScope | null, ownerUserId: string | null, where: RowServers): boolean {
  if (scope === null) return false;
  if (scope.ownerUserId === undefined && scope.servers === undefined) return true;
  if (scope.ownerUserId !== undefined && scope.ownerUserId === ownerUserId) return true;
  return scope.servers !== undefined && isRowOnServerInReach(scope.servers, where);
}

/** Whether the actor may see one row of `kind` owned by `ownerUserId` on `where`, reached through a reference. */
export function canSeeRow(actor: Actor | null, kind: RecordKind, ownerUserId: string | null, where: RowServers): boolean {
  return isRowInScope(referenceScope(actor, kind), ownerUserId, where);
}

/**
 * Whether asking for `ownerUserId`'s rows of `kind` can show the actor any (a bot refuses a filter
 * on someone else otherwise): their own, the whole tenant's, or those on servers the actor reaches.
 */
export function canSeeSomeRowsOf(actor: Actor | null, kind: RecordKind, ownerUserId: string): boolean {
  const scope = referenceScope(actor, kind);
  return scope !== null && (scope.servers !== undefined || isRowInScope(scope, ownerUserId, NO_SERVERS));
}

// ---------------------------------------------------------------------------------------------
// Record exports: audit_logs.export on top of the row rules.
// ---------------------------------------------------------------------------------------------

/** Whether the actor may export records at all: audit_logs.export, tenant-wide or for some servers. */
export function requireRecordExporter(actor: Actor | null): Actor {
  const present = requireActor(actor);
  if (!hasPermission(present, 'audit_logs.export') && !serverReachOf(present, 'audit_logs.export')) requirePermission(present, 'audit_logs.export');
  return present;
}

/**
 * The rows of `kind` the actor may export: those they may read (recordScope); with
 * audit_logs.export held only for some servers, of those only their own and the ones on servers
 * both reaches share.
 */
export function recordExportScope(actor: Actor | null, kind: RecordKind): RowScope {
  const present = requireRecordExporter(actor);
  const scope = recordScope(present, kind);
  if (hasPermission(present, 'audit_logs.export')) return scope;
  const exportReach = serverReachOf(present, 'audit_logs.export')!;
  const readReach = scope.ownerUserId === undefined && scope.servers === undefined ? exportReach : scope.servers;
  const servers = new Map([...(readReach?.servers ?? [])].filter(([id]) => exportReach.servers.has(id)));
  const ownRows =
    present.type === 'user' && (scope.ownerUserId !== undefined || WHOLE_TENANT_READERS[kind].isOwnRowsAllowed) ? { ownerUserId: present.userId } : {};
  return { tenantId: scope.tenantId, ...ownRows, servers: { selectors: exportReach.selectors, servers } };
}

/** "My sessions / My events": the actor's own rows, whatever their role. */
export function ownRowsScope(actor: Actor | null): RowScope {
  const user = requireUser(actor);
  return { tenantId: user.tenantId, ownerUserId: user.userId };
}

/**
 * Fields that stay hidden (null) from people who may see a row but are not its owner: holders of
 * session_recordings.view see every terminal session and its command lines, but not other people's
 * network details or command output. Admins and owners see them.
 */
export const OWNER_OR_ADMIN_FIELDS = [
  'TerminalSession.remoteIp',
  'TerminalSession.browser',
  'Command.result',
  'Command.operatorToken',
  'FileTransfer.remoteIp',
] as const;
export type OwnerOrAdminField = (typeof OWNER_OR_ADMIN_FIELDS)[number];

/** Whose owner-or-admin fields the actor sees: the whole tenant's (admins), their own (people), or none. */
export function fieldScope(actor: Actor | null): RowScope | null {
  if (!actor) return null;
  if (isAdmin(actor)) return { tenantId: actor.tenantId };
  return actor.type === 'user' ? { tenantId: actor.tenantId, ownerUserId: actor.userId } : null;
}

export function canSeeField(actor: Actor | null, _field: OwnerOrAdminField, ownerUserId: string | null): boolean {
  return isRowInScope(fieldScope(actor), ownerUserId, NO_SERVERS);
}

const NO_SERVERS: RowServers = { serverIds: [] };

// ---------------------------------------------------------------------------------------------
// Approvals: who may decide a request.
// ---------------------------------------------------------------------------------------------

/** The review rules a request was made under (copied from its policy), and who made it. */
export interface ReviewRules {
  readonly requesterId: string;
  readonly approverGroups: readonly string[];
  /** On-call schedules (server/oncall/schedule-keys.ts) whose people on call may decide, like a group; null for none. */
  readonly onCallSchedules?: readonly string[] | null;
  readonly isAdminApprover: boolean;
  /**
   * Where the request is (requestServersOf): needed for a reviewer who holds approvals.decide only
   * for some servers; a request given without it is not theirs to decide.
   */
  readonly servers?: RowServers;
}

/** A request's servers: a sudo request's server; an access or extension request's session's servers. */
export function requestServersOf(request: { readonly kind: string; readonly serverId: string | null }, session: RowServers | null | undefined): RowServers {
  if (request.kind === 'sudo') return onServer(request.serverId);
  return session ? { serverIds: session.serverIds, serverLabels: session.serverLabels ?? null } : { serverIds: [] };
}

/**
 * Whether every server of a request is within `reach` (deciding needs all of them: a scoped
 * approver must not grant access to a server outside their scope): each server it names is, and
 * servers requested by label are only within it when the labels contain one of the reach's
 * selectors (then every server they cover matches it). A request naming no server is not.
 * SQL twin: requestWithinReach (server/approvals/approval-queries.ts).
 */
export function isRequestWithinReach(reach: ServerReach, where: RowServers): boolean {
  const labels = where.serverLabels ?? {};
  const hasLabels = Object.keys(labels).length > 0;
  if (where.serverIds.length === 0 && !hasLabels) return false;
  if (!where.serverIds.every((id) => reach.servers.has(id))) return false;
  return !hasLabels || reach.selectors.some((selector) => labelsContain(labels, selector));
}

/**
 * Why `actor`, a member of `actorGroups` and on call for the schedules `actorOnCall`, may not
 * decide a request held to `rules`; null when they may. Admins decide when the policy lets admins;
 * anyone else needs the approvals.decide permission and, when the policy names approver groups or
 * on-call schedules, one of those groups or to be on call for one of those schedules now (who is
 * on call is the caller's to ask: server/oncall; a schedule nobody could ask counts for nobody).
 * Nobody decides their own request.
 */
export function reviewRefusal(actor: Actor | null, actorGroups: readonly string[], rules: ReviewRules, actorOnCall: readonly string[] = []): string | null {
  if (!actor || actor.type !== 'user') return 'Only people decide requests';
  if (actor.userId === rules.requesterId) return 'Nobody may decide their own request';
  if (actor.role === 'admin' && rules.isAdminApprover) return null;
  if (!actor.permissions.has('approvals.decide')) {
    // Held for some servers only (a role scoped by labels): every server of the request must be among them.
    const reach = serverReachOf(actor, 'approvals.decide');
    if (!reach) {
      return rules.isAdminApprover
        ? 'Deciding this request requires the admin role or the approvals.decide permission'
        : 'Deciding requests requires the approvals.decide permission';
    }
    if (!rules.servers || !isRequestWithinReach(reach, rules.servers)) {
      return 'Your approvals.decide permission is for some servers only, and this request is not for those servers alone';
    }
  }
  const schedules = rules.onCallSchedules ?? [];
  if (schedules.length > 0 || rules.approverGroups.length > 0) {
    if (rules.approverGroups.some((group) => actorGroups.includes(group)) || schedules.some((key) => actorOnCall.includes(key))) return null;
    const onCall =
      schedules.length > 0 ? `the people on call for its ${schedules.length === 1 ? 'on-call schedule' : `${schedules.length} on-call schedules`}` : '';
    const who = [rules.approverGroups.length > 0 ? `members of ${rules.approverGroups.join(', ')}` : '', onCall].filter(Boolean).join(' and ');
    return `Only ${who} may decide this request`;
  }
  return null;
}

/** The same rule as reviewRefusal, as the facts a query needs to list what an actor may decide. */
export interface ReviewerScope {
  readonly tenantId: string;
  readonly userId: string;
  readonly isAdmin: boolean;
  readonly mayDecide: boolean;
  /** Where the reviewer decides when they hold approvals.decide only for some servers. */
  readonly decideReach?: ServerReach;
  readonly groups: readonly string[];
  /** The on-call schedules the reviewer is on call for now. */
  readonly onCall: readonly string[];
}

export function reviewerScope(actor: Actor | null, actorGroups: readonly string[], actorOnCall: readonly string[] = []): ReviewerScope {
  const user = requireUser(actor);
  return {
    tenantId: user.tenantId,
    userId: user.userId,
    isAdmin: user.role === 'admin',
    mayDecide: user.permissions.has('approvals.decide'),
    ...(user.permissions.has('approvals.decide') ? {} : { decideReach: serverReachOf(user, 'approvals.decide') }),
    groups: actorGroups,
    onCall: actorOnCall,
  };
}

/** Who sees one request: admins, its requester, whoever may decide it, and readers of the approvals it is among. */
export function canSeeApproval(actor: Actor | null, actorGroups: readonly string[], approval: ReviewRules, actorOnCall: readonly string[] = []): boolean {
  if (!actor) return false;
  if (isAdmin(actor)) return true;
  if (actor.type !== 'user') return false;
  if (actor.userId === approval.requesterId || reviewRefusal(actor, actorGroups, approval, actorOnCall) === null) return true;
  // Readers of the approval history (records.view), within their scope.
  return approval.servers !== undefined && isRowInScope(referenceScope(actor, 'approvals'), approval.requesterId, approval.servers);
}

// ---------------------------------------------------------------------------------------------
// Incident cases (server/cases): who reads and works them. What a case shows of each attached
// record is that record's own rule above, asked at every read (server/cases/case-item-kinds.ts).
// ---------------------------------------------------------------------------------------------

/** Reading and working cases (create, change, assign, attach, note, export): people with cases.manage (admins hold it). */
export function requireCaseWorker(actor: Actor | null): UserActor {
  const user = requireUser(actor);
  requirePermission(user, 'cases.manage');
  return user;
}

/** A closed case is final: only an admin reopens it. */
export function requireCaseReopener(actor: Actor | null): void {
  if (!isAdmin(requireActor(actor))) {
    throw new Forbidden('A closed case is final; only an admin may reopen it', { requiredRole: 'admin', field: 'input.status' });
  }
}

// ---------------------------------------------------------------------------------------------
// Access reviews (server/reviews): who sees and decides them. Admins see every campaign and item
// and may decide any item but their own. A reviewer (named by id, or a member of a reviewer group,
// or the assignee of an item) sees the campaign and the items assigned to them, and decides those.
// Nobody decides an item about their own grant, admins included (a role assigned to a group counts
// as the grant of each member). Everyone else is told the campaign does not exist, and is refused
// (FORBIDDEN) a decision on one of its items. SQL twins: server/reviews/review-queries.ts.
// ---------------------------------------------------------------------------------------------

/** A person and the groups they are in now (users.groups). */
export interface ReviewerIdentity {
  readonly actor: UserActor;
  readonly groups: readonly string[];
}

/** Whether the campaign names the person as a reviewer (by id or group). */
export function isNamedReviewer(review: AccessReviewRow, who: ReviewerIdentity): boolean {
  return review.reviewerIds.includes(who.actor.userId) || review.reviewerGroups.some((group) => who.groups.includes(group));
}

export function canSeeReview(review: AccessReviewRow, who: ReviewerIdentity, hasAssignedItem: boolean): boolean {
  return isAdmin(who.actor) || isNamedReviewer(review, who) || hasAssignedItem;
}

/** Whether the item is about the person's own grant (theirs, or a role held through their group). */
export function isOwnGrant(item: AccessReviewItemRow, who: ReviewerIdentity): boolean {
  if (item.subjectUserId !== null) return item.subjectUserId === who.actor.userId;
  const group = item.grantSnapshot.groupName;
  return typeof group === 'string' && who.groups.includes(group);
}

/** Refuses a decision `who` may not make on `item` (FORBIDDEN, saying why). */
export function assertMayDecide(item: AccessReviewItemRow, who: ReviewerIdentity): void {
  if (isOwnGrant(item, who)) throw new Forbidden('Nobody reviews their own grant: another reviewer or an admin decides this item', { reason: 'own_grant' });
  if (!isAdmin(who.actor) && item.assignedReviewerId !== who.actor.userId) {
    throw new Forbidden('Only the reviewer this item is assigned to (or an admin) decides it', { reason: 'not_assigned' });
  }
}

/** A person reading or deciding reviews (agent tokens are refused). */
export function requireReviewer(actor: Actor | null): UserActor {
  return requireUser(actor);
}
