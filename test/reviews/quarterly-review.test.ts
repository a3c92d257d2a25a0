/**
 * A quarterly access review from creation to completion: an admin starts a recurring review over
 * permissions, group memberships, custom role assignments, standing sudo grants, API tokens and a
 * three-day access session; reviewers keep some grants
 * and revoke others with reasons, and each revoke takes effect at once (the person's next request
 * is refused); the admin completes it and exports the result; the next quarter's campaign starts
 * when the clock passes the schedule's next run, exactly once with two job runs racing (two Vigil
 * instances on PostgreSQL); reviewers are reminded in the bell and by email at most once a day;
 * an overdue campaign escalates to the admins once. And the refusals: one's own grant, someone who
 * does not review, a second decision, a revoke without a reason, another tenant's review.
 */
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../server/clock.js';
import { runAccessReviewJob } from '../../server/reviews/review-job.js';
import { AUTHORIZE_SUDO, CREATE_POLICY, DECIDE, requestAccessAs } from '../support/approvals-fixture.js';
import { testDeliveryDeps } from '../support/delivery-deps.js';
import { readEvents } from '../support/event-stream-client.js';
import { addServer, type TestServer } from '../support/records-fixture.js';
import { createTestDatabase, isPostgres, type TestDatabase } from '../support/test-database.js';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink.js';
import { startTestVigil, type TestUser, type TestVigil } from '../support/test-vigil.js';

const DAY = 86_400_000;
/** Mid-December: the quarterly schedule's next run is 1 January, 09:00 in Berlin (08:00 UTC). */
const START = new Date('2026-12-15T10:00:00.000Z');
const NEXT_QUARTER = new Date('2027-01-01T08:00:00.000Z');
const QUARTERLY = '0 9 1 1,4,7,10 *';

let database: TestDatabase;
let t: TestVigil;
/** A second instance on the same database (PostgreSQL only). */
let second: TestVigil | undefined;
/** Two months before: what is made then (the first admin's token, tom's tokens) is old when the review starts. */
const clock = new ManualClock(new Date(START.getTime() - 60 * DAY));
let smtp: SmtpSink;

let admin: TestUser;
let rita: TestUser; // a reviewer through the group `auditors`
let ray: TestUser; // a reviewer by id; holds monitoring.view himself
let pam: TestUser; // audit_logs.view (revoked) and monitoring.view (kept)
let gus: TestUser; // approvals.decide and the approver group `dba` (revoked)
let sue: TestUser; // a standing sudo grant on db-01 (revoked)
let alice: TestUser; // a requester
let ora: TestUser; // the custom role Auditor (audit_logs.view, tenant-wide), revoked
let oraAssignment: string;
let dora: TestUser; // a three-day access session to web-01 (revoked)
let webServer: TestServer;
let doraSession: string;
let tom: TestUser;
let tomCi: { id: string; token: string };
let dbServer: TestServer;
const tokens = new Map<string, string>();

