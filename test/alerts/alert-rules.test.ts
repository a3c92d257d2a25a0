/**
 * Alert rules evaluated by the test (one pass of `evaluateAlertRules` on the test clock): failed
 * sign-ins per person fire once while breached, tell admins and monitoring.view holders in the app,
 * go to a Slack channel in the severity's colour and to alert.* webhooks, and resolve when the
 * window passes; failed commands in the tenant, a failed command matching a pattern, sudo granted on
 * labelled servers; acknowledging and resolving by hand; the documented input errors.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { evaluateAlertRules } from '../../server/alerts/evaluate-rules.js';
import type { DeliveryDeps } from '../../server/webhooks/delivery-worker.js';
import { runDueDeliveries } from '../../server/webhooks/delivery-worker.js';
import { advance } from '../support/approvals-fixture.js';
import { errorCodes } from '../support/graphql-client.js';
import { addServer, buildRecordsFixture, ingest, minutesAgo, type RecordsFixture, type TestServer } from '../support/records-fixture.js';
import { startTestVigil, type TestVigil } from '../support/test-vigil.js';
import { startReceiver, type Receiver } from '../support/webhook-receiver.js';
import { testDeliveryDeps } from '../support/delivery-deps.js';

let t: TestVigil;
let f: RecordsFixture;
let slack: Receiver;
let hooks: Receiver;
let slackChannelId: string;
let deps: DeliveryDeps;

beforeAll(async () => {
  t = await startTestVigil({ env: { VIGIL_OUTBOUND_ALLOW: 'loopback', VIGIL_ALERT_EVALUATION_SECONDS: '3600', VIGIL_WEBHOOK_POLL_MS: '60000' } });
  f = await buildRecordsFixture(t);
  await addServer(t, t.admin.tenantId, 'dev-01', [{ key: 'env', value: 'dev' }]);
  slack = await startReceiver();
  hooks = await startReceiver();
  deps = testDeliveryDeps(t);
  const channel = await t.gql(`mutation($input: NotificationChannelInput!) { createNotificationChannel(input: $input) { id } }`, t.admin.token, {
    input: { name: 'Security Slack', type: 'SLACK', slack: { url: `${slack.url}/slack` } },
  });
  slackChannelId = channel.data!.createNotificationChannel.id;
});
afterAll(async () => {
  await slack?.close();
  await hooks?.close();
  await t?.close();
});

const RULE_FIELDS = 'id name condition threshold windowMinutes commandPattern serverLabels { key value } severity channelIds isEnabled';
const CREATE_RULE = `mutation($input: AlertRuleInput!) { createAlertRule(input: $input) { ${RULE_FIELDS} } }`;
const ALERT_FIELDS = 'id ruleId subject state severity title message details firedAt acknowledgedAt resolvedAt';
const ALERTS = `query($filter: AlertFilterInput) { alerts(first: 500, filter: $filter) { nodes { ${ALERT_FIELDS} } } }`;
const ACK = `mutation($id: ID!) { acknowledgeAlert(id: $id) { ${ALERT_FIELDS} } }`;
const RESOLVE = `mutation($id: ID!) { resolveAlert(id: $id) { ${ALERT_FIELDS} } }`;
const NOTIFICATIONS = `{ notifications(first: 500, filter: { category: [ALERT] }) { nodes { category severity title link resourceType resourceId } } }`;

let rules: string[] = [];
afterEach(async () => {
  // Deleting a rule takes its alerts with it: tests do not see each other's.
  for (const id of rules) await t.gql(`mutation($id: ID!) { deleteAlertRule(id: $id) { id } }`, t.admin.token, { id });
  rules = [];
  slack.requests.length = 0;
  hooks.requests.length = 0;
});

async function createRule(input: Record<string, unknown>): Promise<Record<string, any>> {
  const response = await t.gql(CREATE_RULE, t.admin.token, { input });
  expect(response.errors).toBeUndefined();
  rules.push(response.data!.createAlertRule.id);
  return response.data!.createAlertRule;
}

async function alertsOf(ruleId: string): Promise<Record<string, any>[]> {
  const response = await t.gql(ALERTS, t.admin.token, { filter: { ruleId } });
  expect(response.errors).toBeUndefined();
  return response.data!.alerts.nodes;
}

const evaluate = () => evaluateAlertRules(deps);
const notificationsOf = async (token: string) => (await t.gql(NOTIFICATIONS, token)).data!.notifications.nodes as Record<string, any>[];

let events = 0;
/** Reports commands through the agent, as they finished a moment ago. */
async function commands(server: TestServer, lines: [string, 'FAILED' | 'SUCCESS' | 'RUNNING'][]): Promise<string[]> {
  const batch = lines.map(([line, status]) => ({
    eventId: `cmd-${++events}`,
    kind: 'COMMAND',
    command: { shell: 'INTERNAL', line, status, submittedAt: minutesAgo(t, 1), exitCode: status === 'FAILED' ? 1 : status === 'SUCCESS' ? 0 : null },
  }));
  const response = await ingest(t, server.agentToken, batch);
  expect(response.errors).toBeUndefined();
  return batch.map((event) => event.eventId);
}

