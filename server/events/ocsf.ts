/**
 * An event as OCSF (Open Cybersecurity Schema Framework, version OCSF_VERSION), the schema of AWS
 * Security Lake and most SIEM pipelines. Each event becomes one object of the class that fits
 * what its leaf records (README, "OCSF"): commands are Process Activity, terminal sessions and
 * sign-ins Authentication, sudo checks Authorize Session, grants of access or sudo and changes to
 * accounts and tokens User Management, transfers and recordings File Hosting Activity, retention
 * cuts Event Log Activity, every other audited change API Activity, and server logs Base Event.
 * Made from the envelope alone, so it is the same whoever maps the log; what OCSF has no field
 * for stays in `unmapped.vigil`, and `raw_data` is the record as the reader sees it (for a reader
 * who sees it whole: the leaf's row, which logInclusionProof proves by `unmapped.vigil.leaf_hash`).
 */
import { VIGIL_VERSION } from '../version.js';
import { storedRecordTextOf, type StreamEvent } from './stream-event.js';

export const OCSF_VERSION = '1.9.0';

type Row = Readonly<Record<string, unknown>>;
export type OcsfObject = Record<string, unknown>;

interface OcsfClass {
  readonly uid: number;
  readonly name: string;
  readonly activities: Readonly<Record<number, string>>;
}

const COMMON_ACTIVITIES = { 0: 'Unknown', 99: 'Other' } as const;

const BASE_EVENT: OcsfClass = { uid: 0, name: 'Base Event', activities: COMMON_ACTIVITIES };
const PROCESS_ACTIVITY: OcsfClass = { uid: 1007, name: 'Process Activity', activities: { ...COMMON_ACTIVITIES, 1: 'Launch', 2: 'Terminate' } };
const EVENT_LOG_ACTIVITY: OcsfClass = { uid: 1008, name: 'Event Log Activity', activities: { ...COMMON_ACTIVITIES, 2: 'Delete' } };
const AUTHENTICATION: OcsfClass = { uid: 3002, name: 'Authentication', activities: { ...COMMON_ACTIVITIES, 1: 'Logon', 2: 'Logoff' } };
const AUTHORIZE_SESSION: OcsfClass = { uid: 3003, name: 'Authorize Session', activities: { ...COMMON_ACTIVITIES, 1: 'Assign Privileges' } };
const USER_MANAGEMENT: OcsfClass = {
  uid: 3007,
  name: 'User Management',
  activities: { ...COMMON_ACTIVITIES, 1: 'Create', 2: 'Update', 3: 'Delete', 14: 'Assign Privileges', 15: 'Remove Privileges' },
};
const API_ACTIVITY: OcsfClass = { uid: 6003, name: 'API Activity', activities: { ...COMMON_ACTIVITIES, 1: 'Create', 2: 'Read', 3: 'Update', 4: 'Delete' } };
const FILE_HOSTING: OcsfClass = { uid: 6006, name: 'File Hosting Activity', activities: { ...COMMON_ACTIVITIES, 1: 'Upload', 2: 'Download', 3: 'Update' } };

const SEVERITY_ID = { info: 1, low: 2, medium: 3, high: 4, critical: 5 } as const;
const STATUS = { success: [1, 'Success'], failure: [2, 'Failure'], unknown: [0, 'Unknown'] } as const;

const text = (row: Row, column: string): string | undefined => (typeof row[column] === 'string' ? row[column] : undefined);

/** Keeps only the members that hold something: OCSF readers treat a present null as a value. */
function compact(object: Record<string, unknown>): OcsfObject {
  return Object.fromEntries(Object.entries(object).filter(([, value]) => value !== undefined && value !== null));
}

