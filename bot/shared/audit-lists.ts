/**
 * What each `/audit` list asks Vigil (a GraphQL operation run as the caller) and how its rows read
 * in chat: a title line, a few facts, and a link to the item (a recording's playback page where
 * there is one). Platform-neutral: Slack renders these as blocks, Teams as an Adaptive Card.
 */
import type { RecordKind } from '../../server/auth/scope.js';
import type { AuditSubcommand } from './audit-command.js';
import { describeRequest, type RequestShape } from './approval-facts.js';
import { say, type Locale, type MessageKey } from './messages/catalogue.js';

export interface ResolvedFilters {
  readonly serverId?: string;
  readonly userId?: string;
  readonly from?: Date;
  readonly status?: string;
}

/** A fact of a row: text, or a time (after a word such as "until") each platform shows in the reader's own time zone. */
export type RowFact = string | { readonly at: string; readonly prefix?: string };

/** A row's facts as one line, times in UTC: for where no platform rendering applies. */
export const factText = (fact: RowFact) =>
  typeof fact === 'string' ? fact : `${fact.prefix ? `${fact.prefix} ` : ''}${fact.at.replace('T', ' ').replace(/\.\d+Z$/, 'Z')}`;

export interface ListRow {
  readonly title: string;
  readonly facts: readonly RowFact[];
  readonly link?: { readonly label: string; readonly url: string };
}

