/**
 * The event envelope: one shape for everything Vigil records, made from a leaf of the tenant's
 * verifiable log and nothing else, so a consumer holding the log (GET /export/log.jsonl) can make
 * the same events itself.
 *
 *     { position, cursor, leafHash, kind, recordId, type, category, severity, outcome, time,
 *       actor: { type, id, email, name } | null, serverId, record }
 *
 * - `position`: the leaf's index in the tenant's tree; `cursor` encodes it (event-cursor.ts).
 * - `leafHash`: hex SHA-256(0x00 || leaf), as the log stores it; `logInclusionProof` proves it.
 * - `kind`, `recordId`: the leaf's. `record`: the leaf's `row` (a retention statement's
 *   `statement`), by column name, as the reader may see it (field rules, server/auth/event-scope.ts).
 * - `type`: `<kind>.<what this version says>` (`command.failed`, `terminal_session.ended`);
 *   `audit.<action>` for audit entries, `log.<action>` for retention statements, `<kind>.deleted`
 *   for a setting's deletion leaf. Category, severity, outcome, time and actor: kind-rules.ts.
 * - `serverId`: the row's `server_id` (a server's own id for a `server` leaf), else null.
 *
 * A leaf whose text retention dropped makes no event.
 */
import { SEVERITIES, type Severity } from '../db/tables/index.js';
import { encodeEventCursor } from './event-cursor.js';
import { KIND_RULES, LOG_STATEMENT_RULE, UNKNOWN_KIND_RULE, type KindRule, type LeafRow } from './kind-rules.js';

export const EVENT_CATEGORIES = ['authentication', 'session', 'command', 'privilege', 'file', 'administration', 'approval', 'system'] as const;
export type EventCategory = (typeof EVENT_CATEGORIES)[number];

export const EVENT_OUTCOMES = ['success', 'failure', 'unknown'] as const;
export type EventOutcome = (typeof EVENT_OUTCOMES)[number];

export { SEVERITIES as EVENT_SEVERITIES, type Severity };

export const EVENT_ACTOR_TYPES = ['user', 'agent', 'system', 'workflow'] as const;

/** Who did what the event records, as far as the row says: a person, an agent, Vigil itself. */
export interface EventActor {
  readonly type: (typeof EVENT_ACTOR_TYPES)[number];
  readonly id: string | null;
  readonly email: string | null;
  /** The account on the server (sessions, transfers), the program (system logs). */
  readonly name: string | null;
}

export interface StreamEvent {
  readonly position: number;
  readonly cursor: string;
  readonly leafHash: string;
  readonly kind: string;
  readonly recordId: string;
  readonly type: string;
  readonly category: EventCategory;
  readonly severity: Severity;
  readonly outcome: EventOutcome;
  readonly time: Date;
  /** Null for a setting's version: the audit entry written with it (also in the stream) names who. */
  readonly actor: EventActor | null;
  readonly serverId: string | null;
  readonly record: Record<string, unknown>;
}

/** A placed leaf as the log stores it. */
export interface PlacedLeaf {
  readonly position: number;
  readonly kind: string;
  readonly recordId: string;
  /** The leaf text; null once retention dropped it. */
  readonly leaf: string | null;
  readonly leafHash: string;
  readonly queuedAt: Date;
}

/** The leaf text's parts: a row version, a setting's deletion, or a retention statement. */
interface LeafText {
  readonly kind: string;
  readonly row?: Record<string, unknown>;
  readonly statement?: Record<string, unknown>;
  readonly deleted?: boolean;
}

/** The first word of each kind's types, where it is not the kind itself. */
const TYPE_PREFIX: Readonly<Record<string, string>> = { audit_entry: 'audit', log_statement: 'log' };

const ruleOf = (kind: string): KindRule => (kind === 'log_statement' ? LOG_STATEMENT_RULE : (KIND_RULES[kind] ?? UNKNOWN_KIND_RULE));

const SEVERITY_RANK = new Map(SEVERITIES.map((severity, rank) => [severity, rank]));
export const severityRank = (severity: Severity): number => SEVERITY_RANK.get(severity) ?? 0;

function timeOf(row: LeafRow, columns: readonly string[], fallback: Date): Date {
  for (const column of columns) {
    const value = row[column];
    if (typeof value === 'string') {
      const at = new Date(value);
      if (!Number.isNaN(at.getTime())) return at;
    }
  }
  return fallback;
}

/** The event a leaf makes, before any reader's field rules; null when its text was dropped. */
export function streamEventOf(leaf: PlacedLeaf): StreamEvent | null {
  if (leaf.leaf === null) return null;
  const text = JSON.parse(leaf.leaf) as LeafText;
  const record = text.row ?? text.statement ?? {};
  const rule = ruleOf(leaf.kind);
  const isDeleted = text.deleted === true;
  const serverId = typeof record.server_id === 'string' ? record.server_id : leaf.kind === 'server' && typeof record.id === 'string' ? record.id : null;
  return {
    position: leaf.position,
    cursor: encodeEventCursor(leaf.position),
    leafHash: leaf.leafHash,
    kind: leaf.kind,
    recordId: leaf.recordId,
    type: `${TYPE_PREFIX[leaf.kind] ?? leaf.kind}.${isDeleted ? 'deleted' : rule.type(record)}`,
    category: typeof rule.category === 'function' ? rule.category(record) : rule.category,
    severity: isDeleted ? 'medium' : rule.severity(record),
    outcome: rule.outcome(record),
    time: timeOf(record, rule.time(record), leaf.queuedAt),
    actor: rule.actor(record),
    serverId,
    record,
  };
}
