/**
 * Notification channels end to end: a test send by SMTP to a real in-process SMTP server (envelope,
 * subject, text and HTML parts, credentials), to local Slack, Teams and webhook receivers in their
 * formats (severity colours through fired alerts, signatures, extra headers), failed sends, the
 * documented input errors (nothing stored), who may read and change channels, and secrets kept
 * out of every API answer and sealed at rest.
 */
import { createHmac } from 'node:crypto';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { sql } from 'drizzle-orm';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluateAlertRules } from '../../server/alerts/evaluate-rules.js';
import { queryRows } from '../../server/db/database.js';
import { errorCodes, type GraphQLResponse } from '../support/graphql-client.js';
import { startTestVigil, type TestUser, type TestVigil } from '../support/test-vigil.js';
import { startReceiver, type Receiver } from '../support/webhook-receiver.js';
import { testDeliveryDeps } from '../support/delivery-deps.js';

interface Mail {
  from: string;
  to: string[];
  raw: string;
}

let t: TestVigil;
let receiver: Receiver;
let smtp: SMTPServer;
let smtpPort: number;
let viewer: TestUser;
let plain: TestUser;
const mails: Mail[] = [];
const logins: { username: string; password: string }[] = [];
/** Every API answer of this file, searched for secrets at the end. */
const answers: string[] = [];
const SECRETS = ['smtp-pass-4711', 'channel-signing-secret', 'Bearer header-value-0815'];

