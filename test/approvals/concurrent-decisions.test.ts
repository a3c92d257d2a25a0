/**
 * Races in the approval workflow that only a real PostgreSQL server can show: several connections
 * deciding, ending and sweeping the same request at once. Each must leave exactly one outcome,
 * told once in the audit log, and the loser must hear CONFLICT (never a deadlock or a 500).
 *
 * The instance's own periodic sweeper is slowed to once an hour so it never joins a race by
 * accident; the sweeps here are run by hand, on two database handles.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { sweepApprovals, type SweepCounts } from '../../server/approvals/approval-sweeper.js';
import { openDatabase, queryRows, type DatabaseHandle } from '../../server/db/database.js';
import { errorCodes, type GraphQLResponse } from '../support/graphql-client.js';
import { databaseUrl } from '../support/postgres-url.js';
import { isPostgres } from '../support/test-database.js';
import { startTestVigil, type TestUser, type TestVigil } from '../support/test-vigil.js';
import { advance, buildApprovalsFixture, requestSudoAs, type ApprovalsFixture } from '../support/approvals-fixture.js';

// Lean selections (the fixture's select every field): the race is the same, the rounds are quicker.
const REQUEST_ACCESS = `mutation($input: RequestAccessInput!) { requestAccess(input: $input) { id status requiredApprovals accessSession { id } } }`;
const DECIDE = `mutation($id: ID!, $decision: Decision!, $justification: String) {
  decideApproval(id: $id, decision: $decision, justification: $justification) { id status closedBy { email } decisions { decision approver { email } } }
}`;
const APPROVAL = `query($id: ID!) { approval(id: $id) {
  id status approvalsReceived closedBy { email } decisions { decision approver { email } } accessSession { id status approver { email } }
} }`;
const END = `mutation($id: ID!, $reason: String) { endAccessSession(id: $id, reason: $reason) { id status endedAt endedBy { email } } }`;
const AUDIT = `query($type: String!, $id: String!) { auditLog(first: 500, filter: { resourceType: $type, resourceId: $id }) { nodes { action actorType actorEmail } } }`;
const AUDIT_BY_ACTION = `query($type: String!, $action: String!) { auditLog(first: 500, filter: { resourceType: $type, action: [$action] }) { nodes { action resourceId } } }`;
const SUDO_APPROVAL = `query($id: ID!) { approval(id: $id) {
  id kind status cancelReason closedBy { email } decisions { decision approver { email } }
  sudoAuthorization { id revokedAt accessSession { id } }
} }`;
const SESSION = `query($id: ID!) { accessSession(id: $id) { id status endedAt sudoAuthorizations { nodes { id command revokedAt } } } }`;
const APPROVALS_BY_STATUS = `query($status: [ApprovalStatus!]) { approvals(first: 500, filter: { status: $status }) { nodes { id status closedBy { email } accessSession { status } } } }`;
const SESSIONS_IN_FORCE = `query($userId: ID) { accessSessions(first: 500, filter: { userId: $userId, status: [ACTIVE, APPROVED] }) { nodes { id approval { id } } } }`;

type Entry = { action: string; actorType: string; actorEmail: string | null };

describe.runIf(isPostgres)('approval decisions racing on PostgreSQL', () => {
  let t: TestVigil;
  let f: ApprovalsFixture;

  beforeAll(async () => {
    t = await startTestVigil({ env: { VIGIL_APPROVAL_SWEEP_SECONDS: '3600' } });
    f = await buildApprovalsFixture(t);
  });
  afterAll(async () => t?.close());

  async function auditOf(type: string, id: string): Promise<Entry[]> {
    const response = await t.gql(AUDIT, t.admin.token, { type, id });
    expect(response.errors).toBeUndefined();
    return (response.data!.auditLog.nodes as Entry[]).reverse();
  }

  /** What a racing call may answer: success, or CONFLICT; never a fault, a deadlock or another refusal. */
  function expectSuccessOrConflict(response: GraphQLResponse<any>, label: string): 'ok' | 'conflict' {
    expect(response.status, `${label}: HTTP status`).toBe(200);
    const codes = errorCodes(response);
    expect([[], ['CONFLICT']], `${label}: errors ${JSON.stringify(response.errors)}`).toContainEqual(codes);
    return codes.length === 0 ? 'ok' : 'conflict';
  }

  function decideAs(who: TestUser, id: string, decision: 'APPROVE' | 'DENY', justification?: string): Promise<GraphQLResponse<any>> {
    return t.gql(DECIDE, who.token, { id, decision, justification });
  }

  async function pendingAccessRequest(requester: TestUser): Promise<{ id: string; sessionId: string }> {
    const requested = await t.gql(REQUEST_ACCESS, requester.token, { input: { servers: ['web-01'], durationMinutes: 60, reason: 'deploy the hotfix' } });
    expect(requested.errors).toBeUndefined();
    expect(requested.data!.requestAccess).toMatchObject({ status: 'PENDING', requiredApprovals: 1 });
    return { id: requested.data!.requestAccess.id, sessionId: requested.data!.requestAccess.accessSession.id };
  }

  it('leaves exactly one decision when two approvers approve the same request at once (50 requests)', async () => {
    const pairs: [TestUser, TestUser][] = [
      [f.bob, f.carol],
      [f.carol, f.bob],
      [f.admin, f.bob],
      [f.bob, f.admin],
    ];
    const wins = new Map<string, number>();
    const sessionIds = new Set<string>();
    for (let round = 0; round < 50; round++) {
      const label = `round ${round}`;
      const [first, second] = pairs[round % pairs.length]!;
      const request = await pendingAccessRequest(f.alice);

      const results = await Promise.all([decideAs(first, request.id, 'APPROVE'), decideAs(second, request.id, 'APPROVE')]);
      const outcomes = results.map((result, index) => expectSuccessOrConflict(result, `${label} call ${index}`));
      expect(outcomes.slice().sort(), `${label}: one success and one CONFLICT`).toEqual(['conflict', 'ok']);
      const winnerIndex = outcomes.indexOf('ok');
      const winner = [first, second][winnerIndex]!;
      const loserResult = results[1 - winnerIndex]!;
      wins.set(winner.email, (wins.get(winner.email) ?? 0) + 1);

      expect(results[winnerIndex]!.data!.decideApproval).toMatchObject({ status: 'APPROVED', closedBy: { email: winner.email } });
      expect(results[winnerIndex]!.data!.decideApproval.decisions).toHaveLength(1);
      expect(loserResult.errors![0]!.extensions, label).toMatchObject({ code: 'CONFLICT', status: 'approved', decidedBy: winner.email });
      expect(loserResult.errors![0]!.message, label).toContain(winner.email);

      const [read, approvalAudit, sessionAudit] = await Promise.all([
        t.gql(APPROVAL, t.admin.token, { id: request.id }),
        auditOf('approval', request.id),
        auditOf('access_session', request.sessionId),
      ]);
      const approval = read.data!.approval;
      expect(approval, label).toMatchObject({ status: 'APPROVED', approvalsReceived: 1, closedBy: { email: winner.email } });
      expect(approval.decisions, label).toEqual([expect.objectContaining({ decision: 'APPROVE', approver: { email: winner.email } })]);
      expect(approval.accessSession, label).toMatchObject({ id: request.sessionId, status: 'ACTIVE', approver: { email: winner.email } });
      sessionIds.add(approval.accessSession.id);

      expect(approvalAudit.map((entry) => entry.action), label).toEqual(['approval.requested', 'approval.decided']);
      expect(approvalAudit[1]!.actorEmail, label).toBe(winner.email);
      // The session was started once, by the winner's transaction.
      expect(sessionAudit.map((entry) => entry.action), label).toEqual(['access_session.started']);
    }
    expect(sessionIds.size).toBe(50);
    // Exactly one session in force per request, and none besides.
    const inForce = await t.gql(SESSIONS_IN_FORCE, t.admin.token, { userId: f.alice.id });
    expect(inForce.errors).toBeUndefined();
    expect(new Set(inForce.data!.accessSessions.nodes.map((node: { id: string }) => node.id))).toEqual(sessionIds);
    console.info('approve/approve winners:', Object.fromEntries(wins));
  });

  it('leaves exactly one decision when an approval and a denial race (20 requests)', async () => {
    const wins = { approve: 0, deny: 0 };
    for (let round = 0; round < 20; round++) {
      const label = `round ${round}`;
      const request = await pendingAccessRequest(f.dave);
      const approve = () => decideAs(f.bob, request.id, 'APPROVE');
      const deny = () => decideAs(f.carol, request.id, 'DENY', 'not in this change window');
      // Alternate which request leaves first.
      const [approved, denied] = round % 2 === 0 ? await Promise.all([approve(), deny()]) : (await Promise.all([deny(), approve()])).reverse();
      const approveOutcome = expectSuccessOrConflict(approved!, `${label} approve`);
      const denyOutcome = expectSuccessOrConflict(denied!, `${label} deny`);
      expect([approveOutcome, denyOutcome].sort(), `${label}: one success and one CONFLICT`).toEqual(['conflict', 'ok']);

      const approveWon = approveOutcome === 'ok';
      wins[approveWon ? 'approve' : 'deny'] += 1;
      const winner = approveWon ? f.bob : f.carol;
      const loser = approveWon ? denied! : approved!;
      expect(loser.errors![0]!.extensions, label).toMatchObject({ code: 'CONFLICT', status: approveWon ? 'approved' : 'denied', decidedBy: winner.email });

      const [read, audit] = await Promise.all([t.gql(APPROVAL, t.admin.token, { id: request.id }), auditOf('approval', request.id)]);
      const approval = read.data!.approval;
      expect(approval, label).toMatchObject({ status: approveWon ? 'APPROVED' : 'DENIED', closedBy: { email: winner.email } });
      expect(approval.decisions, label).toEqual([expect.objectContaining({ decision: approveWon ? 'APPROVE' : 'DENY', approver: { email: winner.email } })]);
      expect(approval.accessSession.status, label).toBe(approveWon ? 'ACTIVE' : 'DENIED');

      expect(audit.map((entry) => entry.action), label).toEqual(['approval.requested', 'approval.decided']);
    }
    console.info('approve/deny winners:', wins);
  });

  it('never deadlocks deciding a sudo request while its session ends (20 sessions)', async () => {
    const wins = { decision: 0, end: 0 };
    for (let round = 0; round < 20; round++) {
      const label = `round ${round}`;
      const access = await pendingAccessRequest(f.alice);
      expect((await decideAs(f.carol, access.id, 'APPROVE')).data!.decideApproval.status, label).toBe('APPROVED');
      const sudo = await requestSudoAs(t, f.alice, { server: 'web-01', command: 'systemctl restart nginx', accessSessionId: access.sessionId });
      expect(sudo.errors, label).toBeUndefined();
      expect(sudo.data!.requestSudo, label).toMatchObject({ kind: 'SUDO', status: 'PENDING', accessSession: { id: access.sessionId } });
      const sudoId: string = sudo.data!.requestSudo.id;

      const decide = () => decideAs(f.bob, sudoId, 'APPROVE');
      const end = () => t.gql(END, f.alice.token, { id: access.sessionId });
      const [decided, ended] = round % 2 === 0 ? await Promise.all([decide(), end()]) : (await Promise.all([end(), decide()])).reverse();
      const decideOutcome = expectSuccessOrConflict(decided!, `${label} decide`);
      // Ending an active session never loses: the decision does not close the session.
      expect(errorCodes(ended!), `${label} end: ${JSON.stringify(ended!.errors)}`).toEqual([]);
      expect(ended!.data!.endAccessSession).toMatchObject({ status: 'ENDED', endedBy: { email: f.alice.email } });

      const [sessionRead, approvalRead, approvalAudit, sessionAudit] = await Promise.all([
        t.gql(SESSION, f.alice.token, { id: access.sessionId }),
        t.gql(SUDO_APPROVAL, t.admin.token, { id: sudoId }),
        auditOf('approval', sudoId),
        auditOf('access_session', access.sessionId),
      ]);
      const session = sessionRead.data!.accessSession;
      expect(session.status, label).toBe('ENDED');
      expect(session.sudoAuthorizations.nodes.every((grant: { revokedAt: string | null }) => grant.revokedAt !== null), label).toBe(true);
      const approval = approvalRead.data!.approval;
      const actions = approvalAudit.map((entry) => entry.action);
      const sessionActions = sessionAudit.map((entry) => entry.action);

      if (decideOutcome === 'ok') {
        // The decision committed first; the end then revoked the grant it made.
        wins.decision += 1;
        expect(approval, label).toMatchObject({ status: 'APPROVED', closedBy: { email: f.bob.email }, decisions: [{ decision: 'APPROVE', approver: { email: f.bob.email } }] });
        expect(approval.sudoAuthorization, label).toMatchObject({ accessSession: { id: access.sessionId }, revokedAt: expect.any(String) });
        expect(session.sudoAuthorizations.nodes.map((grant: { id: string }) => grant.id), label).toContain(approval.sudoAuthorization.id);
        expect(actions, label).toEqual(['approval.requested', 'approval.decided']);
        expect(sessionActions, label).toEqual(['access_session.started', 'access_session.ended', 'sudo.revoked']);
      } else {
        // The end committed first and cancelled the pending request; the decision came too late.
        wins.end += 1;
        expect(decided!.errors![0]!.extensions, label).toMatchObject({ code: 'CONFLICT', status: 'cancelled' });
        expect(approval, label).toMatchObject({ status: 'CANCELLED', cancelReason: 'access session ended', decisions: [], sudoAuthorization: null });
        expect(actions, label).toEqual(['approval.requested', 'approval.cancelled']);
        expect(sessionActions, label).toEqual(['access_session.started', 'access_session.ended']);
      }
    }
    console.info('sudo decision vs session end winners:', wins);
  });

  describe('two sweepers on two database handles', () => {
    let second: DatabaseHandle;
    beforeAll(async () => {
      // The test Vigil's own database, reached through a pool of its own, as a second instance would.
      const [row] = await queryRows<{ name: string }>(t.vigil.database.db, sql`select current_database() as name`);
      const url = databaseUrl(inject('postgresTemplate')!.adminUrl, row!.name);
      second = await openDatabase({ kind: 'postgres', url, dataDir: '', poolMax: 2 }, { applicationName: 'vigil:second-sweeper' });
    });
    afterAll(async () => second?.close());

    it('expires each overdue request exactly once when two instances sweep at once', async () => {
      for (let round = 0; round < 3; round++) {
        const label = `round ${round}`;
        const ids: string[] = [];
        for (let batch = 0; batch < 3; batch++) {
          const made = await Promise.all(Array.from({ length: 10 }, (_, index) => pendingAccessRequest(index % 2 === 0 ? f.alice : f.dave)));
          ids.push(...made.map((request) => request.id));
        }
        // The sessions still in force from the races above end in the same sweeps (first round).
        const inForce = (await t.gql(SESSIONS_IN_FORCE, t.admin.token, {})).data!.accessSessions.nodes.length as number;

        advance(t, 61);
        const counts: SweepCounts[] = await Promise.all([sweepApprovals(t.vigil.database.db, t.clock), sweepApprovals(second.db, t.clock)]);
        console.info(`${label} sweeps:`, counts);
        expect(counts[0]!.expiredRequests + counts[1]!.expiredRequests, label).toBe(30);
        expect(counts[0]!.expiredSessions + counts[1]!.expiredSessions, label).toBe(inForce);

        const [pending, closed, expired] = await Promise.all([
          t.gql(APPROVALS_BY_STATUS, t.admin.token, { status: ['PENDING'] }),
          t.gql(APPROVALS_BY_STATUS, t.admin.token, { status: ['EXPIRED'] }),
          t.gql(AUDIT_BY_ACTION, t.admin.token, { type: 'approval', action: 'approval.expired' }),
        ]);
        expect(pending.data!.approvals.nodes, label).toEqual([]);
        const expiredById = new Map<string, unknown>(closed.data!.approvals.nodes.map((node: { id: string }) => [node.id, node]));
        for (const id of ids) expect(expiredById.get(id), `${label}: ${id}`).toEqual({ id, status: 'EXPIRED', closedBy: null, accessSession: { status: 'EXPIRED' } });
        expect(expired.errors).toBeUndefined();
        const perRequest = new Map<string, number>();
        for (const node of expired.data!.auditLog.nodes as { resourceId: string }[]) perRequest.set(node.resourceId, (perRequest.get(node.resourceId) ?? 0) + 1);
        for (const id of ids) expect(perRequest.get(id), `${label}: approval.expired entries of ${id}`).toBe(1);
        // Nothing is left for a later sweep.
        expect(await sweepApprovals(second.db, t.clock), label).toEqual({ expiredRequests: 0, startedSessions: 0, expiredSessions: 0 });
      }
      // Both instances appended to one tenant's chain at once: it is still intact.
      const integrity = await t.gql('{ auditIntegrity { isIntact fault { kind } } }', t.admin.token);
      expect(integrity.errors).toBeUndefined();
      expect(integrity.data!.auditIntegrity.isIntact).toBe(true);
    });
  });
});
