/**
 * The SQL that makes leaves: per covered table, a function rendering a row as its leaf text and a
 * trigger queueing that leaf, with its RFC 6962 leaf hash, for every row a statement wrote. The
 * text is built from fixed per-column encoders, so it is RFC 8785 canonical without a JSON
 * library in the database: keys are written in sorted order, strings escaped by to_json (the
 * same escapes as ECMAScript's JSON.stringify), times as ISO 8601 in UTC, floating-point values as
 * the decimal text PostgreSQL prints, in a string (ECMAScript and PostgreSQL write exponents
 * differently). The migration that creates the triggers holds this generator's output; a test
 * keeps the two in step with the tables.
 *
 * The triggers queue leaves only in sessions that say they are Vigil's (vigil.log_writer = on,
 * server/db/log-writer.ts): a row written around Vigil gets no leaf, and verification names it.
 * Anyone who sets the flag writes leaves like Vigil; the verifier then asks each version for the
 * audit entry written with it (leaf_unexplained), so such a write must forge one, in plain sight.
 */
import { getTableConfig, type PgColumn } from 'drizzle-orm/pg-core';
import { RECORD_LEAF_KINDS, DELETABLE_LEAF_KINDS, tableNameOf, type LeafKind } from './leaf-kinds.js';

const quoted = (text: string) => `'${text.replace(/'/g, "''")}'`;

function encoder(column: PgColumn): string {
  const ref = `n.${column.name}`;
  const type = column.getSQLType();
  if (type === 'uuid' || type === 'text') return `coalesce(to_json(${ref}::text)::text, 'null')`;
  // abbrev() prints an address as inet's output does (no /32 or /128); ::text would add the mask.
  if (type === 'inet') return `coalesce(to_json(abbrev(${ref}))::text, 'null')`;
  if (type === 'integer' || type === 'bigint' || type === 'smallint' || type === 'boolean') return `coalesce(${ref}::text, 'null')`;
  if (type === 'double precision' || type === 'real') return `coalesce(to_json(${ref}::text)::text, 'null')`;
  if (type === 'jsonb') return `vigil_canonical_json(${ref})`;
  if (type.endsWith('[]')) return `coalesce(array_to_json(${ref})::text, 'null')`;
  const time = /^timestamp(?: \((\d)\))? with time zone$/.exec(type);
  if (time) {
    const fraction = time[1] === '3' ? 'MS' : 'US';
    return `coalesce('"' || to_char(${ref} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.${fraction}"Z"') || '"', 'null')`;
  }
  throw new Error(`No leaf encoder for ${column.name} (${type})`);
}

function digestEncoder(column: PgColumn): string {
  const bytes = column.getSQLType() === 'bytea' ? `n.${column.name}` : `convert_to(n.${column.name}, 'UTF8')`;
  return `coalesce('"' || encode(sha256(${bytes}), 'hex') || '"', 'null')`;
}

/**
 * The row's members: [key, SQL encoding, the column whose null leaves the member out (a column
 * added later) or undefined], in RFC 8785 order (the keys are ASCII).
 */
