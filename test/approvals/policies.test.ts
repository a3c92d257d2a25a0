/**
 * Approval policies through the API: who may decide (never oneself, only the policy's approvers),
 * the two-person rule, sudo allowlists, required justifications, which policy governs a request,
 * policy administration, the reviewer's queue, and tenant isolation.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { errorCodes } from '../support/graphql-client.js';
import { startTestVigil, type TestUser, type TestVigil } from '../support/test-vigil.js';
import {
  APPROVAL,
  buildApprovalsFixture,
  createPolicy,
  decideAs,
  requestAccessAs,
  requestSudoAs,
  type ApprovalsFixture,
} from '../support/approvals-fixture.js';

let t: TestVigil;
let f: ApprovalsFixture;

beforeAll(async () => {
  t = await startTestVigil();
  f = await buildApprovalsFixture(t);
});
afterAll(() => t?.close());

const UPDATE_POLICY = `mutation($id: ID!, $input: UpdateApprovalPolicyInput!) {
  updateApprovalPolicy(id: $id, input: $input) { id requiredApprovals approverGroups isEnabled }
}`;
const DELETE_POLICY = `mutation($id: ID!) { deleteApprovalPolicy(id: $id) { id } }`;
const POLICIES = `{ approvalPolicies(first: 500) { nodes { id name } } }`;
const PENDING = `{ approvals(filter: { status: [PENDING] }, first: 500) { nodes { id } } }`;
const TO_REVIEW = `{ approvalsToReview(first: 500) { nodes { id viewerCanDecide } } }`;

const PROD = [{ key: 'env', value: 'prod' }];

// Every test's policies are retired after it, so no policy outlives the test that made it.
const created: string[] = [];
async function policy(input: Record<string, unknown>): Promise<{ id: string; name: string; autoApproveCommands: string[] }> {
  const response = await createPolicy(t, input);
  expect(response.errors).toBeUndefined();
  created.push(response.data!.createApprovalPolicy.id);
  return response.data!.createApprovalPolicy;
}
afterEach(async () => {
  for (const id of created.splice(0)) await t.gql(DELETE_POLICY, t.admin.token, { id });
});

/** A policy for access requests by group dev to prod servers, decided by sre. */
const sreProdPolicy = (name: string, extra: Record<string, unknown> = {}) =>
  policy({ name, requestKinds: ['ACCESS'], serverLabels: PROD, requesterGroups: ['dev'], approverGroups: ['sre'], ...extra });

async function request(who: TestUser, servers: string[], extra: Record<string, unknown> = {}) {
  const response = await requestAccessAs(t, who, { servers, ...extra });
  expect(response.errors).toBeUndefined();
  return response.data!.requestAccess;
}

/** The request as the admin sees it. */
async function approval(id: string) {
  const response = await t.gql(APPROVAL, t.admin.token, { id });
  expect(response.errors).toBeUndefined();
  return response.data!.approval;
}

async function ids(query: string, who: TestUser, field: string): Promise<string[]> {
  const response = await t.gql(query, who.token);
  expect(response.errors).toBeUndefined();
  return response.data![field].nodes.map((node: { id: string }) => node.id);
}

