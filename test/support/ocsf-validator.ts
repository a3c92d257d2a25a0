/**
 * A validator of OCSF 1.9.0 events for the classes Vigil maps to, written from the schema's own
 * files (ocsf/ocsf-schema: events/base_event.json, the classes' and their parents' files,
 * objects/*.json, dictionary.json types), not from Vigil's mapper: each class's activity ids,
 * its required attributes after inheritance (and profiles named in metadata.profiles), the
 * attributes it knows at all, the objects' required attributes and `at_least_one` constraints,
 * the id formulas (type_uid = class_uid * 100 + activity_id, category_uid = class_uid / 1000),
 * and the base types (timestamp_t: milliseconds since the epoch; ip_t).
 */
import { isIP } from 'node:net';

const BASE_ACTIVITIES = [0, 99];
const BASE_REQUIRED = ['activity_id', 'category_uid', 'class_uid', 'metadata', 'severity_id', 'time', 'type_uid'];
/** base_event's attributes, required, recommended and optional. */
const BASE_ATTRIBUTES = [
  ...BASE_REQUIRED,
  'message',
  'observables',
  'status',
  'status_code',
  'status_detail',
  'status_id',
  'timezone_offset',
  'activity_name',
  'category_name',
  'class_name',
  'type_name',
  'severity',
  'count',
  'duration',
  'start_time',
  'end_time',
  'enrichments',
  'raw_data',
  'raw_data_hash',
  'raw_data_size',
  'unmapped',
];
/** Attributes a profile adds when metadata.profiles names it. */
const PROFILE_ATTRIBUTES: Record<string, string[]> = { host: ['device', 'actor'] };
const IAM_ATTRIBUTES = ['actor', 'src_endpoint', 'http_request', 'http_response'];
const SYSTEM_ATTRIBUTES = ['actor', 'device'];

interface ClassSpec {
  readonly category: number;
  readonly activities: readonly number[];
  readonly required: readonly string[];
  readonly attributes: readonly string[];
  readonly atLeastOne?: readonly string[];
}

const CLASSES: Record<number, ClassSpec> = {
  0: { category: 0, activities: BASE_ACTIVITIES, required: [], attributes: [] },
  1007: {
    category: 1,
    activities: [1, 2, 3, 4, 5],
    required: ['actor', 'device', 'process'],
    attributes: [
      ...SYSTEM_ATTRIBUTES,
      'process',
      'actual_permissions',
      'exit_code',
      'injection_type',
      'injection_type_id',
      'launch_type',
      'launch_type_id',
      'module',
      'requested_permissions',
      'trace',
    ],
  },
  1008: {
    category: 1,
    activities: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
    // Event Log Activity lowers system's actor and device to recommended.
    required: [],
    attributes: [
      ...SYSTEM_ATTRIBUTES,
      'dst_endpoint',
      'src_endpoint',
      'file',
      'log_name',
      'log_provider',
      'log_type',
      'log_type_id',
      'status_code',
      'status_detail',
    ],
    atLeastOne: ['log_file', 'log_name', 'log_provider', 'log_type', 'log_type_id'],
  },
  3002: {
    category: 3,
    activities: [1, 2, 3, 4, 5, 6, 7],
    required: ['user'],
    attributes: [
      ...IAM_ATTRIBUTES,
      'user',
      'account_switch_type',
      'account_switch_type_id',
      'auth_protocol',
      'auth_protocol_id',
      'certificate',
      'dst_endpoint',
      'is_mfa',
      'is_remote',
      'logon_type',
      'logon_type_id',
      'service',
      'session',
      'auth_factors',
      'authentication_token',
      'is_cleartext',
      'is_new_logon',
      'logon_process',
    ],
    atLeastOne: ['service', 'dst_endpoint'],
  },
  3003: {
    category: 3,
    activities: [1, 2, 3],
    required: ['user'],
    attributes: [...IAM_ATTRIBUTES, 'user', 'groups', 'iam_roles', 'privileges', 'session', 'group', 'dst_endpoint'],
    atLeastOne: ['privileges', 'groups', 'iam_roles'],
  },
  3007: {
    category: 3,
    activities: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17],
    required: ['user'],
    attributes: [...IAM_ATTRIBUTES, 'user', 'auth_factors', 'iam_roles', 'policies', 'privileges', 'resources', 'updated_user'],
  },
  6003: {
    category: 6,
    activities: [1, 2, 3, 4],
    required: ['actor', 'api', 'src_endpoint'],
    attributes: ['actor', 'api', 'src_endpoint', 'dst_endpoint', 'http_request', 'http_response', 'resources', 'trace'],
  },
  6006: {
    category: 6,
    activities: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17],
    required: ['actor', 'file', 'src_endpoint'],
    attributes: [
      'actor',
      'file',
      'src_endpoint',
      'dst_endpoint',
      'http_request',
      'access_list',
      'access_mask',
      'access_result',
      'connection_info',
      'expiration_time',
      'file_result',
      'http_response',
      'share',
      'share_type',
      'share_type_id',
    ],
  },
};

