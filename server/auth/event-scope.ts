/**
 * Which events of the verifiable log an actor reads: the event stream's access rules, every one of
 * them here, built on the record rules of scope.ts (recordScope, canSeeField) so that the stream
 * shows a person exactly the rows and fields the queries show them.
 *
 * Each leaf kind has one read rule:
 * - `records`: a record kind of scope.ts. Whoever reads the whole tenant's list of that kind (an
 *   admin, a holder of the kind's permission) sees every leaf of it; a regular user, where the
 *   kind allows own rows, sees the leaves whose owner is them. The owner is a column of the row, or
 *   of its parent record (a status change's command, a decision's request, a chunk's recording),
 *   found by the parent's id.
 * - `permission`: the whole tenant's leaves of the kind, with the permission (admins hold all).
 * - `admin`: settings, and what the API shows admins alone.
 * A kind not listed (added later) is admin-only until it is. Agent tokens read nothing.
 *
 * Servers: a reader who holds a kind's permission through a role scoped by server labels reads, of
 * a `records` kind, the leaves on servers within that reach besides their own (recordScope's
 * `servers`). Where a leaf is (LEAF_PLACES): its `server_id`; an access session's `server_ids` and
 * `server_labels`; a chunk's recording's server; a request's access session's servers (a sudo
 * request's own server too); a decision's request's. Parents are looked up by id, as owners are.
 *
 * Fields: for a row one may see but does not own, scope.ts's OWNER_OR_ADMIN_FIELDS are null
 * (LEAF_COLUMNS_OF_FIELDS names their leaf columns). The tenant boundary is the query's, as
 * everywhere (server/events/placed-leaves.ts reads one tenant's log).
 */
import { Forbidden } from '../errors.js';
import type { Actor, UserActor, SystemActor } from './actor.js';
import type { Permission } from './permissions.js';
import {
  canSeeField,
  hasPermission,
  isAdmin,
  isRowOnServerInReach,
  recordScope,
  requireActor,
  type OwnerOrAdminField,
  type RecordKind,
  type RowServers,
  type ServerReach,
} from './scope.js';

/** Where a row's owner is: a column of the row, or of the parent record the row's `column` names. */
export type OwnerColumn = { readonly column: string } | { readonly column: string; readonly parentKind: string };

export type LeafReadRule = { readonly records: RecordKind; readonly owner?: OwnerColumn } | { readonly permission: Permission } | { readonly admin: true };

const ADMIN = { admin: true } as const;

