/**
 * A tenant set up for the approval workflow:
 *
 * tenant `default`: admin (first-run); alice and dave (requesters, group `dev`); bob and carol
 * (approvers: approvals.decide, group `sre`); erin (approvals.decide, group `dba`); servers web-01
 * (env=prod), db-01 (env=prod, role=db) and dev-01 (env=dev), each with an agent token.
 * tenant `other`: its admin and server other-01.
 *
 * Helpers run the workflow through GraphQL, as the API and bots do.
 */
import { sql } from 'drizzle-orm';
import { expect } from 'vitest';
import { sweepApprovals } from '../../server/approvals/approval-sweeper.js';
import { queryRows } from '../../server/db/database.js';
import type { ManualClock } from '../../server/clock.js';
import type { GraphQLResponse } from './graphql-client.js';
import { addServer, type TestServer } from './records-fixture.js';
import type { TestUser, TestVigil } from './test-vigil.js';

export interface ApprovalsFixture {
  readonly admin: TestUser;
  readonly alice: TestUser;
  readonly dave: TestUser;
  readonly bob: TestUser;
  readonly carol: TestUser;
  readonly erin: TestUser;
  readonly web: TestServer;
  readonly db: TestServer;
  readonly dev: TestServer;
  readonly other: { admin: TestUser; server: TestServer; tenantId: string };
}

export async function buildApprovalsFixture(t: TestVigil): Promise<ApprovalsFixture> {
  const tenantId = t.admin.tenantId;
  const alice = await t.createUser(tenantId, { email: 'alice@example.test', groups: ['dev'] });
  const dave = await t.createUser(tenantId, { email: 'dave@example.test', groups: ['dev'] });
  const bob = await t.createUser(tenantId, { email: 'bob@example.test', groups: ['sre'], permissions: ['approvals.decide'] });
  const carol = await t.createUser(tenantId, { email: 'carol@example.test', groups: ['sre'], permissions: ['approvals.decide'] });
  const erin = await t.createUser(tenantId, { email: 'erin@example.test', groups: ['dba'], permissions: ['approvals.decide'] });
  const web = await addServer(t, tenantId, 'web-01', [{ key: 'env', value: 'prod' }]);
  const db = await addServer(t, tenantId, 'db-01', [
    { key: 'env', value: 'prod' },
    { key: 'role', value: 'db' },
  ]);
  const dev = await addServer(t, tenantId, 'dev-01', [{ key: 'env', value: 'dev' }]);
  const other = await t.createTenant('other');
  const otherServer = await addServer(t, other.tenantId, 'other-01');
  return { admin: t.admin, alice, dave, bob, carol, erin, web, db, dev, other: { admin: other.admin, server: otherServer, tenantId: other.tenantId } };
}

export const APPROVAL_FIELDS = `id kind status reason command isPattern durationMinutes policyName policyId requiredApprovals
  approvalsReceived approvalsStillNeeded isAutoApproved requestedAt decideBy closedAt cancelReason viewerCanDecide
  requester { email } closedBy { email } servers { name }
  decisions { decision justification channel chatUserId approver { email } }
  accessSession { id status startsAt expiresAt endedAt endReason isSudoAllowed approver { email } }
  sudoAuthorization { id command isPattern grantedVia policyId approvalId expiresAt grantedBy { email } }`;

export const REQUEST_ACCESS = `mutation($input: RequestAccessInput!) { requestAccess(input: $input) { ${APPROVAL_FIELDS} } }`;
export const REQUEST_SUDO = `mutation($input: RequestSudoInput!) { requestSudo(input: $input) { ${APPROVAL_FIELDS} } }`;
export const DECIDE = `mutation($id: ID!, $decision: Decision!, $justification: String) {
  decideApproval(id: $id, decision: $decision, justification: $justification) { ${APPROVAL_FIELDS} }
}`;
export const APPROVAL = `query($id: ID!) { approval(id: $id) { ${APPROVAL_FIELDS} } }`;
export const CREATE_POLICY = `mutation($input: CreateApprovalPolicyInput!) { createApprovalPolicy(input: $input) { id name requiredApprovals approverGroups autoApproveCommands } }`;
export const AUTHORIZE_SUDO = `mutation($input: AuthorizeSudoInput!) {
  authorizeSudo(input: $input) { isAllowed check { id outcome userRef command } authorization { id command grantedVia approvalId policyId } }
}`;

export function requestAccessAs(t: TestVigil, who: TestUser, input: Record<string, unknown>): Promise<GraphQLResponse<any>> {
  return t.gql(REQUEST_ACCESS, who.token, { input: { durationMinutes: 60, reason: 'deploy the hotfix', ...input } });
}

export function requestSudoAs(t: TestVigil, who: TestUser, input: Record<string, unknown>): Promise<GraphQLResponse<any>> {
  return t.gql(REQUEST_SUDO, who.token, { input: { reason: 'restart after config change', ...input } });
}

export function decideAs(t: TestVigil, who: TestUser, id: string, decision: 'APPROVE' | 'DENY', justification?: string): Promise<GraphQLResponse<any>> {
  return t.gql(DECIDE, who.token, { id, decision, justification });
}

export function createPolicy(t: TestVigil, input: Record<string, unknown>): Promise<GraphQLResponse<any>> {
  return t.gql(CREATE_POLICY, t.admin.token, { input });
}

/** Access to env=prod servers (web-01, db-01), decided by one approval from group `sre`. */
export async function createSreProdPolicy(t: TestVigil): Promise<void> {
  const created = await createPolicy(t, {
    name: 'SRE prod',
    requestKinds: ['ACCESS'],
    serverLabels: [{ key: 'env', value: 'prod' }],
    approverGroups: ['sre'],
    isAdminApprover: false,
    requiredApprovals: 1,
  });
  expect(created.errors).toBeUndefined();
}

/** Where the chat bots' copies of a request were posted (conversation ids, sorted). */
export async function chatCopiesOf(t: TestVigil, approvalId: string): Promise<string[]> {
  const rows = await queryRows<{ conversation: string }>(
    t.vigil.database.db,
    sql`select conversation from chat_messages where tenant_id = ${t.admin.tenantId} and subject_type = 'approval' and subject_id = ${approvalId}::uuid order by conversation`,
  );
  return rows.map((row) => row.conversation);
}

export function authorizeSudoAs(t: TestVigil, server: TestServer, user: string, command: string): Promise<GraphQLResponse<any>> {
  return t.gql(AUTHORIZE_SUDO, server.agentToken, { input: { user, command } });
}

/** Runs the time-bounds sweeper once, as every instance does periodically. */
export function sweep(t: TestVigil) {
  return sweepApprovals(t.vigil.database.db, t.clock);
}

/** Moves the test clock on. */
export function advance(t: TestVigil, minutes: number): void {
  (t.clock as unknown as ManualClock).advance(minutes * 60_000);
}