describe('who may decide', () => {
  it('refuses a decision on one’s own request, to admins and approvers alike', async () => {
    const mine = await request(f.admin, ['web-01']);
    expect(mine.viewerCanDecide).toBe(false);
    const self = await decideAs(t, f.admin, mine.id, 'APPROVE');
    expect(errorCodes(self)).toEqual(['FORBIDDEN']);
    expect(self.errors![0]!.message).toContain('own request');
    expect(await approval(mine.id)).toMatchObject({ status: 'PENDING', approvalsReceived: 0, decisions: [] });

    const bobs = await request(f.bob, ['web-01']);
    expect(errorCodes(await decideAs(t, f.bob, bobs.id, 'APPROVE'))).toEqual(['FORBIDDEN']);
    expect(errorCodes(await decideAs(t, f.bob, bobs.id, 'DENY', 'never mind'))).toEqual(['FORBIDDEN']);
    expect(await approval(bobs.id)).toMatchObject({ status: 'PENDING', decisions: [] });
    // Someone else may.
    expect((await decideAs(t, f.carol, bobs.id, 'APPROVE')).data!.decideApproval.status).toBe('APPROVED');
  });

  it('refuses people without approvals.decide, and approvers outside the policy’s groups', async () => {
    const underDefaults = await request(f.alice, ['dev-01']);
    expect(underDefaults.policyName).toBeNull();
    expect(errorCodes(await decideAs(t, f.dave, underDefaults.id, 'APPROVE'))).toEqual(['FORBIDDEN']);
    expect(errorCodes(await decideAs(t, f.dave, underDefaults.id, 'DENY', 'nope'))).toEqual(['FORBIDDEN']);
    expect(await approval(underDefaults.id)).toMatchObject({ status: 'PENDING', approvalsReceived: 0, decisions: [] });

    const sre = await sreProdPolicy('sre decides prod');
    const governed = await request(f.alice, ['web-01']);
    expect(governed).toMatchObject({ policyName: sre.name, policyId: sre.id });
    const erin = await decideAs(t, f.erin, governed.id, 'APPROVE');
    expect(errorCodes(erin)).toEqual(['FORBIDDEN']);
    expect(erin.errors![0]!.message).toContain('sre');
    expect(errorCodes(await decideAs(t, f.erin, governed.id, 'DENY', 'not mine to say'))).toEqual(['FORBIDDEN']);
    expect(await approval(governed.id)).toMatchObject({ status: 'PENDING', approvalsReceived: 0, approvalsStillNeeded: 1, decisions: [], closedBy: null });
  });
});

describe('two-person rule', () => {
  it('needs two distinct approvers; repeats change nothing; a late approver learns who closed it', async () => {
    const rule = await sreProdPolicy('two-person prod', { requiredApprovals: 2 });
    const { id } = await request(f.alice, ['web-01']);
    expect(await approval(id)).toMatchObject({ policyName: rule.name, requiredApprovals: 2, approvalsStillNeeded: 2 });

    const first = await decideAs(t, f.bob, id, 'APPROVE');
    expect(first.errors).toBeUndefined();
    expect(first.data!.decideApproval).toMatchObject({
      status: 'PENDING',
      approvalsReceived: 1,
      approvalsStillNeeded: 1,
      closedBy: null,
      viewerCanDecide: false,
    });

    const repeat = await decideAs(t, f.bob, id, 'APPROVE');
    expect(repeat.errors).toBeUndefined();
    expect(repeat.data!.decideApproval).toMatchObject({ status: 'PENDING', approvalsReceived: 1, approvalsStillNeeded: 1 });
    expect((await approval(id)).decisions).toHaveLength(1);

    const second = await decideAs(t, f.carol, id, 'APPROVE');
    expect(second.errors).toBeUndefined();
    expect(second.data!.decideApproval).toMatchObject({
      status: 'APPROVED',
      approvalsReceived: 2,
      approvalsStillNeeded: 0,
      closedBy: { email: f.carol.email },
    });
    const after = (await t.gql(APPROVAL, f.alice.token, { id })).data!.approval;
    expect(after.accessSession.status).toBe('ACTIVE');
    expect(after.decisions.map((decision: { approver: { email: string } }) => decision.approver.email)).toEqual([f.bob.email, f.carol.email]);

    const third = await decideAs(t, f.admin, id, 'APPROVE');
    expect(errorCodes(third)).toEqual(['CONFLICT']);
    expect(third.errors![0]!.message).toContain(f.carol.email);
    expect(third.errors![0]!.extensions).toMatchObject({ status: 'approved', decidedBy: f.carol.email });
    expect((await approval(id)).decisions).toHaveLength(2);
  });

  it('refuses an approver changing their mind', async () => {
    await sreProdPolicy('two-person mind change', { requiredApprovals: 2 });
    const { id } = await request(f.alice, ['web-01']);
    expect((await decideAs(t, f.bob, id, 'APPROVE')).errors).toBeUndefined();
    const flip = await decideAs(t, f.bob, id, 'DENY', 'second thoughts');
    expect(errorCodes(flip)).toEqual(['CONFLICT']);
    expect(flip.errors![0]!.message).toContain('You already approved');
    expect(await approval(id)).toMatchObject({ status: 'PENDING', approvalsReceived: 1, decisions: [{ decision: 'APPROVE' }] });
  });

  it('closes on the first denial, whatever approvals came before', async () => {
    await sreProdPolicy('two-person denial', { requiredApprovals: 2 });
    const { id } = await request(f.alice, ['web-01']);
    expect((await decideAs(t, f.bob, id, 'APPROVE')).data!.decideApproval.status).toBe('PENDING');
    const denied = await decideAs(t, f.carol, id, 'DENY', 'not during the freeze');
    expect(denied.errors).toBeUndefined();
    expect(denied.data!.decideApproval).toMatchObject({ status: 'DENIED', approvalsReceived: 1, approvalsStillNeeded: 0, closedBy: { email: f.carol.email } });
    expect((await t.gql(APPROVAL, f.alice.token, { id })).data!.approval.accessSession.status).toBe('DENIED');
  });
});