describe('a FAILED_SIGN_INS rule', () => {
  it('fires once for the person while breached, tells the right people and channels, and resolves when the window passes', async () => {
    const subscription = await t.gql(`mutation($input: CreateWebhookInput!) { createWebhookSubscription(input: $input) { id } }`, t.admin.token, {
      input: { name: 'alerts out', url: `${hooks.url}/alerts`, eventTypes: ['alert.fired', 'alert.resolved'] },
    });
    expect(subscription.errors).toBeUndefined();
    const rule = await createRule({
      name: 'Brute force',
      condition: 'FAILED_SIGN_INS',
      threshold: 3,
      windowMinutes: 10,
      severity: 'HIGH',
      channelIds: [slackChannelId],
    });
    expect(rule).toMatchObject({
      condition: 'FAILED_SIGN_INS',
      threshold: 3,
      windowMinutes: 10,
      severity: 'HIGH',
      channelIds: [slackChannelId],
      isEnabled: true,
      commandPattern: null,
      serverLabels: [],
    });

    // Mallory's revoked token: each refusal is recorded as auth.sign_in_failed with her email.
    const mallory = await t.createUser(t.admin.tenantId, { email: 'mallory@example.test' });
    const tokens = await t.gql(`query($id: ID!) { apiTokens(filter: { userId: $id }) { nodes { id } } }`, t.admin.token, { id: mallory.id });
    expect(
      (await t.gql(`mutation($id: ID!) { revokeToken(id: $id) { id } }`, t.admin.token, { id: tokens.data!.apiTokens.nodes[0].id })).errors,
    ).toBeUndefined();
    const failSignIns = async (times: number) => {
      for (let i = 0; i < times; i++) expect(errorCodes(await t.gql('{ me { id } }', mallory.token))).toEqual(['UNAUTHENTICATED']);
    };
    const recorded = async () =>
      (
        await t.gql(
          `{ activityLog(first: 50, filter: { action: ["auth.sign_in_failed"], userEmail: "mallory@example.test" }) { nodes { result } } }`,
          t.admin.token,
        )
      ).data!.activityLog.nodes;

    await failSignIns(2);
    expect(await evaluate()).toBe(0);
    await failSignIns(1);
    expect(await recorded()).toEqual([{ result: 401 }, { result: 401 }, { result: 401 }]);
    expect(await evaluate()).toBe(1);

    const [fired] = await alertsOf(rule.id);
    expect(await alertsOf(rule.id)).toHaveLength(1);
    expect(fired).toMatchObject({
      subject: 'mallory@example.test',
      state: 'FIRED',
      severity: 'HIGH',
      details: { count: 3, threshold: 3, windowMinutes: 10 },
      resolvedAt: null,
    });
    expect(fired!.title).toContain('mallory@example.test');
    const expected = { category: 'ALERT', severity: 'HIGH', title: fired!.title, link: `/alerts/${fired!.id}`, resourceType: 'alert', resourceId: fired!.id };
    expect(await notificationsOf(t.admin.token)).toEqual([expected]);
    expect(await notificationsOf(f.dave.token)).toEqual([expected]);
    expect(await notificationsOf(f.alice.token)).toEqual([]);
    expect(slack.requests).toHaveLength(1);
    const message = JSON.parse(slack.requests[0]!.body);
    expect(message.attachments[0]).toMatchObject({ color: '#F57C00', title: fired!.title });
    expect(message.attachments[0].fields).toContainEqual({ title: 'Source', value: 'Vigil alert rule "Brute force"', short: true });

    // Still breached: nothing new, even with more failures, and an acknowledged alert stays the open one.
    advance(t, 1);
    expect(await evaluate()).toBe(0);
    await failSignIns(2);
    expect(await evaluate()).toBe(0);
    expect((await t.gql(ACK, t.admin.token, { id: fired!.id })).data!.acknowledgeAlert.state).toBe('ACKNOWLEDGED');
    expect(await evaluate()).toBe(0);
    expect(await alertsOf(rule.id)).toHaveLength(1);
    expect(slack.requests).toHaveLength(1);
    expect(await notificationsOf(t.admin.token)).toHaveLength(1);

    // The window passes: the count falls back and the alert resolves by itself.
    advance(t, 11);
    expect(await evaluate()).toBe(0);
    const [resolved] = await alertsOf(rule.id);
    expect(resolved).toMatchObject({ id: fired!.id, state: 'RESOLVED' });
    expect(resolved!.resolvedAt).toBe(t.clock.now().toISOString());

    // New failures fire a new alert.
    await failSignIns(3);
    expect(await evaluate()).toBe(1);
    const all = await alertsOf(rule.id);
    expect(all.map((alert) => alert.state).sort()).toEqual(['FIRED', 'RESOLVED']);
    expect(slack.requests).toHaveLength(2);

    // The webhook subscription hears both kinds.
    expect(await runDueDeliveries(deps)).toBe(3);
    // Sent side by side: looked at by kind and alert, not by arrival.
    const delivered = hooks.requests.map((request) => ({ event: request.headers['x-webhook-event'], body: JSON.parse(request.body) }));
    expect(delivered.map((delivery) => delivery.event).sort()).toEqual(['alert.fired', 'alert.fired', 'alert.resolved']);
    const about = (type: string, id: string) => delivered.filter((delivery) => delivery.body.type === type && delivery.body.data.alert.id === id);
    expect(about('alert.fired', fired!.id)[0]!.body.data.alert).toMatchObject({ state: 'fired', subject: 'mallory@example.test', severity: 'high' });
    expect(about('alert.resolved', fired!.id)[0]!.body.data.alert).toMatchObject({ state: 'resolved', subject: 'mallory@example.test' });
    const refired = all.find((alert) => alert.state === 'FIRED')!;
    expect(about('alert.fired', refired.id)).toHaveLength(1);
    await t.gql(`mutation($id: ID!) { deleteWebhookSubscription(id: $id) { id } }`, t.admin.token, { id: subscription.data!.createWebhookSubscription.id });
  });
});