const SEVERITY_IDS = [0, 1, 2, 3, 4, 5, 6, 99];
const STATUS_IDS = [0, 1, 2, 99];
const ENDPOINT_IDENTIFIERS = ['ip', 'uid', 'name', 'hostname', 'instance_uid', 'interface_uid', 'interface_name'];

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
const isInteger = (value: unknown) => typeof value === 'number' && Number.isInteger(value);

/** Every way `event` breaks the schema, as `path: what`; empty when it is valid. */
export function ocsfProblems(event: unknown): string[] {
  const problems: string[] = [];
  const fail = (path: string, what: string) => problems.push(`${path}: ${what}`);
  if (!isObject(event)) return ['event: not an object'];
  for (const attribute of BASE_REQUIRED) if (!(attribute in event)) fail(attribute, 'required by base_event, missing');
  for (const attribute of ['activity_id', 'category_uid', 'class_uid', 'severity_id', 'type_uid']) {
    if (attribute in event && !isInteger(event[attribute])) fail(attribute, 'not an integer');
  }
  const spec = CLASSES[event.class_uid as number];
  if (!spec) return [...problems, `class_uid: ${String(event.class_uid)} is not a class this validator knows`];
  if (event.category_uid !== spec.category)
    fail('category_uid', `${String(event.category_uid)}, but class ${String(event.class_uid)} is in category ${spec.category}`);
  if (![...BASE_ACTIVITIES, ...spec.activities].includes(event.activity_id as number))
    fail('activity_id', `${String(event.activity_id)} is not an activity of the class`);
  if (event.type_uid !== (event.class_uid as number) * 100 + (event.activity_id as number)) fail('type_uid', 'is not class_uid * 100 + activity_id');
  if (!SEVERITY_IDS.includes(event.severity_id as number)) fail('severity_id', `${String(event.severity_id)} is not in its enum`);
  if ('status_id' in event && !STATUS_IDS.includes(event.status_id as number)) fail('status_id', `${String(event.status_id)} is not in its enum`);
  // timestamp_t: milliseconds since the epoch; a seconds value would land in 1970.
  if (!isInteger(event.time) || (event.time as number) < Date.UTC(2000, 0, 1) || (event.time as number) > Date.UTC(2100, 0, 1))
    fail('time', 'not a timestamp_t in milliseconds');

  const metadata = event.metadata;
  const profiles: string[] = [];
  if (isObject(metadata)) {
    if (typeof metadata.version !== 'string' || !/^\d+\.\d+\.\d+/.test(metadata.version)) fail('metadata.version', 'required, the schema version (SemVer)');
    if (!isObject(metadata.product)) fail('metadata.product', 'required, missing');
    else if (typeof metadata.product.name !== 'string' && typeof metadata.product.uid !== 'string') fail('metadata.product', 'needs at least one of name, uid');
    if (metadata.profiles !== undefined) {
      if (!Array.isArray(metadata.profiles)) fail('metadata.profiles', 'not a string array');
      else profiles.push(...(metadata.profiles as string[]));
    }
  } else if ('metadata' in event) fail('metadata', 'not an object');

  for (const attribute of spec.required) if (!(attribute in event)) fail(attribute, `required by class ${String(event.class_uid)}, missing`);
  if (spec.atLeastOne && !spec.atLeastOne.some((attribute) => attribute in event)) fail('event', `needs at least one of ${spec.atLeastOne.join(', ')}`);
  const known = new Set([...BASE_ATTRIBUTES, ...spec.attributes, ...profiles.flatMap((profile) => PROFILE_ATTRIBUTES[profile] ?? [])]);
  for (const attribute of Object.keys(event)) if (!known.has(attribute)) fail(attribute, `not an attribute of class ${String(event.class_uid)}`);

  if ('actor' in event) checkActor(event.actor, 'actor', fail);
  if ('user' in event) checkUser(event.user, 'user', fail);
  if ('device' in event) checkDevice(event.device, 'device', fail);
  if ('process' in event) checkProcess(event.process, 'process', fail);
  if ('file' in event) checkFile(event.file, 'file', fail);
  if ('src_endpoint' in event) checkEndpoint(event.src_endpoint, 'src_endpoint', fail);
  if ('dst_endpoint' in event) checkEndpoint(event.dst_endpoint, 'dst_endpoint', fail);
  if ('api' in event) {
    if (!isObject(event.api) || typeof event.api.operation !== 'string') fail('api.operation', 'required (string_t), missing');
    else if (event.api.request !== undefined && (!isObject(event.api.request) || typeof event.api.request.uid !== 'string'))
      fail('api.request.uid', 'required, missing');
  }
  if ('privileges' in event && (!Array.isArray(event.privileges) || !event.privileges.every((privilege) => typeof privilege === 'string')))
    fail('privileges', 'not a string array');
  return problems;
}

