/**
 * The settings that decide who may do what (people, roles, tokens, servers, approval policies,
 * retention, channels, alert rules, webhooks, chat bindings and links, authenticators), and the
 * alerts rules raise, are in the verifiable log like the records: every change made through Vigil is a leaf explained by its
 * audit entry, bookkeeping (a token's last use) adds none, a removal is a deletion leaf, and each
 * change made around Vigil is named.
 */
import { sql } from 'drizzle-orm';
import { Secret, TOTP } from 'otpauth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ManualClock } from '../../server/clock.js';
import { evaluateAlertRules } from '../../server/alerts/evaluate-rules.js';
import { queryRows } from '../../server/db/database.js';
import { verifyLogFile } from '../../server/export/verify-log-jsonl.js';
import { createLogger } from '../../server/logger.js';
import { createOutboundPolicy } from '../../server/outbound/outbound-policy.js';
import { secretBoxFromKey } from '../../server/secrets/secret-box.js';
import { redeemLinkCode } from '../../server/chat/identities.js';
import { proveWorkspaceBinding } from '../../server/chat/workspace-proof.js';
import { DELETABLE_LEAF_KINDS } from '../../server/log/leaf-kinds.js';
import { startSlackInstall } from '../../server/chat/slack-install.js';
import { inTransaction } from '../../server/service-context.js';
import { requestBinding } from '../support/chat-binding.js';
import { asIntruder } from '../support/log-tamper.js';
import { ingest, minutesAgo } from '../support/records-fixture.js';
import { startTestVigil, TEST_SECRET_KEY, type TestUser, type TestVigil } from '../support/test-vigil.js';

let t: TestVigil;

beforeAll(async () => {
  t = await startTestVigil();
});
afterAll(async () => t?.close());

const INTEGRITY = '{ logIntegrity { isIntact checkedRecords faultCount faults { kind recordKind recordId message } } }';

async function gql<T = any>(query: string, token: string, variables?: Record<string, unknown>): Promise<T> {
  const response = await t.gql<any>(query, token, variables);
  expect(response.errors, query).toBeUndefined();
  return response.data as T;
}

async function integrity(admin: TestUser) {
  const data = await gql<{
    logIntegrity: {
      isIntact: boolean;
      checkedRecords: number;
      faultCount: number;
      faults: { kind: string; recordKind: string | null; recordId: string | null; message: string }[];
    };
  }>(INTEGRITY, admin.token);
  await t.vigil.log.whenIdle();
  return data.logIntegrity;
}

const leavesOf = (tenantId: string) =>
  queryRows<{ kind: string; record_id: string; leaf: string }>(
    t.vigil.database.db,
    sql`select kind, record_id, leaf from log_leaves where tenant_id = ${tenantId} order by leaf_id`,
  );

