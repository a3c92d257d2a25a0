/**
 * Scheduled review digests end to end: a weekly schedule (Mondays 09:00, Europe/Berlin) over a week
 * seeded with a permission grant, failed sign-ins, a request approved on a Saturday night, an
 * approver who approved everything and a command matching a watch pattern. Past the run, two job
 * passes racing make exactly one run, whose facts name each record; it reaches a real SMTP server,
 * a Slack and a Teams receiver (a failed webhook is tried again on the retry schedule), and is a
 * leaf of the verifiable log with an inclusion proof. A quiet week still makes a digest that says
 * so. Input errors name their field; regular users and other tenants see nothing.
 */
import type { AddressInfo } from 'node:net';
import { sql } from 'drizzle-orm';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../server/clock.js';
import { loadConfig } from '../../server/config.js';
import { createLogger } from '../../server/logger.js';
import { startVigil } from '../../server/vigil.js';
import { queryRows } from '../../server/db/database.js';
import { parseCron, previousOccurrence } from '../../server/reports/cron-schedule.js';
import { runDueReports } from '../../server/reports/run-reports.js';
import { buildApprovalsFixture, createPolicy, decideAs, requestAccessAs, requestSudoAs, type ApprovalsFixture } from '../support/approvals-fixture.js';
import { testDeliveryDeps } from '../support/delivery-deps.js';
import { errorCodes, type GraphQLResponse } from '../support/graphql-client.js';
import { ingest } from '../support/records-fixture.js';
import { createTestDatabase, isPostgres, type TestDatabase } from '../support/test-database.js';
import { startTestVigil, TEST_ENV, type TestUser, type TestVigil } from '../support/test-vigil.js';
import { startReceiver, type Receiver } from '../support/webhook-receiver.js';

const HOUR = 3600_000;
const DAY = 24 * HOUR;
const CRON = '0 9 * * 1';
const TIMEZONE = 'Europe/Berlin';

let t: TestVigil;
let clock: ManualClock;
let f: ApprovalsFixture;
let receiver: Receiver;
let smtp: SMTPServer;
let auditor: TestUser;
let database: TestDatabase;
/** The Monday 09:00 (Berlin) the seeded week starts at, and the one it ends at. */
let weekStart: Date;
let weekEnd: Date;
const mails: string[] = [];

/** A mail's text with quoted-printable soft breaks and escapes undone (the facts checked are ASCII). */
const decoded = (raw: string) => raw.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_match, hex: string) => String.fromCharCode(parseInt(hex, 16)));

beforeAll(async () => {
  const cron = parseCron(CRON, TIMEZONE);
  // Last week as Berlin reads it, so every seeded time is inside one period of the schedule.
  weekStart = previousOccurrence(cron, previousOccurrence(cron, new Date()));
  weekEnd = cron.nextRun(weekStart)!;
  clock = new ManualClock(new Date(weekStart.getTime() + HOUR));
  database = await createTestDatabase();
  t = await startTestVigil({ clock, database, env: { VIGIL_OUTBOUND_ALLOW: 'loopback' } });
  f = await buildApprovalsFixture(t);
  receiver = await startReceiver();
  smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, _session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        mails.push(decoded(Buffer.concat(chunks).toString('utf8')));
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
  auditor = await t.createUser(t.admin.tenantId, { email: 'auditor@example.test' });
});
afterAll(async () => {
  await new Promise<void>((resolve) => (smtp ? smtp.close(() => resolve()) : resolve()));
  await receiver?.close();
  await t?.close();
});

async function gql<T = any>(query: string, token: string, variables?: Record<string, unknown>): Promise<T> {
  const response = await t.gql<any>(query, token, variables);
  expect(response.errors, query).toBeUndefined();
  return response.data as T;
}

const at = (offsetMs: number) => clock.set(new Date(weekStart.getTime() + offsetMs));

const CREATE = `mutation($input: ReportScheduleInput!) { createReportSchedule(input: $input) { id name cron timezone nextRunAt sections watchPatterns workingHours { days start end } approverThreshold channelIds } }`;
const RUN_FIELDS =
  'id scheduleId trigger periodStart periodEnd isQuiet content text status deliveredAt deliveries { channelId channelName status attempts error }';

async function channel(input: Record<string, unknown>): Promise<string> {
  const data = await gql(`mutation($input: NotificationChannelInput!) { createNotificationChannel(input: $input) { id } }`, t.admin.token, { input });
  return data.createNotificationChannel.id;
}