beforeAll(async () => {
  database = await createTestDatabase();
  t = await startTestVigil({ database, clock, env: { VIGIL_OUTBOUND_ALLOW: 'loopback' } });
  if (isPostgres) second = await startTestVigil({ database, clock, env: { VIGIL_OUTBOUND_ALLOW: 'loopback' } });
  smtp = await startSmtpSink();

  admin = t.admin;
  const tenantId = admin.tenantId;
  // Tokens made now are old by the time the review starts (it covers tokens at least 30 days old).
  tom = await t.createUser(tenantId, { email: 'tom@example.test' });
  const ci = await t.gql(`mutation { createUserToken(input: { name: "ci", userId: "${tom.id}" }) { token apiToken { id } } }`, admin.token);
  tomCi = { id: ci.data!.createUserToken.apiToken.id, token: ci.data!.createUserToken.token };
  clock.set(START);
  rita = await t.createUser(tenantId, { email: 'rita@example.test', groups: ['auditors'] });
  ray = await t.createUser(tenantId, { email: 'ray@example.test', permissions: ['monitoring.view'] });
  pam = await t.createUser(tenantId, { email: 'pam@example.test', permissions: ['audit_logs.view', 'monitoring.view'] });
  gus = await t.createUser(tenantId, { email: 'gus@example.test', groups: ['dba'], permissions: ['approvals.decide'] });
  sue = await t.createUser(tenantId, { email: 'sue@example.test' });
  alice = await t.createUser(tenantId, { email: 'alice@example.test', groups: ['dev'] });
  ora = await t.createUser(tenantId, { email: 'ora@example.test' });
  dora = await t.createUser(tenantId, { email: 'dora@example.test' });
  for (const user of [admin, rita, ray, pam, gus, sue, alice, ora, dora]) tokens.set(user.id, user.token);
  dbServer = await addServer(t, tenantId, 'db-01', [{ key: 'role', value: 'db' }]);
  await ok(CREATE_POLICY, admin, {
    input: { name: 'databases', requestKinds: ['ACCESS'], approverGroups: ['dba'], serverLabels: [{ key: 'role', value: 'db' }] },
  });
  // Shells on web servers need an access session; dora's runs for three days.
  webServer = await addServer(t, tenantId, 'web-01', [{ key: 'role', value: 'web' }]);
  await ok(CREATE_POLICY, admin, {
    input: { name: 'web shells', requestKinds: ['ACCESS'], isAccessSessionRequired: true, serverLabels: [{ key: 'role', value: 'web' }] },
  });
  const dorasRequest = await requestAccessAs(t, dora, { servers: ['web-01'], durationMinutes: 3 * 24 * 60 });
  expect(dorasRequest.errors).toBeUndefined();
  doraSession = (await ok(DECIDE, admin, { id: dorasRequest.data!.requestAccess.id, decision: 'APPROVE' })).decideApproval.accessSession.id;
  const role = await ok(`mutation { createRole(input: { name: "Auditor", permissions: [AUDIT_LOGS_VIEW] }) { id } }`, admin);
  oraAssignment = (await ok(`mutation { assignRole(roleId: "${role.createRole.id}", userId: "${ora.id}") { id } }`, admin)).assignRole.id;
  await ok(`mutation($input: GrantSudoInput!) { grantSudo(input: $input) { id } }`, admin, {
    input: { server: 'db-01', user: sue.email, command: 'systemctl restart postgresql', reason: 'on-call DBA' },
  });
  await ok(`mutation($input: NotificationChannelInput!) { createNotificationChannel(input: $input) { id } }`, admin, {
    input: {
      name: 'Mail',
      type: 'SMTP',
      smtp: { host: '127.0.0.1', port: smtp.port, useTls: false, from: 'vigil@example.test', to: ['ops@example.test'] },
    },
  });
});

afterAll(async () => {
  await smtp?.close();
  await second?.vigil.dispose();
  await t?.close();
});

async function gql(query: string, who: TestUser | string, variables?: Record<string, unknown>) {
  return t.gql<any>(query, typeof who === 'string' ? who : who.token, variables);
}

async function ok(query: string, who: TestUser | string, variables?: Record<string, unknown>): Promise<any> {
  const response = await gql(query, who, variables);
  expect(response.errors, query).toBeUndefined();
  return response.data;
}

const codeOf = (response: { errors?: readonly { extensions?: Record<string, unknown> }[] }) => response.errors?.[0]?.extensions?.code;

const REVIEW_FIELDS = `id seriesId name status periodStart dueAt recurrence timeZone nextRunAt overdueAt completedAt grantKinds
  tally { total undecided kept revoked alreadyGone }`;
const ITEM_FIELDS =
  'id kind grantRef grantSnapshot subjectUserId assignedReviewerId decision reason revokeOutcome revokedAt subject { email } decidedBy { email }';