/** The person of the event, or Vigil itself where the row names nobody (an agent's report, a setting). */
function actorOf(event: StreamEvent): OcsfObject {
  const actor = event.actor;
  if (actor?.type === 'user' && (actor.id || actor.email || actor.name)) {
    // OCSF names a user by uid or name: a person known only by email is named by it.
    return { user: compact({ uid: actor.id, email_addr: actor.email, name: actor.name ?? (actor.id ? null : actor.email), type_id: 1, type: 'User' }) };
  }
  if (actor?.type === 'agent') return { app_name: 'Vigil agent', ...(actor.name ? { user: { name: actor.name } } : {}) };
  return { app_name: 'Vigil' };
}

/** The account the event is about: the row's user, else the actor's, else the account name on the server. */
function userOf(event: StreamEvent, uidColumn = 'user_id', nameColumn = 'username'): OcsfObject {
  const uid = text(event.record, uidColumn) ?? (event.actor?.type === 'user' ? (event.actor.id ?? undefined) : undefined);
  const name = text(event.record, nameColumn) ?? event.actor?.name ?? undefined;
  const email = event.actor?.type === 'user' ? (event.actor.email ?? undefined) : undefined;
  const user = compact({ uid, name: name ?? (uid ? undefined : email), email_addr: email });
  return user.uid || user.name ? user : { name: 'unknown' };
}

/** The server the event happened on, as an OCSF device (type 1: Server). */
const deviceOf = (event: StreamEvent): OcsfObject => ({ type_id: 1, type: 'Server', uid: event.serverId ?? 'unknown' });

const serverEndpoint = (event: StreamEvent): OcsfObject | undefined => (event.serverId ? { uid: event.serverId, type_id: 1, type: 'Server' } : undefined);

/** Where a request came from: the client address the row holds, else Vigil's own service. */
function sourceOf(event: StreamEvent): OcsfObject {
  const ip = text(event.record, 'client_ip') ?? text(event.record, 'ip_address') ?? text(event.record, 'remote_ip');
  return ip ? { ip } : { svc_name: 'vigil' };
}

interface Mapped {
  readonly ocsfClass: OcsfClass;
  readonly activityId: number;
  readonly fields: OcsfObject;
}

const verbActivity = (type: string): number => {
  const verb = type.slice(type.lastIndexOf('.') + 1);
  if (/(^|_)(created|requested|enrolled|started|added|linked|issued|bound)$/.test(verb)) return 1;
  if (/(^|_)(viewed|exported|read|listed|verified|downloaded)$/.test(verb)) return 2;
  if (/(^|_)(deleted|removed|revoked|unlinked|unbound|pruned)$/.test(verb)) return 4;
  return 3;
};

function mapCommand(event: StreamEvent, status: string | undefined): Mapped {
  const row = event.record;
  const isDone = status === 'success' || status === 'failed';
  const commandId = event.kind === 'command' ? event.recordId : text(row, 'command_id');
  return {
    ocsfClass: PROCESS_ACTIVITY,
    activityId: isDone ? 2 : status === 'scheduled' || status === 'running' ? 1 : 99,
    fields: {
      actor: actorOf(event),
      device: deviceOf(event),
      process: compact({ uid: commandId ?? event.recordId, cmd_line: text(row, 'line'), name: text(row, 'shell') }),
      exit_code: typeof row.exit_code === 'number' ? row.exit_code : undefined,
    },
  };
}