type Fail = (path: string, what: string) => void;

function checkActor(actor: unknown, path: string, fail: Fail): void {
  if (!isObject(actor)) return fail(path, 'not an object');
  if (!['process', 'user', 'invoked_by', 'session', 'app_name', 'app_uid'].some((attribute) => attribute in actor))
    fail(path, 'needs at least one of process, user, invoked_by, session, app_name, app_uid');
  if ('user' in actor) checkUser(actor.user, `${path}.user`, fail);
}

function checkUser(user: unknown, path: string, fail: Fail): void {
  if (!isObject(user)) return fail(path, 'not an object');
  if (!['account', 'name', 'uid'].some((attribute) => typeof user[attribute] === 'string' || isObject(user[attribute])))
    fail(path, 'needs at least one of account, name, uid');
  if ('type_id' in user && ![0, 1, 2, 3, 4, 99].includes(user.type_id as number)) fail(`${path}.type_id`, 'not in its enum');
}

function checkDevice(device: unknown, path: string, fail: Fail): void {
  if (!isObject(device)) return fail(path, 'not an object');
  if (!isInteger(device.type_id)) fail(`${path}.type_id`, 'required, missing');
  if (!ENDPOINT_IDENTIFIERS.some((attribute) => attribute in device)) fail(path, `needs at least one of ${ENDPOINT_IDENTIFIERS.join(', ')}`);
}

function checkProcess(process: unknown, path: string, fail: Fail): void {
  if (!isObject(process)) return fail(path, 'not an object');
  if (!['pid', 'uid', 'cpid'].some((attribute) => attribute in process)) fail(path, 'needs at least one of pid, uid, cpid');
  if ('pid' in process && !isInteger(process.pid)) fail(`${path}.pid`, 'not an integer');
}

function checkFile(file: unknown, path: string, fail: Fail): void {
  if (!isObject(file)) return fail(path, 'not an object');
  if (typeof file.name !== 'string') fail(`${path}.name`, 'required, missing');
  if (![0, 1, 2, 3, 4, 5, 6, 7, 8, 99].includes(file.type_id as number)) fail(`${path}.type_id`, 'required, not in its enum');
}

function checkEndpoint(endpoint: unknown, path: string, fail: Fail): void {
  if (!isObject(endpoint)) return fail(path, 'not an object');
  const identifiers = [...ENDPOINT_IDENTIFIERS, 'svc_name', 'domain'];
  if (!identifiers.some((attribute) => attribute in endpoint)) fail(path, `needs at least one of ${identifiers.join(', ')}`);
  if ('ip' in endpoint && (typeof endpoint.ip !== 'string' || isIP(endpoint.ip.split('%')[0]!) === 0)) fail(`${path}.ip`, 'not an ip_t');
  if ('port' in endpoint && (!isInteger(endpoint.port) || (endpoint.port as number) < 0 || (endpoint.port as number) > 65535))
    fail(`${path}.port`, 'not a port_t');
}
