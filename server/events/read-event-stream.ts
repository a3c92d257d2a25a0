/**
 * Reading the event stream: the events of the tenant's log after a cursor, in log order, as the
 * reader may see them. A page scans at most SCAN_WINDOW positions (a bounded range of the
 * placed-leaf index, whatever the filter lets through) and returns up to `first` events;
 * `endCursor` is the last position scanned, not the last event returned, so a consumer that sees
 * few events still moves on, and resuming from it skips nothing and repeats nothing. Leaves whose
 * text retention dropped make no event; the cursor passes them all the same.
 */
import { canSeeEvent, eventScope, ownerColumnOf, withFieldRules, type EventScope } from '../auth/event-scope.js';
import { BadInput } from '../errors.js';
import type { LogService } from '../log/log-service.js';
import type { ServiceContext } from '../service-context.js';
import { decodeEventCursor, encodeEventCursor } from './event-cursor.js';
import { checkEventFilter, EVENT_KINDS, isEventWanted, seenRecordTest, type EventStreamFilter } from './event-filter.js';
import { withTransactionTimes } from './event-times.js';
import { eventPlaces } from './leaf-places.js';
import { ownersOfParents, readLeafWindow } from './placed-leaves.js';
import { serverIdsOfFilter } from './server-filter.js';
import { streamEventOf, type PlacedLeaf, type StreamEvent } from './stream-event.js';

export const DEFAULT_EVENT_PAGE = 500;
export const MAX_EVENT_PAGE = 5000;
/** Positions one page reads at most, whatever it finds there. */
export const SCAN_WINDOW = 5000;

export interface EventStreamRead {
  /** The cursor of the last event (or page) seen; none: from the log's first position. */
  readonly after?: string | null;
  readonly first?: number | null;
  readonly filter?: EventStreamFilter | null;
}

export interface EventStreamPage {
  readonly nodes: StreamEvent[];
  /** Where the next page starts: the last position this one scanned. */
  readonly endCursor: string;
  /** Whether the log held placed positions past endCursor when read. */
  readonly hasMore: boolean;
}

/** What a reader needs of the log service: the tenant's queued leaves placed before it reads. */
export type LogCatchUp = Pick<LogService, 'catchUp'>;

/** The request checked before anything is read: BAD_USER_INPUT naming `after`, `first` or `filter.…`. */
export function checkEventStreamRead(read: EventStreamRead): { after: number; first: number; filter: EventStreamFilter } {
  const after = decodeEventCursor(read.after);
  const first = read.first ?? DEFAULT_EVENT_PAGE;
  if (!Number.isInteger(first) || first < 1 || first > MAX_EVENT_PAGE) throw new BadInput('first', `first: must be between 1 and ${MAX_EVENT_PAGE}`);
  return { after, first, filter: checkEventFilter(read.filter) };
}

export async function readEventStream(ctx: ServiceContext, log: LogCatchUp, read: EventStreamRead): Promise<EventStreamPage> {
  const scope = eventScope(ctx.actor, EVENT_KINDS);
  const { after, first, filter } = checkEventStreamRead(read);
  await log.catchUp(scope.tenantId);
  const window = await readLeafWindow(ctx.db, scope.tenantId, { after, span: SCAN_WINDOW, kinds: kindsToRead(scope, filter) });
  if (after > window.size - 1) throw new BadInput('after', `after: is past the end of this tenant's log (${window.size} positions)`);
  const { nodes, lastPosition } = await visibleEvents(ctx, scope, filter, window.leaves, first);
  const end = nodes.length === first ? lastPosition! : Math.min(after + SCAN_WINDOW, window.size - 1);
  return { nodes, endCursor: encodeEventCursor(end), hasMore: end < window.size - 1 };
}

export interface TimelineRead {
  /** The endCursor of the page before (or an event's cursor): events recorded before it; none: the newest. */
  readonly before?: string | null;
  readonly first?: number | null;
  readonly filter?: EventStreamFilter | null;
}

/**
 * The log read back: the newest events first, a window of positions at a time, with the same
 * scope and filters as the stream. `endCursor` is the lowest position the page read (or its last
 * event's, when it filled): pass it back as `before`.
 */