describe('a weekly review digest', () => {
  let scheduleId: string;
  let channelIds: { hook: string; mail: string; slack: string; teams: string };
  const facts = { approvalAtNight: '', autoApprovedAtNight: '', approvalInHours: '', commandId: '', quietCommandId: '', roleAssignmentId: '' };

  beforeAll(async () => {
    channelIds = {
      // First, so the receiver's one failure (queued below) is its answer.
      hook: await channel({ name: 'Digest hook', type: 'WEBHOOK', webhook: { url: `${receiver.url}/hook` } }),
      mail: await channel({
        name: 'Digest mail',
        type: 'SMTP',
        smtp: { host: '127.0.0.1', port: (smtp.server.address() as AddressInfo).port, useTls: false, from: 'vigil@example.test', to: ['audit@example.test'] },
      }),
      slack: await channel({ name: 'Digest Slack', type: 'SLACK', slack: { url: `${receiver.url}/slack` } }),
      teams: await channel({ name: 'Digest Teams', type: 'TEAMS', teams: { url: `${receiver.url}/teams` } }),
    };
    const created = await gql(CREATE, t.admin.token, {
      input: {
        name: 'Weekly review',
        cron: CRON,
        timezone: TIMEZONE,
        watchPatterns: ['rm -rf *', 'curl * | sh'],
        approverThreshold: 2,
        channelIds: [channelIds.hook, channelIds.mail, channelIds.slack, channelIds.teams],
      },
    });
    scheduleId = created.createReportSchedule.id;
    expect(created.createReportSchedule).toMatchObject({
      cron: CRON,
      timezone: TIMEZONE,
      nextRunAt: weekEnd.toISOString(),
      sections: ['PRIVILEGED_GRANTS', 'FAILED_SIGN_INS', 'UNUSUAL_APPROVALS', 'WATCHED_COMMANDS'],
      workingHours: { days: [1, 2, 3, 4, 5], start: '08:00', end: '18:00' },
      approverThreshold: 2,
    });

    // Monday 11:00: the auditor is granted audit_logs.view; three refused sign-ins with a token of this tenant.
    at(2 * HOUR);
    await gql(`mutation { grantPermissions(userId: "${auditor.id}", permissions: [AUDIT_LOGS_VIEW]) { id } }`, t.admin.token);
    const role = await gql(`mutation { createRole(input: { name: "db-exporter", permissions: [AUDIT_LOGS_EXPORT] }) { id } }`, t.admin.token);
    facts.roleAssignmentId = (
      await gql(`mutation { assignRole(roleId: "${role.createRole.id}", userId: "${f.carol.id}") { id } }`, t.admin.token)
    ).assignRole.id;
    const forged = `vigil_user_${t.admin.tenantId.replaceAll('-', '')}_${'x'.repeat(43)}`;
    for (let attempt = 0; attempt < 3; attempt += 1) expect(errorCodes(await t.gql('{ me { id } }', forged))).toEqual(['UNAUTHENTICATED']);
    // Monday 12:00: bob approves a request in working hours; a command matching a watch pattern, and one that does not.
    at(3 * HOUR);
    facts.approvalInHours = (await requestAccessAs(t, f.alice, { servers: ['web-01'] })).data!.requestAccess.id;
    expect((await decideAs(t, f.bob, facts.approvalInHours, 'APPROVE')).errors).toBeUndefined();
    const ingested = await ingest(t, f.web.agentToken, [
      {
        eventId: 'd1',
        kind: 'COMMAND',
        command: { shell: 'SYSTEM', line: 'rm  -rf /var/lib/postgresql', status: 'SUCCESS', submittedAt: clock.now().toISOString() },
      },
      { eventId: 'd2', kind: 'COMMAND', command: { shell: 'SYSTEM', line: 'ls -la /var/lib', status: 'SUCCESS', submittedAt: clock.now().toISOString() } },
    ]);
    expect(ingested.errors).toBeUndefined();
    facts.commandId = ingested.data.ingestEvents.events[0].recordId;
    facts.quietCommandId = ingested.data.ingestEvents.events[1].recordId;
    // Saturday 23:00 (Berlin): bob approves another, outside working hours.
    at(5 * DAY + 14 * HOUR);
    facts.approvalAtNight = (await requestAccessAs(t, f.dave, { servers: ['db-01'] })).data!.requestAccess.id;
    expect((await decideAs(t, f.bob, facts.approvalAtNight, 'APPROVE')).errors).toBeUndefined();
    // Five minutes later dave helps himself: a sudo command the policy approves on the spot.
    expect(
      (await createPolicy(t, { name: 'status for dev', requestKinds: ['SUDO'], requesterGroups: ['dev'], autoApproveCommands: ['systemctl status *'] })).errors,
    ).toBeUndefined();
    clock.advance(5 * 60_000);
    const sudo = await requestSudoAs(t, f.dave, { server: 'db-01', command: 'systemctl status postgresql' });
    expect(sudo.data!.requestSudo).toMatchObject({ status: 'APPROVED', isAutoApproved: true });
    facts.autoApprovedAtNight = sudo.data!.requestSudo.id;
  });

  const runsOf = (id: string) =>
    queryRows<{ id: string; trigger: string }>(
      t.vigil.database.db,
      sql`select id, trigger from report_runs where tenant_id = ${t.admin.tenantId} and schedule_id = ${id}`,
    );

  it('is not made before its period ends', async () => {
    at(7 * DAY - 60_000);
    expect(await runDueReports(testDeliveryDeps(t))).toBe(0);
    expect(await runsOf(scheduleId)).toEqual([]);
  });

  it('is made once past Monday 09:00, however many job passes race for it, and names every fact of the week', async () => {
    clock.set(new Date(weekEnd.getTime() + 60_000));
    receiver.answer({ status: 500, body: 'busy' });
    const deps = testDeliveryDeps(t);
    const made = await Promise.all([runDueReports(deps), runDueReports(deps), runDueReports(testDeliveryDeps(t))]);
    expect(made.reduce((sum, count) => sum + count, 0)).toBe(1);
    const runs = await runsOf(scheduleId);
    expect(runs).toHaveLength(1);

    const { reportRun } = await gql(`query($id: ID!) { reportRun(id: $id) { ${RUN_FIELDS} } }`, t.admin.token, { id: runs[0]!.id });
    expect(reportRun).toMatchObject({
      scheduleId,
      trigger: 'SCHEDULE',
      periodStart: weekStart.toISOString(),
      periodEnd: weekEnd.toISOString(),
      isQuiet: false,
    });
    const { content } = reportRun;
    // The auditor's grant, and the fixture's people made with permissions earlier that Monday.
    expect(content.privilegedGrants.items).toContainEqual(
      expect.objectContaining({
        kind: 'permissions',
        userId: auditor.id,
        userEmail: 'auditor@example.test',
        granted: ['audit_logs.view'],
        byEmail: t.admin.email,
      }),
    );
    expect(content.privilegedGrants.items).toContainEqual(expect.objectContaining({ kind: 'permissions', userId: f.bob.id, granted: ['approvals.decide'] }));
    expect(content.privilegedGrants.items).toContainEqual(
      expect.objectContaining({
        kind: 'role_assigned',
        userId: f.carol.id,
        userEmail: 'carol@example.test',
        granted: ['db-exporter'],
        roleAssignmentId: facts.roleAssignmentId,
      }),
    );
    expect(content.privilegedGrants.total).toBe(content.privilegedGrants.items.length);
    expect(content.privilegedGrants.items.some((grant: any) => grant.userId === f.alice.id)).toBe(false);
    expect(content.failedSignIns).toMatchObject({ attempts: 3, total: 1, items: [{ count: 3, addresses: ['127.0.0.1'] }] });
    expect(content.failedSignIns.items[0].activityIds).toHaveLength(3);
    expect(content.unusualApprovals.outsideHours).toEqual({
      total: 2,
      items: [
        expect.objectContaining({ approvalId: facts.approvalAtNight, how: 'approver', approverEmail: 'bob@example.test', requesterEmail: 'dave@example.test' }),
        expect.objectContaining({ approvalId: facts.autoApprovedAtNight, how: 'auto', kind: 'sudo', approverId: null, command: 'systemctl status postgresql' }),
      ],
    });
    expect(content.unusualApprovals.approvesEverything).toMatchObject({ threshold: 2, total: 1, items: [{ approverId: f.bob.id, decisions: 2 }] });
    expect(content.watchedCommands).toMatchObject({
      total: 1,
      items: [{ commandId: facts.commandId, pattern: 'rm -rf *', serverName: 'web-01', line: 'rm  -rf /var/lib/postgresql' }],
    });
    expect(JSON.stringify(content)).not.toContain(facts.quietCommandId);

    // Every channel but the failing webhook took it; the webhook is tried again a minute later.
    expect(reportRun.status).toBe('DELIVERING');
    const byChannel = Object.fromEntries(reportRun.deliveries.map((delivery: any) => [delivery.channelId, delivery]));
    expect(byChannel[channelIds.hook]).toMatchObject({ status: 'RETRYING', attempts: 1 });
    for (const id of [channelIds.mail, channelIds.slack, channelIds.teams])
      expect(byChannel[id]).toMatchObject({ status: 'DELIVERED', attempts: 1, error: null });

    expect(mails).toHaveLength(1);
    const mail = mails[0]!;
    expect(mail).toMatch(/^Subject: \[INFO\] Vigil review digest: Weekly review, \d{4}-\d\d-\d\d to\s+\d{4}-\d\d-\d\d$/m);
    for (const fact of [
      'auditor@example.test given audit_logs.view',
      'carol@example.test given role db-exporter',
      '3 failed',
      facts.approvalAtNight,
      'approved by bob@example.test',
      'sudo request of dave@example.test approved automatically: systemctl status postgresql',
      'bob@example.test approved all 2',
      facts.commandId,
      'rm  -rf /var/lib/postgresql',
    ]) {
      expect(mail).toContain(fact);
    }
    expect(mail).toMatch(/^Content-Type: text\/html/m);
    expect(mail).toContain('<h3>Commands matching watch patterns: 1</h3>');

    const slack = JSON.parse(receiver.requests.find((request) => request.path === '/slack')!.body);
    expect(slack.blocks[0]).toMatchObject({ type: 'header' });
    const slackText = slack.blocks.map((block: any) => block.text?.text ?? '').join('\n');
    for (const fact of [facts.commandId, facts.approvalAtNight, 'auditor@example.test']) expect(slackText).toContain(fact);
    const teams = JSON.parse(receiver.requests.find((request) => request.path === '/teams')!.body);
    expect(teams['@type']).toBe('MessageCard');
    expect(teams.sections.map((section: any) => section.activityTitle)).toContain('Commands matching watch patterns: 1');
    expect(JSON.stringify(teams.sections)).toContain(facts.commandId);

    clock.advance(2 * 60_000);
    expect(await runDueReports(testDeliveryDeps(t))).toBe(0);
    const retried = await gql(`query($id: ID!) { reportRun(id: $id) { status deliveredAt deliveries { channelId status attempts } } }`, t.admin.token, {
      id: runs[0]!.id,
    });
    expect(retried.reportRun.status).toBe('DELIVERED');
    expect(retried.reportRun.deliveries.find((delivery: any) => delivery.channelId === channelIds.hook)).toMatchObject({ status: 'DELIVERED', attempts: 2 });
    const hooks = receiver.requests.filter((request) => request.path === '/hook');
    expect(hooks).toHaveLength(2);
    expect(JSON.parse(hooks[1]!.body).details.content.watchedCommands.items[0].commandId).toBe(facts.commandId);
    expect(mails).toHaveLength(1);
  });

  it('is a leaf of the verifiable log, proved into a checkpoint, as delivered', async () => {
    const [run] = await runsOf(scheduleId);
    await t.vigil.log.settle(t.admin.tenantId, { force: true });
    const { logInclusionProof } = await gql(
      `{ logInclusionProof(recordId: "${run!.id}") { treeSize hashes leaf { kind recordId leaf } checkpoint { size } } }`,
      t.admin.token,
    );
    expect(logInclusionProof.leaf).toMatchObject({ kind: 'report_run', recordId: run!.id });
    const leaf = JSON.parse(logInclusionProof.leaf.leaf).row;
    expect(leaf.status).toBe('delivered');
    expect(leaf.content.watchedCommands.items[0].commandId).toBe(facts.commandId);
    expect(leaf).not.toHaveProperty('next_attempt_at');
    const { logIntegrity } = await gql('{ logIntegrity { isIntact faults { kind recordKind message } } }', t.admin.token);
    expect(logIntegrity.faults).toEqual([]);
    expect(logIntegrity.isIntact).toBe(true);
  });

  it('says a quiet week was quiet, and still delivers', async () => {
    const next = parseCron(CRON, TIMEZONE).nextRun(weekEnd)!;
    clock.set(new Date(next.getTime() + 60_000));
    expect(await runDueReports(testDeliveryDeps(t))).toBe(1);
    const { reportRuns } = await gql(`query($id: ID!) { reportRuns(scheduleId: $id, first: 1) { nodes { ${RUN_FIELDS} } } }`, auditor.token, {
      id: scheduleId,
    });
    const [quiet] = reportRuns.nodes;
    expect(quiet).toMatchObject({ periodStart: weekEnd.toISOString(), periodEnd: next.toISOString(), isQuiet: true, status: 'DELIVERED' });
    expect(quiet.content.watchedCommands).toMatchObject({ total: 0, items: [] });
    expect(quiet.text).toContain('A quiet period');
    expect(mails).toHaveLength(2);
    expect(mails[1]).toContain('A quiet period: nothing to review in any section.');
  });

  it('is read by holders of audit_logs.view, and by nobody else', async () => {
    const [run] = await runsOf(scheduleId);
    const read = await gql(`query($id: ID!) { reportRun(id: $id) { id } }`, auditor.token, { id: run!.id });
    expect(read.reportRun.id).toBe(run!.id);
    for (const query of [
      `{ reportRun(id: "${run!.id}") { id } }`,
      `{ reportRuns(scheduleId: "${scheduleId}") { nodes { id } } }`,
      '{ reportSchedules { nodes { id } } }',
    ]) {
      expect(errorCodes(await t.gql(query, f.alice.token)), query).toEqual(['FORBIDDEN']);
    }
    // Reading is not managing.
    const refused = await t.gql(`mutation { runReportNow(scheduleId: "${scheduleId}") { id } }`, auditor.token);
    expect(errorCodes(refused)).toEqual(['FORBIDDEN']);
  });

  it('is never seen from another tenant', async () => {
    const [run] = await runsOf(scheduleId);
    const other = f.other.admin.token;
    expect((await gql('{ reportSchedules { nodes { id } } }', other)).reportSchedules.nodes).toEqual([]);
    for (const query of [
      `{ reportRun(id: "${run!.id}") { id } }`,
      `{ reportRuns(scheduleId: "${scheduleId}") { nodes { id } } }`,
      `mutation { runReportNow(scheduleId: "${scheduleId}") { id } }`,
      `mutation { deleteReportSchedule(id: "${scheduleId}") { id } }`,
    ]) {
      expect(errorCodes(await t.gql(query, other)), query).toEqual(['NOT_FOUND']);
    }
  });

  it('sends a test digest when asked, over the last week up to now', async () => {
    const { runReportNow } = await gql(`mutation($id: ID!) { runReportNow(scheduleId: $id) { ${RUN_FIELDS} } }`, t.admin.token, { id: scheduleId });
    expect(runReportNow).toMatchObject({ trigger: 'MANUAL', periodEnd: clock.now().toISOString(), status: 'DELIVERED' });
    expect(new Date(runReportNow.periodEnd).getTime() - new Date(runReportNow.periodStart).getTime()).toBe(7 * DAY);
    expect(mails).toHaveLength(3);
    expect(await runsOf(scheduleId)).toHaveLength(3);
  });
});