describe('command rules', () => {
  it('FAILED_COMMANDS counts the tenant’s failures in the window; COMMAND_FAILED fires once per matching command', async () => {
    const threshold = await createRule({ name: 'Many failures', condition: 'FAILED_COMMANDS', threshold: 3, windowMinutes: 10, severity: 'MEDIUM' });
    const pattern = await createRule({
      name: 'Restart failed',
      condition: 'COMMAND_FAILED',
      commandPattern: 'systemctl restart *',
      severity: 'CRITICAL',
      channelIds: [slackChannelId],
    });
    expect(pattern.commandPattern).toBe('systemctl restart *');

    // Another tenant's failures count for nothing here.
    await commands(f.other.server, [
      ['systemctl restart a', 'FAILED'],
      ['false', 'FAILED'],
      ['false', 'FAILED'],
    ]);
    advance(t, 1);
    await commands(f.web, [
      ['systemctl restart nginx', 'FAILED'],
      ['systemctl status nginx', 'FAILED'],
      ['systemctl restart api', 'SUCCESS'],
    ]);
    expect(await evaluate()).toBe(1);
    const [restart] = await alertsOf(pattern.id);
    expect(restart).toMatchObject({
      state: 'FIRED',
      severity: 'CRITICAL',
      title: 'Command failed: systemctl restart nginx',
      details: { serverId: f.web.id, exitCode: 1 },
    });
    expect(await alertsOf(threshold.id)).toEqual([]);
    expect(JSON.parse(slack.requests[0]!.body).attachments[0].color).toBe('#D32F2F');

    advance(t, 1);
    const [, running] = await commands(f.db, [
      ['ls /nope', 'FAILED'],
      ['systemctl restart postgresql', 'RUNNING'],
    ]);
    expect(await evaluate()).toBe(1);
    const [tenantAlert] = await alertsOf(threshold.id);
    expect(tenantAlert).toMatchObject({ subject: 'tenant', state: 'FIRED', severity: 'MEDIUM', details: { count: 3, threshold: 3, windowMinutes: 10 } });
    expect(await alertsOf(pattern.id)).toHaveLength(1);

    // A running command that later fails fires then; nothing fires twice.
    advance(t, 1);
    const update = await ingest(t, f.db.agentToken, [
      {
        eventId: `cmd-${++events}`,
        kind: 'COMMAND_UPDATE',
        commandUpdate: { commandEventId: running, status: 'FAILED', exitCode: 3, reportedAt: minutesAgo(t, 0) },
      },
    ]);
    expect(update.errors).toBeUndefined();
    expect(await evaluate()).toBe(1);
    advance(t, 1);
    expect(await evaluate()).toBe(0);
    const restarts = await alertsOf(pattern.id);
    expect(restarts.map((alert) => alert.title).sort()).toEqual(['Command failed: systemctl restart nginx', 'Command failed: systemctl restart postgresql']);
    expect(await alertsOf(threshold.id)).toHaveLength(1);
    expect(slack.requests).toHaveLength(2);

    // Out of the window, the tenant alert resolves; the pattern alerts stay until someone resolves them.
    advance(t, 10);
    expect(await evaluate()).toBe(0);
    expect((await alertsOf(threshold.id))[0]!.state).toBe('RESOLVED');
    expect((await alertsOf(pattern.id)).map((alert) => alert.state)).toEqual(['FIRED', 'FIRED']);
  });

  it('SUDO_GRANTED with env=prod fires for an admin grant on a prod server, not on others', async () => {
    const rule = await createRule({ name: 'Prod sudo', condition: 'SUDO_GRANTED', serverLabels: [{ key: 'env', value: 'prod' }], severity: 'HIGH' });
    expect(rule.serverLabels).toEqual([{ key: 'env', value: 'prod' }]);
    const grant = (server: string) =>
      t.gql(`mutation($input: GrantSudoInput!) { grantSudo(input: $input) { id } }`, t.admin.token, {
        input: { server, user: 'alice@example.test', command: 'systemctl restart nginx', reason: 'on call' },
      });
    advance(t, 1);
    const onDev = await grant('dev-01');
    expect(onDev.errors).toBeUndefined();
    expect(await evaluate()).toBe(0);
    advance(t, 1);
    const onProd = await grant('web-01');
    expect(onProd.errors).toBeUndefined();
    expect(await evaluate()).toBe(1);
    advance(t, 1);
    expect(await evaluate()).toBe(0);
    const [alert] = await alertsOf(rule.id);
    expect(await alertsOf(rule.id)).toHaveLength(1);
    expect(alert).toMatchObject({
      subject: onProd.data!.grantSudo.id,
      state: 'FIRED',
      title: 'Sudo granted on web-01',
      details: { serverId: f.web.id, userId: f.alice.id, grantedVia: 'admin' },
    });
  });
});