function mapByKind(event: StreamEvent): Mapped {
  const row = event.record;
  const word = event.type.slice(event.type.indexOf('.') + 1);
  switch (event.kind) {
    case 'command':
      return mapCommand(event, text(row, 'status'));
    case 'command_status_change':
      return mapCommand(event, text(row, 'to_status'));
    case 'terminal_session':
      return {
        ocsfClass: AUTHENTICATION,
        activityId: word === 'ended' ? 2 : 1,
        fields: {
          actor: actorOf(event),
          user: userOf(event),
          is_remote: true,
          logon_type_id: 10,
          logon_type: 'Remote Interactive',
          service: { name: `terminal (${text(row, 'source') ?? 'unknown'})` },
          src_endpoint: text(row, 'remote_ip') ? { ip: text(row, 'remote_ip') } : undefined,
          dst_endpoint: serverEndpoint(event),
          session: { uid: event.recordId, is_remote: true },
        },
      };
    case 'access_session': {
      const isGranted = word === 'approved' || word === 'active';
      const isRemoved = word === 'ended' || word === 'revoked' || word === 'expired';
      return {
        ocsfClass: USER_MANAGEMENT,
        activityId: isGranted ? 14 : isRemoved ? 15 : 99,
        fields: { actor: actorOf(event), user: userOf(event, 'requester_id'), privileges: [`access:${event.recordId}`] },
      };
    }
    case 'sudo_authorization':
      return {
        ocsfClass: USER_MANAGEMENT,
        activityId: word === 'revoked' ? 15 : 14,
        fields: { actor: actorOf(event), user: userOf(event), privileges: [`sudo:${text(row, 'command') ?? '*'}`] },
      };
    case 'sudo_check':
      return {
        ocsfClass: AUTHORIZE_SESSION,
        activityId: 1,
        fields: {
          actor: actorOf(event),
          user: userOf(event, 'user_id', 'user_ref'),
          privileges: [`sudo:${text(row, 'command') ?? '*'}`],
          dst_endpoint: serverEndpoint(event),
        },
      };
    // An agent asking whether a person may open a session: the logon attempt, allowed or refused.
    case 'session_check':
      return {
        ocsfClass: AUTHENTICATION,
        activityId: 1,
        fields: {
          actor: actorOf(event),
          user: userOf(event, 'user_id', 'user_ref'),
          is_remote: true,
          logon_type_id: 10,
          logon_type: 'Remote Interactive',
          service: { name: `terminal (${text(row, 'source') ?? 'unknown'})` },
          dst_endpoint: serverEndpoint(event),
        },
      };
    case 'file_transfer':
      return {
        ocsfClass: FILE_HOSTING,
        activityId: text(row, 'direction') === 'download' ? 2 : 1,
        fields: {
          actor: actorOf(event),
          file: compact({
            name: text(row, 'object_name') ?? 'unknown',
            path: text(row, 'path'),
            size: row.size_bytes ?? undefined,
            type_id: 1,
            type: 'Regular File',
          }),
          src_endpoint: text(row, 'remote_ip') ? { ip: text(row, 'remote_ip') } : (serverEndpoint(event) ?? { svc_name: 'vigil' }),
          dst_endpoint: serverEndpoint(event),
        },
      };
    case 'terminal_recording':
    case 'recording_chunk':
    case 'desktop_recording':
    case 'desktop_recording_chunk': {
      const recordingId = text(row, 'recording_id') ?? event.recordId;
      const isDesktop = event.kind.startsWith('desktop_');
      return {
        ocsfClass: FILE_HOSTING,
        activityId: (event.kind === 'terminal_recording' || event.kind === 'desktop_recording') && word === 'started' ? 1 : 3,
        fields: {
          actor: actorOf(event),
          file: { name: `${recordingId}.${isDesktop ? 'webm' : 'cast'}`, uid: recordingId, type_id: 1, type: 'Regular File' },
          src_endpoint: serverEndpoint(event) ?? { svc_name: 'vigil agent' },
        },
      };
    }
    case 'system_log':
      return {
        ocsfClass: BASE_EVENT,
        activityId: 99,
        fields: { device: deviceOf(event), actor: actorOf(event), message: text(row, 'message') },
      };
    case 'log_statement':
      return {
        ocsfClass: EVENT_LOG_ACTIVITY,
        activityId: 2,
        fields: { actor: { app_name: 'Vigil' }, log_name: 'verifiable log', log_provider: 'Vigil', log_type_id: 2, log_type: 'Application' },
      };
    case 'audit_entry':
    case 'activity':
      return mapAction(event);
    case 'user':
    case 'api_token':
    case 'user_totp':
    case 'chat_identity':
    case 'chat_link_code':
      return {
        ocsfClass: USER_MANAGEMENT,
        activityId: word === 'deleted' ? 3 : 2,
        fields: {
          actor: actorOf(event),
          user: event.kind === 'user' ? compact({ uid: event.recordId, email_addr: text(row, 'email'), name: text(row, 'name') }) : userOf(event),
        },
      };
    default:
      return apiActivity(event, word === 'deleted' ? 4 : word === 'changed' ? 3 : verbActivity(event.type), event.kind, event.recordId);
  }
}