describe.runIf(isPostgres)('two instances on one database', () => {
  it('make one digest of a period between them', async () => {
    const other = await startVigil(loadConfig({ ...TEST_ENV, ...database.env, VIGIL_OUTBOUND_ALLOW: 'loopback' }), { clock, logger: createLogger('silent') });
    try {
      const mailChannel = await channel({
        name: 'Race mail',
        type: 'SMTP',
        smtp: { host: '127.0.0.1', port: (smtp.server.address() as AddressInfo).port, useTls: false, from: 'vigil@example.test', to: ['race@example.test'] },
      });
      const created = await gql(CREATE, t.admin.token, { input: { name: 'Daily race', cron: '0 6 * * *', timezone: TIMEZONE, channelIds: [mailChannel] } });
      const { id, nextRunAt } = created.createReportSchedule;
      clock.set(new Date(new Date(nextRunAt).getTime() + 1000));
      const mailed = mails.length;
      const made = await Promise.all([
        runDueReports(testDeliveryDeps(t)),
        runDueReports({ ...testDeliveryDeps(t), db: other.database.db }),
        runDueReports({ ...testDeliveryDeps(t), db: other.database.db }),
      ]);
      expect(made.reduce((sum, count) => sum + count, 0)).toBe(1);
      const runs = await queryRows<{ status: string }>(
        t.vigil.database.db,
        sql`select status from report_runs where tenant_id = ${t.admin.tenantId} and schedule_id = ${id}`,
      );
      expect(runs).toEqual([{ status: 'delivered' }]);
      expect(mails.length - mailed).toBe(1);
    } finally {
      await other.dispose();
    }
  });
});

