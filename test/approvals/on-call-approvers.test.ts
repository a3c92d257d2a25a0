/**
 * On-call approvers end to end: an admin connects PagerDuty and Opsgenie (local fakes that insist
 * on each provider's auth header), a policy names their schedules as approvers and may approve an
 * on-call requester on the spot. Who is on call is asked of the fakes over real HTTP; a provider
 * that fails makes nobody eligible and approves nobody. The API keys appear in no answer, log line
 * or audit entry.
 */
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../server/db/database.js';
import { createLogger } from '../../server/logger.js';
import { secretBoxFromKey } from '../../server/secrets/secret-box.js';
import { APPROVAL_FIELDS, buildApprovalsFixture, type ApprovalsFixture } from '../support/approvals-fixture.js';
import { startFakeOpsgenie, startFakePagerDuty, type FakeOnCall } from '../support/fake-on-call.js';
import type { GraphQLResponse } from '../support/graphql-client.js';
import { connectSubscriber, settle } from '../support/subscription-client.js';
import { startTestVigil, type TestUser, type TestVigil } from '../support/test-vigil.js';

const PD_KEY = 'pd-rest-key-Zq81xVw3LmT0yy';
const OG_KEY = 'og-genie-key-7f3c91aa0b2e44';
const WRONG_KEY = 'pd-wrong-key-Hh52kPq9sX1';

const ON_CALL_FIELDS = `${APPROVAL_FIELDS}
  onCallSchedules { integrationId scheduleId provider integrationName isAvailable error people { email } unmatchedCount }
  onCallCheck { outcome message onCallFor { integrationId integrationName provider scheduleId error } unavailable { scheduleId provider error } }`;

let t: TestVigil;
let f: ApprovalsFixture;
let pd: FakeOnCall;
let og: FakeOnCall;
let pagerDutyId: string;
let opsgenieId: string;
const logLines: string[] = [];
/** Every GraphQL answer of the file, to search for the keys at the end. */
const answers: string[] = [];
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function gql(query: string, who: TestUser, variables?: Record<string, unknown>): Promise<GraphQLResponse<any>> {
  const response = await t.gql(query, who.token, variables);
  answers.push(JSON.stringify(response));
  return response;
}

const requestAccess = (who: TestUser, server: string) =>
  gql(`mutation($input: RequestAccessInput!) { requestAccess(input: $input) { ${ON_CALL_FIELDS} } }`, who, {
    input: { servers: [server], durationMinutes: 60, reason: 'incident 4711' },
  });
const decide = (who: TestUser, id: string, decision: 'APPROVE' | 'DENY' = 'APPROVE') =>
  gql(`mutation($id: ID!, $decision: Decision!) { decideApproval(id: $id, decision: $decision, justification: "seen") { ${ON_CALL_FIELDS} } }`, who, {
    id,
    decision,
  });
const toReview = async (who: TestUser): Promise<string[]> =>
  (await gql('{ approvalsToReview(first: 50) { nodes { id } } }', who)).data!.approvalsToReview.nodes.map((node: { id: string }) => node.id);
const auditEntries = async (action: string): Promise<any[]> =>
  (
    await gql('query($action: [String!]) { auditLog(first: 100, filter: { action: $action }) { nodes { action resourceId after } } }', t.admin, {
      action: [action],
    })
  ).data!.auditLog.nodes;
const createPolicy = async (input: Record<string, unknown>) => {
  const response = await gql(
    `mutation($input: CreateApprovalPolicyInput!) { createApprovalPolicy(input: $input) { id onCallSchedules { integrationId scheduleId } isOnCallRequesterAutoApproved } }`,
    t.admin,
    { input: { requestKinds: ['ACCESS'], isAdminApprover: false, ...input } },
  );
  expect(response.errors).toBeUndefined();
  return response.data!.createApprovalPolicy;
};

