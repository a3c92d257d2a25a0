/**
 * Rotating VIGIL_SECRET_KEY: VIGIL_SECRET_KEY_PREVIOUS, a SecretBox that opens values sealed under
 * earlier keys, and resealAll / `vigil secrets rotate` sealing every stored value again under the
 * current key. Secrets are made through GraphQL on a Vigil started with the old key (a webhook
 * with a secret and headers, an SMTP channel with a password, a TOTP enrolment, and a webhook in
 * a second tenant); Vigil is then started again on the same database (a PGlite data dir, or a
 * cloned PostgreSQL database) with the new key, and finally with the new key alone.
 */
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { eq, inArray, sql } from 'drizzle-orm';
import { Secret, TOTP } from 'otpauth';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { userActorOf } from '../../server/auth/actor.js';
import { ManualClock } from '../../server/clock.js';
import { ConfigError, loadConfig } from '../../server/config.js';
import { queryRows } from '../../server/db/database.js';
import { chatWorkspaces, webhookDeliveries, webhookSubscriptions } from '../../server/db/tables/index.js';
import { recordChange } from '../../server/audit/record-change.js';
import { createUserToken } from '../../server/identity/api-tokens.js';
import { createTenant } from '../../server/identity/tenants.js';
import { verifyTotpCode } from '../../server/identity/totp.js';
import { createUser, getUser } from '../../server/identity/users.js';
import { createLogger } from '../../server/logger.js';
import { deliveryTag } from '../../server/outbound/delivery-tags.js';
import { createOutboundPolicy } from '../../server/outbound/outbound-policy.js';
import { runDueDeliveries } from '../../server/webhooks/delivery-worker.js';
import { resealAll, type ResealProgress } from '../../server/secrets/reseal.js';
import { loadSecretBox, secretBoxFromKey } from '../../server/secrets/secret-box.js';
import { inTransaction } from '../../server/service-context.js';
import { startVigil, type RunningVigil } from '../../server/vigil.js';
import { graphql, type GraphQLResponse } from '../support/graphql-client.js';
import { createTestDatabase, isPostgres, type TestDatabase } from '../support/test-database.js';
import { TEST_SIGNING_KEY } from '../support/test-vigil.js';
import { killAllChildren, processEnv, runCli } from '../support/vigil-process.js';
import { startReceiver, type Receiver } from '../support/webhook-receiver.js';

const newKey = () => randomBytes(32).toString('base64');
const OLD_KEY = newKey();
const NEW_KEY = newKey();
/** A key no configuration names: what it sealed opens nowhere. */
const STRANGER_KEY = newKey();
const boxOf = (key: string, previous: string[] = []) =>
  secretBoxFromKey(
    Buffer.from(key, 'base64'),
    previous.map((each) => Buffer.from(each, 'base64')),
  );
const oldBox = boxOf(OLD_KEY);
const newBox = boxOf(NEW_KEY);
const strangerBox = boxOf(STRANGER_KEY);
/** What a Vigil configured with the new key and the old one as previous uses. */
const rotatingBox = boxOf(NEW_KEY, [OLD_KEY]);