describe('schedule input', () => {
  const valid = { name: 'Checked', cron: '30 7 * * *', timezone: 'America/New_York' };
  const create = (input: Record<string, unknown>): Promise<GraphQLResponse<any>> => t.gql(CREATE, t.admin.token, { input: { ...valid, ...input } });

  it.each([
    ['a cron expression with a bad field', { cron: '61 9 * * 1' }, 'input.cron'],
    ['a cron expression of six fields', { cron: '0 0 9 * * 1' }, 'input.cron'],
    ['a cron expression running every minute', { cron: '* * * * *' }, 'input.cron'],
    ['an unknown time zone', { timezone: 'Mars/Olympus_Mons' }, 'input.timezone'],
    ['a channel of no one', { channelIds: ['01a21c00-0000-7000-8000-00000000dead'] }, 'input.channelIds.0'],
    ['a pattern matching every command', { watchPatterns: ['  *  '] }, 'input.watchPatterns.0'],
    ['watched commands without a pattern', { sections: ['WATCHED_COMMANDS'] }, 'input.watchPatterns'],
    ['working hours ending before they start', { workingHours: { days: [1], start: '18:00', end: '08:00' } }, 'input.workingHours.end'],
  ])('refuses %s with BAD_USER_INPUT naming the field, storing nothing', async (_name, input, field) => {
    const response = await create(input);
    expect(errorCodes(response)).toEqual(['BAD_USER_INPUT']);
    expect(response.errors![0]!.extensions.field).toBe(field);
    const rows = await queryRows(t.vigil.database.db, sql`select id from report_schedules where tenant_id = ${t.admin.tenantId} and name = 'Checked'`);
    expect(rows).toEqual([]);
  });

  it('reads its time zone canonically, computes the next run in it, and is changed and removed by admins only', async () => {
    const created = await create({ timezone: 'america/new_york', sections: ['FAILED_SIGN_INS'] });
    expect(created.errors).toBeUndefined();
    const schedule = created.data!.createReportSchedule;
    expect(schedule.timezone).toBe('America/New_York');
    const nextRun = new Date(schedule.nextRunAt);
    expect(nextRun.getTime()).toBeGreaterThan(clock.now().getTime());
    expect(new Intl.DateTimeFormat('en-US', { timeZone: 'America/New_York', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(nextRun)).toBe(
      '07:30',
    );
    expect(errorCodes(await t.gql(CREATE, auditor.token, { input: { ...valid, name: 'Not mine' } }))).toEqual(['FORBIDDEN']);
    const duplicate = await create({});
    expect(errorCodes(duplicate)).toEqual(['CONFLICT']);
    const updated = await gql(
      `mutation($id: ID!, $input: ReportScheduleInput!) { updateReportSchedule(id: $id, input: $input) { isEnabled nextRunAt } }`,
      t.admin.token,
      {
        id: schedule.id,
        input: { ...valid, isEnabled: false },
      },
    );
    expect(updated.updateReportSchedule).toEqual({ isEnabled: false, nextRunAt: null });
    await gql(`mutation($id: ID!) { deleteReportSchedule(id: $id) { id } }`, t.admin.token, { id: schedule.id });
    expect((await gql('{ reportSchedules { nodes { id } } }', t.admin.token)).reportSchedules.nodes.map((node: any) => node.id)).not.toContain(schedule.id);
    // Its name is free again, and its leaves say what happened.
    expect((await create({})).errors).toBeUndefined();
    const leaves = await queryRows<{ leaf: string }>(
      t.vigil.database.db,
      sql`select leaf from log_leaves where tenant_id = ${t.admin.tenantId} and kind = 'report_schedule' and record_id = ${schedule.id} order by leaf_id`,
    );
    expect(leaves.map((leaf) => JSON.parse(leaf.leaf).row.is_enabled)).toEqual([true, false, false]);
    expect(JSON.parse(leaves.at(-1)!.leaf).row.deleted_at).not.toBeNull();
  });
});