beforeAll(async () => {
  pd = await startFakePagerDuty(PD_KEY, { bareUsers: ['bob@example.test'] });
  og = await startFakeOpsgenie(OG_KEY);
  const logs = new Writable({
    write(chunk, _encoding, done) {
      logLines.push(String(chunk));
      done();
    },
  });
  t = await startTestVigil({ env: { PAGERDUTY_API_URL: pd.url, OPSGENIE_API_URL: og.url }, logger: createLogger('debug', logs) });
  f = await buildApprovalsFixture(t);
  const create = `mutation($input: CreateOnCallIntegrationInput!) { createOnCallIntegration(input: $input) { id provider name } }`;
  const pagerDuty = await gql(create, t.admin, { input: { provider: 'PAGERDUTY', name: 'PagerDuty prod', apiKey: PD_KEY } });
  const opsgenie = await gql(create, t.admin, { input: { provider: 'OPSGENIE', name: 'Opsgenie EU', apiKey: OG_KEY } });
  pagerDutyId = pagerDuty.data!.createOnCallIntegration.id;
  opsgenieId = opsgenie.data!.createOnCallIntegration.id;
  await createPolicy({
    name: 'prod on call',
    serverLabels: [{ key: 'env', value: 'prod' }],
    onCallSchedules: [{ integrationId: pagerDutyId, scheduleId: 'PSRE001' }],
  });
  await createPolicy({
    name: 'dev on call',
    serverLabels: [{ key: 'env', value: 'dev' }],
    approverGroups: ['sre'],
    onCallSchedules: [{ integrationId: pagerDutyId, scheduleId: 'PDEV001' }],
    isOnCallRequesterAutoApproved: true,
  });
  await createPolicy({
    name: 'db on call',
    serverLabels: [{ key: 'role', value: 'db' }],
    priority: 10,
    onCallSchedules: [{ integrationId: opsgenieId, scheduleId: 'dba-primary' }],
    isOnCallRequesterAutoApproved: true,
  });
});

afterAll(async () => {
  await t?.close();
  await pd?.close();
  await og?.close();
});

