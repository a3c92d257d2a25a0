/**
 * What a consumer of the event stream asks for beyond their scope: kinds, categories, types
 * (`command` takes every `command.…` type, `audit.user` every `audit.user.…`), a minimum severity,
 * a server and a person (the record's owner or the event's actor).
 */
import { BadInput } from '../errors.js';
import { isUuid } from '../ids.js';
import { LEAF_KINDS, LOG_STATEMENT_KIND } from '../log/leaf-kinds.js';
import { severityRank, type EventCategory, type Severity, type StreamEvent } from './stream-event.js';

/** Every kind of leaf the log holds. */
export const EVENT_KINDS: readonly string[] = [...LEAF_KINDS.map((kind) => kind.kind), LOG_STATEMENT_KIND];

export interface EventStreamFilter {
  readonly kinds?: readonly string[] | null;
  readonly categories?: readonly EventCategory[] | null;
  readonly types?: readonly string[] | null;
  readonly minSeverity?: Severity | null;
  readonly serverId?: string | null;
  readonly userId?: string | null;
}

/** The filter checked (unknown kinds, ids that are not ids: BAD_USER_INPUT naming `<field>.<key>`). */
export function checkEventFilter(filter: EventStreamFilter | null | undefined, field = 'filter'): EventStreamFilter {
  const checked = { ...filter };
  const unknown = checked.kinds?.find((kind) => !EVENT_KINDS.includes(kind));
  if (unknown !== undefined) throw new BadInput(`${field}.kinds`, `${field}.kinds: ${unknown} is not a kind of the log (${EVENT_KINDS.join(', ')})`);
  for (const key of ['serverId', 'userId'] as const) {
    const id = checked[key];
    if (id !== null && id !== undefined && !isUuid(id)) throw new BadInput(`${field}.${key}`, `${field}.${key}: is not a valid id`);
    if (id) checked[key] = id.toLowerCase();
  }
  if (checked.types?.some((type) => type.trim() === '')) throw new BadInput(`${field}.types`, `${field}.types: a type must not be empty`);
  return checked;
}

const isTypeOf = (type: string, wanted: string): boolean => type === wanted || type.startsWith(wanted.endsWith('.') ? wanted : `${wanted}.`);

/** Whether `event`, whose record is owned by `ownerUserId`, is one the filter asks for (kinds aside: the query takes those). */
export function isEventWanted(filter: EventStreamFilter, event: StreamEvent, ownerUserId: string | null): boolean {
  if (filter.categories?.length && !filter.categories.includes(event.category)) return false;
  if (filter.types?.length && !filter.types.some((wanted) => isTypeOf(event.type, wanted))) return false;
  if (filter.minSeverity && severityRank(event.severity) < severityRank(filter.minSeverity)) return false;
  if (filter.serverId) {
    const serverIds = event.record.server_ids;
    if (event.serverId !== filter.serverId && !(Array.isArray(serverIds) && serverIds.includes(filter.serverId))) return false;
  }
  if (filter.userId && ownerUserId !== filter.userId && !(event.actor?.type === 'user' && event.actor.id === filter.userId)) return false;
  return true;
}