/** Every kind of setting made, changed and (where settings go away) removed through the API. */
async function configuredTenant(slug: string) {
  const { tenantId, admin } = await t.createTenant(slug);
  const ops = await gql(`mutation { createUser(input: { email: "ops@${slug}.test", name: "Ops" }) { id } }`, admin.token);
  const userId: string = ops.createUser.id;
  await gql(`mutation { changeUserRole(id: "${userId}", role: ADMIN) { id } }`, admin.token);
  await gql(`mutation { changeUserRole(id: "${userId}", role: USER) { id } }`, admin.token);
  await gql(`mutation { grantPermissions(userId: "${userId}", permissions: [AUDIT_LOGS_VIEW]) { id } }`, admin.token);
  const token = await gql(`mutation { createUserToken(input: { name: "ci", userId: "${userId}" }) { token apiToken { id } } }`, admin.token);
  await gql(`mutation { revokeToken(id: "${token.createUserToken.apiToken.id}") { id } }`, admin.token);
  const server = await gql(
    `mutation { registerServer(input: { name: "db-${slug}", hostname: "db.${slug}.test", labels: [{ key: "env", value: "prod" }] }) { id } }`,
    admin.token,
  );
  const agent = await gql(`mutation { createAgentToken(input: { name: "agent", serverId: "${server.registerServer.id}" }) { token } }`, admin.token);
  const policy = await gql(`mutation($input: CreateApprovalPolicyInput!) { createApprovalPolicy(input: $input) { id } }`, admin.token, {
    input: { name: 'prod', requestKinds: ['ACCESS'] },
  });
  await gql(`mutation($id: ID!) { updateApprovalPolicy(id: $id, input: { requiredApprovals: 2 }) { id } }`, admin.token, {
    id: policy.createApprovalPolicy.id,
  });
  await gql(`mutation { setRetentionPolicy(kind: COMMANDS, days: 90) { kind } }`, admin.token);
  await gql(`mutation { setRetentionPolicy(kind: COMMANDS, days: null) { kind } }`, admin.token);
  await gql(`mutation { setRetentionPolicy(kind: SYSTEM_LOGS, days: 30) { kind } }`, admin.token);
  const channel = await gql(`mutation($input: NotificationChannelInput!) { createNotificationChannel(input: $input) { id } }`, admin.token, {
    input: { name: 'hook', type: 'WEBHOOK', webhook: { url: 'https://hooks.example.test/a', secret: 's3cret-s3cret-s3cret' } },
  });
  const rule = await gql(`mutation($input: AlertRuleInput!) { createAlertRule(input: $input) { id } }`, admin.token, {
    input: {
      name: 'failures',
      condition: 'FAILED_COMMANDS',
      threshold: 1,
      windowMinutes: 10,
      severity: 'HIGH',
      channelIds: [channel.createNotificationChannel.id],
    },
  });
  await gql(`mutation($id: ID!) { deleteNotificationChannel(id: $id) { id } }`, admin.token, { id: channel.createNotificationChannel.id });
  // The rule raises an alert, someone acknowledges it, and it goes with its rule.
  const failed = await ingest(t, agent.createAgentToken.token, [
    { eventId: 'c1', kind: 'COMMAND', command: { shell: 'SYSTEM', line: 'false', status: 'FAILED', exitCode: 1, submittedAt: minutesAgo(t, 1) } },
  ]);
  expect(failed.errors).toBeUndefined();
  const deps = {
    db: t.vigil.database.db,
    clock: t.clock,
    logger: createLogger('silent'),
    secretBox: secretBoxFromKey(Buffer.from(TEST_SECRET_KEY, 'base64')),
    outbound: createOutboundPolicy([]),
    timeoutMs: 1000,
  };
  expect(await evaluateAlertRules(deps)).toBeGreaterThan(0);
  const raised = await gql(`{ alerts(first: 5, filter: { ruleId: "${rule.createAlertRule.id}" }) { nodes { id } } }`, admin.token);
  await gql(`mutation($id: ID!) { acknowledgeAlert(id: $id) { id } }`, admin.token, { id: raised.alerts.nodes[0].id });
  await gql(`mutation($id: ID!) { deleteAlertRule(id: $id) { id } }`, admin.token, { id: rule.createAlertRule.id });
  const hook = await gql(
    `mutation { createWebhookSubscription(input: { name: "out", url: "https://hooks.example.test/b", eventTypes: ["approval.requested"] }) { id } }`,
    admin.token,
  );
  await gql(`mutation($id: ID!) { updateWebhookSubscription(id: $id, input: { isActive: false }) { id } }`, admin.token, {
    id: hook.createWebhookSubscription.id,
  });
  const doomed = await gql(
    `mutation { createWebhookSubscription(input: { name: "gone", url: "https://hooks.example.test/c", eventTypes: ["approval.requested"] }) { id } }`,
    admin.token,
  );
  await gql(`mutation($id: ID!) { deleteWebhookSubscription(id: $id) { id } }`, admin.token, { id: doomed.createWebhookSubscription.id });
  // On-call integrations: one whose key is replaced, one removed.
  const pagerDuty = await gql(
    'mutation { createOnCallIntegration(input: { provider: PAGERDUTY, name: "pd", apiKey: "pd-key-one-0000" }) { id } }',
    admin.token,
  );
  await gql('mutation($id: ID!) { updateOnCallIntegration(id: $id, input: { apiKey: "pd-key-two-0000" }) { id } }', admin.token, {
    id: pagerDuty.createOnCallIntegration.id,
  });
  const opsgenie = await gql(
    'mutation { createOnCallIntegration(input: { provider: OPSGENIE, name: "og-gone", apiKey: "og-key-gone-000" }) { id } }',
    admin.token,
  );
  await gql('mutation($id: ID!) { deleteOnCallIntegration(id: $id) { id } }', admin.token, { id: opsgenie.createOnCallIntegration.id });
  // Custom roles: one changed, assigned to a group and unassigned, then removed.
  const role = await gql(
    'mutation { createRole(input: { name: "auditor-gone", permissions: [RECORDS_VIEW], serverSelectors: [{ labels: [{ key: "env", value: "prod" }] }] }) { id } }',
    admin.token,
  );
  await gql('mutation($id: ID!) { updateRole(id: $id, input: { description: "reads prod" }) { id } }', admin.token, { id: role.createRole.id });
  const held = await gql('mutation($id: ID!) { assignRole(roleId: $id, group: "auditors") { id } }', admin.token, { id: role.createRole.id });
  await gql('mutation($id: ID!) { unassignRole(assignmentId: $id) { id } }', admin.token, { id: held.assignRole.id });
  await gql('mutation($id: ID!) { deleteRole(id: $id) { id } }', admin.token, { id: role.createRole.id });
  // A review digest schedule: made, changed, run once (the digest is a leaf too) and removed.
  const digest = { name: 'weekly', cron: '0 9 * * 1', timezone: 'Europe/Berlin' };
  const schedule = await gql('mutation($input: ReportScheduleInput!) { createReportSchedule(input: $input) { id } }', admin.token, { input: digest });
  const scheduleId = schedule.createReportSchedule.id;
  await gql('mutation($id: ID!, $input: ReportScheduleInput!) { updateReportSchedule(id: $id, input: $input) { id } }', admin.token, {
    id: scheduleId,
    input: { ...digest, approverThreshold: 3 },
  });
  await gql('mutation($id: ID!) { runReportNow(scheduleId: $id) { id } }', admin.token, { id: scheduleId });
  await gql('mutation($id: ID!) { deleteReportSchedule(id: $id) { id } }', admin.token, { id: scheduleId });
  // What the bots do once someone posts a code in the workspace (test/bots covers the HTTP side).
  const teamId = `T${slug.toUpperCase()}`;
  const { bindCode } = await requestBinding(t, admin.token, 'SLACK', teamId);
  await proveWorkspaceBinding(
    { db: t.vigil.database.db, clock: t.clock },
    { provider: 'slack', externalId: teamId, chatUserId: 'UADMIN', code: bindCode! },
    async () => undefined,
  );
  await requestBinding(t, admin.token, 'TEAMS', `${slug}-aad-tenant`);
  // An "Add to Slack" started and left waiting (test/bots/slack-oauth-install.test.ts completes them over HTTP).
  await inTransaction(t.systemContext(tenantId), (tx) =>
    startSlackInstall(
      tx,
      {
        clientId: 'c',
        clientSecret: 's',
        authorizeUrl: 'https://slack.test/authorize',
        redirectUri: 'https://vigil.test/r',
        apiUrl: 'https://slack.test/api/',
      },
      {
        approverChannel: 'C0WAITING',
      },
    ),
  );
  const { createChatLinkCode } = await gql('mutation { createChatLinkCode { code } }', admin.token);
  await redeemLinkCode(t.systemContext(tenantId), 'slack', 'UADMIN', createChatLinkCode.code);
  await gql('mutation { createChatLinkCode { code } }', admin.token);
  const { startTotpEnrolment } = await gql<{ startTotpEnrolment: { secret: string } }>('mutation { startTotpEnrolment { secret } }', admin.token);
  const code = TOTP.generate({
    secret: Secret.fromBase32(startTotpEnrolment.secret),
    algorithm: 'SHA1',
    digits: 6,
    period: 30,
    timestamp: t.clock.now().getTime(),
  });
  await gql('mutation($code: String!) { confirmTotpEnrolment(code: $code) }', admin.token, { code });
  await t.vigil.log.settle(tenantId, { force: true });
  await t.vigil.log.whenIdle();
  return {
    tenantId,
    admin,
    userId,
    serverId: server.registerServer.id as string,
    policyId: policy.createApprovalPolicy.id as string,
    webhookId: doomed.createWebhookSubscription.id as string,
  };
}

