/**
 * What a consumer of the event stream asks for beyond their scope: kinds, categories, types
 * (`command` takes every `command.…` type, `audit.user` every `audit.user.…`), a minimum severity,
 * a time range (the event's time), a server (by id, name or labels), a person (the record's owner
 * or the event's actor), an IP address or network, and a keyword. The IP and the keyword are
 * matched against the record as the reader sees it, so a field the reader's rules hide cannot be
 * probed through them.
 */
import { BlockList, isIP } from 'node:net';
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
  /** Events at or after this time (the event's `time`). */
  readonly since?: Date | null;
  /** Events before this time. */
  readonly until?: Date | null;
  /** A server by name, whatever its case (the record's server, as for serverId). */
  readonly serverName?: string | null;
  /** Servers carrying every one of these labels (`env` = `prod`). */
  readonly serverLabels?: readonly { readonly key: string; readonly value: string }[] | null;
  /** An address (`10.0.0.5`, `2001:db8::1`) or a network (`10.0.0.0/8`): the record's client, remote or server IP. */
  readonly ip?: string | null;
  /** Found, whatever its case, in the event's type or any text of its record. */
  readonly keyword?: string | null;
}

/** The columns of a record holding an IP address (audit entries, activity, sessions, transfers, servers). */
const IP_COLUMNS = ['client_ip', 'ip_address', 'remote_ip'] as const;
const MAX_FILTER_TEXT = 200;

/** `ip` as an address or a network; null when it is neither. */
function parseIpFilter(ip: string): BlockList | null {
  const [address, prefix, ...rest] = ip.trim().split('/');
  const family = isIP(address ?? '');
  if (!family || rest.length > 0) return null;
  const type = family === 4 ? 'ipv4' : 'ipv6';
  const blocks = new BlockList();
  if (prefix === undefined) {
    blocks.addAddress(address!, type);
    return blocks;
  }
  const bits = /^\d{1,3}$/.test(prefix) ? Number(prefix) : NaN;
  if (!(bits >= 0 && bits <= (family === 4 ? 32 : 128))) return null;
  blocks.addSubnet(address!, bits, type);
  return blocks;
}

/**
 * The filter checked (unknown kinds, ids that are not ids: BAD_USER_INPUT naming `<field>.<key>`,
 * or the key alone when `field` is null, as for GET /events's parameters).
 */
export function checkEventFilter(filter: EventStreamFilter | null | undefined, field: string | null = 'filter'): EventStreamFilter {
  const checked = { ...filter };
  const at = (key: string) => (field === null ? key : `${field}.${key}`);
  const unknown = checked.kinds?.find((kind) => !EVENT_KINDS.includes(kind));
  if (unknown !== undefined) throw new BadInput(at('kinds'), `${at('kinds')}: ${unknown} is not a kind of the log (${EVENT_KINDS.join(', ')})`);
  for (const key of ['serverId', 'userId'] as const) {
    const id = checked[key];
    if (id !== null && id !== undefined && !isUuid(id)) throw new BadInput(at(key), `${at(key)}: is not a valid id`);
    if (id) checked[key] = id.toLowerCase();
  }
  if (checked.types?.some((type) => type.trim() === '')) throw new BadInput(at('types'), `${at('types')}: a type must not be empty`);
  if (checked.since && checked.until && checked.until <= checked.since) throw new BadInput(at('until'), `${at('until')}: must be after since`);
  if (checked.serverName !== null && checked.serverName !== undefined) {
    const name = checked.serverName.trim();
    if (name === '' || name.length > MAX_FILTER_TEXT)
      throw new BadInput(at('serverName'), `${at('serverName')}: must be between 1 and ${MAX_FILTER_TEXT} characters`);
    checked.serverName = name;
  }
  const labelKeys = new Set<string>();
  for (const { key } of checked.serverLabels ?? []) {
    if (key.trim() === '') throw new BadInput(at('serverLabels'), `${at('serverLabels')}: a label needs a key`);
    if (labelKeys.has(key)) throw new BadInput(at('serverLabels'), `${at('serverLabels')}: ${key} is given twice`);
    labelKeys.add(key);
  }
  if (checked.ip !== null && checked.ip !== undefined && !parseIpFilter(checked.ip))
    throw new BadInput(at('ip'), `${at('ip')}: is not an IP address or network (10.0.0.5, 10.0.0.0/8, 2001:db8::/32)`);
  if (checked.keyword !== null && checked.keyword !== undefined) {
    const keyword = checked.keyword.trim();
    if (keyword === '' || keyword.length > MAX_FILTER_TEXT)
      throw new BadInput(at('keyword'), `${at('keyword')}: must be between 1 and ${MAX_FILTER_TEXT} characters`);
    checked.keyword = keyword;
  }
  return checked;
}

/** Whether any text within `value` (nested objects and lists included) holds `needle` (lower case). */
function holdsText(value: unknown, needle: string): boolean {
  if (typeof value === 'string') return value.toLowerCase().includes(needle);
  if (Array.isArray(value)) return value.some((item) => holdsText(item, needle));
  if (typeof value === 'object' && value !== null) return Object.values(value).some((item) => holdsText(item, needle));
  return false;
}

/**
 * The filter's tests on the record as the reader sees it (after field rules): the IP and the
 * keyword. Made once per read; null when the filter has neither.
 */
export function seenRecordTest(filter: EventStreamFilter): ((event: StreamEvent, seen: Readonly<Record<string, unknown>>) => boolean) | null {
  const blocks = filter.ip ? parseIpFilter(filter.ip) : null;
  const needle = filter.keyword?.toLowerCase();
  if (!blocks && !needle) return null;
  return (event, seen) => {
    if (blocks) {
      const addresses = IP_COLUMNS.map((column) => seen[column]).filter((value): value is string => typeof value === 'string');
      const isIn = (address: string) => {
        const family = isIP(address);
        return family !== 0 && blocks.check(address, family === 4 ? 'ipv4' : 'ipv6');
      };
      if (!addresses.some(isIn)) return false;
    }
    return !needle || event.type.toLowerCase().includes(needle) || holdsText(seen, needle);
  };
}

const isTypeOf = (type: string, wanted: string): boolean => type === wanted || type.startsWith(wanted.endsWith('.') ? wanted : `${wanted}.`);

/** Whether the event's server (any of an access session's) is among `serverIds`. */
function isOnServers(event: StreamEvent, serverIds: ReadonlySet<string>): boolean {
  if (event.serverId !== null && serverIds.has(event.serverId)) return true;
  const listed = event.record.server_ids;
  return Array.isArray(listed) && listed.some((id) => typeof id === 'string' && serverIds.has(id));
}

/**
 * Whether `event`, whose record is owned by `ownerUserId`, is one the filter asks for (kinds aside:
 * the query takes those); `serverIds`: the servers its serverName and serverLabels name (server-filter.ts).
 */
export function isEventWanted(
  filter: EventStreamFilter,
  event: StreamEvent,
  ownerUserId: string | null,
  serverIds: ReadonlySet<string> | null = null,
): boolean {
  if (serverIds && !isOnServers(event, serverIds)) return false;
  if ((filter.since && event.time < filter.since) || (filter.until && event.time >= filter.until)) return false;
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