describe('sudo allowlist', () => {
  it('grants an allowlisted command by policy, and leaves the rest to approvers', async () => {
    const access = await request(f.alice, ['web-01']);
    expect((await decideAs(t, f.admin, access.id, 'APPROVE')).data!.decideApproval.accessSession.status).toBe('ACTIVE');
    const sudo = await policy({ name: 'dev sudo allowlist', requestKinds: ['SUDO'], requesterGroups: ['dev'], autoApproveCommands: ['systemctl status *'] });
    expect(sudo.autoApproveCommands).toEqual(['systemctl status *']);

    const allowed = await requestSudoAs(t, f.alice, { server: 'web-01', command: 'systemctl  status nginx' });
    expect(allowed.errors).toBeUndefined();
    const granted = allowed.data!.requestSudo;
    expect(granted).toMatchObject({
      kind: 'SUDO',
      status: 'APPROVED',
      isAutoApproved: true,
      command: 'systemctl status nginx',
      policyId: sudo.id,
      closedBy: null,
      decisions: [],
    });
    expect(granted.sudoAuthorization).toMatchObject({
      command: 'systemctl status nginx',
      isPattern: false,
      grantedVia: 'POLICY',
      policyId: sudo.id,
      approvalId: granted.id,
      grantedBy: null,
    });

    const other = await requestSudoAs(t, f.alice, { server: 'web-01', command: 'systemctl restart nginx' });
    expect(other.errors).toBeUndefined();
    expect(other.data!.requestSudo).toMatchObject({
      status: 'PENDING',
      isAutoApproved: false,
      policyName: sudo.name,
      approvalsStillNeeded: 1,
      sudoAuthorization: null,
    });
    const approved = await decideAs(t, f.bob, other.data!.requestSudo.id, 'APPROVE');
    expect(approved.data!.decideApproval.sudoAuthorization).toMatchObject({
      command: 'systemctl restart nginx',
      grantedVia: 'APPROVAL',
      grantedBy: { email: f.bob.email },
    });

    // Sudo needs an access session in force on that server.
    expect(errorCodes(await requestSudoAs(t, f.dave, { server: 'web-01', command: 'systemctl status nginx' }))).toEqual(['FORBIDDEN']);
    expect(errorCodes(await requestSudoAs(t, f.alice, { server: 'dev-01', command: 'systemctl status nginx' }))).toEqual(['FORBIDDEN']);
  });
});