export async function readTimeline(ctx: ServiceContext, log: LogCatchUp, read: TimelineRead): Promise<EventStreamPage> {
  const scope = eventScope(ctx.actor, EVENT_KINDS);
  const { first, filter } = checkEventStreamRead({ first: read.first, filter: read.filter });
  const before = read.before ? decodeEventCursor(read.before, 'before') : Number.MAX_SAFE_INTEGER;
  await log.catchUp(scope.tenantId);
  const window = await readLeafWindow(ctx.db, scope.tenantId, { before, span: SCAN_WINDOW, kinds: kindsToRead(scope, filter) });
  if (read.before && before > window.size) throw new BadInput('before', `before: is past the end of this tenant's log (${window.size} positions)`);
  const { nodes, lastPosition } = await visibleEvents(ctx, scope, filter, [...window.leaves].reverse(), first);
  const lowest = Math.max(0, Math.min(before, window.size) - SCAN_WINDOW);
  const end = nodes.length === first ? lastPosition! : lowest;
  return { nodes, endCursor: encodeEventCursor(end), hasMore: end > 0 };
}

/** The kinds a read asks the window for: those the reader may see and the filter names; undefined for every kind. */
function kindsToRead(scope: EventScope, filter: EventStreamFilter): string[] | undefined {
  const kinds = [...scope.kinds.keys()].filter((kind) => !filter.kinds?.length || filter.kinds.includes(kind));
  return kinds.length === EVENT_KINDS.length ? undefined : kinds;
}

/**
 * The events `leaves` make that the reader may see and the filter wants, in the leaves' order, as
 * the reader sees them, up to `first`; and the position of the last leaf looked at.
 */
async function visibleEvents(
  ctx: ServiceContext,
  scope: EventScope,
  filter: EventStreamFilter,
  leaves: readonly PlacedLeaf[],
  first: number,
): Promise<{ nodes: StreamEvent[]; lastPosition: number | undefined }> {
  const made = leaves.map(streamEventOf).filter((event): event is StreamEvent => event !== null);
  const events = await withTransactionTimes(ctx.db, scope.tenantId, leaves, made);
  const ownerOf = await eventOwners(ctx, scope, filter, events);
  const placeOf = await eventPlaces(ctx.db, scope, events);
  const nodes: StreamEvent[] = [];
  const isSeenWanted = seenRecordTest(filter);
  const serverIds = await serverIdsOfFilter(ctx.db, scope.tenantId, filter);
  for (const event of events) {
    const owner = ownerOf(event);
    if (!canSeeEvent(scope, event.kind, owner, placeOf(event)) || !isEventWanted(filter, event, owner, serverIds)) continue;
    const record = withFieldRules(scope, event.kind, event.record, owner);
    if (isSeenWanted && !isSeenWanted(event, record)) continue;
    nodes.push(record === event.record ? event : { ...event, record });
    if (nodes.length === first) return { nodes, lastPosition: event.position };
  }
  return { nodes, lastPosition: undefined };
}

/**
 * Each event's owner (the person whose record it is) where its kind has one: a column of the row,
 * or of the parent record, looked up (one statement per parent kind) only where the reader's
 * scope or the `userId` filter needs it.
 */
async function eventOwners(
  ctx: ServiceContext,
  scope: EventScope,
  filter: EventStreamFilter,
  events: readonly StreamEvent[],
): Promise<(event: StreamEvent) => string | null> {
  const parentIds = new Map<string, { ownerColumn: string; ids: Set<string> }>();
  for (const event of events) {
    const owner = ownerColumnOf(event.kind);
    if (!owner || !('parentKind' in owner)) continue;
    const reach = scope.kinds.get(event.kind);
    if (!filter.userId && (!reach || 'all' in reach)) continue;
    const parentOwner = ownerColumnOf(owner.parentKind);
    const id = event.record[owner.column];
    if (!parentOwner || typeof id !== 'string') continue;
    const wanted = parentIds.get(owner.parentKind) ?? { ownerColumn: parentOwner.column, ids: new Set<string>() };
    wanted.ids.add(id);
    parentIds.set(owner.parentKind, wanted);
  }
  const parentOwners = new Map<string, Map<string, string | null>>();
  for (const [parentKind, { ownerColumn, ids }] of parentIds) {
    parentOwners.set(parentKind, await ownersOfParents(ctx.db, scope.tenantId, parentKind, ownerColumn, [...ids]));
  }
  return (event) => {
    const owner = ownerColumnOf(event.kind);
    if (!owner) return null;
    const value = event.record[owner.column];
    if (typeof value !== 'string') return null;
    return 'parentKind' in owner ? (parentOwners.get(owner.parentKind)?.get(value) ?? null) : value;
  };
}