export const LEAF_READ_RULES: Readonly<Record<string, LeafReadRule>> = {
  audit_entry: { permission: 'audit_logs.view' },
  // The retention statements are about the log itself: read with it.
  log_statement: { permission: 'audit_logs.view' },
  activity: { records: 'activityLog' },
  access_session: { records: 'accessSessions', owner: { column: 'requester_id' } },
  terminal_session: { records: 'terminalSessions', owner: { column: 'user_id' } },
  terminal_recording: { records: 'terminalRecordings', owner: { column: 'user_id' } },
  recording_chunk: { records: 'terminalRecordings', owner: { column: 'recording_id', parentKind: 'terminal_recording' } },
  desktop_recording: { records: 'desktopRecordings', owner: { column: 'user_id' } },
  desktop_recording_chunk: { records: 'desktopRecordings', owner: { column: 'recording_id', parentKind: 'desktop_recording' } },
  command: { records: 'commands', owner: { column: 'operator_user_id' } },
  command_status_change: { records: 'commands', owner: { column: 'command_id', parentKind: 'command' } },
  file_transfer: { records: 'fileTransfers', owner: { column: 'user_id' } },
  sudo_authorization: { records: 'sudoAuthorizations', owner: { column: 'user_id' } },
  system_log: { records: 'systemLogs' },
  // A requester sees their own requests and how each was decided, as the approvals list shows them.
  approval: { records: 'approvals', owner: { column: 'requester_id' } },
  approval_decision: { records: 'approvals', owner: { column: 'approval_id', parentKind: 'approval' } },
  // The sudoChecks query is the admins'.
  sudo_check: ADMIN,
  session_check: ADMIN,
  // What agents were told to do (an admin's terminations among them).
  agent_directive: ADMIN,
  alert: { permission: 'monitoring.view' },
  // Settings: who may do what and where the record goes. The leaf is the stored row, not the
  // API's view of it (a channel's config, a token's digest), so admins alone read it.
  user: ADMIN,
  api_token: ADMIN,
  server: ADMIN,
  approval_policy: ADMIN,
  retention_policy: ADMIN,
  notification_channel: ADMIN,
  alert_rule: ADMIN,
  webhook_subscription: ADMIN,
  chat_workspace: ADMIN,
  chat_workspace_claim: ADMIN,
  chat_identity: ADMIN,
  chat_link_code: ADMIN,
  user_totp: ADMIN,
  role: ADMIN,
  role_assignment: ADMIN,
  report_schedule: ADMIN,
  // A digest's facts come from the audit and activity logs: read with them.
  report_run: { permission: 'audit_logs.view' },
  // Access reviews (campaigns and each item's decision): the admins' record of who kept what.
  access_review: ADMIN,
  access_review_item: ADMIN,
  // Incident cases: read by whoever works cases. An item's leaf names the record by id only; the record itself keeps its own rule.
  case: { permission: 'cases.manage' },
  case_item: { permission: 'cases.manage' },
  case_note: { permission: 'cases.manage' },
};

/**
 * Where a leaf of a `records` kind is: a column naming its server, the access session's own
 * columns, or the parent record whose place it shares (by the id in `column`).
 */
export type LeafPlace =
  | { readonly serverColumn: string }
  | { readonly serverIdsColumn: string; readonly serverLabelsColumn: string }
  | { readonly column: string; readonly parentKind: 'terminal_recording' | 'desktop_recording' | 'access_session' | 'approval' };

export const LEAF_PLACES: Readonly<Record<string, LeafPlace>> = {
  access_session: { serverIdsColumn: 'server_ids', serverLabelsColumn: 'server_labels' },
  terminal_session: { serverColumn: 'server_id' },
  terminal_recording: { serverColumn: 'server_id' },
  recording_chunk: { column: 'recording_id', parentKind: 'terminal_recording' },
  desktop_recording: { serverColumn: 'server_id' },
  desktop_recording_chunk: { column: 'recording_id', parentKind: 'desktop_recording' },
  command: { serverColumn: 'server_id' },
  command_status_change: { serverColumn: 'server_id' },
  file_transfer: { serverColumn: 'server_id' },
  sudo_authorization: { serverColumn: 'server_id' },
  system_log: { serverColumn: 'server_id' },
  approval: { column: 'id', parentKind: 'approval' },
  approval_decision: { column: 'approval_id', parentKind: 'approval' },
};

/** The leaf column each owner-or-admin field of the API is, by leaf kind. */
export const LEAF_COLUMNS_OF_FIELDS: Readonly<Record<OwnerOrAdminField, { readonly kind: string; readonly column: string }>> = {
  'TerminalSession.remoteIp': { kind: 'terminal_session', column: 'remote_ip' },
  'TerminalSession.browser': { kind: 'terminal_session', column: 'browser' },
  'Command.result': { kind: 'command', column: 'result' },
  'Command.operatorToken': { kind: 'command', column: 'operator_token_id' },
  'FileTransfer.remoteIp': { kind: 'file_transfer', column: 'remote_ip' },
};

const FIELDS_BY_KIND = new Map<string, { field: OwnerOrAdminField; column: string }[]>();
for (const [field, { kind, column }] of Object.entries(LEAF_COLUMNS_OF_FIELDS) as [OwnerOrAdminField, { kind: string; column: string }][]) {
  FIELDS_BY_KIND.set(kind, [...(FIELDS_BY_KIND.get(kind) ?? []), { field, column }]);
}