describe('policy rules held by the request', () => {
  it('asks for a justification when the policy says so', async () => {
    await policy({
      name: 'db needs reasons',
      requestKinds: ['ACCESS'],
      serverLabels: [{ key: 'role', value: 'db' }],
      requesterGroups: ['dev'],
      isApprovalJustificationRequired: true,
    });
    const { id } = await request(f.alice, ['db-01']);
    for (const justification of [undefined, '   ']) {
      const bare = await decideAs(t, f.bob, id, 'APPROVE', justification);
      expect(errorCodes(bare)).toEqual(['BAD_USER_INPUT']);
      expect(bare.errors![0]!.extensions.field).toBe('justification');
    }
    expect(await approval(id)).toMatchObject({ status: 'PENDING', decisions: [] });
    const approved = await decideAs(t, f.bob, id, 'APPROVE', 'ticket OPS-42');
    expect(approved.errors).toBeUndefined();
    expect(approved.data!.decideApproval).toMatchObject({
      status: 'APPROVED',
      decisions: [{ decision: 'APPROVE', justification: 'ticket OPS-42', approver: { email: f.bob.email } }],
    });
  });

  it('keeps a pending request to the rules it was made under when the policy changes', async () => {
    const rule = await sreProdPolicy('edited later', { requiredApprovals: 2 });
    const before = await request(f.alice, ['web-01']);
    const updated = await t.gql(UPDATE_POLICY, t.admin.token, { id: rule.id, input: { requiredApprovals: 1, approverGroups: ['dba'] } });
    expect(updated.data!.updateApprovalPolicy).toMatchObject({ requiredApprovals: 1, approverGroups: ['dba'] });

    expect(await approval(before.id)).toMatchObject({ status: 'PENDING', requiredApprovals: 2, approvalsStillNeeded: 2 });
    expect(errorCodes(await decideAs(t, f.erin, before.id, 'APPROVE'))).toEqual(['FORBIDDEN']);
    expect((await decideAs(t, f.bob, before.id, 'APPROVE')).data!.decideApproval).toMatchObject({ status: 'PENDING', approvalsStillNeeded: 1 });
    expect((await decideAs(t, f.carol, before.id, 'APPROVE')).data!.decideApproval.status).toBe('APPROVED');

    const after = await request(f.alice, ['web-01']);
    expect(after).toMatchObject({ policyName: rule.name, requiredApprovals: 1 });
    expect(errorCodes(await decideAs(t, f.bob, after.id, 'APPROVE'))).toEqual(['FORBIDDEN']);
    expect((await decideAs(t, f.erin, after.id, 'APPROVE')).data!.decideApproval.status).toBe('APPROVED');
  });
});

describe('which policy governs', () => {
  it('takes the prod policy when any server is prod, the highest priority, and no disabled or deleted policy', async () => {
    const prod = await sreProdPolicy('prod any server');
    const mixed = await request(f.alice, ['web-01', 'dev-01']);
    expect(mixed).toMatchObject({ policyName: prod.name, policyId: prod.id });
    expect((await request(f.alice, ['dev-01'])).policyName).toBeNull();
    // Another group's policy, however high, does not cover alice.
    await policy({ name: 'sre requesters', requestKinds: ['ACCESS'], requesterGroups: ['sre'], priority: 500 });

    const high = await sreProdPolicy('prod high priority', { priority: 10, requiredApprovals: 2 });
    expect(await request(f.alice, ['web-01'])).toMatchObject({ policyName: high.name, requiredApprovals: 2 });

    const disabled = await t.gql(UPDATE_POLICY, t.admin.token, { id: high.id, input: { isEnabled: false } });
    expect(disabled.data!.updateApprovalPolicy.isEnabled).toBe(false);
    expect(await request(f.alice, ['web-01'])).toMatchObject({ policyName: prod.name, requiredApprovals: 1 });

    expect((await t.gql(DELETE_POLICY, t.admin.token, { id: prod.id })).errors).toBeUndefined();
    expect(await request(f.alice, ['web-01'])).toMatchObject({ policyName: null, policyId: null });
    expect(await ids(POLICIES, f.admin, 'approvalPolicies')).not.toContain(prod.id);
    // What was governed keeps naming the retired policy.
    expect((await approval(mixed.id)).policyName).toBe(prod.name);
  });
});