describe('late records', () => {
  it('SUDO_GRANTED still fires for a grant an agent reports after an evaluation, dated before it, and only once', async () => {
    const rule = await createRule({ name: 'Prod sudo, late', condition: 'SUDO_GRANTED', serverLabels: [{ key: 'env', value: 'prod' }] });
    advance(t, 1);
    const evaluatedAt = t.clock.now().getTime();
    expect(await evaluate()).toBe(0);
    advance(t, 1);
    const grantedAt = new Date(evaluatedAt - 10_000).toISOString();
    const reported = await ingest(t, f.web.agentToken, [
      {
        eventId: `late-sudo-${randomUUID()}`,
        kind: 'SUDO_AUTHORIZATION',
        sudoAuthorization: { userEmail: 'alice@example.test', command: 'systemctl restart db', grantedVia: 'ADMIN', grantedAt },
      },
    ]);
    expect(reported.errors).toBeUndefined();
    expect(await evaluate()).toBe(1);
    advance(t, 1);
    expect(await evaluate()).toBe(0);
    expect(await alertsOf(rule.id)).toHaveLength(1);
  });
});

describe('deleting a channel', () => {
  it('takes it off the rules that named it, so they can be saved again', async () => {
    const channel = await t.gql(
      `mutation { createNotificationChannel(input: { name: "short-lived", type: TEAMS, teams: { url: "http://127.0.0.1:9/t" } }) { id } }`,
      t.admin.token,
    );
    const channelId = channel.data!.createNotificationChannel.id as string;
    const rule = await createRule({ name: 'Uses a channel', condition: 'FAILED_COMMANDS', threshold: 100, channelIds: [channelId] });
    await t.gql(`mutation($id: ID!) { deleteNotificationChannel(id: $id) { id } }`, t.admin.token, { id: channelId });
    const read = await t.gql(`query($id: ID!) { alertRule(id: $id) { channelIds } }`, t.admin.token, { id: rule.id });
    expect(read.data!.alertRule.channelIds).toEqual([]);
    const saved = await t.gql(`mutation($id: ID!, $input: AlertRuleInput!) { updateAlertRule(id: $id, input: $input) { id } }`, t.admin.token, {
      id: rule.id,
      input: { name: 'Uses a channel', condition: 'FAILED_COMMANDS', threshold: 100, channelIds: read.data!.alertRule.channelIds },
    });
    expect(saved.errors).toBeUndefined();
  });
});