const DECIDE_ITEM = `mutation($itemId: ID!, $decision: AccessReviewDecision!, $reason: String) {
  decideAccessReviewItem(itemId: $itemId, decision: $decision, reason: $reason) { ${ITEM_FIELDS} }
}`;
const REVIEW_ITEMS = `query($id: ID!) { accessReview(id: $id) { ${REVIEW_FIELDS} items(first: 500) { nodes { ${ITEM_FIELDS} } } } }`;

interface Item {
  id: string;
  kind: string;
  grantRef: string;
  subjectUserId: string | null;
  grantSnapshot: Record<string, unknown>;
  assignedReviewerId: string | null;
  decision: string | null;
  revokeOutcome: string | null;
}

let reviewId: string;
let items: Item[];

const itemOf = (kind: string, subject: TestUser, grantRef?: string) => {
  const found = items.find((item) => item.kind === kind && item.subjectUserId === subject.id && (grantRef === undefined || item.grantRef === grantRef));
  expect(found, `${kind} ${grantRef ?? ''} of ${subject.email}`).toBeDefined();
  return found!;
};

/** The item's assigned reviewer decides it. */
async function decide(item: Item, decision: 'KEEP' | 'REVOKE', reason?: string): Promise<any> {
  const token = tokens.get(item.assignedReviewerId!);
  expect(token, `a reviewer token for ${item.kind} ${item.grantRef}`).toBeDefined();
  return (await ok(DECIDE_ITEM, token!, { itemId: item.id, decision, reason })).decideAccessReviewItem;
}

const jobDeps = () => [testDeliveryDeps(t), ...(second ? [testDeliveryDeps(second)] : [])];