/**
 * How much of a kind an actor reads: all of the tenant's leaves; those they own; those on servers
 * of a reach (where the leaf is: LEAF_PLACES); or both of the last two.
 */
export type KindReach =
  { readonly all: true } | { readonly ownedBy: string; readonly owner: OwnerColumn; readonly servers?: ServerReach } | { readonly servers: ServerReach };

export interface EventScope {
  readonly tenantId: string;
  readonly actor: UserActor | SystemActor;
  /** The kinds the actor reads any leaf of, and how far; a kind absent here is not read at all. */
  readonly kinds: ReadonlyMap<string, KindReach>;
}

function reachOf(actor: UserActor | SystemActor, rule: LeafReadRule): KindReach | undefined {
  if ('admin' in rule) return isAdmin(actor) ? { all: true } : undefined;
  if ('permission' in rule) return isAdmin(actor) || hasPermission(actor, rule.permission) ? { all: true } : undefined;
  let scope: ReturnType<typeof recordScope>;
  try {
    scope = recordScope(actor, rule.records);
  } catch (error) {
    if (error instanceof Forbidden) return undefined;
    throw error;
  }
  const { ownerUserId, servers } = scope;
  if (ownerUserId === undefined) return servers ? { servers } : { all: true };
  if (!rule.owner) return servers ? { servers } : undefined;
  return { ownedBy: ownerUserId, owner: rule.owner, ...(servers ? { servers } : {}) };
}

/** The actor's reach over every leaf kind; FORBIDDEN for agent tokens, UNAUTHENTICATED without an actor. */
export function eventScope(actor: Actor | null, leafKinds: readonly string[]): EventScope {
  const present = requireActor(actor);
  if (present.type === 'agent') throw new Forbidden('Agent tokens report records; they do not read them');
  const kinds = new Map<string, KindReach>();
  for (const kind of leafKinds) {
    const reach = reachOf(present, LEAF_READ_RULES[kind] ?? ADMIN);
    if (reach) kinds.set(kind, reach);
  }
  return { tenantId: present.tenantId, actor: present, kinds };
}

/**
 * Whether the scope shows a leaf of `kind` whose owner is `ownerUserId` (null: no owner known), on
 * `place` (null: not known; needed only where the reach has servers).
 */
export function canSeeEvent(scope: EventScope, kind: string, ownerUserId: string | null, place: RowServers | null = null): boolean {
  const reach = scope.kinds.get(kind);
  if (!reach) return false;
  if ('all' in reach) return true;
  if ('ownedBy' in reach && ownerUserId !== null && reach.ownedBy === ownerUserId) return true;
  return reach.servers !== undefined && place !== null && isRowOnServerInReach(reach.servers, place);
}

/** Whether reading `kind` needs each leaf's place (the reach has servers). */
export function needsPlace(scope: EventScope, kind: string): boolean {
  const reach = scope.kinds.get(kind);
  return reach !== undefined && 'servers' in reach && reach.servers !== undefined;
}

/** The owner column of a kind read row by row (for field rules and the `userId` filter), if it has one. */
export function ownerColumnOf(kind: string): OwnerColumn | undefined {
  const rule = LEAF_READ_RULES[kind];
  return rule && 'records' in rule ? rule.owner : undefined;
}

/** `row` with the fields the actor may not see set to null (a copy when any is). */
export function withFieldRules(scope: EventScope, kind: string, row: Record<string, unknown>, ownerUserId: string | null): Record<string, unknown> {
  const fields = FIELDS_BY_KIND.get(kind);
  if (!fields) return row;
  let visible = row;
  for (const { field, column } of fields) {
    if (visible[column] === null || visible[column] === undefined || canSeeField(scope.actor, field, ownerUserId)) continue;
    if (visible === row) visible = { ...row };
    visible[column] = null;
  }
  return visible;
}