describe('acknowledging and resolving', () => {
  it('moves fired → acknowledged → resolved, refuses what is not allowed, and needs monitoring.manage', async () => {
    const rule = await createRule({ name: 'Any rm', condition: 'COMMAND_FAILED', commandPattern: 'rm -rf *', severity: 'LOW' });
    advance(t, 1);
    await commands(f.web, [
      ['rm -rf /srv/a', 'FAILED'],
      ['rm -rf /srv/b', 'FAILED'],
    ]);
    expect(await evaluate()).toBe(2);
    const [first, second] = await alertsOf(rule.id);

    expect((await t.gql(ALERTS, f.dave.token)).errors).toBeUndefined();
    expect(errorCodes(await t.gql(ALERTS, f.alice.token))).toEqual(['FORBIDDEN']);
    expect(errorCodes(await t.gql(ACK, f.dave.token, { id: first!.id }))).toEqual(['FORBIDDEN']);
    expect(errorCodes(await t.gql(RESOLVE, f.dave.token, { id: first!.id }))).toEqual(['FORBIDDEN']);

    advance(t, 1);
    const acknowledged = (await t.gql(ACK, t.admin.token, { id: first!.id })).data!.acknowledgeAlert;
    expect(acknowledged).toMatchObject({ state: 'ACKNOWLEDGED', acknowledgedAt: t.clock.now().toISOString(), resolvedAt: null });
    expect(errorCodes(await t.gql(ACK, t.admin.token, { id: first!.id }))).toEqual(['CONFLICT']);
    advance(t, 1);
    expect((await t.gql(RESOLVE, t.admin.token, { id: first!.id })).data!.resolveAlert).toMatchObject({
      state: 'RESOLVED',
      resolvedAt: t.clock.now().toISOString(),
    });
    expect(errorCodes(await t.gql(ACK, t.admin.token, { id: first!.id }))).toEqual(['CONFLICT']);
    expect(errorCodes(await t.gql(RESOLVE, t.admin.token, { id: first!.id }))).toEqual(['CONFLICT']);
    // A fired alert may be resolved directly.
    expect((await t.gql(RESOLVE, t.admin.token, { id: second!.id })).data!.resolveAlert.state).toBe('RESOLVED');
    expect(errorCodes(await t.gql(ACK, t.admin.token, { id: randomUUID() }))).toEqual(['NOT_FOUND']);
    expect(errorCodes(await t.gql(ACK, f.other.admin.token, { id: second!.id }))).toEqual(['NOT_FOUND']);
    const filtered = await t.gql(ALERTS, t.admin.token, { filter: { ruleId: rule.id, state: ['RESOLVED'] } });
    expect(filtered.data!.alerts.nodes).toHaveLength(2);

    // One alert, and who moved it on (what chat messages show).
    const ONE = `query($id: ID!) { alert(id: $id) { id state acknowledgedBy { email } resolvedBy { email } } }`;
    expect((await t.gql(ONE, f.dave.token, { id: first!.id })).data!.alert).toEqual({
      id: first!.id,
      state: 'RESOLVED',
      acknowledgedBy: { email: t.admin.email },
      resolvedBy: { email: t.admin.email },
    });
    expect((await t.gql(ONE, f.dave.token, { id: second!.id })).data!.alert).toMatchObject({ acknowledgedBy: null, resolvedBy: { email: t.admin.email } });
    expect(errorCodes(await t.gql(ONE, f.alice.token, { id: first!.id }))).toEqual(['FORBIDDEN']);
    expect(errorCodes(await t.gql(ONE, f.other.admin.token, { id: first!.id }))).toEqual(['NOT_FOUND']);
    expect(errorCodes(await t.gql(ONE, t.admin.token, { id: 'nope' }))).toEqual(['BAD_USER_INPUT']);
  });
});