describe('VIGIL_SECRET_KEY_PREVIOUS', () => {
  it('is a comma-separated list of keys, empty by default', () => {
    expect(loadConfig({}).previousSecretKeys).toEqual([]);
    expect(loadConfig({ VIGIL_SECRET_KEY: NEW_KEY, VIGIL_SECRET_KEY_PREVIOUS: ` ${OLD_KEY} ,${STRANGER_KEY},` }).previousSecretKeys).toEqual([
      OLD_KEY,
      STRANGER_KEY,
    ]);
  });

  it('refuses a key that is not 32 bytes in base64, naming which, without echoing any key', () => {
    let caught: unknown;
    try {
      loadConfig({ VIGIL_SECRET_KEY_PREVIOUS: `${OLD_KEY},c2hvcnQ=` });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    expect((caught as ConfigError).problems).toEqual(['VIGIL_SECRET_KEY_PREVIOUS: key 2 of 2: must be 32 random bytes in base64 (openssl rand -base64 32)']);
    expect((caught as ConfigError).message).not.toContain(OLD_KEY);
  });
});

describe('a SecretBox with previous keys', () => {
  it('seals under the current key and opens what the current and the previous keys sealed', () => {
    const sealed = rotatingBox.seal('hello');
    expect(sealed.split('.').slice(0, 2)).toEqual(['v1', newBox.keyId]);
    expect(rotatingBox.keyId).toBe(newBox.keyId);
    expect(newBox.open(sealed)).toBe('hello');
    expect(rotatingBox.open(oldBox.seal('from before'))).toBe('from before');
    expect(rotatingBox.open(newBox.seal('from now'))).toBe('from now');
  });

  it('tells a value under the current key from one under a previous key by its key id', () => {
    expect(rotatingBox.isCurrent(newBox.seal('x'))).toBe(true);
    expect(rotatingBox.isCurrent(oldBox.seal('x'))).toBe(false);
    expect(rotatingBox.isCurrent('not sealed')).toBe(false);
  });

  it('refuses a value under a key it does not know, naming the keys', () => {
    expect(() => rotatingBox.open(strangerBox.seal('x'))).toThrow(
      `The secret was sealed with key ${strangerBox.keyId}, which is neither the configured key ${newBox.keyId} nor one of VIGIL_SECRET_KEY_PREVIOUS`,
    );
    expect(() => newBox.open(oldBox.seal('x'))).toThrow(`sealed with key ${oldBox.keyId}`);
  });

  it('still refuses a shortened authentication tag on a value under a previous key', () => {
    const [version, keyId, iv, tag, ciphertext] = oldBox.seal('x').split('.');
    const short = [version, keyId, iv, Buffer.from(tag!, 'base64url').subarray(0, 12).toString('base64url'), ciphertext].join('.');
    expect(() => rotatingBox.open(short)).toThrow('the authentication tag is not 16 bytes');
  });

  it('is what loadSecretBox makes of VIGIL_SECRET_KEY and VIGIL_SECRET_KEY_PREVIOUS', () => {
    const loaded = loadSecretBox(NEW_KEY, [OLD_KEY, STRANGER_KEY], '/nonexistent');
    expect(loaded.keyId).toBe(newBox.keyId);
    expect(loaded.open(oldBox.seal('a'))).toBe('a');
    expect(loaded.open(strangerBox.seal('b'))).toBe('b');
  });
});

const WEBHOOK_SECRET = `whsec_${randomBytes(24).toString('base64')}`;
const ACME_WEBHOOK_SECRET = 'acme-webhook-secret';
const HEADER = { name: 'Authorization', value: 'Bearer header-value-0815' };
const SMTP_PASSWORD = 'smtp-pass-4711';
const ON_CALL_KEY = 'pd-rest-key-rotation-0815';
const SLACK_TOKEN = 'xoxb-installed-workspace-rotation';
const ALL_SECRETS = [WEBHOOK_SECRET, ACME_WEBHOOK_SECRET, HEADER.value, SMTP_PASSWORD, ON_CALL_KEY, SLACK_TOKEN];

const CREATE_WEBHOOK = 'mutation($input: CreateWebhookInput!) { createWebhookSubscription(input: $input) { id hasSecret } }';
const PING_WEBHOOK = 'mutation($id: ID!) { testWebhookSubscription(id: $id) { isSuccess statusCode error } }';
const CREATE_CHANNEL = 'mutation($input: NotificationChannelInput!) { createNotificationChannel(input: $input) { id } }';
const TEST_CHANNEL = 'mutation($id: ID!) { testNotificationChannel(id: $id) { isSuccess error } }';
const RESEALED_ENTRIES = '{ auditLog(filter: { action: ["secrets.resealed"] }) { nodes { actorType actorId resourceType after } } }';

interface Sealed {
  table: string;
  tenantId: string;
  key: string;
  column: string;
  value: string;
}

describe('rotating the key of a Vigil', { timeout: 120_000 }, () => {
  let database: TestDatabase;
  let dataDir: string;
  let vigil: RunningVigil | undefined;
  let receiver: Receiver;
  let smtp: SMTPServer;
  let smtpPort: number;
  const logins: { username: string; password: string }[] = [];
  const clock = new ManualClock(new Date('2030-01-01T00:00:10Z'));
  let admin: { tenantId: string; userId: string; token: string };
  let acme: { tenantId: string; token: string };
  let webhookId: string;
  let acmeWebhookId: string;
  let channelId: string;
  let onCallId: string;
  let totpSecret: string;
  /** Every sealed value as the old key left it. */
  let sealedByOldKey: Sealed[];
  let hasStarted = false;
  const queuedPayload = JSON.stringify({ id: randomUUID(), type: 'approval.requested', data: { queuedBefore: 'rotation' } });
  const queued = { tenantId: '', id: randomUUID(), subscriptionId: '', eventType: 'approval.requested', payload: queuedPayload };

  /** Starts Vigil on the test's database with these keys; the first start loads the migrated snapshot on PGlite. */
  async function start(keys: { VIGIL_SECRET_KEY: string; VIGIL_SECRET_KEY_PREVIOUS?: string }): Promise<RunningVigil> {
    await stop();
    const isFirst = !hasStarted;
    hasStarted = true;
    const config = loadConfig({
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'silent',
      NODE_ENV: 'test',
      VIGIL_DATA_DIR: dataDir,
      VIGIL_AUDIT_SIGNING_KEY: TEST_SIGNING_KEY,
      VIGIL_OUTBOUND_ALLOW: 'loopback',
      VIGIL_WEBHOOK_POLL_MS: '60000',
      VIGIL_ALERT_EVALUATION_SECONDS: '3600',
      VIGIL_APPROVAL_SWEEP_SECONDS: '3600',
      ...database.env,
      ...keys,
    });
    const snapshot = isFirst ? (await database.openOptions()).pgliteSnapshot : undefined;
    vigil = await startVigil(config, { clock, logger: createLogger('silent'), database: snapshot ? { pgliteSnapshot: snapshot } : {} });
    return vigil;
  }

  async function stop(): Promise<void> {
    await vigil?.dispose();
    vigil = undefined;
  }

  async function gql<T = Record<string, any>>(query: string, token: string, variables?: Record<string, unknown>): Promise<T> {
    const response: GraphQLResponse<T> = await graphql(vigil!.graphqlUrl, query, { token, variables });
    expect(response.errors).toBeUndefined();
    return response.data!;
  }

  /** Every sealed value stored, in a fixed order. */
  async function sealedValues(): Promise<Sealed[]> {
    const rows = await queryRows<Sealed>(
      vigil!.database.db,
      sql`select 'webhook_subscriptions' as "table", tenant_id::text as "tenantId", id::text as key, 'sealed_secret' as "column", sealed_secret as value from webhook_subscriptions where sealed_secret is not null
          union all select 'webhook_subscriptions', tenant_id::text, id::text, 'sealed_headers', sealed_headers from webhook_subscriptions where sealed_headers is not null
          union all select 'notification_channels', tenant_id::text, id::text, 'sealed_secrets', sealed_secrets from notification_channels where sealed_secrets is not null
          union all select 'user_totp', tenant_id::text, user_id::text, 'sealed_secret', sealed_secret from user_totp
          union all select 'on_call_integrations', tenant_id::text, id::text, 'sealed_api_key', sealed_api_key from on_call_integrations
          union all select 'chat_workspaces', tenant_id::text, provider, 'bot_token_sealed', bot_token_sealed from chat_workspaces where bot_token_sealed is not null`,
    );
    return rows.sort((a, b) => `${a.table} ${a.tenantId} ${a.key} ${a.column}`.localeCompare(`${b.table} ${b.tenantId} ${b.key} ${b.column}`));
  }

  async function setSealed(table: 'webhook_subscriptions' | 'notification_channels', column: string, id: string, value: string): Promise<void> {
    await vigil!.database.db.execute(sql`update ${sql.identifier(table)} set ${sql.identifier(column)} = ${value} where id = ${id}::uuid`);
  }

  /** A ping to the webhook: it must arrive signed with the secret and carry the sealed header. */
  async function expectSignedPing(): Promise<void> {
    receiver.requests.length = 0;
    expect(await gql(PING_WEBHOOK, admin.token, { id: webhookId })).toEqual({ testWebhookSubscription: { isSuccess: true, statusCode: 200, error: null } });
    const [request] = receiver.requests;
    const key = Buffer.from(WEBHOOK_SECRET.slice('whsec_'.length), 'base64');
    expect(request!.headers['x-webhook-signature']).toBe(`sha256=${createHmac('sha256', key).update(request!.body).digest('hex')}`);
    expect(request!.headers.authorization).toBe(HEADER.value);
  }

  /** A test send on the SMTP channel: it must sign in with the sealed password. */
  async function expectSmtpSignIn(): Promise<void> {
    logins.length = 0;
    expect(await gql(TEST_CHANNEL, admin.token, { id: channelId })).toEqual({ testNotificationChannel: { isSuccess: true, error: null } });
    expect(logins).toEqual([{ username: 'relay-user', password: SMTP_PASSWORD }]);
  }

  const totpCode = () => TOTP.generate({ secret: Secret.fromBase32(totpSecret), algorithm: 'SHA1', digits: 6, period: 30, timestamp: clock.now().getTime() });

  beforeAll(async () => {
    database = await createTestDatabase();
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'vigil-key-rotation-'));
    receiver = await startReceiver();
    smtp = new SMTPServer({
      authOptional: true,
      allowInsecureAuth: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onAuth(auth, _session, callback) {
        logins.push({ username: auth.username ?? '', password: auth.password ?? '' });
        callback(null, { user: auth.username });
      },
      onData(stream, _session, callback) {
        stream.resume();
        stream.on('end', () => callback());
      },
    });
    await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
    smtpPort = (smtp.server.address() as AddressInfo).port;

    const first = await start({ VIGIL_SECRET_KEY: OLD_KEY });
    const bootstrap = first.bootstrap!;
    admin = { tenantId: bootstrap.tenant.id, userId: bootstrap.admin.id, token: bootstrap.token };
    queued.tenantId = admin.tenantId;
    const acmeTenant = await first.database.db.transaction((tx) => createTenant(tx, { slug: 'acme', name: 'Acme' }));
    const acmeAdmin = await inTransaction({ db: first.database.db, clock, actor: { type: 'system', tenantId: acmeTenant.id, name: 'test' } }, async (tx) => {
      const user = await createUser(tx, { email: 'admin@acme.test', role: 'admin' });
      return createUserToken(tx, { userId: user.id, name: 'test' });
    });
    acme = { tenantId: acmeTenant.id, token: acmeAdmin.token };

    const hook = { url: `${receiver.url}/hook`, eventTypes: ['approval.requested'] };
    webhookId = (await gql(CREATE_WEBHOOK, admin.token, { input: { ...hook, name: 'Signed', secret: WEBHOOK_SECRET, headers: [HEADER] } }))
      .createWebhookSubscription.id;
    acmeWebhookId = (await gql(CREATE_WEBHOOK, acme.token, { input: { ...hook, name: 'Acme', secret: ACME_WEBHOOK_SECRET } })).createWebhookSubscription.id;
    const smtpInput = {
      host: '127.0.0.1',
      port: smtpPort,
      useTls: false,
      from: 'vigil@example.test',
      to: ['ops@example.test'],
      username: 'relay-user',
      password: SMTP_PASSWORD,
    };
    channelId = (await gql(CREATE_CHANNEL, admin.token, { input: { name: 'Mail', type: 'SMTP', smtp: smtpInput } })).createNotificationChannel.id;
    totpSecret = (await gql('mutation { startTotpEnrolment { secret } }', admin.token)).startTotpEnrolment.secret;
    onCallId = (
      await gql('mutation($input: CreateOnCallIntegrationInput!) { createOnCallIntegration(input: $input) { id } }', admin.token, {
        input: { provider: 'PAGERDUTY', name: 'PagerDuty', apiKey: ON_CALL_KEY },
      })
    ).createOnCallIntegration.id;
    // A Slack workspace installed through OAuth keeps its own bot token (test/bots/slack-oauth-install.test.ts installs over HTTP).
    await inTransaction({ db: first.database.db, clock, actor: { type: 'system', tenantId: admin.tenantId, name: 'slack-bot' } }, async (tx) => {
      await tx.db.insert(chatWorkspaces).values({
        tenantId: admin.tenantId,
        provider: 'slack',
        externalId: 'TROTATE',
        verifiedAt: clock.now(),
        verifiedBy: 'UINSTALLER',
        botTokenSealed: oldBox.seal(SLACK_TOKEN),
      });
      await recordChange(tx, { action: 'chat_workspace.installed', resource: { type: 'chat_workspace', id: 'slack', name: 'TROTATE' } });
    });
    await expectSignedPing();
    // A message still to send when the key changes, as Vigil queued it under the old key; due only once the key is rotated.
    queued.subscriptionId = webhookId;
    await first.database.db.insert(webhookDeliveries).values({
      ...queued,
      nextAttemptAt: new Date('2031-01-01T00:00:00Z'),
      createdAt: clock.now(),
      mac: deliveryTag(oldBox, 'webhook_deliveries', queued),
    });

    sealedByOldKey = await sealedValues();
    await stop();
  });

  afterAll(async () => {
    try {
      await stop();
    } finally {
      await killAllChildren();
      await receiver?.close();
      await new Promise<void>((resolve) => (smtp ? smtp.close(() => resolve()) : resolve()));
      await database?.drop();
      if (dataDir) await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('had the old key seal a webhook secret and headers, an SMTP password and a TOTP secret, in two tenants', () => {
    expect(sealedByOldKey.map(({ table, tenantId, key, column }) => ({ table, tenantId, key, column }))).toEqual(
      [
        { table: 'notification_channels', tenantId: admin.tenantId, key: channelId, column: 'sealed_secrets' },
        { table: 'on_call_integrations', tenantId: admin.tenantId, key: onCallId, column: 'sealed_api_key' },
        { table: 'chat_workspaces', tenantId: admin.tenantId, key: 'slack', column: 'bot_token_sealed' },
        { table: 'user_totp', tenantId: admin.tenantId, key: admin.userId, column: 'sealed_secret' },
        { table: 'webhook_subscriptions', tenantId: admin.tenantId, key: webhookId, column: 'sealed_headers' },
        { table: 'webhook_subscriptions', tenantId: admin.tenantId, key: webhookId, column: 'sealed_secret' },
        { table: 'webhook_subscriptions', tenantId: acme.tenantId, key: acmeWebhookId, column: 'sealed_secret' },
      ].sort((a, b) => `${a.table} ${a.tenantId} ${a.key} ${a.column}`.localeCompare(`${b.table} ${b.tenantId} ${b.key} ${b.column}`)),
    );
    for (const sealed of sealedByOldKey) {
      expect(sealed.value.startsWith(`v1.${oldBox.keyId}.`)).toBe(true);
      for (const secret of ALL_SECRETS) expect(sealed.value).not.toContain(secret);
    }
  });

  it('opens everything the old key sealed once started with the new key and the old one as previous', async () => {
    await start({ VIGIL_SECRET_KEY: NEW_KEY, VIGIL_SECRET_KEY_PREVIOUS: OLD_KEY });
    await expectSignedPing();
    await expectSmtpSignIn();
    expect(await gql('mutation($code: String!) { confirmTotpEnrolment(code: $code) }', admin.token, { code: totpCode() })).toEqual({
      confirmTotpEnrolment: true,
    });
    // Using a value does not reseal it: only the rotation does.
    expect(await sealedValues()).toEqual(sealedByOldKey);
  });

  it('reseals every stored value under the new key, batch by batch, with the values unchanged and an audit entry per tenant', async () => {
    const progress: ResealProgress[] = [];
    const report = await resealAll(vigil!.database.db, rotatingBox, (each) => progress.push(each), { clock, batchSize: 1 });

    expect(report).toEqual({
      keyId: newBox.keyId,
      tables: [
        { table: 'webhook_subscriptions', resealed: 3, failures: [] },
        { table: 'notification_channels', resealed: 1, failures: [] },
        { table: 'user_totp', resealed: 1, failures: [] },
        { table: 'on_call_integrations', resealed: 1, failures: [] },
        { table: 'chat_workspaces', resealed: 1, failures: [] },
      ],
    });
    // One batch per row here: the webhook rows in primary-key order (tenant first), then each table's end.
    const defaultHookFirst = admin.tenantId < acme.tenantId;
    expect(progress).toEqual([
      { table: 'webhook_subscriptions', resealed: defaultHookFirst ? 2 : 1, failed: 0, isDone: false },
      { table: 'webhook_subscriptions', resealed: 3, failed: 0, isDone: false },
      { table: 'webhook_subscriptions', resealed: 3, failed: 0, isDone: true },
      { table: 'notification_channels', resealed: 1, failed: 0, isDone: false },
      { table: 'notification_channels', resealed: 1, failed: 0, isDone: true },
      { table: 'user_totp', resealed: 1, failed: 0, isDone: false },
      { table: 'user_totp', resealed: 1, failed: 0, isDone: true },
      { table: 'on_call_integrations', resealed: 1, failed: 0, isDone: false },
      { table: 'on_call_integrations', resealed: 1, failed: 0, isDone: true },
      { table: 'chat_workspaces', resealed: 1, failed: 0, isDone: false },
      { table: 'chat_workspaces', resealed: 1, failed: 0, isDone: true },
    ]);

    const now = await sealedValues();
    expect(now.map(({ value, ...where }) => where)).toEqual(sealedByOldKey.map(({ value, ...where }) => where));
    for (const [index, sealed] of now.entries()) {
      expect(sealed.value.startsWith(`v1.${newBox.keyId}.`)).toBe(true);
      expect(newBox.open(sealed.value)).toBe(oldBox.open(sealedByOldKey[index]!.value));
    }

    const entry = (table: string, resealed: number) => ({
      actorType: 'SYSTEM',
      actorId: 'key-rotation',
      resourceType: table,
      after: { table, keyId: newBox.keyId, fromKeyIds: [oldBox.keyId], resealed, failed: 0 },
    });
    const byTable = (nodes: { resourceType: string }[]) => [...nodes].sort((a, b) => a.resourceType.localeCompare(b.resourceType));
    const defaultEntries = (await gql(RESEALED_ENTRIES, admin.token)).auditLog.nodes;
    expect(byTable(defaultEntries)).toEqual([
      entry('chat_workspaces', 1),
      entry('notification_channels', 1),
      entry('on_call_integrations', 1),
      entry('user_totp', 1),
      entry('webhook_subscriptions', 2),
    ]);
    expect((await gql(RESEALED_ENTRIES, acme.token)).auditLog.nodes).toEqual([entry('webhook_subscriptions', 1)]);
    for (const secret of ALL_SECRETS) expect(JSON.stringify(defaultEntries)).not.toContain(secret);
    expect((await gql('{ auditIntegrity { isIntact } }', admin.token)).auditIntegrity.isIntact).toBe(true);

    // The running Vigil still uses them.
    await expectSignedPing();
    await expectSmtpSignIn();
  });

  it('reseals nothing, and records nothing, when run again', async () => {
    const before = await sealedValues();
    const report = await resealAll(vigil!.database.db, rotatingBox, () => {}, { clock });
    expect(report.tables).toEqual([
      { table: 'webhook_subscriptions', resealed: 0, failures: [] },
      { table: 'notification_channels', resealed: 0, failures: [] },
      { table: 'user_totp', resealed: 0, failures: [] },
      { table: 'on_call_integrations', resealed: 0, failures: [] },
      { table: 'chat_workspaces', resealed: 0, failures: [] },
    ]);
    expect(await sealedValues()).toEqual(before);
    expect((await gql(RESEALED_ENTRIES, admin.token)).auditLog.nodes).toHaveLength(5);
  });

  it('opens everything with the new key alone once rotated', async () => {
    await start({ VIGIL_SECRET_KEY: NEW_KEY });
    await expectSignedPing();
    await expectSmtpSignIn();
    clock.advance(30_000);
    const user = await getUser(vigil!.database.db, admin.tenantId, admin.userId);
    await inTransaction({ db: vigil!.database.db, clock, actor: userActorOf(user) }, (tx) => verifyTotpCode(tx, newBox, admin.userId, totpCode()));
  });

  it('reseals each value once when two runs go at the same time (two instances)', async () => {
    const ids: string[] = Array.from({ length: 40 }, () => randomUUID());
    const db = vigil!.database.db;
    await db.insert(webhookSubscriptions).values(
      ids.map((id, index) => ({
        tenantId: admin.tenantId,
        id,
        name: `Bulk ${index}`,
        url: `${receiver.url}/bulk`,
        sealedSecret: oldBox.seal(`bulk secret ${index}`),
        eventTypes: ['approval.requested'],
      })),
    );
    const runs = await Promise.all([1, 2].map(() => resealAll(db, rotatingBox, () => {}, { clock, batchSize: 5 })));
    expect(runs.map((run) => run.tables.flatMap((table) => table.failures))).toEqual([[], []]);
    expect(runs[0]!.tables[0]!.resealed + runs[1]!.tables[0]!.resealed).toBe(40);
    const bulk = (await sealedValues()).filter((each) => ids.includes(each.key));
    expect(bulk.map((each) => newBox.open(each.value)).sort()).toEqual(ids.map((_, index) => `bulk secret ${index}`).sort());
    const entries = (await gql(RESEALED_ENTRIES, admin.token)).auditLog.nodes.filter(
      (node: { after: { table: string; resealed: number } }) => node.after.resealed > 0,
    );
    expect(entries.reduce((sum: number, node: { after: { resealed: number } }) => sum + node.after.resealed, 0)).toBe(6 + 40);
    await db.delete(webhookSubscriptions).where(inArray(webhookSubscriptions.id, ids));
  });

  it('reports a value no known key opens, by table, tenant and row, and leaves it as it is', async () => {
    const foreign = strangerBox.seal(ACME_WEBHOOK_SECRET);
    await setSealed('webhook_subscriptions', 'sealed_secret', acmeWebhookId, foreign);
    const channelUnderOldKey = oldBox.seal(newBox.open((await sealedValues()).find((each) => each.key === channelId)!.value));
    await setSealed('notification_channels', 'sealed_secrets', channelId, channelUnderOldKey);

    const report = await resealAll(vigil!.database.db, rotatingBox, () => {}, { clock });
    expect(report.tables).toEqual([
      {
        table: 'webhook_subscriptions',
        resealed: 0,
        failures: [
          {
            table: 'webhook_subscriptions',
            tenantId: acme.tenantId,
            keyColumn: 'id',
            key: acmeWebhookId,
            column: 'sealed_secret',
            reason: `The secret was sealed with key ${strangerBox.keyId}, which is neither the configured key ${newBox.keyId} nor one of VIGIL_SECRET_KEY_PREVIOUS`,
          },
        ],
      },
      { table: 'notification_channels', resealed: 1, failures: [] },
      { table: 'user_totp', resealed: 0, failures: [] },
      { table: 'on_call_integrations', resealed: 0, failures: [] },
      { table: 'chat_workspaces', resealed: 0, failures: [] },
    ]);
    const now = await sealedValues();
    expect(now.find((each) => each.key === acmeWebhookId)!.value).toBe(foreign);
    expect(now.filter((each) => each.key !== acmeWebhookId).every((each) => newBox.isCurrent(each.value))).toBe(true);
    // The failure alone records nothing for acme.
    expect((await gql(RESEALED_ENTRIES, acme.token)).auditLog.nodes).toHaveLength(1);
  });

  describe('vigil secrets rotate', () => {
    let cliEnv: Record<string, string>;
    const rotate = (keys: Record<string, string>) => runCli(['secrets', 'rotate'], processEnv({ ...cliEnv, ...keys }));

    beforeAll(async () => {
      // The foreign value from the test before is still there; put the channel back under the old key.
      const channel = (await sealedValues()).find((each) => each.key === channelId)!;
      await setSealed('notification_channels', 'sealed_secrets', channelId, oldBox.seal(newBox.open(channel.value)));
      cliEnv = { LOG_LEVEL: 'silent', VIGIL_DATA_DIR: dataDir, ...database.env };
      // The CLI shares PostgreSQL with a running Vigil; the embedded database it cannot.
      if (!isPostgres) await stop();
    });

    it('refuses to run without VIGIL_SECRET_KEY', async () => {
      expect(await rotate({})).toEqual({
        code: 1,
        stdout: '',
        stderr: 'vigil: Set VIGIL_SECRET_KEY to the new key, and VIGIL_SECRET_KEY_PREVIOUS to the key(s) it replaces\n',
      });
    });

    it('reseals what it can, prints progress and a line per table, names what it cannot open, and exits 1', async () => {
      const result = await rotate({ VIGIL_SECRET_KEY: NEW_KEY, VIGIL_SECRET_KEY_PREVIOUS: OLD_KEY });
      expect(result.stdout).toBe(
        [
          'webhook_subscriptions: 0 resealed, 1 could not be opened',
          'notification_channels: 1 resealed, 0 could not be opened',
          'user_totp: 0 resealed, 0 could not be opened',
          'on_call_integrations: 0 resealed, 0 could not be opened',
          'chat_workspaces: 0 resealed, 0 could not be opened',
          'outbox: 1 tagged again',
          `  webhook_subscriptions tenant_id=${acme.tenantId} id=${acmeWebhookId} sealed_secret: The secret was sealed with key ${strangerBox.keyId}, which is neither the configured key ${newBox.keyId} nor one of VIGIL_SECRET_KEY_PREVIOUS`,
          '',
        ].join('\n'),
      );
      expect(result.stderr).toBe(
        [
          `Resealing stored secrets under key ${newBox.keyId}…`,
          'webhook_subscriptions: 0 resealed, 1 could not be opened so far…',
          'notification_channels: 1 resealed, 0 could not be opened so far…',
          'vigil: 1 value could not be opened with VIGIL_SECRET_KEY or VIGIL_SECRET_KEY_PREVIOUS and was left as it was.',
          '',
        ].join('\n'),
      );
      expect(result.code).toBe(1);
    });

    it('reseals the rest once the missing key is named among the previous ones, then exits 0', async () => {
      const result = await rotate({ VIGIL_SECRET_KEY: NEW_KEY, VIGIL_SECRET_KEY_PREVIOUS: `${OLD_KEY},${STRANGER_KEY}` });
      expect(result.stdout).toBe(
        [
          'webhook_subscriptions: 1 resealed, 0 could not be opened',
          'notification_channels: 0 resealed, 0 could not be opened',
          'user_totp: 0 resealed, 0 could not be opened',
          'on_call_integrations: 0 resealed, 0 could not be opened',
          'chat_workspaces: 0 resealed, 0 could not be opened',
          'outbox: 0 tagged again',
          '',
        ].join('\n'),
      );
      expect(result.stderr).toContain(`Every stored secret is sealed under key ${newBox.keyId}`);
      expect(result.code).toBe(0);
    });

    it('finds every value under the new key when run with the new key alone', async () => {
      const result = await rotate({ VIGIL_SECRET_KEY: NEW_KEY });
      expect(result.code).toBe(0);
      expect(result.stdout).toBe(
        [
          'webhook_subscriptions: 0 resealed, 0 could not be opened',
          'notification_channels: 0 resealed, 0 could not be opened',
          'user_totp: 0 resealed, 0 could not be opened',
          'on_call_integrations: 0 resealed, 0 could not be opened',
          'chat_workspaces: 0 resealed, 0 could not be opened',
          'outbox: 0 tagged again',
          '',
        ].join('\n'),
      );
      expect(result.stderr.split('\n')[0]).toBe('No VIGIL_SECRET_KEY_PREVIOUS: values sealed under another key cannot be opened and will be reported.');

      // And Vigil, started again with the new key alone, opens them.
      await start({ VIGIL_SECRET_KEY: NEW_KEY });
      await expectSignedPing();
      await expectSmtpSignIn();
      const acmeSecret = (await sealedValues()).find((each) => each.key === acmeWebhookId)!.value;
      expect(newBox.open(acmeSecret)).toBe(ACME_WEBHOOK_SECRET);

      // The message queued under the old key is sent, not refused: its tag was renewed.
      const [row] = await vigil!.database.db.select().from(webhookDeliveries).where(eq(webhookDeliveries.id, queued.id));
      expect(row!.mac!.split('.').slice(0, 2)).toEqual(['v1', newBox.keyId]);
      await vigil!.database.db.update(webhookDeliveries).set({ nextAttemptAt: clock.now() }).where(eq(webhookDeliveries.id, queued.id));
      receiver.requests.length = 0;
      const deps = {
        db: vigil!.database.db,
        clock,
        logger: createLogger('silent'),
        secretBox: newBox,
        outbound: createOutboundPolicy(['loopback']),
        timeoutMs: 5000,
      };
      expect(await runDueDeliveries(deps)).toBe(1);
      expect(receiver.requests.map((request) => request.body)).toEqual([queuedPayload]);
      const [sent] = await vigil!.database.db.select().from(webhookDeliveries).where(eq(webhookDeliveries.id, queued.id));
      expect(sent).toMatchObject({ status: 'succeeded', lastError: null });
    });
  });
});