export interface ListPage {
  readonly rows: ListRow[];
  readonly pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

/** What a list's operation answers: `data` of the query below, read by the list's `page`. */
export type ListData = Record<string, unknown>;

interface ListSpec {
  readonly heading: MessageKey;
  readonly query: string;
  /** The answer's connection, its nodes read as rows, in the reader's language. */
  readonly page: (data: ListData, locale: Locale) => ListPage;
  readonly filter: (filters: ResolvedFilters, now: Date) => Record<string, unknown>;
  /** The record kind whose row rule decides whose rows `--user` may name (lists of everyone's). */
  readonly recordKind?: RecordKind;
}

interface Connection<Node> {
  readonly nodes: Node[];
  readonly pageInfo: ListPage['pageInfo'];
}

/**
 * Reads the connection at `path` (the query's fields, e.g. viewer.commands) as rows. The answer's
 * shape is the query's, which the schema guarantees: the node types below name what it selects.
 */
function pageAt<Node>(path: readonly string[], row: (node: Node, locale: Locale) => ListRow): (data: ListData, locale: Locale) => ListPage {
  return (data, locale) => {
    const connection = path.reduce<unknown>((value, key) => (value as Record<string, unknown>)[key], data) as Connection<Node>;
    return { rows: connection.nodes.map((node) => row(node, locale)), pageInfo: connection.pageInfo };
  };
}

interface CommandNode {
  line: string;
  status: string;
  submittedAt: string;
  exitCode: number | null;
  elapsedSeconds: number | null;
  server: { name: string } | null;
  operator: { email: string } | null;
  terminalSession: { recording: { playbackUrl: string | null } | null } | null;
}

interface SessionNode {
  username: string;
  source: string | null;
  startedAt: string;
  durationSeconds: number | null;
  isActive: boolean;
  server: { name: string } | null;
  user: { email: string } | null;
  recording: { playbackUrl: string | null } | null;
}

interface TransferNode {
  direction: string;
  status: string;
  path: string;
  sizeBytes: number | null;
  occurredAt: string;
  server: { name: string } | null;
}

interface SudoNode {
  command: string;
  grantedVia: string;
  grantedAt: string;
  expiresAt: string | null;
  isActive: boolean;
  server: { name: string } | null;
  grantedBy: { email: string } | null;
}

interface ApprovalNode extends RequestShape {
  status: string;
  reason: string;
  durationMinutes: number | null;
  requestedAt: string;
  requester: { email: string } | null;
  approvalsReceived: number;
  requiredApprovals: number;
}

interface ActivityNode {
  action: string;
  occurredAt: string;
  userEmail: string | null;
  ipAddress: string | null;
  result: number | null;
}

const PAGE = 'pageInfo { hasNextPage endCursor }';
const time = (iso: string | null | undefined, prefix?: string): RowFact => (iso ? { at: iso, ...(prefix ? { prefix } : {}) } : '—');
const seconds = (value: number | null | undefined) => (value == null ? null : `${value < 10 ? value.toFixed(1) : Math.round(value)} s`);
const compact = (...facts: (RowFact | null | undefined | false)[]) => facts.filter((fact): fact is RowFact => Boolean(fact));
const upper = (status: string | undefined) => status?.toUpperCase();

const COMMAND_FIELDS = `id line status submittedAt exitCode elapsedSeconds delaySeconds server { name } operator { email }
  terminalSession { recording { playbackUrl } }`;
const commandRow = (node: CommandNode, locale: Locale): ListRow => ({
  title: node.line,
  facts: compact(
    node.status,
    node.server?.name,
    time(node.submittedAt),
    node.exitCode != null && say(locale, 'list.exit', { code: node.exitCode }),
    seconds(node.elapsedSeconds),
    node.operator?.email,
  ),
  link: node.terminalSession?.recording?.playbackUrl ? { label: say(locale, 'list.recording'), url: node.terminalSession.recording.playbackUrl } : undefined,
});
const commandFilter = (filters: ResolvedFilters) => ({
  serverId: filters.serverId,
  userId: filters.userId,
  from: filters.from,
  status: filters.status ? [upper(filters.status)] : undefined,
});

const SESSION_FIELDS = `id username source startedAt endedAt durationSeconds isActive server { name } user { email } recording { playbackUrl }`;
const sessionRow = (node: SessionNode, locale: Locale): ListRow => ({
  title: `${node.username}@${node.server?.name}`,
  facts: compact(node.isActive ? 'ACTIVE' : 'ENDED', node.source, time(node.startedAt), seconds(node.durationSeconds), node.user?.email),
  link: node.recording?.playbackUrl ? { label: say(locale, 'list.recording'), url: node.recording.playbackUrl } : undefined,
});
const sessionFilter = (filters: ResolvedFilters) => ({
  serverId: filters.serverId,
  userId: filters.userId,
  from: filters.from,
  isActive: filters.status === undefined ? undefined : filters.status === 'active',
});

export const AUDIT_LISTS: Record<AuditSubcommand, ListSpec> = {
  'my-commands': {
    heading: 'list.headingMyCommands',
    query: `query($first: Int, $after: String, $filter: CommandFilterInput) { viewer { commands(first: $first, after: $after, filter: $filter) { nodes { ${COMMAND_FIELDS} } ${PAGE} } } }`,
    page: pageAt(['viewer', 'commands'], commandRow),
    filter: commandFilter,
  },
  commands: {
    recordKind: 'commands',
    heading: 'list.headingCommands',
    query: `query($first: Int, $after: String, $filter: CommandFilterInput) { commands(first: $first, after: $after, filter: $filter) { nodes { ${COMMAND_FIELDS} } ${PAGE} } }`,
    page: pageAt(['commands'], commandRow),
    filter: commandFilter,
  },
  'my-sessions': {
    heading: 'list.headingMySessions',
    query: `query($first: Int, $after: String, $filter: TerminalSessionFilterInput) { viewer { terminalSessions(first: $first, after: $after, filter: $filter) { nodes { ${SESSION_FIELDS} } ${PAGE} } } }`,
    page: pageAt(['viewer', 'terminalSessions'], sessionRow),
    filter: sessionFilter,
  },
  sessions: {
    recordKind: 'terminalSessions',
    heading: 'list.headingSessions',
    query: `query($first: Int, $after: String, $filter: TerminalSessionFilterInput) { terminalSessions(first: $first, after: $after, filter: $filter) { nodes { ${SESSION_FIELDS} } ${PAGE} } }`,
    page: pageAt(['terminalSessions'], sessionRow),
    filter: sessionFilter,
  },
  'my-transfers': {
    heading: 'list.headingMyTransfers',
    query: `query($first: Int, $after: String, $filter: FileTransferFilterInput) { viewer { fileTransfers(first: $first, after: $after, filter: $filter) { nodes { id direction status path sizeBytes occurredAt server { name } } ${PAGE} } } }`,
    filter: (filters) => ({ serverId: filters.serverId, from: filters.from, status: upper(filters.status) }),
    page: pageAt(['viewer', 'fileTransfers'], (node: TransferNode, locale) => ({
      title: node.path,
      facts: compact(
        node.direction,
        node.status,
        node.server?.name,
        time(node.occurredAt),
        node.sizeBytes != null && say(locale, 'list.bytes', { count: node.sizeBytes }),
      ),
    })),
  },
  'my-sudo': {
    heading: 'list.headingMySudo',
    query: `query($first: Int, $after: String, $filter: SudoAuthorizationFilterInput) { viewer { sudoAuthorizations(first: $first, after: $after, filter: $filter) { nodes { id command isPattern grantedVia grantedAt expiresAt isActive server { name } grantedBy { email } } ${PAGE} } } }`,
    filter: (filters, now) => ({ serverId: filters.serverId, from: filters.from, activeAt: filters.status === 'active' ? now : undefined }),
    page: pageAt(['viewer', 'sudoAuthorizations'], (node: SudoNode, locale) => ({
      title: node.command,
      facts: compact(
        node.isActive ? 'ACTIVE' : 'INACTIVE',
        node.server?.name,
        say(locale, 'list.via', { via: node.grantedVia }),
        time(node.grantedAt),
        node.expiresAt && time(node.expiresAt, say(locale, 'list.until')),
        node.grantedBy?.email,
      ),
    })),
  },
  approvals: {
    recordKind: 'approvals',
    heading: 'list.headingApprovals',
    query: `query($first: Int, $after: String, $filter: ApprovalFilterInput) { approvals(first: $first, after: $after, filter: $filter) { nodes { id kind status reason command isPattern sudoScope durationMinutes requestedAt requester { email } servers { name } approvalsReceived requiredApprovals } ${PAGE} } }`,
    filter: (filters) => ({
      serverId: filters.serverId,
      requesterId: filters.userId,
      from: filters.from,
      status: filters.status ? [upper(filters.status)] : undefined,
    }),
    page: pageAt(['approvals'], (node: ApprovalNode, locale) => ({
      // Plain text (list rows have no code spans in Teams), and never without the sudo it grants.
      title: describeRequest(node, locale).replace(/`/g, ''),
      facts: compact(
        node.status,
        node.requester?.email,
        time(node.requestedAt),
        node.durationMinutes ? say(locale, 'list.minutes', { minutes: node.durationMinutes }) : null,
        say(locale, 'list.approvals', { received: node.approvalsReceived, required: node.requiredApprovals }),
        node.reason,
      ),
    })),
  },
  activity: {
    heading: 'list.headingActivity',
    query: `query($first: Int, $after: String, $filter: ActivityFilterInput) { activityLog(first: $first, after: $after, filter: $filter) { nodes { id action occurredAt userEmail ipAddress result } ${PAGE} } }`,
    filter: (filters) => ({ userId: filters.userId, from: filters.from }),
    page: pageAt(['activityLog'], (node: ActivityNode, locale) => ({
      title: node.action,
      facts: compact(node.userEmail, time(node.occurredAt), node.ipAddress, node.result != null && say(locale, 'list.result', { result: node.result })),
    })),
  },
};