export function leafMembers(kind: LeafKind): [string, string, string | undefined][] {
  const { columns } = getTableConfig(kind.table);
  const members: [string, string, string | undefined][] = [];
  for (const column of columns) {
    if (kind.excluded?.includes(column.name)) continue;
    const omittedWhenNull = kind.addedLater?.includes(column.name) ? column.name : undefined;
    if (kind.digested?.includes(column.name)) members.push([`${column.name}_sha256`, digestEncoder(column), omittedWhenNull]);
    else members.push([column.name, encoder(column), omittedWhenNull]);
  }
  return members.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

export function leafFunctionName(kind: LeafKind): string {
  return `vigil_leaf_${tableNameOf(kind)}`;
}

function leafFunction(kind: LeafKind): string {
  const table = tableNameOf(kind);
  const members = leafMembers(kind)
    .map(([key, value, omittedWhenNull], index) => {
      const member = `${quoted(`${index === 0 ? '' : ','}"${key}":`)} || ${value}`;
      if (!omittedWhenNull) return member;
      // The first member opens the object without a comma, so it must always be there.
      if (index === 0) throw new Error(`${key} sorts first in ${kind.kind} leaves; a column added later cannot`);
      return `CASE WHEN n.${omittedWhenNull} IS NULL THEN '' ELSE ${member} END`;
    })
    .join('\n    || ');
  return `CREATE OR REPLACE FUNCTION ${leafFunctionName(kind)}(n "${table}") RETURNS text LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT ${quoted(`{"kind":"${kind.kind}","row":{`)}
    || ${members}
    || '},"v":1}'
$$;`;
}

/** Format 1 (migration 0011): the row alone. Format 2 (0012): and the writing transaction. */
type LeafFormat = 1 | 2;

/** SQL over the row alias `n`: the row's leaf text in `format` (written by the current transaction). */
function leafText(kind: LeafKind, format: LeafFormat, wrap: (leaf: string) => string = (leaf) => leaf): string {
  const text = wrap(`${leafFunctionName(kind)}(n)`);
  return format === 1 ? text : `vigil_leaf_in_transaction(${text}, txid_current())`;
}

/** Inserts a leaf, with its RFC 6962 leaf hash, for every row `n` of `source`; every writer of leaves goes through it. */
function insertLeaves(kind: LeafKind, source: string, leaf: string, tail = '', indent = ''): string {
  return `INSERT INTO log_leaves (tenant_id, kind, record_id, leaf, leaf_hash)
${indent}SELECT n.tenant_id, ${quoted(kind.kind)}, ${kind.recordId}, l.leaf, sha256('\\x00'::bytea || convert_to(l.leaf, 'UTF8'))
${indent}FROM ${source} n CROSS JOIN LATERAL (SELECT ${leaf} AS leaf) l${tail};`;
}

/** A trigger function queueing the leaves of the rows in the transition table `source`, in Vigil's own sessions. */
function queueFunctionSql(name: string, kind: LeafKind, source: string, leaf: string, where = ''): string {
  return `CREATE OR REPLACE FUNCTION ${name}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF current_setting('vigil.log_writer', true) IS DISTINCT FROM 'on' THEN RETURN NULL; END IF;
  ${insertLeaves(kind, source, leaf, where, '  ')}
  RETURN NULL;
END $$;`;
}

function queueFunction(kind: LeafKind, format: LeafFormat): string {
  return queueFunctionSql(`vigil_queue_${tableNameOf(kind)}`, kind, 'vigil_written', leafText(kind, format));
}

function queueTrigger(kind: LeafKind, format: LeafFormat = 1): string {
  const table = tableNameOf(kind);
  const fn = `vigil_queue_${table}`;
  const statements = [
    queueFunction(kind, format),
    `CREATE TRIGGER ${table}_log_insert AFTER INSERT ON "${table}" REFERENCING NEW TABLE AS vigil_written FOR EACH STATEMENT EXECUTE FUNCTION ${fn}();`,
  ];
  if (kind.isVersioned) {
    statements.push(
      `CREATE TRIGGER ${table}_log_update AFTER UPDATE ON "${table}" REFERENCING NEW TABLE AS vigil_written FOR EACH STATEMENT EXECUTE FUNCTION ${fn}();`,
    );
  }
  return statements.join('\n--> statement-breakpoint\n');
}

/** Whether rows `o` and `n` are one row: the table's primary key (it leads with tenant_id). */
function sameRow(kind: LeafKind): string {
  const [key] = getTableConfig(kind.table).primaryKeys;
  if (!key) throw new Error(`${tableNameOf(kind)} needs a primary key to tell a row's versions apart`);
  return key.columns.map((column) => `o.${column.name} = n.${column.name}`).join(' AND ');
}

/**
 * The triggers of a kind whose rows may be removed (migration 0014): an insert queues a leaf per row; an update only for rows
 * whose leaf text changed (a bookkeeping column left out of the leaf changes nothing the log
 * holds); a deletion queues a deletion leaf, the row as it was marked `"deleted": true`.
 */
function deletableTriggers(kind: LeafKind): string {
  const table = tableNameOf(kind);
  const [insert, update, remove] = deletableQueueFunctions(kind);
  return [
    insert,
    `CREATE TRIGGER ${table}_log_insert AFTER INSERT ON "${table}" REFERENCING NEW TABLE AS vigil_written FOR EACH STATEMENT EXECUTE FUNCTION vigil_queue_${table}();`,
    update,
    `CREATE TRIGGER ${table}_log_update AFTER UPDATE ON "${table}" REFERENCING OLD TABLE AS vigil_before NEW TABLE AS vigil_written FOR EACH STATEMENT EXECUTE FUNCTION vigil_queue_${table}_update();`,
    remove,
    `CREATE TRIGGER ${table}_log_delete AFTER DELETE ON "${table}" REFERENCING OLD TABLE AS vigil_deleted FOR EACH STATEMENT EXECUTE FUNCTION vigil_queue_${table}_delete();`,
  ].join('\n--> statement-breakpoint\n');
}

/** The insert, update and delete queue functions of a kind whose rows may be removed. */
function deletableQueueFunctions(kind: LeafKind): [string, string, string] {
  const table = tableNameOf(kind);
  const leaf = leafFunctionName(kind);
  const unchanged = `\n  WHERE NOT EXISTS (SELECT 1 FROM vigil_before o WHERE ${sameRow(kind)} AND ${leaf}(o) = ${leaf}(n))`;
  return [
    queueFunction(kind, 2),
    queueFunctionSql(`vigil_queue_${table}_update`, kind, 'vigil_written', leafText(kind, 2), unchanged),
    queueFunctionSql(
      `vigil_queue_${table}_delete`,
      kind,
      'vigil_deleted',
      leafText(kind, 2, (text) => `vigil_leaf_deleted(${text})`),
    ),
  ];
}

/** A leaf text made a deletion leaf: `{"deleted":true,` before the rest, which keeps RFC 8785 key order. */
const DELETED_FUNCTION = `CREATE OR REPLACE FUNCTION vigil_leaf_deleted(leaf text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT '{"deleted":true,' || substr(leaf, 2)
$$;`;

/**
 * A format-1 leaf text made format 2: `"v":1}` becomes `"v":2,"xact":<transaction id>}`, which
 * keeps the keys in RFC 8785 order.
 */
const IN_TRANSACTION_FUNCTION = `CREATE OR REPLACE FUNCTION vigil_leaf_in_transaction(leaf text, xact bigint) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT left(leaf, -length('"v":1}')) || '"v":2,"xact":' || xact::text || '}'
$$;`;

/** Canonical JSON of a jsonb value (snapshots, labels): keys sorted, no whitespace, recursive. */
const CANONICAL_JSON_FUNCTION = `CREATE OR REPLACE FUNCTION vigil_canonical_json(j jsonb) RETURNS text LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
  result text;
BEGIN
  IF j IS NULL THEN RETURN 'null'; END IF;
  CASE jsonb_typeof(j)
    WHEN 'object' THEN
      SELECT '{' || coalesce(string_agg(to_json(key)::text || ':' || vigil_canonical_json(value), ',' ORDER BY key COLLATE "C"), '') || '}'
        INTO result FROM jsonb_each(j);
    WHEN 'array' THEN
      SELECT '[' || coalesce(string_agg(vigil_canonical_json(value), ',' ORDER BY ordinality), '') || ']'
        INTO result FROM jsonb_array_elements(j) WITH ORDINALITY;
    WHEN 'number' THEN
      -- Whole numbers as ECMAScript prints them; others as PostgreSQL's shortest float text.
      IF (j::text)::numeric = trunc((j::text)::numeric) AND abs((j::text)::numeric) < 1e21 THEN
        result := trunc((j::text)::numeric)::text;
      ELSE
        result := ((j::text)::float8)::text;
      END IF;
    ELSE
      result := j::text;
  END CASE;
  RETURN result;
END $$;`;

/** Queues a leaf for every row already stored, audit entries first and in chain order. */
function backfill(kind: LeafKind, format: LeafFormat = 1): string {
  const order = kind.kind === 'audit_entry' ? 'n.tenant_id, n.seq' : `n.tenant_id, ${kind.recordId}`;
  return insertLeaves(kind, `"${tableNameOf(kind)}"`, leafText(kind, format), ` ORDER BY ${order}`);
}

/** The record kinds migration 0011 covered (agent_directive came with its table, in 0020). */
const KINDS_OF_0011 = RECORD_LEAF_KINDS.filter(
  (kind) =>
    ![
      'agent_directive',
      'session_check',
      'desktop_recording',
      'desktop_recording_chunk',
      'access_review',
      'access_review_item',
      'case',
      'case_item',
      'case_note',
    ].includes(kind.kind),
);

/** Everything migration 0011, which created the log's triggers, runs, in order (format 1). */
export function leafMigrationSql(): string {
  return [
    CANONICAL_JSON_FUNCTION,
    ...KINDS_OF_0011.flatMap((kind) => [leafFunction(kind), queueTrigger(kind)]),
    ...KINDS_OF_0011.map((kind) => backfill(kind)),
  ].join('\n--> statement-breakpoint\n');
}

/** What migration 0015 runs after adding commands.working_directory: the command leaf that leaves it out while null. */
export function commandWorkingDirectoryMigrationSql(): string {
  const command = RECORD_LEAF_KINDS.find((kind) => kind.kind === 'command');
  if (!command) throw new Error('no command leaf kind');
  return leafFunction(command);
}

/**
 * What migration 0020 runs after creating agent_directives and adding terminal_sessions.end_reason
 * and ended_by_id: the directive's leaf function and triggers (format 2), and the terminal session
 * leaf that leaves the two new columns out while null (older leaves keep their text).
 */
export function agentDirectivesMigrationSql(): string {
  const byName = (name: string) => {
    const kind = RECORD_LEAF_KINDS.find((candidate) => candidate.kind === name);
    if (!kind) throw new Error(`no ${name} leaf kind`);
    return kind;
  };
  const directive = byName('agent_directive');
  return [leafFunction(directive), queueTrigger(directive, 2), leafFunction(byName('terminal_session'))].join('\n--> statement-breakpoint\n');
}

/**
 * What migration 0021 runs after creating session_checks and adding
 * approval_policies.requires_access_session: the check's leaf function and trigger (format 2), and
 * the policy's leaf function and triggers, which leave the new column out while null.
 */
export function sessionChecksMigrationSql(): string {
  const check = RECORD_LEAF_KINDS.find((kind) => kind.kind === 'session_check');
  const policy = DELETABLE_LEAF_KINDS.find((kind) => kind.kind === 'approval_policy');
  if (!check || !policy) throw new Error('no session_check or approval_policy leaf kind');
  return [leafFunction(check), queueTrigger(check, 2), leafFunction(policy)].join('\n--> statement-breakpoint\n');
}

/** What migration 0024 runs after creating the desktop recording tables: their leaf functions and triggers (format 2). */
export function desktopRecordingsMigrationSql(): string {
  const kinds = RECORD_LEAF_KINDS.filter((kind) => kind.kind === 'desktop_recording' || kind.kind === 'desktop_recording_chunk');
  if (kinds.length !== 2) throw new Error('no desktop recording leaf kinds');
  return kinds.flatMap((kind) => [leafFunction(kind), queueTrigger(kind, 2)]).join('\n--> statement-breakpoint\n');
}

/** What migration 0022 runs after adding approval_policies.watch_announced and watch_by_approvers: the policy's leaf function. */
export function watchPolicyMigrationSql(): string {
  const policy = DELETABLE_LEAF_KINDS.find((kind) => kind.kind === 'approval_policy');
  if (!policy) throw new Error('no approval_policy leaf kind');
  return leafFunction(policy);
}

/**
 * What migration 0026 runs after adding approval_policies.extension_approval and
 * max_total_duration_seconds: the policy's leaf function, which leaves them out while null.
 */
export function extensionPolicyMigrationSql(): string {
  const policy = DELETABLE_LEAF_KINDS.find((kind) => kind.kind === 'approval_policy');
  if (!policy) throw new Error('no approval_policy leaf kind');
  return leafFunction(policy);
}

/**
 * What migration 0029 runs after creating on_call_integrations and adding the on-call columns of
 * approval_policies and approvals: the integration's leaf function and triggers, and the policy's
 * and the request's leaf functions, which leave the new columns out while null.
 */
export function onCallMigrationSql(): string {
  const byName = (name: string) => {
    const kind = [...RECORD_LEAF_KINDS, ...DELETABLE_LEAF_KINDS].find((candidate) => candidate.kind === name);
    if (!kind) throw new Error(`no ${name} leaf kind`);
    return kind;
  };
  const integration = byName('on_call_integration');
  return [leafFunction(integration), deletableTriggers(integration), leafFunction(byName('approval_policy')), leafFunction(byName('approval'))].join(
    '\n--> statement-breakpoint\n',
  );
}

/**
 * What migration 0030 runs after creating chat_workspace_installs and adding the OAuth columns of
 * chat_workspaces: the install's leaf function and triggers, and the workspace's leaf function,
 * which leaves the new columns out while null (the token only as the digest of its sealed form).
 */
export function slackInstallMigrationSql(): string {
  const byName = (name: string) => {
    const kind = DELETABLE_LEAF_KINDS.find((candidate) => candidate.kind === name);
    if (!kind) throw new Error(`no ${name} leaf kind`);
    return kind;
  };
  const install = byName('chat_workspace_install');
  return [leafFunction(install), deletableTriggers(install), leafFunction(byName('chat_workspace'))].join('\n--> statement-breakpoint\n');
}

/** What migration 0031 runs after creating roles and role_assignments: their leaf functions and triggers. */
export function rolesMigrationSql(): string {
  const kinds = DELETABLE_LEAF_KINDS.filter((kind) => kind.kind === 'role' || kind.kind === 'role_assignment');
  if (kinds.length !== 2) throw new Error('no role leaf kinds');
  return kinds.flatMap((kind) => [leafFunction(kind), deletableTriggers(kind)]).join('\n--> statement-breakpoint\n');
}

/** What migration 0032 runs after creating access_reviews and access_review_items: their leaf functions and triggers (format 2). */
export function accessReviewsMigrationSql(): string {
  const kinds = RECORD_LEAF_KINDS.filter((kind) => kind.kind === 'access_review' || kind.kind === 'access_review_item');
  if (kinds.length !== 2) throw new Error('no access review leaf kinds');
  return kinds.flatMap((kind) => [leafFunction(kind), queueTrigger(kind, 2)]).join('\n--> statement-breakpoint\n');
}

/** What migration 0033 runs after creating cases, case_items and case_notes: their leaf functions and triggers (format 2). */
export function casesMigrationSql(): string {
  const kinds = RECORD_LEAF_KINDS.filter((kind) => kind.kind === 'case' || kind.kind === 'case_item' || kind.kind === 'case_note');
  if (kinds.length !== 3) throw new Error('no case leaf kinds');
  return kinds.flatMap((kind) => [leafFunction(kind), queueTrigger(kind, 2)]).join('\n--> statement-breakpoint\n');
}

/** What migration 0034 runs after creating report_schedules and report_runs: their leaf functions and triggers (a setting's). */
export function reviewDigestsMigrationSql(): string {
  const kinds = DELETABLE_LEAF_KINDS.filter((kind) => kind.kind === 'report_schedule' || kind.kind === 'report_run');
  if (kinds.length !== 2) throw new Error('no review digest leaf kinds');
  return kinds.flatMap((kind) => [leafFunction(kind), deletableTriggers(kind)]).join('\n--> statement-breakpoint\n');
}

/** What migration 0012 runs after its index changes: every trigger queues format-2 leaves. */
export function leafTransactionMigrationSql(): string {
  return [IN_TRANSACTION_FUNCTION, ...KINDS_OF_0011.map((kind) => queueFunction(kind, 2))].join('\n--> statement-breakpoint\n');
}

/**
 * What migration 0036 runs after adding users.managing_account_id: the user's leaf function, which leaves the
 * new column out while null, so every user leaf written before stays what it was.
 */
export function accountsMigrationSql(): string {
  const user = DELETABLE_LEAF_KINDS.find((kind) => kind.kind === 'user');
  if (!user) throw new Error('no user leaf kind');
  return leafFunction(user);
}

/** The settings migration 0014 covered (later ones came with their tables: on_call_integration in 0029, ...). */
const KINDS_AFTER_0014 = ['on_call_integration', 'chat_workspace_install', 'role', 'role_assignment', 'report_schedule', 'report_run'];
const DELETABLE_KINDS_OF_0014 = DELETABLE_LEAF_KINDS.filter((kind) => !KINDS_AFTER_0014.includes(kind.kind));

/**
 * What migration 0014 runs: the leaf functions and triggers of the settings and alerts, then, for a
 * database that already holds some, a leaf for each stored row (format 2), explained by one audit entry per
 * tenant written in the same transaction (`log.coverage_extended`). The session says it is Vigil's
 * for those statements only.
 */
export function settingsMigrationSql(): string {
  const kinds = `'${JSON.stringify(DELETABLE_KINDS_OF_0014.map((kind) => kind.kind))}'::jsonb`;
  return [
    DELETED_FUNCTION,
    ...DELETABLE_KINDS_OF_0014.flatMap((kind) => [leafFunction(kind), deletableTriggers(kind)]),
    `SELECT set_config('vigil.log_writer_before_0014', coalesce(current_setting('vigil.log_writer', true), ''), true), set_config('vigil.log_writer', 'on', true);`,
    `INSERT INTO audit_entries (tenant_id, id, occurred_at, actor_type, actor_id, action, resource_type, resource_name, after)
SELECT t.id, gen_random_uuid(), now(), 'system', 'migration', 'log.coverage_extended', 'log', '0014_log_settings', jsonb_build_object('kinds', ${kinds})
FROM tenants t ORDER BY t.id;`,
    ...DELETABLE_KINDS_OF_0014.map((kind) => backfill(kind, 2)),
    `SELECT set_config('vigil.log_writer', current_setting('vigil.log_writer_before_0014'), true);`,
  ].join('\n--> statement-breakpoint\n');
}

/**
 * Every function that makes leaves or renders rows as leaves, as the latest migration defined it
 * (the CREATE statements): verification compares the database's with these
 * (server/log/leaf-function-check.ts), since the records check renders rows with them.
 */
export function leafFunctionDefinitions(): string[] {
  return [
    CANONICAL_JSON_FUNCTION,
    IN_TRANSACTION_FUNCTION,
    DELETED_FUNCTION,
    ...RECORD_LEAF_KINDS.flatMap((kind) => [leafFunction(kind), queueFunction(kind, 2)]),
    ...DELETABLE_LEAF_KINDS.flatMap((kind) => [leafFunction(kind), ...deletableQueueFunctions(kind)]),
  ];
}