function apiActivity(event: StreamEvent, activityId: number, resourceType: string, resourceId: string | undefined, name?: string): Mapped {
  return {
    ocsfClass: API_ACTIVITY,
    activityId,
    fields: {
      actor: actorOf(event),
      api: compact({ operation: event.type, request: text(event.record, 'request_id') ? { uid: text(event.record, 'request_id') } : undefined }),
      src_endpoint: sourceOf(event),
      resources: [compact({ type: resourceType, uid: resourceId, name })],
    },
  };
}

/** An audit or activity entry: signing in and out is Authentication; any other action API Activity on its resource. */
function mapAction(event: StreamEvent): Mapped {
  const row = event.record;
  const action = text(row, 'action') ?? 'unknown';
  if (action === 'auth.signed_in' || action === 'auth.sign_in_failed' || action === 'auth.signed_out') {
    return {
      ocsfClass: AUTHENTICATION,
      activityId: action === 'auth.signed_out' ? 2 : 1,
      fields: {
        actor: actorOf(event),
        user: userOf(event),
        service: { name: 'vigil' },
        src_endpoint: text(row, 'client_ip') || text(row, 'ip_address') ? sourceOf(event) : undefined,
      },
    };
  }
  return apiActivity(
    event,
    verbActivity(action),
    text(row, 'resource_type') ?? event.kind,
    text(row, 'resource_id') ?? event.recordId,
    text(row, 'resource_name'),
  );
}

/** The OCSF object of `event` in `tenantId`'s log. */
export function ocsfEventOf(event: StreamEvent, tenantId: string): OcsfObject {
  const { ocsfClass, activityId, fields } = mapByKind(event);
  const activityName = ocsfClass.activities[activityId] ?? 'Other';
  const [statusId, status] = STATUS[event.outcome];
  const categoryUid = Math.floor(ocsfClass.uid / 1000);
  return compact({
    class_uid: ocsfClass.uid,
    class_name: ocsfClass.name,
    category_uid: categoryUid,
    activity_id: activityId,
    activity_name: activityName,
    type_uid: ocsfClass.uid * 100 + activityId,
    type_name: `${ocsfClass.name}: ${activityName}`,
    time: event.time.getTime(),
    severity_id: SEVERITY_ID[event.severity],
    severity: event.severity === 'info' ? 'Informational' : event.severity[0]!.toUpperCase() + event.severity.slice(1),
    status_id: statusId,
    status,
    message: event.type,
    metadata: compact({
      version: OCSF_VERSION,
      product: { name: 'Vigil', vendor_name: 'Vigil', version: VIGIL_VERSION },
      uid: `${tenantId}:${event.position}`,
      tenant_uid: tenantId,
      sequence: event.position,
      log_name: 'verifiable log',
      original_time: event.time.toISOString(),
      // Base Event carries the server and actor through OCSF's host profile; the other classes have them as their own.
      profiles: ocsfClass === BASE_EVENT ? ['host'] : undefined,
    }),
    ...compact(fields),
    raw_data: storedRecordTextOf(event) ?? JSON.stringify(event.record),
    unmapped: {
      vigil: compact({
        cursor: event.cursor,
        leaf_hash: event.leafHash,
        kind: event.kind,
        record_id: event.recordId,
        type: event.type,
        category: event.category,
        outcome: event.outcome,
        server_id: event.serverId,
      }),
    },
  });
}