describe('settings in the verifiable log', () => {
  it('are leaves as they are made, changed and removed through Vigil, each explained by its audit entry, and the log verifies', async () => {
    const tenant = await configuredTenant('settings');
    const leaves = await leavesOf(tenant.tenantId);
    const kinds = new Set(leaves.map((leaf) => leaf.kind));
    for (const kind of DELETABLE_LEAF_KINDS) expect(kinds, kind.kind).toContain(kind.kind);

    // Every version of the user: created, made admin, made user again, granted a permission.
    const versions = leaves.filter((leaf) => leaf.kind === 'user' && leaf.record_id === tenant.userId).map((leaf) => JSON.parse(leaf.leaf).row);
    expect(versions.map((row) => [row.role, row.permissions])).toEqual([
      ['user', []],
      ['admin', []],
      ['user', []],
      ['user', ['audit_logs.view']],
    ]);
    // Removals are deletion leaves holding the row as it was.
    const deleted = leaves
      .filter((leaf) => leaf.leaf.startsWith('{"deleted":true,'))
      .map((leaf) => [leaf.kind, JSON.parse(leaf.leaf).row.name ?? JSON.parse(leaf.leaf).row.kind]);
    expect(deleted).toEqual(
      expect.arrayContaining([
        ['notification_channel', 'hook'],
        ['alert_rule', 'failures'],
        ['webhook_subscription', 'gone'],
        ['retention_policy', 'commands'],
        ['on_call_integration', 'og-gone'],
        ['role', 'auditor-gone'],
      ]),
    );
    const alert = leaves.filter((leaf) => leaf.kind === 'alert').map((leaf) => [leaf.leaf.startsWith('{"deleted":true,'), JSON.parse(leaf.leaf).row.state]);
    expect(alert).toEqual([
      [false, 'fired'],
      [false, 'acknowledged'],
      [true, 'acknowledged'],
    ]);
    // Secrets and one-time codes never appear: sealed values only as digests, codes not at all.
    const texts = leaves.map((leaf) => leaf.leaf).join('\n');
    expect(texts).not.toContain('s3cret-s3cret-s3cret');
    expect(texts).not.toContain('"code_hash"');
    expect(texts).not.toContain('"sealed_secret"');
    expect(texts).toContain('"sealed_secret_sha256"');
    for (const key of ['pd-key-one-0000', 'pd-key-two-0000', 'og-key-gone-000']) expect(texts).not.toContain(key);
    expect(texts).not.toContain('"sealed_api_key"');
    expect(leaves.filter((leaf) => leaf.kind === 'on_call_integration' && leaf.leaf.includes('"sealed_api_key_sha256"'))).toHaveLength(4);

    const report = await integrity(tenant.admin);
    expect(report.faults).toEqual([]);
    expect(report.isIntact).toBe(true);

    // The export carries them, and the offline verifier (which reads only the file) agrees.
    const exported = await fetch(`${t.url.replace(/\/graphql$/, '')}/export/log.jsonl`, { headers: { authorization: `Bearer ${tenant.admin.token}` } });
    expect(exported.status).toBe(200);
    const lines = (await exported.text()).split('\n');
    expect(lines.some((line) => line.includes('"kind":"alert"') && line.includes('\\"deleted\\":true'))).toBe(true);
    expect(
      await verifyLogFile(
        (async function* () {
          yield* lines;
        })(),
      ),
    ).toMatchObject({ isIntact: true });

    // The API shows each setting's current version, and proves it like a record's.
    const shown = await gql(
      `{ user(id: "${tenant.userId}") { logLeaf { index leaf } } server(id: "${tenant.serverId}") { logLeaf { index leaf } } }`,
      tenant.admin.token,
    );
    expect(JSON.parse(shown.user.logLeaf.leaf).row).toMatchObject({ id: tenant.userId, permissions: ['audit_logs.view'] });
    expect(JSON.parse(shown.server.logLeaf.leaf).row).toMatchObject({ id: tenant.serverId, labels: { env: 'prod' } });
    const proof = await gql(`{ logInclusionProof(recordId: "${tenant.userId}") { leaf { index } } }`, tenant.admin.token);
    expect(proof.logInclusionProof.leaf.index).toBe(shown.user.logLeaf.index);
  });

  it('take no leaf for bookkeeping: a token used again an hour later adds no version', async () => {
    const { tenantId, admin } = await t.createTenant('bookkeeping');
    const tokenLeaves = async () => (await leavesOf(tenantId)).filter((leaf) => leaf.kind === 'api_token').length;
    await gql('{ me { id } }', admin.token);
    await t.vigil.log.whenIdle();
    const before = await tokenLeaves();
    (t.clock as ManualClock).advance(60 * 60_000);
    await gql('{ me { id } }', admin.token);
    await t.vigil.log.whenIdle();
    const [used] = await queryRows<{ last_used_at: string | null }>(
      t.vigil.database.db,
      sql`select last_used_at from api_tokens where tenant_id = ${tenantId} and user_id = ${admin.id}`,
    );
    expect(used!.last_used_at).not.toBeNull();
    expect(await tokenLeaves()).toBe(before);
    expect((await integrity(admin)).isIntact).toBe(true);
  });

  it('name every change made around Vigil: a role raised, a token or chat binding slipped in, a policy removed, a removed webhook put back', async () => {
    const tenant = await configuredTenant('tampered');
    const db = t.vigil.database.db;
    const forgedTokenId = '0190c0de-0000-7000-8000-000000000001';
    const claimedTokenId = '0190c0de-0000-7000-8000-000000000002';
    await asIntruder(db, async (tx) => {
      await tx.execute(sql`update users set role = 'admin' where tenant_id = ${tenant.tenantId} and id = ${tenant.userId}`);
      await tx.execute(
        sql`insert into api_tokens (tenant_id, id, kind, name, token_hash, hint, user_id) values (${tenant.tenantId}, ${forgedTokenId}, 'user', 'backdoor', ${'ab'.repeat(32)}, 'door', ${tenant.userId})`,
      );
      await tx.execute(
        sql`insert into chat_workspaces (tenant_id, provider, external_id, verified_at, verified_by) values (${tenant.tenantId}, 'teams', 'evil-tenant', now(), 'someone')`,
      );
      await tx.execute(
        sql`update approval_policies set deleted_at = null, required_approvals = 0 where tenant_id = ${tenant.tenantId} and id = ${tenant.policyId}`,
      );
      await tx.execute(sql`delete from retention_policies where tenant_id = ${tenant.tenantId} and kind = 'system_logs'`);
      await tx.execute(
        sql`insert into webhook_subscriptions (tenant_id, id, name, url, event_types) values (${tenant.tenantId}, ${tenant.webhookId}, 'gone', 'https://evil.example.test/', '{approval.requested}')`,
      );
    });
    // Someone who also says they are Vigil gets a leaf queued, but no audit entry explains it.
    await asIntruder(
      db,
      async (tx) =>
        void (await tx.execute(
          sql`insert into api_tokens (tenant_id, id, kind, name, token_hash, hint, user_id) values (${tenant.tenantId}, ${claimedTokenId}, 'user', 'backdoor 2', ${'cd'.repeat(32)}, 'oor2', ${tenant.userId})`,
        )),
      { asVigil: true },
    );
    await t.vigil.log.integrate(tenant.tenantId);

    const report = await integrity(tenant.admin);
    expect(report.isIntact).toBe(false);
    const named = report.faults.map((fault) => [fault.kind, fault.recordKind, fault.recordId]);
    expect(named).toEqual(
      expect.arrayContaining([
        ['RECORD_MODIFIED', 'user', tenant.userId],
        ['RECORD_UNLOGGED', 'api_token', forgedTokenId],
        ['RECORD_UNLOGGED', 'chat_workspace', 'teams'],
        ['RECORD_MODIFIED', 'approval_policy', tenant.policyId],
        ['RECORD_MISSING', 'retention_policy', 'system_logs'],
        ['RECORD_MODIFIED', 'webhook_subscription', tenant.webhookId],
        ['LEAF_UNEXPLAINED', 'api_token', claimedTokenId],
      ]),
    );
    expect(report.faults.find((fault) => fault.recordId === tenant.webhookId)!.message).toContain('says it was deleted');
  });
});