describe('on-call integrations', () => {
  it('are connected by admins only, with the API key sealed at rest and no field to read it back', async () => {
    const listed = await gql('{ onCallIntegrations { nodes { id provider name } } }', t.admin);
    expect(listed.data!.onCallIntegrations.nodes).toEqual(
      expect.arrayContaining([
        { id: pagerDutyId, provider: 'PAGERDUTY', name: 'PagerDuty prod' },
        { id: opsgenieId, provider: 'OPSGENIE', name: 'Opsgenie EU' },
      ]),
    );
    const asking = await gql('{ onCallIntegrations { nodes { id apiKey } } }', t.admin);
    expect(asking.errors?.[0]?.message).toContain('Cannot query field "apiKey"');

    const byBob = await gql('mutation { createOnCallIntegration(input: { provider: PAGERDUTY, name: "mine", apiKey: "pd-bobs-own-key-123" }) { id } }', f.bob);
    expect(byBob.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');

    const stored = await queryRows<{ id: string; sealed_api_key: string }>(
      t.vigil.database.db,
      sql`select id::text, sealed_api_key from on_call_integrations where tenant_id = ${t.admin.tenantId}::uuid order by name`,
    );
    expect(stored.map((row) => row.id)).toEqual([opsgenieId, pagerDutyId]);
    for (const row of stored) {
      expect(row.sealed_api_key.startsWith('v1.')).toBe(true);
      expect(row.sealed_api_key).not.toContain(PD_KEY);
      expect(row.sealed_api_key).not.toContain(OG_KEY);
    }
  });

  it('refuse a policy naming an integration of no one, and deleting an integration a policy names', async () => {
    const unknown = await gql('mutation($input: CreateApprovalPolicyInput!) { createApprovalPolicy(input: $input) { id } }', t.admin, {
      input: { name: 'ghost', requestKinds: ['ACCESS'], onCallSchedules: [{ integrationId: f.other.tenantId, scheduleId: 'P1' }] },
    });
    expect(unknown.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.onCallSchedules.0.integrationId' });
    const autoWithout = await gql('mutation($input: CreateApprovalPolicyInput!) { createApprovalPolicy(input: $input) { id } }', t.admin, {
      input: { name: 'auto', requestKinds: ['ACCESS'], isOnCallRequesterAutoApproved: true },
    });
    expect(autoWithout.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.isOnCallRequesterAutoApproved' });
    const deleting = await gql('mutation($id: ID!) { deleteOnCallIntegration(id: $id) { id } }', t.admin, { id: pagerDutyId });
    expect(deleting.errors?.[0]?.extensions?.code).toBe('CONFLICT');
    expect(deleting.errors?.[0]?.message).toContain('prod on call');
  });

  it('show an admin who is on call now, as Vigil matches them to its users', async () => {
    pd.onCall.set('PSRE001', ['bob@example.test', 'someone@elsewhere.test']);
    const status = await gql(
      'query($integrationId: ID!) { onCallSchedule(integrationId: $integrationId, scheduleId: "PSRE001") { provider integrationName isAvailable error people { email } unmatchedCount } }',
      t.admin,
      { integrationId: pagerDutyId },
    );
    expect(status.data!.onCallSchedule).toEqual({
      provider: 'PAGERDUTY',
      integrationName: 'PagerDuty prod',
      isAvailable: true,
      error: null,
      people: [{ email: 'bob@example.test' }],
      unmatchedCount: 1,
    });
    const ask = (who: TestUser, integrationId: string, scheduleId: string) =>
      gql('query($i: ID!, $s: String!) { onCallSchedule(integrationId: $i, scheduleId: $s) { isAvailable } }', who, { i: integrationId, s: scheduleId });
    expect((await ask(f.bob, pagerDutyId, 'PSRE001')).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await ask(t.admin, f.other.tenantId, 'PSRE001')).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect((await ask(t.admin, pagerDutyId, 'P\nX')).errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'scheduleId' });
  });
});

describe('a PagerDuty schedule as approvers', () => {
  it('lets the person on call decide and not a member of the same group who is not on call', async () => {
    pd.onCall.set('PSRE001', ['bob@example.test']);
    pd.requests.length = 0;
    const requested = await requestAccess(f.alice, 'web-01');
    const approval = requested.data!.requestAccess;
    expect(approval).toMatchObject({ status: 'PENDING', isAutoApproved: false, policyName: 'prod on call', onCallCheck: null });
    expect(approval.onCallSchedules).toEqual([
      {
        integrationId: pagerDutyId,
        scheduleId: 'PSRE001',
        provider: 'PAGERDUTY',
        integrationName: 'PagerDuty prod',
        isAvailable: true,
        error: null,
        people: [{ email: 'bob@example.test' }],
        unmatchedCount: 0,
      },
    ]);
    // PagerDuty was asked as its API wants: the schedule, users included, the REST key in its header.
    const oncalls = pd.requests.filter((request) => request.path === '/oncalls');
    expect(oncalls.length).toBeGreaterThan(0);
    for (const request of oncalls) {
      expect(request.headers.authorization).toBe(`Token token=${PD_KEY}`);
      expect(request.query.getAll('schedule_ids[]')).toEqual(['PSRE001']);
      expect(request.query.getAll('include[]')).toEqual(['users']);
    }
    // Bob came as a bare reference: his email was read from /users/{id}.
    expect(pd.requests.some((request) => request.path.startsWith('/users/') && request.headers.authorization === `Token token=${PD_KEY}`)).toBe(true);

    expect(await toReview(f.carol)).not.toContain(approval.id);
    const byCarol = await decide(f.carol, approval.id);
    expect(byCarol.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(byCarol.errors?.[0]?.message).toBe('Only the people on call for its on-call schedule may decide this request');

    expect(await toReview(f.bob)).toContain(approval.id);
    const seenByBob = await gql(`query($id: ID!) { approval(id: $id) { viewerCanDecide } }`, f.bob, { id: approval.id });
    expect(seenByBob.data!.approval.viewerCanDecide).toBe(true);
    const byBob = await decide(f.bob, approval.id);
    expect(byBob.errors).toBeUndefined();
    expect(byBob.data!.decideApproval).toMatchObject({ status: 'APPROVED', closedBy: { email: 'bob@example.test' } });
    const seenByAlice = await gql(`query($id: ID!) { approval(id: $id) { accessSession { status approver { email } } } }`, f.alice, { id: approval.id });
    expect(seenByAlice.data!.approval.accessSession).toEqual({ status: 'ACTIVE', approver: { email: 'bob@example.test' } });

    const [decided] = (await auditEntries('approval.decided')).filter((entry) => entry.resourceId === approval.id);
    expect(decided.after.approverOnCallFor).toEqual([
      { provider: 'pagerduty', integrationId: pagerDutyId, integrationName: 'PagerDuty prod', scheduleId: 'PSRE001' },
    ]);
  });

  it('notifies the people on call of a new request, not the rest of their group', async () => {
    pd.onCall.set('PSRE001', ['carol@example.test']);
    const approval = (await requestAccess(f.dave, 'web-01')).data!.requestAccess;
    const notified = async (who: TestUser) =>
      (await gql('{ notifications(first: 50) { nodes { resourceId title } } }', who)).data!.notifications.nodes.filter(
        (node: { resourceId: string }) => node.resourceId === approval.id,
      );
    expect(await notified(f.carol)).toEqual([{ resourceId: approval.id, title: 'Access request waiting for your decision' }]);
    expect(await notified(f.bob)).toEqual([]);
  });
});

describe('subscriptions', () => {
  it('tell the person on call of a new request, and not the rest of their group', async () => {
    pd.onCall.set('PSRE001', ['carol@example.test']);
    const carol = await connectSubscriber(t.url, f.carol.token);
    const bob = await connectSubscriber(t.url, f.bob.token);
    try {
      await carol.subscribe('subscription { approvalRequested { id requester { email } } }');
      await bob.subscribe('subscription { approvalRequested { id requester { email } } }');
      const approval = (await requestAccess(f.dave, 'web-01')).data!.requestAccess;
      expect(await carol.waitFor(1)).toEqual([{ approvalRequested: { id: approval.id, requester: { email: 'dave@example.test' } } }]);
      await settle();
      expect(bob.received).toEqual([]);
    } finally {
      await carol.dispose();
      await bob.dispose();
    }
  });
});

describe('auto-approval for the person on call', () => {
  it('approves the on-call requester on the spot, audited as approved because they were on call, for which schedule and provider', async () => {
    pd.onCall.set('PDEV001', ['alice@example.test']);
    const approval = (await requestAccess(f.alice, 'dev-01')).data!.requestAccess;
    expect(approval).toMatchObject({ status: 'APPROVED', isAutoApproved: true, closedBy: null, accessSession: { status: 'ACTIVE' } });
    expect(approval.onCallCheck).toEqual({
      outcome: 'ON_CALL',
      message: 'Approved: the requester was on call for schedule PDEV001 of PagerDuty prod',
      onCallFor: { integrationId: pagerDutyId, integrationName: 'PagerDuty prod', provider: 'PAGERDUTY', scheduleId: 'PDEV001', error: null },
      unavailable: [],
    });
    const [entry] = (await auditEntries('approval.auto_approved')).filter((candidate) => candidate.resourceId === approval.id);
    expect(entry.after).toMatchObject({
      status: 'approved',
      isAutoApproved: true,
      autoApprovedBecause: 'requester_on_call',
      onCallProvider: 'pagerduty',
      onCallIntegrationId: pagerDutyId,
      onCallIntegrationName: 'PagerDuty prod',
      onCallScheduleId: 'PDEV001',
      onCallCheck: { outcome: 'on_call' },
    });
  });

  it('asks the provider outside any transaction: while PagerDuty is slow to answer, the rest of Vigil is not held up', async () => {
    pd.onCall.set('PDEV001', ['alice@example.test']);
    const asked = pd.requests.length;
    const release = pd.hold();
    try {
      const request = requestAccess(f.alice, 'dev-01');
      for (const deadline = Date.now() + 5000; pd.requests.length === asked && Date.now() < deadline;) await sleep(20);
      expect(pd.requests.length).toBeGreaterThan(asked);
      // On PGlite (one connection), a transaction waiting on PagerDuty would hold this until released.
      const meanwhile = await Promise.race([gql('{ approvalPolicies { nodes { name } } }', t.admin), sleep(5000).then(() => 'held up')]);
      expect(meanwhile).toMatchObject({ data: { approvalPolicies: { nodes: expect.arrayContaining([{ name: 'dev on call' }]) } } });
      release();
      expect((await request).data!.requestAccess).toMatchObject({ status: 'APPROVED', onCallCheck: { outcome: 'ON_CALL' } });
    } finally {
      release();
    }
  });

  it('grants sudo on the spot to the on-call requester under a sudo policy that says so, as granted by policy', async () => {
    await createPolicy({
      name: 'dev sudo on call',
      requestKinds: ['SUDO'],
      serverLabels: [{ key: 'env', value: 'dev' }],
      approverGroups: ['sre'],
      onCallSchedules: [{ integrationId: pagerDutyId, scheduleId: 'PDEV001' }],
      isOnCallRequesterAutoApproved: true,
    });
    pd.onCall.set('PDEV001', ['alice@example.test']);
    // Alice holds an access session on dev-01 from the tests above.
    const sudo = await gql(`mutation($input: RequestSudoInput!) { requestSudo(input: $input) { ${ON_CALL_FIELDS} } }`, f.alice, {
      input: { server: 'dev-01', command: 'systemctl restart nginx', reason: 'incident 4711' },
    });
    expect(sudo.errors).toBeUndefined();
    expect(sudo.data!.requestSudo).toMatchObject({
      kind: 'SUDO',
      status: 'APPROVED',
      isAutoApproved: true,
      policyName: 'dev sudo on call',
      sudoAuthorization: { command: 'systemctl restart nginx', grantedVia: 'POLICY', grantedBy: null },
      onCallCheck: { outcome: 'ON_CALL', onCallFor: { scheduleId: 'PDEV001', provider: 'PAGERDUTY' } },
    });
  });

  it('leaves the request of someone not on call pending, for the approvers to decide', async () => {
    pd.onCall.set('PDEV001', ['alice@example.test']);
    const approval = (await requestAccess(f.dave, 'dev-01')).data!.requestAccess;
    expect(approval).toMatchObject({ status: 'PENDING', isAutoApproved: false });
    expect(approval.onCallCheck).toMatchObject({ outcome: 'NOT_ON_CALL', onCallFor: null, unavailable: [] });
    const [entry] = (await auditEntries('approval.requested')).filter((candidate) => candidate.resourceId === approval.id);
    expect(entry.after).toMatchObject({ status: 'pending', onCallOutcome: 'not_on_call' });
    expect(entry.after.autoApprovedBecause).toBeUndefined();
    expect(await toReview(f.bob)).toContain(approval.id);
    expect((await decide(f.bob, approval.id)).data!.decideApproval.status).toBe('APPROVED');
  });

  it('fails closed when PagerDuty answers an error: nobody auto-approved or eligible through it, and everyone told why', async () => {
    pd.onCall.set('PDEV001', ['alice@example.test']);
    pd.onCall.set('PSRE001', ['bob@example.test']);
    pd.failWith = 503;
    try {
      const approval = (await requestAccess(f.alice, 'dev-01')).data!.requestAccess;
      expect(approval).toMatchObject({ status: 'PENDING', isAutoApproved: false });
      expect(approval.onCallCheck).toEqual({
        outcome: 'UNAVAILABLE',
        message:
          'Not approved on the spot: Vigil could not learn who is on call (schedule PDEV001 of PagerDuty prod: PagerDuty answered HTTP 503); approvers decide',
        onCallFor: null,
        unavailable: [{ scheduleId: 'PDEV001', provider: 'PAGERDUTY', error: 'PagerDuty answered HTTP 503' }],
      });
      const told = (await gql('{ notifications(first: 50) { nodes { resourceId title body } } }', f.alice)).data!.notifications.nodes;
      expect(told).toContainEqual({
        resourceId: approval.id,
        title: 'Not approved on the spot: whether you are on call is unknown',
        body: approval.onCallCheck.message,
      });

      const prod = (await requestAccess(f.alice, 'web-01')).data!.requestAccess;
      expect(prod.onCallSchedules[0]).toMatchObject({ isAvailable: false, error: 'PagerDuty answered HTTP 503', people: [] });
      expect(await toReview(f.bob)).not.toContain(prod.id);
      const byBob = await decide(f.bob, prod.id);
      expect(byBob.errors?.[0]?.extensions).toMatchObject({
        code: 'FORBIDDEN',
        onCallUnavailable: [{ provider: 'PagerDuty', integrationId: pagerDutyId, scheduleId: 'PSRE001', error: 'PagerDuty answered HTTP 503' }],
      });
      expect(byBob.errors?.[0]?.message).toContain(
        'Vigil could not learn who is on call now (schedule PSRE001 of PagerDuty prod: PagerDuty answered HTTP 503)',
      );
      const warnings = logLines.map((line) => JSON.parse(line)).filter((line) => line.msg?.startsWith('on-call schedule unavailable'));
      expect(warnings).toContainEqual(
        expect.objectContaining({
          level: 'warn',
          tenantId: t.admin.tenantId,
          provider: 'pagerduty',
          scheduleId: 'PSRE001',
          reason: 'PagerDuty answered HTTP 503',
        }),
      );

      pd.failWith = null;
      expect((await decide(f.bob, prod.id)).data!.decideApproval.status).toBe('APPROVED');
    } finally {
      pd.failWith = null;
    }
  });

  it('fails closed on a key PagerDuty refuses, and works again once the key is replaced', async () => {
    const update = 'mutation($id: ID!, $key: String!) { updateOnCallIntegration(id: $id, input: { apiKey: $key }) { id name } }';
    expect((await gql(update, t.admin, { id: pagerDutyId, key: WRONG_KEY })).data!.updateOnCallIntegration).toEqual({
      id: pagerDutyId,
      name: 'PagerDuty prod',
    });
    pd.onCall.set('PDEV001', ['alice@example.test']);
    const refused = (await requestAccess(f.alice, 'dev-01')).data!.requestAccess;
    expect(refused).toMatchObject({
      status: 'PENDING',
      onCallCheck: { outcome: 'UNAVAILABLE', unavailable: [{ error: 'PagerDuty answered HTTP 401 (the API key was refused)' }] },
    });
    await gql(update, t.admin, { id: pagerDutyId, key: PD_KEY });
    expect((await requestAccess(f.alice, 'dev-01')).data!.requestAccess).toMatchObject({ status: 'APPROVED', onCallCheck: { outcome: 'ON_CALL' } });
    const [updated] = await auditEntries('on_call_integration.updated');
    expect(updated.after).toEqual({ id: pagerDutyId, provider: 'pagerduty', name: 'PagerDuty prod', isApiKeyReplaced: true });
  });
});

describe('an Opsgenie schedule', () => {
  it('is asked by name with its GenieKey: its on-call requester is approved on the spot, its on-call approver decides the rest', async () => {
    og.onCall.set('dba-primary', ['erin@example.test', 'dave@example.test']);
    og.requests.length = 0;
    const auto = (await requestAccess(f.dave, 'db-01')).data!.requestAccess;
    expect(auto).toMatchObject({
      status: 'APPROVED',
      isAutoApproved: true,
      policyName: 'db on call',
      onCallCheck: { outcome: 'ON_CALL', onCallFor: { provider: 'OPSGENIE', integrationName: 'Opsgenie EU', scheduleId: 'dba-primary' } },
    });
    const [entry] = (await auditEntries('approval.auto_approved')).filter((candidate) => candidate.resourceId === auto.id);
    expect(entry.after).toMatchObject({ autoApprovedBecause: 'requester_on_call', onCallProvider: 'opsgenie', onCallScheduleId: 'dba-primary' });
    expect(og.requests.length).toBeGreaterThan(0);
    for (const request of og.requests) {
      expect(request.path).toBe('/v2/schedules/dba-primary/on-calls');
      expect(request.headers.authorization).toBe(`GenieKey ${OG_KEY}`);
      expect(request.query.get('flat')).toBe('true');
      expect(request.query.get('scheduleIdentifierType')).toBe('name');
    }

    const pending = (await requestAccess(f.alice, 'db-01')).data!.requestAccess;
    expect(pending).toMatchObject({ status: 'PENDING', onCallCheck: { outcome: 'NOT_ON_CALL' } });
    expect(pending.onCallSchedules[0].people).toEqual(expect.arrayContaining([{ email: 'erin@example.test' }, { email: 'dave@example.test' }]));
    const byBob = await decide(f.bob, pending.id);
    expect(byBob.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(await toReview(f.erin)).toContain(pending.id);
    expect((await decide(f.erin, pending.id)).data!.decideApproval).toMatchObject({ status: 'APPROVED', closedBy: { email: 'erin@example.test' } });
  });

  it('fails closed when Opsgenie answers an error', async () => {
    og.onCall.set('dba-primary', ['dave@example.test']);
    og.failWith = 500;
    try {
      const approval = (await requestAccess(f.dave, 'db-01')).data!.requestAccess;
      expect(approval).toMatchObject({
        status: 'PENDING',
        isAutoApproved: false,
        onCallCheck: { outcome: 'UNAVAILABLE', unavailable: [{ scheduleId: 'dba-primary', provider: 'OPSGENIE', error: 'Opsgenie answered HTTP 500' }] },
      });
    } finally {
      og.failWith = null;
    }
  });
});

describe('a key sealed under a secret key Vigil no longer has', () => {
  it('makes its schedules unavailable, saying so, rather than failing the request', async () => {
    const [row] = await queryRows<{ sealed: string }>(
      t.vigil.database.db,
      sql`select sealed_api_key as sealed from on_call_integrations where tenant_id = ${t.admin.tenantId}::uuid and id = ${opsgenieId}::uuid`,
    );
    const sealed = row!.sealed;
    const foreign = secretBoxFromKey(randomBytes(32)).seal(OG_KEY);
    const setSealed = (value: string) =>
      t.vigil.database.db.execute(
        sql`update on_call_integrations set sealed_api_key = ${value} where tenant_id = ${t.admin.tenantId}::uuid and id = ${opsgenieId}::uuid`,
      );
    await setSealed(foreign);
    try {
      og.onCall.set('dba-primary', ['dave@example.test']);
      const approval = (await requestAccess(f.dave, 'db-01')).data!.requestAccess;
      expect(approval).toMatchObject({
        status: 'PENDING',
        onCallCheck: {
          outcome: 'UNAVAILABLE',
          unavailable: [{ scheduleId: 'dba-primary', error: 'its API key does not open with VIGIL_SECRET_KEY (or VIGIL_SECRET_KEY_PREVIOUS): set it again' }],
        },
      });
    } finally {
      await setSealed(sealed);
    }
  });
});

describe('the API keys', () => {
  it('appear in no GraphQL answer, log line or audit entry', async () => {
    const audit = await gql('{ auditLog(first: 500) { nodes { action resourceType resourceName before after } } }', t.admin);
    const auditText = JSON.stringify(audit);
    expect(auditText).toContain('on_call_integration.created');
    expect(logLines.some((line) => line.includes('on-call schedule unavailable'))).toBe(true);
    expect(answers.length).toBeGreaterThan(20);
    for (const key of [PD_KEY, OG_KEY, WRONG_KEY]) {
      expect(auditText).not.toContain(key);
      for (const answer of answers) expect(answer).not.toContain(key);
      for (const line of logLines) expect(line).not.toContain(key);
    }
  });
});
