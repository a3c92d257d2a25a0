/**
 * Extending access sessions in tests: one lane of servers per extension rule (labels never
 * overlap with the approvals fixture's), and the mutations and reads the tests share.
 *
 * lane=self  "Self-service extensions": 1 sre approval to start, extensions NOT_REQUIRED, at most 60 minutes a request and 120 in all;
 *            a shell there needs an access session in force.
 * lane=ask   "Extensions approved": 1 sre approval, extensions AS_REQUEST, at most 60 minutes in all (maxDurationMinutes bounds the total).
 * lane=never "No extensions": 1 sre approval, extensions DISABLED.
 */
import { expect } from 'vitest';
import type { ApprovalsFixture } from './approvals-fixture.js';
import { APPROVAL, createPolicy, decideAs, requestAccessAs } from './approvals-fixture.js';
import type { GraphQLResponse } from './graphql-client.js';
import { addServer, type TestServer } from './records-fixture.js';
import type { TestUser, TestVigil } from './test-vigil.js';

export interface ExtensionLanes {
  readonly self: TestServer;
  readonly ask: TestServer;
  readonly never: TestServer;
}

export async function buildExtensionLanes(t: TestVigil): Promise<ExtensionLanes> {
  const tenantId = t.admin.tenantId;
  const lanes = {
    self: await addServer(t, tenantId, 'self-01', [{ key: 'lane', value: 'self' }]),
    ask: await addServer(t, tenantId, 'ask-01', [{ key: 'lane', value: 'ask' }]),
    never: await addServer(t, tenantId, 'never-01', [{ key: 'lane', value: 'never' }]),
  };
  const base = { requestKinds: ['ACCESS', 'SUDO'], approverGroups: ['sre'], isAdminApprover: false, requiredApprovals: 1 };
  for (const input of [
    {
      ...base,
      name: 'Self-service extensions',
      serverLabels: [{ key: 'lane', value: 'self' }],
      extensionApproval: 'NOT_REQUIRED',
      maxDurationMinutes: 60,
      maxTotalDurationMinutes: 120,
      // A shell there needs an access session in force: authorizeSession answers until when.
      isAccessSessionRequired: true,
    },
    { ...base, name: 'Extensions approved', serverLabels: [{ key: 'lane', value: 'ask' }], maxDurationMinutes: 60 },
    { ...base, name: 'No extensions', serverLabels: [{ key: 'lane', value: 'never' }], extensionApproval: 'DISABLED' },
  ]) {
    const created = await createPolicy(t, input);
    expect(created.errors).toBeUndefined();
  }
  return lanes;
}

export const EXTENSION_FIELDS = `id kind status reason durationMinutes requiredApprovals approvalsStillNeeded isAutoApproved policyName decideBy sessionExpiresAt
  requester { email } servers { name } decisions { decision channel approver { email } }`;
export const REQUEST_EXTENSION = `mutation($input: RequestExtensionInput!) { requestExtension(input: $input) { ${EXTENSION_FIELDS} } }`;
export const SESSION = `query($id: ID!) { accessSession(id: $id) { id status startsAt expiresAt endedAt sudoAuthorizations { nodes { id command expiresAt revokedAt } } } }`;

export function requestExtensionAs(t: TestVigil, who: TestUser, accessSessionId: string, durationMinutes: number, reason = 'the migration runs long') {
  return t.gql(REQUEST_EXTENSION, who.token, { input: { accessSessionId, durationMinutes, reason } });
}

/** An access session of `who` on `server`, approved by bob: its id and end. */
export async function activeSession(
  t: TestVigil,
  f: ApprovalsFixture,
  who: TestUser,
  server: TestServer,
  extra: Record<string, unknown> = {},
): Promise<{ id: string; expiresAt: Date }> {
  const requested = await requestAccessAs(t, who, { servers: [server.name], durationMinutes: 30, ...extra });
  expect(requested.errors).toBeUndefined();
  const approved = await decideAs(t, f.bob, requested.data!.requestAccess.id, 'APPROVE');
  expect(approved.errors).toBeUndefined();
  // The approver does not see the session itself; the requester does.
  const read = await t.gql(APPROVAL, who.token, { id: requested.data!.requestAccess.id });
  const session = read.data!.approval.accessSession;
  expect(session.status).toBe('ACTIVE');
  return { id: session.id, expiresAt: new Date(session.expiresAt) };
}

export async function sessionOf(t: TestVigil, id: string) {
  const response = await t.gql(SESSION, t.admin.token, { id });
  expect(response.errors).toBeUndefined();
  return response.data!.accessSession as {
    id: string;
    status: string;
    startsAt: string;
    expiresAt: string;
    sudoAuthorizations: { nodes: { id: string; command: string; expiresAt: string | null; revokedAt: string | null }[] };
  };
}

/** The first error's code and field, for exact assertions. */
export const refusal = (response: GraphQLResponse<unknown>) => ({
  code: response.errors?.[0]?.extensions.code,
  field: response.errors?.[0]?.extensions.field,
});