beforeAll(async () => {
  t = await startTestVigil({ env: { VIGIL_OUTBOUND_ALLOW: 'loopback', VIGIL_ALERT_EVALUATION_SECONDS: '3600', VIGIL_WEBHOOK_POLL_MS: '60000' } });
  receiver = await startReceiver();
  viewer = await t.createUser(t.admin.tenantId, { email: 'viewer@example.test', permissions: ['monitoring.view'] });
  plain = await t.createUser(t.admin.tenantId, { email: 'plain@example.test' });
  smtp = new SMTPServer({
    authOptional: true,
    allowInsecureAuth: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onAuth(auth, _session, callback) {
      logins.push({ username: auth.username ?? '', password: auth.password ?? '' });
      callback(null, { user: auth.username });
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const from = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
        mails.push({ from, to: session.envelope.rcptTo.map((rcpt) => rcpt.address), raw: Buffer.concat(chunks).toString('utf8') });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
  smtpPort = (smtp.server.address() as AddressInfo).port;
});
afterAll(async () => {
  await new Promise<void>((resolve) => (smtp ? smtp.close(() => resolve()) : resolve()));
  await receiver?.close();
  await t?.close();
});

async function gql(query: string, token: string, variables?: Record<string, unknown>): Promise<GraphQLResponse<any>> {
  const response = await t.gql(query, token, variables);
  answers.push(JSON.stringify(response));
  return response;
}

const FIELDS = 'id name type settings createdAt updatedAt';
const CREATE = `mutation($input: NotificationChannelInput!) { createNotificationChannel(input: $input) { ${FIELDS} } }`;
const UPDATE = `mutation($id: ID!, $input: NotificationChannelInput!) { updateNotificationChannel(id: $id, input: $input) { ${FIELDS} } }`;
const DELETE = `mutation($id: ID!) { deleteNotificationChannel(id: $id) { id } }`;
const TEST = `mutation($id: ID!) { testNotificationChannel(id: $id) { isSuccess error } }`;
const LIST = `{ notificationChannels(first: 500) { nodes { ${FIELDS} } } }`;

async function create(input: Record<string, unknown>): Promise<Record<string, any>> {
  const response = await gql(CREATE, t.admin.token, { input });
  expect(response.errors).toBeUndefined();
  return response.data!.createNotificationChannel;
}
const sendTest = async (id: string) => (await gql(TEST, t.admin.token, { id })).data!.testNotificationChannel as { isSuccess: boolean; error: string | null };
const list = async () => (await gql(LIST, t.admin.token)).data!.notificationChannels.nodes as Record<string, any>[];
const requestsTo = (path: string) => receiver.requests.filter((request) => request.path === path);

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('SMTP', () => {
  const settings = { host: '127.0.0.1', from: 'vigil@example.test', to: ['ops@example.test', 'sec@example.test'] };

  it('defaults to port 587 with TLS required, and refuses to send in clear to a server without STARTTLS', async () => {
    const channel = await create({ name: 'Mail defaults', type: 'SMTP', smtp: settings });
    expect(channel.settings).toEqual({ ...settings, port: 587, useTls: true, hasPassword: false });
    const strict = await create({ name: 'Mail strict', type: 'SMTP', smtp: { ...settings, port: smtpPort } });
    const result = await sendTest(strict.id);
    expect(result).toMatchObject({ isSuccess: false, error: expect.stringContaining('STARTTLS') });
    expect(mails).toHaveLength(0);
  });

  it('sends a test message with a subject and text and HTML parts to the to list, from the from address', async () => {
    const channel = await create({ name: 'Mail plain', type: 'SMTP', smtp: { ...settings, port: smtpPort, useTls: false } });
    expect(channel.settings).toMatchObject({ port: smtpPort, useTls: false, hasPassword: false });
    expect(await sendTest(channel.id)).toEqual({ isSuccess: true, error: null });
    expect(mails).toHaveLength(1);
    const [mail] = mails;
    expect(mail!.from).toBe('vigil@example.test');
    expect(mail!.to).toEqual(['ops@example.test', 'sec@example.test']);
    expect(mail!.raw).toMatch(/^Subject: \[INFO\] Vigil test notification$/m);
    expect(mail!.raw).toMatch(/^From: vigil@example\.test$/m);
    expect(mail!.raw).toMatch(/^Content-Type: multipart\/alternative;/m);
    expect(mail!.raw).toMatch(/^Content-Type: text\/plain; charset=utf-8$/m);
    expect(mail!.raw).toMatch(/^Content-Type: text\/html; charset=utf-8$/m);
    expect(mail!.raw).toContain('Severity: info');
    expect(mail!.raw).toContain('color:#1976D2');
    expect(logins).toHaveLength(0);
  });

  it('signs in with the username and password, which are never returned', async () => {
    const channel = await create({
      name: 'Mail auth',
      type: 'SMTP',
      smtp: { ...settings, port: smtpPort, useTls: false, username: 'relay-user', password: SECRETS[0] },
    });
    expect(channel.settings).toMatchObject({ username: 'relay-user', hasPassword: true });
    expect(channel.settings).not.toHaveProperty('password');
    expect(await sendTest(channel.id)).toEqual({ isSuccess: true, error: null });
    expect(logins).toEqual([{ username: 'relay-user', password: SECRETS[0] }]);
    expect(mails).toHaveLength(2);
    const listed = (await list()).find((node) => node.id === channel.id)!;
    expect(listed.settings).toEqual({ ...settings, port: smtpPort, useTls: false, username: 'relay-user', hasPassword: true });
  });
});

describe('Slack and Teams', () => {
  it('a test goes out in the seed formats: a blue Slack attachment (with the channel override) and a Teams MessageCard', async () => {
    const slack = await create({ name: 'Slack ops', type: 'SLACK', slack: { url: `${receiver.url}/slack`, channel: '#ops' } });
    expect(slack.settings).toEqual({ url: `${receiver.url}/slack`, channel: '#ops' });
    const teams = await create({ name: 'Teams ops', type: 'TEAMS', teams: { url: `${receiver.url}/teams` } });
    expect(await sendTest(slack.id)).toEqual({ isSuccess: true, error: null });
    expect(await sendTest(teams.id)).toEqual({ isSuccess: true, error: null });
    const slackBody = JSON.parse(requestsTo('/slack')[0]!.body);
    expect(slackBody).toMatchObject({
      channel: '#ops',
      text: 'Vigil test notification',
      attachments: [{ color: '#1976D2', title: 'Vigil test notification' }],
    });
    expect(slackBody.attachments[0].fields).toContainEqual({ title: 'Severity', value: 'info', short: true });
    const teamsBody = JSON.parse(requestsTo('/teams')[0]!.body);
    expect(teamsBody).toMatchObject({ '@type': 'MessageCard', themeColor: '1976D2', title: 'Vigil test notification' });
    expect(teamsBody.sections[0].facts).toContainEqual({ name: 'Severity', value: 'info' });
  });

  it('fired alerts carry their severity colour: red, orange, yellow, green, blue', async () => {
    const slack = await create({ name: 'Slack colours', type: 'SLACK', slack: { url: `${receiver.url}/colours` } });
    const teams = await create({ name: 'Teams colours', type: 'TEAMS', teams: { url: `${receiver.url}/teams-colours` } });
    const colours = { CRITICAL: '#D32F2F', HIGH: '#F57C00', MEDIUM: '#FBC02D', LOW: '#388E3C', INFO: '#1976D2' };
    const rules: string[] = [];
    for (const severity of Object.keys(colours)) {
      const rule = await gql(`mutation($input: AlertRuleInput!) { createAlertRule(input: $input) { id } }`, t.admin.token, {
        input: {
          name: `Any failed sign-in ${severity}`,
          condition: 'FAILED_SIGN_INS',
          threshold: 1,
          windowMinutes: 10,
          severity,
          channelIds: [slack.id, teams.id],
        },
      });
      expect(rule.errors).toBeUndefined();
      rules.push(rule.data!.createAlertRule.id);
    }
    // One refused sign-in (a Vigil token of this tenant with a wrong secret) breaches every rule.
    const refused = await t.gql('{ me { id } }', `vigil_user_${t.admin.tenantId.replaceAll('-', '')}_${'x'.repeat(43)}`);
    expect(errorCodes(refused)).toEqual(['UNAUTHENTICATED']);
    const deps = testDeliveryDeps(t);
    expect(await evaluateAlertRules(deps)).toBe(5);

    const slackBodies = requestsTo('/colours').map((request) => JSON.parse(request.body));
    expect(slackBodies).toHaveLength(5);
    const bySeverity = Object.fromEntries(slackBodies.map((body) => [body.attachments[0].fields[0].value, body.attachments[0].color]));
    expect(bySeverity).toEqual({ critical: '#D32F2F', high: '#F57C00', medium: '#FBC02D', low: '#388E3C', info: '#1976D2' });
    expect(slackBodies.every((body) => !('channel' in body))).toBe(true);
    const teamsBodies = requestsTo('/teams-colours').map((request) => JSON.parse(request.body));
    expect(teamsBodies.map((body) => body.themeColor).sort()).toEqual(
      Object.values(colours)
        .map((colour) => colour.slice(1))
        .sort(),
    );
    expect(teamsBodies.every((body) => body['@type'] === 'MessageCard')).toBe(true);
    for (const id of rules) await gql(`mutation($id: ID!) { deleteAlertRule(id: $id) { id } }`, t.admin.token, { id });
  });
});

describe('webhook channels', () => {
  it('post the JSON message, signed with the secret, with the extra headers; unsigned without a secret', async () => {
    const signed = await create({
      name: 'Hook signed',
      type: 'WEBHOOK',
      webhook: { url: `${receiver.url}/signed`, secret: SECRETS[1], headers: [{ name: 'Authorization', value: SECRETS[2] }] },
    });
    expect(signed.settings).toEqual({ url: `${receiver.url}/signed`, hasSecret: true, headerNames: ['Authorization'] });
    expect(await sendTest(signed.id)).toEqual({ isSuccess: true, error: null });
    const [request] = requestsTo('/signed');
    expect(request!.headers['content-type']).toBe('application/json');
    expect(request!.headers.authorization).toBe(SECRETS[2]);
    expect(request!.headers['x-webhook-signature']).toBe(`sha256=${createHmac('sha256', SECRETS[1]!).update(request!.body).digest('hex')}`);
    expect(JSON.parse(request!.body)).toMatchObject({
      subject: 'Vigil test notification',
      message: 'A test of the notification channel "Hook signed".',
      severity: 'info',
      source: 'Vigil',
    });

    const bare = await create({ name: 'Hook bare', type: 'WEBHOOK', webhook: { url: `${receiver.url}/bare` } });
    expect(bare.settings).toEqual({ url: `${receiver.url}/bare`, hasSecret: false, headerNames: [] });
    expect(await sendTest(bare.id)).toEqual({ isSuccess: true, error: null });
    expect(requestsTo('/bare')[0]!.headers).not.toHaveProperty('x-webhook-signature');
  });

  it('are replaced by an update (secrets must be sent again) and gone after a delete', async () => {
    const channel = await create({ name: 'Hook to change', type: 'WEBHOOK', webhook: { url: `${receiver.url}/a`, secret: SECRETS[1] } });
    const updated = await gql(UPDATE, t.admin.token, {
      id: channel.id,
      input: { name: 'Hook changed', type: 'WEBHOOK', webhook: { url: `${receiver.url}/b` } },
    });
    expect(updated.data!.updateNotificationChannel).toMatchObject({
      name: 'Hook changed',
      settings: { url: `${receiver.url}/b`, hasSecret: false, headerNames: [] },
    });
    expect(await sendTest(channel.id)).toEqual({ isSuccess: true, error: null });
    expect(requestsTo('/b')[0]!.headers).not.toHaveProperty('x-webhook-signature');
    expect((await gql(DELETE, t.admin.token, { id: channel.id })).errors).toBeUndefined();
    expect((await list()).some((node) => node.id === channel.id)).toBe(false);
    expect(errorCodes(await gql(TEST, t.admin.token, { id: channel.id }))).toEqual(['NOT_FOUND']);
  });
});

describe('failed sends', () => {
  it('report isSuccess false with the error: a closed port, an HTTP error, an SMTP server that is not there', async () => {
    const port = await closedPort();
    const slack = await create({ name: 'Slack nowhere', type: 'SLACK', slack: { url: `http://127.0.0.1:${port}/hook` } });
    const closed = await sendTest(slack.id);
    expect(closed.isSuccess).toBe(false);
    expect(closed.error).toMatch(/ECONNREFUSED|refused/i);

    const teams = await create({ name: 'Teams broken', type: 'TEAMS', teams: { url: `${receiver.url}/broken` } });
    receiver.answer({ status: 500, body: 'connector down' });
    expect(await sendTest(teams.id)).toEqual({ isSuccess: false, error: 'HTTP 500: connector down' });

    const mail = await create({
      name: 'Mail nowhere',
      type: 'SMTP',
      smtp: { host: '127.0.0.1', port, useTls: false, from: 'vigil@example.test', to: ['ops@example.test'] },
    });
    const unsent = await sendTest(mail.id);
    expect(unsent.isSuccess).toBe(false);
    expect(unsent.error).toMatch(/ECONNREFUSED|refused/i);
  });
});

describe('input errors and permissions', () => {
  const count = async () => (await list()).length;

  it('refuses bad URLs, internal addresses, missing settings, bad addresses and duplicate names, storing nothing', async () => {
    await create({ name: 'Ops Slack', type: 'SLACK', slack: { url: `${receiver.url}/ops` } });
    const before = await count();
    const attempt = (input: Record<string, unknown>) => gql(CREATE, t.admin.token, { input: { name: 'Bad one', ...input } });
    const cases: [Record<string, unknown>, string, string][] = [
      [{ type: 'SLACK', slack: { url: 'ftp://hooks.example.com/x' } }, 'BAD_USER_INPUT', 'input.slack.url'],
      [{ type: 'TEAMS', teams: { url: 'javascript:alert(1)' } }, 'BAD_USER_INPUT', 'input.teams.url'],
      [{ type: 'WEBHOOK', webhook: { url: 'not a url' } }, 'BAD_USER_INPUT', 'input.webhook.url'],
      [{ type: 'SLACK', slack: { url: 'http://10.0.0.8/' } }, 'BAD_USER_INPUT', 'input.slack.url'],
      [{ type: 'SMTP', smtp: { host: '10.0.0.8', from: 'vigil@example.test', to: ['ops@example.test'] } }, 'BAD_USER_INPUT', 'input.smtp.host'],
      [{ type: 'WEBHOOK', webhook: { url: 'http://169.254.169.254/latest' } }, 'BAD_USER_INPUT', 'input.webhook.url'],
      [{ type: 'WEBHOOK', webhook: { url: `${receiver.url}/x`, secret: 'short' } }, 'BAD_USER_INPUT', 'input.webhook.secret'],
      [{ type: 'SLACK', teams: { url: `${receiver.url}/x` } }, 'BAD_USER_INPUT', 'input.slack'],
      [{ type: 'SMTP' }, 'BAD_USER_INPUT', 'input.smtp'],
      [{ type: 'SMTP', smtp: { host: '127.0.0.1', from: 'not-an-address', to: ['ops@example.test'] } }, 'BAD_USER_INPUT', 'input.smtp.from'],
      [{ type: 'SMTP', smtp: { host: '127.0.0.1', from: 'vigil@example.test', to: [] } }, 'BAD_USER_INPUT', 'input.smtp.to'],
      [{ name: 'ops slack', type: 'TEAMS', teams: { url: `${receiver.url}/x` } }, 'CONFLICT', 'input.name'],
    ];
    for (const [input, code, field] of cases) {
      const response = await attempt(input);
      expect(response.errors?.[0]?.extensions, JSON.stringify(input)).toMatchObject({ code, field });
    }
    expect(await count()).toBe(before);
  });

  it('monitoring.view may list but not change or test; a plain user may not even list', async () => {
    const channel = await create({ name: 'Guarded', type: 'SLACK', slack: { url: `${receiver.url}/guarded` } });
    expect((await gql(LIST, viewer.token)).errors).toBeUndefined();
    expect(errorCodes(await gql(CREATE, viewer.token, { input: { name: 'Mine', type: 'SLACK', slack: { url: `${receiver.url}/x` } } }))).toEqual(['FORBIDDEN']);
    expect(
      errorCodes(await gql(UPDATE, viewer.token, { id: channel.id, input: { name: 'Mine', type: 'SLACK', slack: { url: `${receiver.url}/x` } } })),
    ).toEqual(['FORBIDDEN']);
    expect(errorCodes(await gql(TEST, viewer.token, { id: channel.id }))).toEqual(['FORBIDDEN']);
    expect(errorCodes(await gql(DELETE, viewer.token, { id: channel.id }))).toEqual(['FORBIDDEN']);
    expect(errorCodes(await gql(LIST, plain.token))).toEqual(['FORBIDDEN']);
    expect(requestsTo('/guarded')).toHaveLength(0);
  });

  it('secrets appear in no API answer, and are sealed in the database (channel rows, audit and activity logs)', async () => {
    answers.push(
      JSON.stringify(await gql(`{ auditLog(first: 500, filter: { resourceType: "notification_channel" }) { nodes { action before after } } }`, t.admin.token)),
    );
    expect(answers.join('\n')).toContain('relay-user');
    for (const secret of SECRETS) expect(answers.join('\n')).not.toContain(secret);
    const rows = await queryRows<{ row: string }>(
      t.vigil.database.db,
      sql`select to_jsonb(c)::text as row from notification_channels c
          union all select to_jsonb(a)::text from audit_entries a union all select to_jsonb(l)::text from activity_log l`,
    );
    const sealed = await queryRows<{ sealed_secrets: string | null }>(
      t.vigil.database.db,
      sql`select sealed_secrets from notification_channels where name = 'Mail auth'`,
    );
    expect(sealed[0]!.sealed_secrets).toBeTruthy();
    for (const secret of SECRETS) expect(rows.filter((row) => row.row.includes(secret))).toEqual([]);
  });
});
