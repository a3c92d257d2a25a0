/**
 * The event envelope made from each kind of leaf: type, category, severity, outcome, time, actor
 * and server from the record's row alone (README, "Event stream"); and each event is the log's own
 * leaf: its position and leaf hash are what logInclusionProof proves, its record the leaf's row.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApprovalsFixture, decideAs, authorizeSudoAs, requestAccessAs, type ApprovalsFixture } from '../support/approvals-fixture.js';
import { sql } from 'drizzle-orm';
import { readEvents, type EventLine } from '../support/event-stream-client.js';
import { ocsfProblems } from '../support/ocsf-validator.js';
import { withoutTriggers } from '../support/log-tamper.js';
import { ingest, minutesAgo } from '../support/records-fixture.js';
import { castLines, putChunk } from '../support/recording-agent.js';
import { startTestVigil, type TestVigil } from '../support/test-vigil.js';

let t: TestVigil;
let f: ApprovalsFixture;
let events: EventLine[];
const byType = (type: string): EventLine => {
  const found = events.find((event) => event.type === type);
  if (!found) throw new Error(`no ${type} event among ${[...new Set(events.map((event) => event.type))].join(', ')}`);
  return found;
};

beforeAll(async () => {
  t = await startTestVigil();
  f = await buildApprovalsFixture(t);
  const agent = f.web.agentToken;
  const reported = await ingest(t, agent, [
    {
      eventId: 's1',
      kind: 'TERMINAL_SESSION_STARTED',
      terminalSessionStarted: { source: 'WEB_TERMINAL', startedAt: minutesAgo(t, 50), userEmail: 'alice@example.test', username: 'alice' },
    },
    {
      eventId: 'c-run',
      kind: 'COMMAND',
      command: { shell: 'SYSTEM', line: 'make', status: 'RUNNING', terminalSessionEventId: 's1', submittedAt: minutesAgo(t, 49), startedAt: minutesAgo(t, 48) },
    },
    {
      eventId: 'c-fail',
      kind: 'COMMAND',
      command: {
        shell: 'SYSTEM',
        line: 'rm -rf /',
        status: 'FAILED',
        terminalSessionEventId: 's1',
        submittedAt: minutesAgo(t, 47),
        finishedAt: minutesAgo(t, 46),
        exitCode: 1,
      },
    },
    {
      eventId: 'f-ok',
      kind: 'FILE_TRANSFER',
      fileTransfer: {
        direction: 'UPLOAD',
        objectName: 'a.txt',
        path: '/srv/a.txt',
        status: 'SUCCESS',
        occurredAt: minutesAgo(t, 45),
        userEmail: 'alice@example.test',
        username: 'alice',
      },
    },
    {
      eventId: 'f-bad',
      kind: 'FILE_TRANSFER',
      fileTransfer: {
        direction: 'DOWNLOAD',
        objectName: 'b.txt',
        path: '/srv/b.txt',
        status: 'FAILED',
        error: 'denied',
        occurredAt: minutesAgo(t, 44),
        userEmail: 'alice@example.test',
        username: 'alice',
      },
    },
    { eventId: 'l-err', kind: 'SYSTEM_LOG', systemLog: { level: 'ERROR', loggedAt: minutesAgo(t, 43), message: 'oom', program: 'kernel' } },
    { eventId: 'l-crit', kind: 'SYSTEM_LOG', systemLog: { level: 'CRITICAL', loggedAt: minutesAgo(t, 42), message: 'raid degraded', program: 'mdadm' } },
    {
      eventId: 'sudo-1',
      kind: 'SUDO_AUTHORIZATION',
      sudoAuthorization: { command: 'reboot', grantedAt: minutesAgo(t, 41), grantedVia: 'ADMIN', userEmail: 'alice@example.test' },
    },
  ]);
  expect(reported.errors).toBeUndefined();
  const updated = await ingest(t, agent, [
    {
      eventId: 'u-run',
      kind: 'COMMAND_UPDATE',
      commandUpdate: { commandEventId: 'c-run', status: 'SUCCESS', reportedAt: minutesAgo(t, 40), finishedAt: minutesAgo(t, 40), exitCode: 0 },
    },
    { eventId: 's1-end', kind: 'TERMINAL_SESSION_ENDED', terminalSessionEnded: { sessionEventId: 's1', endedAt: minutesAgo(t, 39) } },
  ]);
  expect(updated.errors).toBeUndefined();
  const chunk = await putChunk(t, agent, 's1', 0, castLines([[0.5, 'o', 'hello\r\n']], { version: 2, width: 80, height: 24 }), { final: 'true' });
  expect(chunk.status).toBe(201);

  // A request approved, one denied, and an agent's sudo check that finds no grant.
  const approved = await requestAccessAs(t, f.alice, { servers: ['web-01'] });
  expect((await decideAs(t, f.bob, approved.data!.requestAccess.id, 'APPROVE')).errors).toBeUndefined();
  const denied = await requestAccessAs(t, f.dave, { servers: ['db-01'] });
  expect((await decideAs(t, f.bob, denied.data!.requestAccess.id, 'DENY', 'not now')).errors).toBeUndefined();
  expect((await authorizeSudoAs(t, f.db, 'dave@example.test', 'shutdown -h now')).errors).toBeUndefined();

  // Activity a platform reports, and a setting made and removed.
  const activity = await t.gql(`mutation($entries: [ActivityReportInput!]!) { reportActivity(entries: $entries) }`, t.admin.token, {
    entries: [{ action: 'AUTH_SIGN_IN_FAILED', result: 401, userEmail: 'mallory@example.test', occurredAt: minutesAgo(t, 30) }],
  });
  expect(activity.errors).toBeUndefined();
  const hook = await t.gql(
    `mutation { createWebhookSubscription(input: { name: "out", url: "https://hooks.example.test/b", eventTypes: ["approval.requested"] }) { id } }`,
    t.admin.token,
  );
  expect(hook.errors).toBeUndefined();
  await t.gql(`mutation($id: ID!) { deleteWebhookSubscription(id: $id) { id } }`, t.admin.token, { id: hook.data!.createWebhookSubscription.id });

  const read = await readEvents(t, t.admin.token);
  expect(read.status).toBe(200);
  events = read.lines.filter((line) => typeof line.position === 'number');
});
afterAll(() => t?.close());

describe('the event of each kind of leaf', () => {
  it('has the category, severity and outcome of the README’s table', () => {
    const table = [
      'terminal_session.started',
      'terminal_session.ended',
      'terminal_recording.started',
      'terminal_recording.completed',
      'recording_chunk.appended',
      'command.running',
      'command.succeeded',
      'command.failed',
      'command_status_change.succeeded',
      'file_transfer.succeeded',
      'file_transfer.failed',
      'system_log.error',
      'system_log.critical',
      'sudo_authorization.granted',
      'sudo_check.not_granted',
      'approval.pending',
      'approval.approved',
      'approval.denied',
      'approval_decision.approved',
      'approval_decision.denied',
      'access_session.active',
      'activity.auth.sign_in_failed',
      'audit.user.created',
      'audit.events.ingested',
      'audit.approval.decided',
      'user.changed',
      'api_token.changed',
      'server.changed',
      'webhook_subscription.changed',
      'webhook_subscription.deleted',
    ].map((type) => {
      const event = byType(type);
      return [type, event.category, event.severity, event.outcome];
    });
    expect(table).toEqual([
      ['terminal_session.started', 'session', 'info', 'success'],
      ['terminal_session.ended', 'session', 'info', 'success'],
      ['terminal_recording.started', 'session', 'info', 'success'],
      ['terminal_recording.completed', 'session', 'info', 'success'],
      ['recording_chunk.appended', 'session', 'info', 'success'],
      ['command.running', 'command', 'info', 'unknown'],
      ['command.succeeded', 'command', 'info', 'success'],
      ['command.failed', 'command', 'medium', 'failure'],
      ['command_status_change.succeeded', 'command', 'info', 'success'],
      ['file_transfer.succeeded', 'file', 'info', 'success'],
      ['file_transfer.failed', 'file', 'low', 'failure'],
      ['system_log.error', 'system', 'medium', 'unknown'],
      ['system_log.critical', 'system', 'high', 'unknown'],
      ['sudo_authorization.granted', 'privilege', 'medium', 'success'],
      ['sudo_check.not_granted', 'privilege', 'medium', 'failure'],
      ['approval.pending', 'approval', 'info', 'unknown'],
      ['approval.approved', 'approval', 'info', 'success'],
      ['approval.denied', 'approval', 'low', 'failure'],
      ['approval_decision.approved', 'approval', 'info', 'success'],
      ['approval_decision.denied', 'approval', 'low', 'failure'],
      ['access_session.active', 'session', 'info', 'success'],
      ['activity.auth.sign_in_failed', 'authentication', 'medium', 'failure'],
      ['audit.user.created', 'administration', 'low', 'success'],
      ['audit.events.ingested', 'system', 'info', 'success'],
      ['audit.approval.decided', 'approval', 'low', 'success'],
      ['user.changed', 'administration', 'low', 'success'],
      ['api_token.changed', 'authentication', 'low', 'success'],
      ['server.changed', 'administration', 'low', 'success'],
      ['webhook_subscription.changed', 'administration', 'low', 'success'],
      ['webhook_subscription.deleted', 'administration', 'medium', 'success'],
    ]);
  });

  it('takes its time, actor and server from the row', () => {
    const failed = byType('command.failed');
    expect([failed.time, failed.actor, failed.serverId]).toEqual([
      failed.record.finished_at,
      { type: 'user', id: f.alice.id, email: null, name: null },
      f.web.id,
    ]);
    const running = byType('command.running');
    expect(running.time).toBe(running.record.started_at);
    const ended = byType('terminal_session.ended');
    expect([ended.time, ended.actor]).toEqual([ended.record.ended_at, { type: 'user', id: f.alice.id, email: null, name: 'alice' }]);
    const log = byType('system_log.critical');
    expect([log.time, log.actor]).toEqual([log.record.logged_at, { type: 'system', id: null, email: null, name: 'mdadm' }]);
    const decision = byType('approval_decision.denied');
    expect([decision.time, decision.actor]).toEqual([decision.record.decided_at, { type: 'user', id: f.bob.id, email: null, name: null }]);
    const signIn = byType('activity.auth.sign_in_failed');
    expect([signIn.time, signIn.actor]).toEqual([signIn.record.occurred_at, { type: 'user', id: null, email: 'mallory@example.test', name: null }]);
    const audit = byType('audit.approval.decided');
    expect(audit.actor).toEqual({ type: 'user', id: f.bob.id, email: 'bob@example.test', name: null });
    // A setting's version names nobody: the audit entry of its transaction does.
    expect(byType('webhook_subscription.deleted').actor).toBeNull();
    expect(byType('server.changed').serverId).toBe(byType('server.changed').recordId);
  });

  it('takes a setting’s time from the audit entry of its transaction, which its leaf covers, not from the queue', async () => {
    const changes = ['webhook_subscription.changed', 'webhook_subscription.deleted'].map(byType);
    const entries = changes.map((change) =>
      events.find((event) => event.kind === 'audit_entry' && event.record.resource_id === change.recordId && event.position > change.position),
    );
    expect(entries.map((entry) => entry?.type)).toEqual(['audit.webhook.created', 'audit.webhook.deleted']);
    expect(changes.map((change) => change.time)).toEqual(entries.map((entry) => entry!.record.occurred_at));
    // Someone with database access moves the queue times: the events' times stay.
    await withoutTriggers(
      t.vigil.database.db,
      async (tx) => void (await tx.execute(sql`update log_leaves set queued_at = queued_at - interval '3 days' where kind = 'webhook_subscription'`)),
    );
    const again = (await readEvents(t, t.admin.token)).lines.filter((line) => line.kind === 'webhook_subscription');
    expect(again.map((event) => event.time)).toEqual(changes.map((change) => change.time));
  });

  it('is the log’s leaf: the position and leaf hash logInclusionProof proves, the record its row', async () => {
    // A checkpoint signed over everything so far, for the proofs to lead to.
    await t.vigil.log.settle(t.admin.tenantId, { force: true });
    for (const type of ['command.failed', 'audit.user.created', 'approval_decision.approved', 'webhook_subscription.deleted', 'recording_chunk.appended']) {
      const event = byType(type);
      const proof = await t.gql(
        `query($index: Int) { logInclusionProof(leafIndex: $index) { leaf { index recordId leafHash leaf } treeSize checkpoint { size } } }`,
        t.admin.token,
        {
          index: event.position,
        },
      );
      expect(proof.errors).toBeUndefined();
      const { leaf, treeSize, checkpoint } = proof.data!.logInclusionProof;
      expect([treeSize > event.position, checkpoint?.size]).toEqual([true, treeSize]);
      expect([leaf.index, leaf.recordId, Buffer.from(leaf.leafHash, 'base64').toString('hex')]).toEqual([event.position, event.recordId, event.leafHash]);
      // What a consumer can recompute: the leaf text hashes to the event's leaf hash, and its row is the record.
      expect(
        createHash('sha256')
          .update(Buffer.from([0]))
          .update(leaf.leaf)
          .digest('hex'),
      ).toBe(event.leafHash);
      expect(JSON.parse(leaf.leaf).row).toEqual(event.record);
      expect(event.cursor).toEqual(expect.any(String));
    }
  });

  it('carries in every NDJSON line the record its leaf stores, whatever the kind', async () => {
    // The log as an auditor downloads it: every leaf's text by position.
    const exported = await fetch(`${t.url.replace(/\/graphql$/, '')}/export/log.jsonl`, { headers: { authorization: `Bearer ${t.admin.token}` } });
    expect(exported.status).toBe(200);
    const leafAt = new Map<number, string | null>();
    for (const line of (await exported.text()).split('\n')) {
      const parsed = line ? (JSON.parse(line) as { type: string; index: number; leaf: string | null }) : undefined;
      if (parsed?.type === 'leaf') leafAt.set(parsed.index, parsed.leaf);
    }
    const kinds = new Set<string>();
    for (const event of events) {
      const text = JSON.parse(leafAt.get(event.position)!) as { row?: unknown; statement?: unknown };
      expect(event.record, `${event.type} at ${event.position}`).toEqual(text.row ?? text.statement);
      kinds.add(event.kind);
    }
    // Every kind the fixture makes, a deletion among them (webhook_subscription.deleted).
    expect([...kinds].sort()).toEqual(
      [
        'access_session',
        'activity',
        'api_token',
        'approval',
        'approval_decision',
        'audit_entry',
        'command',
        'command_status_change',
        'file_transfer',
        'recording_chunk',
        'server',
        'sudo_authorization',
        'sudo_check',
        'system_log',
        'terminal_recording',
        'terminal_session',
        'user',
        'webhook_subscription',
      ].sort(),
    );
  });

  it('reads the same over GraphQL as over NDJSON', async () => {
    const page = await t.gql(
      `query($first: Int) { eventStream(first: $first) { nodes { position cursor leafHash kind recordId type category severity outcome time actor { type id email name } serverId record } hasMore } }`,
      t.admin.token,
      // What the log held when the NDJSON was read (the tests since added entries of their own).
      { first: events.length },
    );
    expect(page.errors).toBeUndefined();
    const fromNdjson = events;
    expect(page.data!.eventStream.nodes).toEqual(
      fromNdjson.map((event) => ({
        ...event,
        category: event.category.toUpperCase(),
        severity: event.severity.toUpperCase(),
        outcome: event.outcome.toUpperCase(),
        actor: event.actor && { ...event.actor, type: event.actor.type.toUpperCase() },
      })),
    );
  });
});

describe('the event as OCSF', () => {
  /** The class each kind maps to (README, "OCSF"). */
  const CLASS_OF_KIND: Record<string, number> = {
    command: 1007,
    command_status_change: 1007,
    terminal_session: 3002,
    terminal_recording: 6006,
    recording_chunk: 6006,
    access_session: 3007,
    sudo_authorization: 3007,
    sudo_check: 3003,
    file_transfer: 6006,
    system_log: 0,
    approval: 6003,
    approval_decision: 6003,
    server: 6003,
    webhook_subscription: 6003,
    user: 3007,
    api_token: 3007,
  };
  let ocsf: EventLine[];
  beforeAll(async () => {
    const read = await readEvents(t, t.admin.token, { format: 'ocsf', first: String(events.length) });
    expect(read.status).toBe(200);
    ocsf = read.lines.filter((line) => line.endCursor === undefined);
  });

  it('is an object of its class valid against OCSF 1.9.0 for every event, one per event in log order', () => {
    expect(ocsf).toHaveLength(events.length);
    for (const [index, object] of ocsf.entries()) {
      const event = events[index]!;
      expect(ocsfProblems(object), `${event.type} at ${event.position}`).toEqual([]);
      if (event.kind in CLASS_OF_KIND) expect(object.class_uid, event.type).toBe(CLASS_OF_KIND[event.kind]);
      expect(object.metadata).toMatchObject({ version: '1.9.0', product: { name: 'Vigil' }, sequence: event.position, tenant_uid: t.admin.tenantId });
      expect(object.time).toBe(Date.parse(event.time));
      expect(object.unmapped.vigil).toMatchObject({
        cursor: event.cursor,
        leaf_hash: event.leafHash,
        kind: event.kind,
        record_id: event.recordId,
        type: event.type,
      });
      // raw_data is the record as the reader sees it: for an admin, the leaf's row.
      expect(JSON.parse(object.raw_data)).toEqual(event.record);
    }
  });

  it('says what happened in OCSF’s own terms: activities, statuses, severities and the people', () => {
    const at = (type: string) => ocsf[events.indexOf(byType(type))]!;
    expect(at('command.failed')).toMatchObject({
      activity_id: 2,
      type_uid: 100702,
      status_id: 2,
      severity_id: 3,
      process: { cmd_line: 'rm -rf /' },
      exit_code: 1,
    });
    expect(at('command.running')).toMatchObject({ activity_id: 1, status_id: 0 });
    expect(at('terminal_session.started')).toMatchObject({ activity_id: 1, logon_type_id: 10, user: { name: 'alice' } });
    expect(at('terminal_session.ended')).toMatchObject({ activity_id: 2 });
    expect(at('file_transfer.failed')).toMatchObject({ activity_id: 2, status_id: 2, file: { name: 'b.txt', path: '/srv/b.txt' } });
    expect(at('file_transfer.succeeded')).toMatchObject({ activity_id: 1, status_id: 1 });
    expect(at('system_log.critical')).toMatchObject({ class_uid: 0, severity_id: 4, message: 'raid degraded', metadata: { profiles: ['host'] } });
    expect(at('sudo_check.not_granted')).toMatchObject({ class_uid: 3003, activity_id: 1, status_id: 2, severity_id: 3, privileges: ['sudo:shutdown -h now'] });
    expect(at('sudo_authorization.granted')).toMatchObject({ activity_id: 14, privileges: ['sudo:reboot'] });
    expect(at('access_session.denied')).toMatchObject({ activity_id: 99, status_id: 2 });
    expect(at('activity.auth.sign_in_failed')).toMatchObject({ class_uid: 3002, activity_id: 1, status_id: 2, user: { email_addr: 'mallory@example.test' } });
    expect(at('webhook_subscription.deleted')).toMatchObject({ class_uid: 6003, activity_id: 4 });
  });

  it('reads the same over GraphQL as over NDJSON', async () => {
    const page = await t.gql<any>(`query($first: Int) { eventStream(first: $first) { nodes { ocsf } } }`, t.admin.token, { first: events.length });
    expect(page.errors).toBeUndefined();
    expect(page.data!.eventStream.nodes.map((node: { ocsf: unknown }) => node.ocsf)).toEqual(ocsf);
  });

  it('is checked by a validator that refuses what OCSF refuses', () => {
    const signIn = ocsf[events.indexOf(byType('activity.auth.sign_in_failed'))]!;
    const { user: _user, ...withoutUser } = signIn;
    expect(ocsfProblems(withoutUser)).toContain('user: required by class 3002, missing');
    expect(ocsfProblems({ ...signIn, type_uid: 300299 })).toContain('type_uid: is not class_uid * 100 + activity_id');
    expect(ocsfProblems({ ...signIn, time: Math.floor(signIn.time / 1000) })).toContain('time: not a timestamp_t in milliseconds');
    expect(ocsfProblems({ ...signIn, device: { type_id: 1, uid: 'x' } })).toContain('device: not an attribute of class 3002');
    const command = ocsf[events.indexOf(byType('command.failed'))]!;
    expect(ocsfProblems({ ...command, process: { cmd_line: 'ls' } })).toContain('process: needs at least one of pid, uid, cpid');
  });

  it('refuses a format it does not know, naming the parameter', async () => {
    const response = await fetch(`${t.url.replace(/\/graphql$/, '')}/events?format=cef`, { headers: { authorization: `Bearer ${t.admin.token}` } });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ errors: [{ extensions: { code: 'BAD_USER_INPUT', field: 'format' } }] });
  });
});
