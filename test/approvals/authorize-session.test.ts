/**
 * authorizeSession: an agent asks, before a person gets a shell, whether they may open a session on
 * its server now. Policies with requiresAccessSession decide where an access session is needed (by
 * server labels and requester groups); an access session in force allows it, a waiting request
 * makes it PENDING, and its revocation counts from the next check. Every check is recorded.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApprovalsFixture, createPolicy, decideAs, requestAccessAs, type ApprovalsFixture } from '../support/approvals-fixture.js';
import { errorCodes } from '../support/graphql-client.js';
import type { TestServer } from '../support/records-fixture.js';
import { startTestVigil, type TestUser, type TestVigil } from '../support/test-vigil.js';

let t: TestVigil;
let f: ApprovalsFixture;

beforeAll(async () => {
  t = await startTestVigil({
    env: {
      VIGIL_ACCESS_REQUEST_URL: 'https://console.example.test/access/new?server={server}&user={user}',
      VIGIL_APPROVAL_URL: 'https://console.example.test/access/requests/{id}',
    },
  });
  f = await buildApprovalsFixture(t);
  const policy = await createPolicy(t, {
    name: 'Prod shells need access',
    requestKinds: ['ACCESS'],
    serverLabels: [{ key: 'env', value: 'prod' }],
    requesterGroups: ['dev'],
    isAccessSessionRequired: true,
  });
  expect(policy.errors).toBeUndefined();
});
afterAll(() => t?.close());

const AUTHORIZE = `mutation($input: AuthorizeSessionInput!) {
  authorizeSession(input: $input) { isAllowed decision reason checkId checkedAt accessSessionId allowedUntil approvalId policyId url }
}`;

async function authorize(server: TestServer, user: string, source = 'SHELL_CLI') {
  const response = await t.gql(AUTHORIZE, server.agentToken, { input: { user, source } });
  expect(response.errors).toBeUndefined();
  return response.data!.authorizeSession;
}

const checksOf = async (): Promise<{ type: string; record: Record<string, unknown> }[]> =>
  (await t.gql(`{ eventStream(filter: { kinds: ["session_check"] }, first: 100) { nodes { type record } } }`, f.admin.token)).data!.eventStream.nodes;

describe('authorizeSession', () => {
  it('allows where no policy asks for an access session: another label, or a requester the policy does not cover', async () => {
    expect(await authorize(f.dev, f.alice.email)).toMatchObject({
      isAllowed: true,
      decision: 'ALLOWED',
      reason: 'NOT_REQUIRED',
      accessSessionId: null,
      url: null,
    });
    // bob is in `sre`; the policy covers `dev` only.
    expect(await authorize(f.web, f.bob.email)).toMatchObject({ isAllowed: true, decision: 'ALLOWED', reason: 'NOT_REQUIRED', policyId: null });
  });

  it('follows an access request from refusal to pending to allowed and back to refusal on revocation', async () => {
    const refused = await authorize(f.web, f.alice.email);
    expect(refused).toMatchObject({
      isAllowed: false,
      decision: 'DENIED',
      reason: 'NO_ACCESS_SESSION',
      url: `https://console.example.test/access/new?server=web-01&user=${encodeURIComponent(f.alice.email)}`,
    });
    expect(refused.policyId).not.toBeNull();

    const requested = await requestAccessAs(t, f.alice, { servers: ['web-01'], durationMinutes: 30 });
    const requestId = requested.data!.requestAccess.id as string;
    expect(await authorize(f.web, f.alice.email)).toMatchObject({
      decision: 'PENDING',
      reason: 'REQUEST_PENDING',
      approvalId: requestId,
      url: `https://console.example.test/access/requests/${requestId}`,
    });
    // The request is for web-01 only: db-01 (also prod) stays refused.
    expect(await authorize(f.db, f.alice.email)).toMatchObject({ decision: 'DENIED', reason: 'NO_ACCESS_SESSION' });

    const approved = await decideAs(t, f.admin, requestId, 'APPROVE');
    const session = approved.data!.decideApproval.accessSession;
    expect(await authorize(f.web, f.alice.id, 'WEB_TERMINAL')).toMatchObject({
      isAllowed: true,
      decision: 'ALLOWED',
      reason: 'ACCESS_SESSION',
      accessSessionId: session.id,
      allowedUntil: session.expiresAt,
      url: null,
    });

    await t.gql(`mutation($id: ID!) { revokeAccessSession(id: $id, reason: "rotation") { status } }`, f.admin.token, { id: session.id });
    expect(await authorize(f.web, f.alice.email)).toMatchObject({ isAllowed: false, reason: 'NO_ACCESS_SESSION' });
  });

  it('refuses people Vigil does not know or has disabled', async () => {
    expect(await authorize(f.dev, 'nobody@example.test')).toMatchObject({ isAllowed: false, decision: 'DENIED', reason: 'UNKNOWN_USER', url: null });
    const leaver: TestUser = await t.createUser(t.admin.tenantId, { email: 'leaver@example.test' });
    await t.gql(`mutation($id: ID!) { disableUser(id: $id) { id } }`, f.admin.token, { id: leaver.id });
    expect(await authorize(f.dev, leaver.email)).toMatchObject({ isAllowed: false, reason: 'USER_DISABLED' });
  });

  it('is for agents, each for its own server, and every answer is kept in the verifiable log', async () => {
    expect(errorCodes(await t.gql(AUTHORIZE, f.alice.token, { input: { user: f.alice.email, source: 'SHELL_CLI' } }))).toEqual(['FORBIDDEN']);
    expect(errorCodes(await t.gql(AUTHORIZE, f.web.agentToken, { input: { server: 'db-01', user: f.alice.email, source: 'SHELL_CLI' } }))).toEqual([
      'FORBIDDEN',
    ]);
    const blank = await t.gql(AUTHORIZE, f.web.agentToken, { input: { user: ' ', source: 'SHELL_CLI' } });
    expect(errorCodes(blank)).toEqual(['BAD_USER_INPUT']);

    const before = (await checksOf()).length;
    const answer = await authorize(f.web, f.carol.email);
    const checks = await checksOf();
    expect(checks).toHaveLength(before + 1);
    expect(checks.at(-1)).toMatchObject({
      type: 'session_check.allowed',
      record: { id: answer.checkId, user_ref: f.carol.email, source: 'shell_cli', reason: 'not_required' },
    });
    const types = new Set(checks.map((check) => check.type));
    expect([...types].sort()).toEqual(['session_check.allowed', 'session_check.denied', 'session_check.pending']);
    const integrity = await t.gql(`{ logIntegrity { isIntact faultCount } }`, f.admin.token);
    expect(integrity.data!.logIntegrity).toEqual({ isIntact: true, faultCount: 0 });
  });
});