describe('rule input', () => {
  const count = async () => (await t.gql(`{ alertRules(first: 500) { nodes { id } } }`, t.admin.token)).data!.alertRules.nodes.length as number;

  it('refuses a pattern rule without a pattern, unknown channels, bad numbers and duplicate names, storing nothing', async () => {
    await createRule({ name: 'Existing rule', condition: 'FAILED_COMMANDS' });
    const before = await count();
    const cases: [Record<string, unknown>, string, string][] = [
      [{ condition: 'COMMAND_FAILED' }, 'BAD_USER_INPUT', 'input.commandPattern'],
      [{ condition: 'FAILED_COMMANDS', channelIds: [randomUUID()] }, 'BAD_USER_INPUT', 'input.channelIds.0'],
      [{ condition: 'FAILED_COMMANDS', channelIds: [slackChannelId, randomUUID()] }, 'BAD_USER_INPUT', 'input.channelIds.1'],
      [{ condition: 'FAILED_COMMANDS', channelIds: ['not-an-id'] }, 'BAD_USER_INPUT', 'input.channelIds.0'],
      [{ condition: 'FAILED_SIGN_INS', threshold: 0 }, 'BAD_USER_INPUT', 'input.threshold'],
      [{ condition: 'FAILED_SIGN_INS', windowMinutes: 7 * 24 * 60 + 1 }, 'BAD_USER_INPUT', 'input.windowMinutes'],
      [{ condition: 'FAILED_COMMANDS', name: 'EXISTING RULE' }, 'CONFLICT', 'input.name'],
    ];
    for (const [input, code, field] of cases) {
      const response = await t.gql(CREATE_RULE, t.admin.token, { input: { name: 'New rule', ...input } });
      expect(response.errors?.[0]?.extensions, JSON.stringify(input)).toMatchObject({ code, field });
    }
    // A channel of another tenant is as unknown as a made-up id.
    const foreign = await t.gql(`mutation($input: NotificationChannelInput!) { createNotificationChannel(input: $input) { id } }`, f.other.admin.token, {
      input: { name: 'Their Slack', type: 'SLACK', slack: { url: `${slack.url}/theirs` } },
    });
    const theirs = await t.gql(CREATE_RULE, t.admin.token, {
      input: { name: 'New rule', condition: 'FAILED_COMMANDS', channelIds: [foreign.data!.createNotificationChannel.id] },
    });
    expect(theirs.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.channelIds.0' });
    expect(errorCodes(await t.gql(CREATE_RULE, f.dave.token, { input: { name: 'Dave rule', condition: 'FAILED_COMMANDS' } }))).toEqual(['FORBIDDEN']);
    expect(await count()).toBe(before);
    expect((await t.gql(`{ alertRules(first: 500) { nodes { id } } }`, f.dave.token)).errors).toBeUndefined();
  });
});
