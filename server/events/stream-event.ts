/**
 * The event envelope: one shape for everything Vigil records, made from the tenant's verifiable
 * log and nothing else (a leaf; for a setting's time, the audit entry leaf of its transaction), so
 * a consumer holding the log (GET /export/log.jsonl) can make the same events itself.
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
 *   for a setting's deletion leaf. Category, severity, outcome, time and actor: kind-rules.ts
 *   (a setting's time: event-times.ts).
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

/** The time a record of `kind` gives itself, by its rule's columns (the first that holds one); undefined when it gives none. */
export function recordTimeOf(kind: string, row: LeafRow): Date | undefined {
  for (const column of ruleOf(kind).time(row)) {
    const value = row[column];
    if (typeof value === 'string') {
      const at = new Date(value);
      if (!Number.isNaN(at.getTime())) return at;
    }
  }
  return undefined;
}

/**
 * On an event whose row holds no time of its own (a setting's version, a retention statement):
 * the transaction that wrote it, as its leaf text names it (format 2), for the stream to take the
 * time of the audit entry written in that transaction (event-times.ts). Until then its time is
 * when the version was queued, a column no leaf hash covers.
 */
const TIMELESS = Symbol('timeless');

/** The transaction a leaf's text names (format 2, `…,"v":2,"xact":<id>}`); undefined for format 1. */
export function transactionNamedBy(leaf: string): string | undefined {
  return /,"v":2,"xact":(\d{1,20})}$/.exec(leaf.slice(-40))?.[1];
}

/** For an event that took its time from the queue: the transaction its leaf names (undefined when it names none); null for any other event. */
export function timelessTransactionOf(event: StreamEvent): string | undefined | null {
  const timeless = (event as { [TIMELESS]?: { xact: string | undefined } })[TIMELESS];
  return timeless ? timeless.xact : null;
}

/**
 * On an event: the record it was made with and the JSON text that record was parsed from, as its
 * leaf stores it. NDJSON lines splice the text in rather than serialize the record again
 * (event-line.ts) while the event's record is still that one: a reader's field rules make a new
 * record. A symbol key, so no serialization of the event shows it.
 */
const STORED_RECORD = Symbol('storedRecord');

interface StoredRecord {
  readonly record: object;
  readonly text: string;
}

/** The JSON text the event's record was parsed from, as stored in its leaf; undefined once anything replaced the record. */
export function storedRecordTextOf(event: StreamEvent): string | undefined {
  const stored = (event as { [STORED_RECORD]?: StoredRecord })[STORED_RECORD];
  return stored?.record === event.record ? stored.text : undefined;
}

/**
 * The record's text within a leaf, found by the leaf's RFC 8785 key order: `{["deleted":true,]
 * "kind":"<kind>","row":{…},"v":…}` (a statement's `"statement":{…}` in place of `row`). The
 * record ends at the last `,"v":`: inside a JSON string every quote is escaped, so that sequence
 * only occurs as a key, and nothing after the record holds another. Null for any other shape.
 */
function recordTextIn(leaf: string, kind: string): { text: string; isDeleted: boolean } | null {
  const isDeleted = leaf.startsWith('{"deleted":true,');
  const head = `${isDeleted ? '{"deleted":true,' : '{'}"kind":${JSON.stringify(kind)},`;
  if (!leaf.startsWith(head)) return null;
  const key = leaf.startsWith('"row":{', head.length) ? '"row":' : leaf.startsWith('"statement":{', head.length) ? '"statement":' : null;
  const end = leaf.lastIndexOf(',"v":');
  if (!key || end <= head.length + key.length || leaf[end - 1] !== '}') return null;
  return { text: leaf.slice(head.length + key.length, end), isDeleted };
}

function parsedObject(text: string): Record<string, unknown> | undefined {
  try {
    const value = JSON.parse(text) as unknown;
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** The record and whether the leaf records a deletion: from the record's own text where the leaf has the usual shape. */
function recordOf(leaf: string, kind: string): { record: Record<string, unknown>; isDeleted: boolean; text?: string } {
  const found = recordTextIn(leaf, kind);
  // A text that parses whole is exactly the record's value: its first brace opens the record, and
  // JSON.parse refuses anything after the brace that closes it. A leaf of another shape (changed
  // in the database: verification names it) is read whole instead.
  const record = found ? parsedObject(found.text) : undefined;
  if (found && record) return { record, isDeleted: found.isDeleted, text: found.text };
  const text = JSON.parse(leaf) as LeafText;
  return { record: text.row ?? text.statement ?? {}, isDeleted: text.deleted === true };
}

/** The event a leaf makes, before any reader's field rules; null when its text was dropped. */
export function streamEventOf(leaf: PlacedLeaf): StreamEvent | null {
  if (leaf.leaf === null) return null;
  const { record, isDeleted, text } = recordOf(leaf.leaf, leaf.kind);
  const rule = ruleOf(leaf.kind);
  const serverId = typeof record.server_id === 'string' ? record.server_id : leaf.kind === 'server' && typeof record.id === 'string' ? record.id : null;
  const time = recordTimeOf(leaf.kind, record);
  const event: StreamEvent & { [STORED_RECORD]?: StoredRecord; [TIMELESS]?: { xact: string | undefined } } = {
    position: leaf.position,
    cursor: encodeEventCursor(leaf.position),
    leafHash: leaf.leafHash,
    kind: leaf.kind,
    recordId: leaf.recordId,
    type: `${TYPE_PREFIX[leaf.kind] ?? leaf.kind}.${isDeleted ? 'deleted' : rule.type(record)}`,
    category: typeof rule.category === 'function' ? rule.category(record) : rule.category,
    severity: isDeleted ? 'medium' : rule.severity(record),
    outcome: rule.outcome(record),
    time: time ?? leaf.queuedAt,
    actor: rule.actor(record),
    serverId,
    record,
  };
  if (text !== undefined) event[STORED_RECORD] = { record, text };
  if (time === undefined) event[TIMELESS] = { xact: transactionNamedBy(leaf.leaf) };
  return event;
}