describe('policy administration', () => {
  it('is for admins only', async () => {
    const made = await policy({ name: 'admins only', requestKinds: ['ACCESS'], requesterGroups: ['nobody'] });
    const input = { name: 'bob policy', requestKinds: ['ACCESS'] };
    expect(
      errorCodes(await t.gql(`mutation($input: CreateApprovalPolicyInput!) { createApprovalPolicy(input: $input) { id } }`, f.bob.token, { input })),
    ).toEqual(['FORBIDDEN']);
    expect(errorCodes(await t.gql(POLICIES, f.bob.token))).toEqual(['FORBIDDEN']);
    expect(errorCodes(await t.gql(UPDATE_POLICY, f.bob.token, { id: made.id, input: { requiredApprovals: 0 } }))).toEqual(['FORBIDDEN']);
    expect(errorCodes(await t.gql(DELETE_POLICY, f.bob.token, { id: made.id }))).toEqual(['FORBIDDEN']);
    const names = (await t.gql(POLICIES, t.admin.token)).data!.approvalPolicies.nodes.map((node: { name: string }) => node.name);
    expect(names).toContain(made.name);
    expect(names).not.toContain(input.name);
  });

  it('refuses a duplicate name and bad input, naming the field, and stores nothing', async () => {
    await policy({ name: 'Night Shift', requestKinds: ['ACCESS'], requesterGroups: ['nobody'] });
    const stored = await ids(POLICIES, f.admin, 'approvalPolicies');

    const duplicate = await createPolicy(t, { name: ' night SHIFT ', requestKinds: ['SUDO'] });
    expect(errorCodes(duplicate)).toEqual(['CONFLICT']);
    expect(duplicate.errors![0]!.extensions.field).toBe('input.name');

    const bad: [Record<string, unknown>, string][] = [
      [{ requiredApprovals: 11 }, 'input.requiredApprovals'],
      [{ requestKinds: [] }, 'input.requestKinds'],
      [{ requiredApprovals: 1, isAdminApprover: false }, 'input.approverGroups'],
      [{ approverGroups: ['no spaces'] }, 'input.approverGroups.0'],
    ];
    for (const [input, field] of bad) {
      const response = await createPolicy(t, { name: 'bad one', requestKinds: ['ACCESS'], ...input });
      expect(errorCodes(response)).toEqual(['BAD_USER_INPUT']);
      expect(response.errors![0]!.extensions.field).toBe(field);
    }
    expect((await ids(POLICIES, f.admin, 'approvalPolicies')).sort()).toEqual(stored.sort());

    // An update may not leave a policy with nobody to approve either.
    const lonely = await t.gql(UPDATE_POLICY, t.admin.token, { id: created[0], input: { isAdminApprover: false } });
    expect(lonely.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.approverGroups' });
  });

  it('enforces the policy’s longest duration on requests', async () => {
    const short = await policy({
      name: 'short dev',
      requestKinds: ['ACCESS'],
      serverLabels: [{ key: 'env', value: 'dev' }],
      requesterGroups: ['dev'],
      maxDurationMinutes: 120,
    });
    const long = await requestAccessAs(t, f.alice, { servers: ['dev-01'], durationMinutes: 121 });
    expect(long.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.durationMinutes' });
    expect(long.errors![0]!.message).toContain(short.name);
    expect(await request(f.alice, ['dev-01'], { durationMinutes: 120 })).toMatchObject({ status: 'PENDING', policyName: short.name, durationMinutes: 120 });
  });
});

describe('the reviewer’s queue', () => {
  /** Whether `who` may decide each pending request, asked one request at a time. */
  async function decidableOneByOne(who: TestUser): Promise<string[]> {
    const decidable: string[] = [];
    for (const id of await ids(PENDING, f.admin, 'approvals')) {
      const response = await t.gql(APPROVAL, who.token, { id });
      if (errorCodes(response).includes('NOT_FOUND')) continue;
      expect(response.errors).toBeUndefined();
      if (response.data!.approval.viewerCanDecide) decidable.push(id);
    }
    return decidable.sort();
  }

  it('lists exactly what the viewer may decide and has not', async () => {
    await sreProdPolicy('queue sre', { requiredApprovals: 2, priority: 40 });
    const dba = await policy({
      name: 'queue dba',
      requestKinds: ['ACCESS'],
      serverLabels: [{ key: 'role', value: 'db' }],
      requesterGroups: ['dev'],
      approverGroups: ['dba'],
      priority: 50,
    });
    const sreGoverned = await request(f.alice, ['web-01']);
    const underDefaults = await request(f.alice, ['dev-01']);
    const dbaGoverned = await request(f.dave, ['db-01']);
    expect(dbaGoverned.policyName).toBe(dba.name);
    const bobsOwn = await request(f.bob, ['web-01']);
    const decidedByBob = await request(f.alice, ['web-01']);
    expect((await decideAs(t, f.bob, decidedByBob.id, 'APPROVE')).data!.decideApproval.status).toBe('PENDING');

    const bobQueue = (await t.gql(TO_REVIEW, f.bob.token)).data!.approvalsToReview.nodes;
    const bobIds = bobQueue.map((node: { id: string }) => node.id);
    expect(bobIds).toEqual(expect.arrayContaining([sreGoverned.id, underDefaults.id]));
    for (const absent of [bobsOwn.id, dbaGoverned.id, decidedByBob.id]) expect(bobIds).not.toContain(absent);
    expect(bobQueue.every((node: { viewerCanDecide: boolean }) => node.viewerCanDecide)).toBe(true);
    expect(errorCodes(await t.gql(APPROVAL, f.bob.token, { id: dbaGoverned.id }))).toEqual(['NOT_FOUND']);

    const erinIds = await ids(TO_REVIEW, f.erin, 'approvalsToReview');
    expect(erinIds).toEqual(expect.arrayContaining([dbaGoverned.id, underDefaults.id, bobsOwn.id]));
    expect(erinIds).not.toContain(sreGoverned.id);
    expect(await ids(TO_REVIEW, f.carol, 'approvalsToReview')).toContain(decidedByBob.id);
    expect(await ids(TO_REVIEW, f.dave, 'approvalsToReview')).toEqual([]);

    // The queue and viewerCanDecide agree on every pending request in the tenant.
    for (const who of [f.bob, f.erin, f.admin]) {
      expect((await ids(TO_REVIEW, who, 'approvalsToReview')).sort()).toEqual(await decidableOneByOne(who));
    }
  });
});

describe('tenant isolation', () => {
  it('neither shows nor lets another tenant’s admin decide a request', async () => {
    const rule = await sreProdPolicy('isolated');
    const { id } = await request(f.alice, ['web-01']);
    const other = f.other.admin;
    expect(errorCodes(await t.gql(APPROVAL, other.token, { id }))).toEqual(['NOT_FOUND']);
    const decided = await decideAs(t, other, id, 'APPROVE');
    expect(errorCodes(decided)).toEqual(['NOT_FOUND']);
    expect(decided.errors![0]!.message).not.toContain(f.alice.email);
    expect(errorCodes(await decideAs(t, other, id, 'DENY', 'not yours'))).toEqual(['NOT_FOUND']);
    expect(await ids(PENDING, other, 'approvals')).not.toContain(id);
    expect(await ids(TO_REVIEW, other, 'approvalsToReview')).not.toContain(id);
    expect(errorCodes(await t.gql(UPDATE_POLICY, other.token, { id: rule.id, input: { requiredApprovals: 0 } }))).toEqual(['NOT_FOUND']);
    expect(errorCodes(await t.gql(DELETE_POLICY, other.token, { id: rule.id }))).toEqual(['NOT_FOUND']);
    expect(await approval(id)).toMatchObject({ status: 'PENDING', requiredApprovals: 1, decisions: [], closedBy: null });
    expect(await request(f.alice, ['web-01'])).toMatchObject({ policyName: rule.name, requiredApprovals: 1 });
  });
});