describe('a quarterly access review', () => {
  it('starts over the grants in force now, each item assigned to a reviewer who does not hold it', async () => {
    const data = await ok(`mutation($input: CreateAccessReviewInput!) { createAccessReview(input: $input) { ${REVIEW_FIELDS} } }`, admin, {
      input: {
        name: 'Quarterly access review',
        grantKinds: ['PERMISSION', 'GROUP', 'ROLE_ASSIGNMENT', 'SUDO_GRANT', 'API_TOKEN', 'ACCESS_SESSION'],
        tokenMinAgeDays: 30,
        reviewerIds: [ray.id],
        reviewerGroups: ['auditors'],
        dueAt: new Date(START.getTime() + 14 * DAY).toISOString(),
        recurrence: QUARTERLY,
        timeZone: 'Europe/Berlin',
      },
    });
    const review = data.createAccessReview;
    reviewId = review.id;
    expect(review).toMatchObject({ status: 'OPEN', recurrence: QUARTERLY, timeZone: 'Europe/Berlin', nextRunAt: NEXT_QUARTER.toISOString() });
    items = (await ok(REVIEW_ITEMS, admin, { id: reviewId })).accessReview.items.nodes;
    const grants = items.filter((item) => item.kind !== 'API_TOKEN').map((item) => `${item.kind}:${item.grantRef}:${item.subjectUserId}`);
    expect(grants.sort()).toEqual(
      [
        `GROUP:auditors:${rita.id}`,
        `GROUP:dba:${gus.id}`,
        `GROUP:dev:${alice.id}`,
        `PERMISSION:approvals.decide:${gus.id}`,
        `PERMISSION:audit_logs.view:${pam.id}`,
        `PERMISSION:monitoring.view:${pam.id}`,
        `PERMISSION:monitoring.view:${ray.id}`,
        `ROLE_ASSIGNMENT:${oraAssignment}:${ora.id}`,
        `ACCESS_SESSION:${doraSession}:${dora.id}`,
        `SUDO_GRANT:${itemOf('SUDO_GRANT', sue).grantRef}:${sue.id}`,
      ].sort(),
    );
    // Only tokens at least 30 days old: the first admin's and tom's two, not those made today.
    const tokenHolders = items.filter((item) => item.kind === 'API_TOKEN').map((item) => item.subjectUserId);
    expect(tokenHolders.sort()).toEqual([admin.id, tom.id, tom.id].sort());
    expect(items.some((item) => item.grantRef === tomCi.id)).toBe(true);
    for (const item of items) {
      expect([ray.id, rita.id]).toContain(item.assignedReviewerId);
      expect(item.assignedReviewerId).not.toBe(item.subjectUserId);
    }
    expect(itemOf('PERMISSION', ray, 'monitoring.view').assignedReviewerId).toBe(rita.id);
    expect(itemOf('GROUP', rita, 'auditors').assignedReviewerId).toBe(ray.id);
  });

  it('refuses a bad schedule, time zone, due date or reviewer, naming the field, and anyone but an admin', async () => {
    const CREATE = `mutation($input: CreateAccessReviewInput!) { createAccessReview(input: $input) { id } }`;
    const base = { name: 'Bad', grantKinds: ['PERMISSION'], dueAt: new Date(START.getTime() + DAY).toISOString() };
    for (const [input, field] of [
      [{ recurrence: '0 9 1 1,4,7,10' }, 'input.recurrence'],
      [{ recurrence: '* * * * *' }, 'input.recurrence'],
      [{ recurrence: QUARTERLY, timeZone: 'Mars/Olympus' }, 'input.timeZone'],
      [{ timeZone: 'Europe/Berlin' }, 'input.timeZone'],
      [{ dueAt: new Date(START.getTime() - 1000).toISOString() }, 'input.dueAt'],
      [{ reviewerIds: ['0190f000-0000-7000-8000-000000000001'] }, 'input.reviewerIds'],
      [{ grantKinds: [] }, 'input.grantKinds'],
    ] as const) {
      const answer = await gql(CREATE, admin, { input: { ...base, ...input } });
      expect([codeOf(answer), answer.errors?.[0]?.extensions?.field], JSON.stringify(input)).toEqual(['BAD_USER_INPUT', field]);
    }
    expect(codeOf(await gql(CREATE, ray, { input: base }))).toBe('FORBIDDEN');
    expect((await ok(`{ accessReviews(first: 10) { nodes { id } } }`, admin)).accessReviews.nodes).toHaveLength(1);
  });

  it('refuses a reviewer their own grant, someone who does not review, a revoke without a reason and another tenant', async () => {
    const own = itemOf('PERMISSION', ray, 'monitoring.view');
    const ownAnswer = await gql(DECIDE_ITEM, ray, { itemId: own.id, decision: 'KEEP' });
    expect(codeOf(ownAnswer)).toBe('FORBIDDEN');
    expect(ownAnswer.errors![0]!.extensions).toMatchObject({ reason: 'own_grant' });
    const pamsOwn = itemOf('PERMISSION', pam, 'audit_logs.view');
    const outsider = await gql(DECIDE_ITEM, alice, { itemId: pamsOwn.id, decision: 'KEEP' });
    expect(codeOf(outsider)).toBe('FORBIDDEN');
    expect(outsider.errors![0]!.extensions).toMatchObject({ reason: 'not_reviewer' });
    expect(codeOf(await gql(`query($id: ID!) { accessReview(id: $id) { id } }`, alice, { id: reviewId }))).toBe('NOT_FOUND');
    const otherReviewer = pamsOwn.assignedReviewerId === ray.id ? rita : ray;
    const notAssigned = await gql(DECIDE_ITEM, otherReviewer, { itemId: pamsOwn.id, decision: 'KEEP' });
    expect(codeOf(notAssigned)).toBe('FORBIDDEN');
    expect(notAssigned.errors![0]!.extensions).toMatchObject({ reason: 'not_assigned' });
    const noReason = await gql(DECIDE_ITEM, tokens.get(pamsOwn.assignedReviewerId!)!, { itemId: pamsOwn.id, decision: 'REVOKE', reason: '  ' });
    expect(codeOf(noReason)).toBe('BAD_USER_INPUT');
    expect(noReason.errors![0]!.extensions).toMatchObject({ field: 'reason' });
    const other = await t.createTenant('elsewhere');
    expect(codeOf(await gql(`query($id: ID!) { accessReview(id: $id) { id } }`, other.admin, { id: reviewId }))).toBe('NOT_FOUND');
    expect(codeOf(await gql(DECIDE_ITEM, other.admin, { itemId: pamsOwn.id, decision: 'KEEP' }))).toBe('NOT_FOUND');
    expect((await ok(`{ accessReviews(first: 10) { nodes { id } } }`, other.admin)).accessReviews.nodes).toEqual([]);
    // Nothing was decided by any of these.
    expect((await ok(REVIEW_ITEMS, admin, { id: reviewId })).accessReview.tally).toMatchObject({ undecided: items.length });
  });

  it('reminds each reviewer once a day, in the bell and by email', async () => {
    const remindersOf = async (who: TestUser) =>
      (await ok(`{ notifications(first: 50) { nodes { title link } } }`, who)).notifications.nodes.filter(
        (n: { link: string }) => n.link === '/access-reviews',
      );
    const mailsTo = (who: TestUser) => smtp.mails.filter((mail) => mail.to.includes(who.email));
    const first = await Promise.all(jobDeps().map((deps) => runAccessReviewJob(deps)));
    expect(first.reduce((sum, result) => sum + result.reminded, 0)).toBe(2);
    expect(first.reduce((sum, result) => sum + result.started + result.escalated, 0)).toBe(0);
    for (const reviewer of [ray, rita]) {
      const assigned = items.filter((item) => item.assignedReviewerId === reviewer.id).length;
      expect(await remindersOf(reviewer)).toEqual([
        { title: `${assigned} access review item${assigned === 1 ? '' : 's'} waiting for your decision`, link: '/access-reviews' },
      ]);
      await expect.poll(() => mailsTo(reviewer).length).toBe(1);
      expect(mailsTo(reviewer)[0]!.raw).toContain('Quarterly access review');
    }
    expect(await remindersOf(pam)).toEqual([]);
    // Again the same day, on every instance: nothing more.
    clock.advance(23 * 3600_000);
    expect((await runAccessReviewJob(testDeliveryDeps(t))).reminded).toBe(0);
    expect(await remindersOf(ray)).toHaveLength(1);
    // A day after the last one: the next.
    clock.advance(3600_000);
    expect((await runAccessReviewJob(testDeliveryDeps(second ?? t))).reminded).toBe(2);
    expect(await remindersOf(ray)).toHaveLength(2);
    await expect.poll(() => mailsTo(ray).length).toBe(2);
  });

  it('revokes take effect at once: the permission, the approver group, the sudo grant, the token, the role, the session', async () => {
    const AUDIT_LOG = '{ auditLog(first: 1) { nodes { id } } }';
    expect((await gql(AUDIT_LOG, pam)).errors).toBeUndefined();
    const revokedPermission = await decide(itemOf('PERMISSION', pam, 'audit_logs.view'), 'REVOKE', 'moved to the support team');
    expect(revokedPermission).toMatchObject({ decision: 'REVOKE', reason: 'moved to the support team', revokeOutcome: 'REVOKED' });
    expect(codeOf(await gql(AUDIT_LOG, pam))).toBe('FORBIDDEN');
    await decide(itemOf('PERMISSION', pam, 'monitoring.view'), 'KEEP');

    // gus decides database requests through the group dba, until the review takes it away.
    const request = await requestAccessAs(t, alice, { servers: ['db-01'] });
    expect(request.errors).toBeUndefined();
    const approvalId = request.data!.requestAccess.id;
    expect((await ok(`query($id: ID!) { approval(id: $id) { viewerCanDecide } }`, gus, { id: approvalId })).approval.viewerCanDecide).toBe(true);
    await decide(itemOf('GROUP', gus, 'dba'), 'REVOKE', 'no longer on the database team');
    expect(codeOf(await gql(DECIDE, gus, { id: approvalId, decision: 'APPROVE' }))).toBe('FORBIDDEN');
    await decide(itemOf('PERMISSION', gus, 'approvals.decide'), 'KEEP', 'still approves web servers');

    const sudoCheck = { input: { user: sue.email, command: 'systemctl restart postgresql' } };
    expect((await ok(AUTHORIZE_SUDO, dbServer.agentToken, sudoCheck)).authorizeSudo.isAllowed).toBe(true);
    await decide(itemOf('SUDO_GRANT', sue), 'REVOKE', 'standing sudo is replaced by requests');
    expect((await ok(AUTHORIZE_SUDO, dbServer.agentToken, sudoCheck)).authorizeSudo.isAllowed).toBe(false);

    expect((await gql('{ me { email } }', tomCi.token)).errors).toBeUndefined();
    const ci = items.find((item) => item.grantRef === tomCi.id)!;
    await decide(ci, 'REVOKE', 'the CI moved to workload identity');
    expect(codeOf(await gql('{ me { email } }', tomCi.token))).toBe('UNAUTHENTICATED');

    expect((await gql(AUDIT_LOG, ora)).errors).toBeUndefined();
    const assignment = itemOf('ROLE_ASSIGNMENT', ora);
    expect(assignment.grantSnapshot).toMatchObject({ role: 'Auditor', permissions: ['audit_logs.view'], email: ora.email });
    await decide(assignment, 'REVOKE', 'audits moved to the second line');
    expect(codeOf(await gql(AUDIT_LOG, ora))).toBe('FORBIDDEN');
    // The unassignment's own audit entry says why, as the other revokes' entries do.
    const unassigned = await ok('{ auditLog(first: 5, filter: { action: ["role.unassigned"] }) { nodes { before after } } }', admin.token);
    expect(unassigned.auditLog.nodes).toHaveLength(1);
    expect(unassigned.auditLog.nodes[0].before).toMatchObject({ userId: ora.id });
    expect(JSON.stringify(unassigned.auditLog.nodes[0].after)).toContain('audits moved to the second line');

    const AUTHORIZE_SESSION = `mutation($input: AuthorizeSessionInput!) { authorizeSession(input: $input) { isAllowed decision } }`;
    const shell = { input: { user: dora.email, source: 'SHELL_CLI' } };
    expect((await ok(AUTHORIZE_SESSION, webServer.agentToken, shell)).authorizeSession.isAllowed).toBe(true);
    await decide(itemOf('ACCESS_SESSION', dora), 'REVOKE', 'three days of shell access is not needed');
    expect((await ok(AUTHORIZE_SESSION, webServer.agentToken, shell)).authorizeSession).toMatchObject({ isAllowed: false, decision: 'DENIED' });
  });

  it('records a grant removed since the snapshot as already gone, and refuses a second decision', async () => {
    const rays = itemOf('PERMISSION', ray, 'monitoring.view');
    await ok(`mutation { revokePermissions(userId: "${ray.id}", permissions: [MONITORING_VIEW]) { id } }`, admin);
    const gone = await decide(rays, 'REVOKE', 'not needed');
    expect(gone).toMatchObject({ decision: 'REVOKE', revokeOutcome: 'ALREADY_GONE', decidedBy: { email: rita.email } });
    const again = await gql(DECIDE_ITEM, rita, { itemId: rays.id, decision: 'KEEP' });
    expect(codeOf(again)).toBe('CONFLICT');
  });

  it('completes only once every item is decided, and exports every decision', async () => {
    expect(codeOf(await gql(`mutation($id: ID!) { completeAccessReview(id: $id) { id } }`, admin, { id: reviewId }))).toBe('CONFLICT');
    const rest = (await ok(REVIEW_ITEMS, admin, { id: reviewId })).accessReview.items.nodes.filter((item: Item) => item.decision === null);
    for (const item of rest) await decide(item, 'KEEP', 'still needed');
    const completed = (await ok(`mutation($id: ID!) { completeAccessReview(id: $id) { ${REVIEW_FIELDS} } }`, admin, { id: reviewId })).completeAccessReview;
    expect(completed).toMatchObject({ status: 'COMPLETED', completedAt: clock.now().toISOString() });
    expect(completed.tally).toEqual({ total: items.length, undecided: 0, kept: items.length - 7, revoked: 6, alreadyGone: 1 });

    const csv = (await ok(`query($id: ID!) { accessReview(id: $id) { resultCsv } }`, admin, { id: reviewId })).accessReview.resultCsv as string;
    const rows = parse(csv, { columns: true }) as Record<string, string>[];
    expect(rows).toHaveLength(items.length);
    const row = rows.find((candidate) => candidate.item_kind === 'permission' && candidate.grant_ref === 'audit_logs.view')!;
    expect(row).toMatchObject({
      review_id: reviewId,
      subject_email: pam.email,
      decision: 'revoke',
      reason: 'moved to the support team',
      revoke_outcome: 'revoked',
    });
    expect([ray.email, rita.email]).toContain(row.decided_by_email);
    expect(rows.every((candidate) => candidate.decision !== '' && candidate.decided_by_email !== '')).toBe(true);
    // The same file from the export route, for admins.
    const exportUrl = `${t.vigil.baseUrl}/export/access-review.csv?id=${reviewId}`;
    const download = await fetch(exportUrl, { headers: { authorization: `Bearer ${admin.token}` } });
    expect(download.status).toBe(200);
    expect(download.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(await download.text()).toBe(csv);
    expect((await fetch(exportUrl, { headers: { authorization: `Bearer ${ray.token}` } })).status).toBe(403);
    // A reviewer reads the campaign, never its export.
    expect(codeOf(await gql(`query($id: ID!) { accessReview(id: $id) { resultCsv } }`, ray, { id: reviewId }))).toBe('FORBIDDEN');
  });

  it('starts the next quarter once when the schedule comes round, however many job runs race', async () => {
    clock.set(new Date(NEXT_QUARTER.getTime() - 1000));
    expect((await runAccessReviewJob(testDeliveryDeps(t))).started).toBe(0);
    clock.set(new Date(NEXT_QUARTER.getTime() + 1000));
    const runs = await Promise.all([...jobDeps(), ...jobDeps()].map((deps) => runAccessReviewJob(deps)));
    expect(runs.reduce((sum, run) => sum + run.started, 0)).toBe(1);
    expect((await runAccessReviewJob(testDeliveryDeps(t))).started).toBe(0);
    const all = (await ok(`{ accessReviews(first: 10) { nodes { ${REVIEW_FIELDS} } } }`, admin)).accessReviews.nodes;
    const series = all.filter((review: { seriesId: string }) => review.seriesId === all.find((r: { id: string }) => r.id === reviewId).seriesId);
    expect(series).toHaveLength(2);
    const next = series.find((review: { id: string }) => review.id !== reviewId);
    expect(next).toMatchObject({
      status: 'OPEN',
      periodStart: NEXT_QUARTER.toISOString(),
      dueAt: new Date(NEXT_QUARTER.getTime() + 14 * DAY).toISOString(),
      nextRunAt: '2027-04-01T07:00:00.000Z',
    });
    // Fresh items: what was revoked is not there to review again.
    const fresh: Item[] = (await ok(REVIEW_ITEMS, admin, { id: next.id })).accessReview.items.nodes;
    expect(fresh.every((item) => item.decision === null)).toBe(true);
    expect(fresh.some((item) => item.subjectUserId === pam.id && item.grantRef === 'audit_logs.view')).toBe(false);
    expect(fresh.some((item) => item.subjectUserId === gus.id && item.grantRef === 'dba')).toBe(false);
    expect(fresh.some((item) => item.kind === 'SUDO_GRANT' || item.kind === 'ROLE_ASSIGNMENT' || item.kind === 'ACCESS_SESSION')).toBe(false);
    expect(fresh.some((item) => item.subjectUserId === pam.id && item.grantRef === 'monitoring.view')).toBe(true);
  });

  it('ends a series when its campaign is cancelled: no quarter after it', async () => {
    const all = (await ok(`{ accessReviews(first: 10, status: OPEN) { nodes { id name periodStart } } }`, admin)).accessReviews.nodes;
    const current = all.find((review: { periodStart: string }) => review.periodStart === NEXT_QUARTER.toISOString());
    const CANCEL = `mutation($id: ID!) { cancelAccessReview(id: $id, reason: "replaced by the new process") { status cancelledAt } }`;
    expect(codeOf(await gql(CANCEL, ray, { id: current.id }))).toBe('FORBIDDEN');
    expect((await ok(CANCEL, admin, { id: current.id })).cancelAccessReview).toMatchObject({ status: 'CANCELLED' });
    expect(codeOf(await gql(CANCEL, admin, { id: current.id }))).toBe('CONFLICT');
    const saved = clock.now();
    clock.set(new Date('2027-04-01T07:00:01.000Z'));
    expect((await runAccessReviewJob(testDeliveryDeps(t))).started).toBe(0);
    clock.set(saved);
  });

  it('escalates a campaign past its due date to the admins once', async () => {
    const overdueOf = async () =>
      (await ok(`{ notifications(first: 50) { nodes { title } } }`, admin)).notifications.nodes.filter((n: { title: string }) =>
        n.title.startsWith('Access review overdue'),
      );
    const created = await ok(`mutation($input: CreateAccessReviewInput!) { createAccessReview(input: $input) { id } }`, admin, {
      input: { name: 'Tokens check', grantKinds: ['PERMISSION'], reviewerIds: [rita.id], dueAt: new Date(clock.now().getTime() + DAY).toISOString() },
    });
    const id = created.createAccessReview.id;
    expect((await runAccessReviewJob(testDeliveryDeps(t))).escalated).toBe(0);
    clock.advance(DAY + 1000);
    const runs = await Promise.all([...jobDeps(), ...jobDeps()].map((deps) => runAccessReviewJob(deps)));
    // The quarterly campaign started on 1 January is not due yet; the one-off is.
    expect(runs.reduce((sum, run) => sum + run.escalated, 0)).toBe(1);
    expect((await runAccessReviewJob(testDeliveryDeps(t))).escalated).toBe(0);
    expect(await overdueOf()).toEqual([{ title: 'Access review overdue: Tokens check' }]);
    await expect.poll(() => smtp.mails.filter((mail) => mail.to.includes(admin.email) && mail.raw.includes('Access review overdue')).length).toBe(1);
    const review = (await ok(`query($id: ID!) { accessReview(id: $id) { status overdueAt } }`, admin, { id })).accessReview;
    expect(review).toMatchObject({ status: 'OPEN' });
    expect(review.overdueAt).not.toBeNull();
  });

  it('keeps every campaign and decision in the verifiable log, explained by its audit entry', async () => {
    const integrity = (await ok('{ logIntegrity { isIntact faultCount } }', admin)).logIntegrity;
    expect(integrity).toEqual({ isIntact: true, faultCount: 0 });
    const leaves = (await ok(`{ logLeaves(recordId: "${itemOf('PERMISSION', pam, 'audit_logs.view').id}") { leaf } }`, admin)).logLeaves;
    expect(leaves.map((leaf: { leaf: string }) => JSON.parse(leaf.leaf).row.decision)).toEqual([null, 'revoke']);
    // In the event stream, admins read each decision as a privilege event by its reviewer.
    const { lines } = await readEvents(t, admin.token);
    const revoked = lines.find(
      (line) => line.type === 'access_review_item.revoked' && (line.record as { reason?: string }).reason === 'moved to the support team',
    );
    expect(revoked).toMatchObject({ category: 'privilege', severity: 'medium', outcome: 'success' });
    expect([ray.id, rita.id]).toContain(revoked!.actor!.id);
    expect(lines.some((line) => line.type === 'access_review.completed')).toBe(true);
    // A reviewer reads their reviews through the API; the stream of them is the admins'.
    const reviewers = await readEvents(t, ray.token);
    expect(reviewers.status).toBe(200);
    expect(reviewers.lines.some((line) => String(line.type).startsWith('access_review'))).toBe(false);
  });
});
