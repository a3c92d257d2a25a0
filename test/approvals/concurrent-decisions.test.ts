/**
 * Races in the approval workflow that only a real PostgreSQL server can show: several connections
 * deciding, ending and sweeping the same request at once. Each race must leave exactly one
 * outcome, told once in the audit log, and the loser must hear CONFLICT (never a deadlock, an
 * internal error or a 500).
 *
 * Each scenario sets its requests up first (several at a time), then runs its races one after
 * another, each race alone on the instance, then reads the outcomes back (several at a time).
 * The instance's own periodic sweeper is slowed to once an hour so that it never joins a race;
 * the sweeps here are run by hand, on two database handles.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { sweepApprovals, type SweepCounts } from '../../server/approvals/approval-sweeper.js';
import { openDatabase, queryRows, type DatabaseHandle } from '../../server/db/database.js';
import { registerLogService } from '../../server/log/log-registry.js';
import { createLogService } from '../../server/log/log-service.js';
import { createLogger } from '../../server/logger.js';
import { errorCodes, type GraphQLResponse } from '../support/graphql-client.js';
import { databaseUrl } from '../support/postgres-url.js';
import { isPostgres } from '../support/test-database.js';
import { startTestVigil, type TestUser, type TestVigil } from '../support/test-vigil.js';
import { advance, buildApprovalsFixture, type ApprovalsFixture } from '../support/approvals-fixture.js';

// Lean selections (the fixture's helpers select every field): the same races, quicker rounds.
const REQUEST_ACCESS = `mutation($input: RequestAccessInput!) { requestAccess(input: $input) { id status requiredApprovals accessSession { id } } }`;
const REQUEST_SUDO = `mutation($input: RequestSudoInput!) { requestSudo(input: $input) { id kind status accessSession { id } } }`;
const DECIDE = `mutation($id: ID!, $decision: Decision!, $justification: String) {
  decideApproval(id: $id, decision: $decision, justification: $justification) { id status closedBy { email } decisions { decision approver { email } } }
}`;
const END = `mutation($id: ID!) { endAccessSession(id: $id) { id status endedBy { email } } }`;
const APPROVAL = `query($id: ID!) { approval(id: $id) {
  id status approvalsReceived cancelReason closedBy { email } decisions { decision approver { email } }
  accessSession { id status approver { email } } sudoAuthorization { id revokedAt accessSession { id } }
} }`;
const SESSION = `query($id: ID!) { accessSession(id: $id) { id status sudoAuthorizations { nodes { id revokedAt } } } }`;
const SESSIONS_IN_FORCE = `query($userId: ID) { accessSessions(first: 500, filter: { userId: $userId, status: [ACTIVE, APPROVED] }) { nodes { id } } }`;
const APPROVALS_BY_STATUS = `query($status: [ApprovalStatus!]) { approvals(first: 500, filter: { status: $status }) { nodes { id status closedBy { email } accessSession { status } } } }`;
const AUDIT = `query($type: String!, $id: String!) { auditLog(first: 500, filter: { resourceType: $type, resourceId: $id }) { nodes { action actorEmail } } }`;
const AUDIT_BY_ACTION = `query($type: String!, $action: String!) { auditLog(first: 500, filter: { resourceType: $type, action: [$action] }) { nodes { resourceId } } }`;

type Outcome = 'ok' | 'conflict';

/** Runs `work` on every item, `size` at a time, keeping the order. */
async function inBatches<T, R>(items: readonly T[], size: number, work: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  for (let start = 0; start < items.length; start += size) {
    results.push(...(await Promise.all(items.slice(start, start + size).map((item, offset) => work(item, start + offset)))));
  }
  return results;
}

const range = (count: number) => Array.from({ length: count }, (_, index) => index);

describe.runIf(isPostgres)('approval decisions racing on PostgreSQL', () => {
  let t: TestVigil;
  let f: ApprovalsFixture;

  beforeAll(async () => {
    t = await startTestVigil({ env: { VIGIL_APPROVAL_SWEEP_SECONDS: '3600' } });
    f = await buildApprovalsFixture(t);
  });
  afterAll(async () => t?.close());

  const decideAs = (who: TestUser, id: string, decision: 'APPROVE' | 'DENY', justification?: string): Promise<GraphQLResponse<any>> =>
    t.gql(DECIDE, who.token, { id, decision, justification });

  async function readApproval(id: string): Promise<any> {
    const response = await t.gql(APPROVAL, t.admin.token, { id });
    expect(response.errors).toBeUndefined();
    return response.data!.approval;
  }

  async function auditActions(type: string, id: string): Promise<{ action: string; actorEmail: string | null }[]> {
    const response = await t.gql(AUDIT, t.admin.token, { type, id });
    expect(response.errors).toBeUndefined();
    return response.data!.auditLog.nodes.reverse();
  }

  async function pendingAccessRequest(requester: TestUser): Promise<{ id: string; sessionId: string }> {
    const requested = await t.gql(REQUEST_ACCESS, requester.token, { input: { servers: ['web-01'], durationMinutes: 60, reason: 'deploy the hotfix' } });
    expect(requested.errors).toBeUndefined();
    // Vigil's default rules: one approval, by an admin or anyone with approvals.decide.
    expect(requested.data!.requestAccess).toMatchObject({ status: 'PENDING', requiredApprovals: 1 });
    return { id: requested.data!.requestAccess.id, sessionId: requested.data!.requestAccess.accessSession.id };
  }

  /** What a racing call may answer: success, or CONFLICT; never a fault, a deadlock or another refusal. */
  function outcomeOf(response: GraphQLResponse<any>, label: string): Outcome {
    expect(response.status, `${label}: HTTP status`).toBe(200);
    const codes = errorCodes(response);
    expect([[], ['CONFLICT']], `${label}: errors ${JSON.stringify(response.errors)}`).toContainEqual(codes);
    return codes.length === 0 ? 'ok' : 'conflict';
  }

  it('leaves exactly one decision when two approvers approve the same request at once (50 requests)', async () => {
    const pairs: [TestUser, TestUser][] = [
      [f.bob, f.carol],
      [f.carol, f.bob],
      [f.admin, f.bob],
      [f.bob, f.admin],
    ];
    const requests = await inBatches(range(50), 10, () => pendingAccessRequest(f.alice));

    const winners: TestUser[] = [];
    for (const [round, request] of requests.entries()) {
      const label = `round ${round}`;
      const racers = pairs[round % pairs.length]!;
      const results = await Promise.all(racers.map((racer) => decideAs(racer, request.id, 'APPROVE')));
      const outcomes = results.map((result, index) => outcomeOf(result, `${label} ${racers[index]!.email}`));
      expect(outcomes.slice().sort(), `${label}: one success and one CONFLICT`).toEqual(['conflict', 'ok']);
      const winnerIndex = outcomes.indexOf('ok');
      const winner = racers[winnerIndex]!;
      winners.push(winner);
      expect(results[winnerIndex]!.data!.decideApproval, label).toEqual({
        id: request.id,
        status: 'APPROVED',
        closedBy: { email: winner.email },
        decisions: [{ decision: 'APPROVE', approver: { email: winner.email } }],
      });
      const refusal = results[1 - winnerIndex]!.errors![0]!;
      expect(refusal.extensions, label).toMatchObject({ code: 'CONFLICT', status: 'approved', decidedBy: winner.email });
      expect(refusal.message, label).toContain(winner.email);
    }

    await inBatches(requests, 10, async (request, round) => {
      const label = `round ${round}`;
      const winner = winners[round]!;
      const [approval, approvalAudit, sessionAudit] = await Promise.all([
        readApproval(request.id),
        auditActions('approval', request.id),
        auditActions('access_session', request.sessionId),
      ]);
      expect(approval, label).toMatchObject({ status: 'APPROVED', approvalsReceived: 1, closedBy: { email: winner.email } });
      expect(approval.decisions, label).toEqual([{ decision: 'APPROVE', approver: { email: winner.email } }]);
      expect(approval.accessSession, label).toEqual({ id: request.sessionId, status: 'ACTIVE', approver: { email: winner.email } });
      expect(approvalAudit, label).toEqual([
        { action: 'approval.requested', actorEmail: f.alice.email },
        { action: 'approval.decided', actorEmail: winner.email },
      ]);
      // The session was started once, by the winner's transaction.
      expect(sessionAudit, label).toEqual([{ action: 'access_session.started', actorEmail: winner.email }]);
    });
    // One session in force per request, and no other.
    const inForce = await t.gql(SESSIONS_IN_FORCE, t.admin.token, { userId: f.alice.id });
    expect(inForce.data!.accessSessions.nodes.map((node: { id: string }) => node.id).sort()).toEqual(requests.map((request) => request.sessionId).sort());

    const tally: Record<string, number> = {};
    for (const winner of winners) tally[winner.email] = (tally[winner.email] ?? 0) + 1;
    console.info('approve vs approve, wins:', tally);
  });

  it('leaves exactly one decision when an approval and a denial race (20 requests)', async () => {
    const requests = await inBatches(range(20), 10, () => pendingAccessRequest(f.dave));

    const approvedWins: boolean[] = [];
    for (const [round, request] of requests.entries()) {
      const label = `round ${round}`;
      const approve = () => decideAs(f.bob, request.id, 'APPROVE');
      const deny = () => decideAs(f.carol, request.id, 'DENY', 'not in this change window');
      // Which request leaves first alternates.
      const [approved, denied] = round % 2 === 0 ? await Promise.all([approve(), deny()]) : (await Promise.all([deny(), approve()])).reverse();
      const approveOutcome = outcomeOf(approved!, `${label} approve`);
      const denyOutcome = outcomeOf(denied!, `${label} deny`);
      expect([approveOutcome, denyOutcome].sort(), `${label}: one success and one CONFLICT`).toEqual(['conflict', 'ok']);
      const approveWon = approveOutcome === 'ok';
      approvedWins.push(approveWon);
      const winner = approveWon ? f.bob : f.carol;
      expect((approveWon ? approved : denied)!.data!.decideApproval, label).toMatchObject({
        status: approveWon ? 'APPROVED' : 'DENIED',
        closedBy: { email: winner.email },
      });
      expect((approveWon ? denied : approved)!.errors![0]!.extensions, label).toMatchObject({
        code: 'CONFLICT',
        status: approveWon ? 'approved' : 'denied',
        decidedBy: winner.email,
      });
    }

    await inBatches(requests, 10, async (request, round) => {
      const label = `round ${round}`;
      const approveWon = approvedWins[round]!;
      const winner = approveWon ? f.bob : f.carol;
      const [approval, audit] = await Promise.all([readApproval(request.id), auditActions('approval', request.id)]);
      expect(approval, label).toMatchObject({ status: approveWon ? 'APPROVED' : 'DENIED', closedBy: { email: winner.email } });
      expect(approval.decisions, label).toEqual([{ decision: approveWon ? 'APPROVE' : 'DENY', approver: { email: winner.email } }]);
      expect(approval.accessSession.status, label).toBe(approveWon ? 'ACTIVE' : 'DENIED');
      expect(
        audit.map((entry) => entry.action),
        label,
      ).toEqual(['approval.requested', 'approval.decided']);
    });
    console.info('approve vs deny, wins:', { approve: approvedWins.filter(Boolean).length, deny: approvedWins.filter((won) => !won).length });
  });

  it('never deadlocks deciding a sudo request while its session ends (20 sessions)', async () => {
    // Twenty sessions of alice's, active, each with a sudo request pending in it.
    const setups = await inBatches(range(20), 5, async () => {
      const access = await pendingAccessRequest(f.alice);
      expect((await decideAs(f.carol, access.id, 'APPROVE')).data!.decideApproval.status).toBe('APPROVED');
      const sudo = await t.gql(REQUEST_SUDO, f.alice.token, {
        input: { server: 'web-01', command: 'systemctl restart nginx', reason: 'reload the config', accessSessionId: access.sessionId },
      });
      expect(sudo.errors).toBeUndefined();
      expect(sudo.data!.requestSudo).toMatchObject({ kind: 'SUDO', status: 'PENDING', accessSession: { id: access.sessionId } });
      return { sessionId: access.sessionId, sudoId: sudo.data!.requestSudo.id as string };
    });

    const decisionWins: boolean[] = [];
    for (const [round, { sessionId, sudoId }] of setups.entries()) {
      const label = `round ${round}`;
      const decide = () => decideAs(f.bob, sudoId, 'APPROVE');
      const end = () => t.gql(END, f.alice.token, { id: sessionId });
      const [decided, ended] = round % 2 === 0 ? await Promise.all([decide(), end()]) : (await Promise.all([end(), decide()])).reverse();
      const decideOutcome = outcomeOf(decided!, `${label} decide`);
      // Ending never loses: a decision on a sudo request leaves its session as it is.
      expect(ended!.status, `${label} end: HTTP status`).toBe(200);
      expect(errorCodes(ended!), `${label} end: ${JSON.stringify(ended!.errors)}`).toEqual([]);
      expect(ended!.data!.endAccessSession, label).toMatchObject({ status: 'ENDED', endedBy: { email: f.alice.email } });
      if (decideOutcome === 'conflict') {
        expect(decided!.errors![0]!.extensions, label).toMatchObject({ code: 'CONFLICT', status: 'cancelled' });
      }
      decisionWins.push(decideOutcome === 'ok');
    }

    await inBatches(setups, 5, async ({ sessionId, sudoId }, round) => {
      const label = `round ${round}`;
      const [sessionRead, approval, approvalAudit, sessionAudit] = await Promise.all([
        t.gql(SESSION, f.alice.token, { id: sessionId }),
        readApproval(sudoId),
        auditActions('approval', sudoId),
        auditActions('access_session', sessionId),
      ]);
      const session = sessionRead.data!.accessSession;
      expect(session.status, label).toBe('ENDED');
      expect(
        session.sudoAuthorizations.nodes.every((grant: { revokedAt: string | null }) => grant.revokedAt !== null),
        label,
      ).toBe(true);
      if (decisionWins[round]) {
        // The decision committed first; ending the session then revoked the grant it made.
        expect(approval, label).toMatchObject({
          status: 'APPROVED',
          closedBy: { email: f.bob.email },
          decisions: [{ decision: 'APPROVE', approver: { email: f.bob.email } }],
        });
        expect(approval.sudoAuthorization, label).toMatchObject({ accessSession: { id: sessionId }, revokedAt: expect.any(String) });
        expect(
          session.sudoAuthorizations.nodes.map((grant: { id: string }) => grant.id),
          label,
        ).toEqual([approval.sudoAuthorization.id]);
        expect(
          approvalAudit.map((entry) => entry.action),
          label,
        ).toEqual(['approval.requested', 'approval.decided']);
        expect(
          sessionAudit.map((entry) => entry.action),
          label,
        ).toEqual(['access_session.started', 'access_session.ended', 'sudo.revoked']);
      } else {
        // Ending committed first and cancelled the pending request; the decision came too late.
        expect(approval, label).toMatchObject({ status: 'CANCELLED', cancelReason: 'access session ended', decisions: [], sudoAuthorization: null });
        expect(
          approvalAudit.map((entry) => entry.action),
          label,
        ).toEqual(['approval.requested', 'approval.cancelled']);
        expect(
          sessionAudit.map((entry) => entry.action),
          label,
        ).toEqual(['access_session.started', 'access_session.ended']);
      }
    });
    console.info('sudo decision vs session end, wins:', { decision: decisionWins.filter(Boolean).length, end: decisionWins.filter((won) => !won).length });
  });

  describe('two sweepers on two database handles', () => {
    let second: DatabaseHandle;
    beforeAll(async () => {
      // The test Vigil's own database, through a pool of its own, as a second instance reaches it.
      const [row] = await queryRows<{ name: string }>(t.vigil.database.db, sql`select current_database() as name`);
      const url = databaseUrl(inject('postgresTemplate')!.adminUrl, row!.name);
      second = await openDatabase({ kind: 'postgres', url, dataDir: '', poolMax: 2 }, { applicationName: 'vigil:second-sweeper' });
      // …with the log's sequencer a second instance runs (no signer: the first one signs).
      registerLogService(
        second.db,
        createLogService({ db: second.db, clock: t.clock, logger: createLogger('silent'), policy: { everyEntries: 1000, everyMinutes: 60 } }),
      );
    });
    afterAll(async () => second?.close());

    it('expires each overdue request exactly once when two instances sweep at once', async () => {
      for (const round of range(2)) {
        const label = `round ${round}`;
        const ids = (await inBatches(range(30), 10, (index) => pendingAccessRequest(index % 2 === 0 ? f.alice : f.dave))).map((request) => request.id);
        // The sessions still in force from the races above end in the same sweeps (round 0).
        const inForce = (await t.gql(SESSIONS_IN_FORCE, t.admin.token, {})).data!.accessSessions.nodes.length as number;

        advance(t, 61);
        const counts: SweepCounts[] = await Promise.all([sweepApprovals(t.vigil.database.db, t.clock), sweepApprovals(second.db, t.clock)]);
        console.info(`${label}, the two sweeps:`, counts);
        expect(counts[0]!.expiredRequests + counts[1]!.expiredRequests, label).toBe(30);
        expect(counts[0]!.expiredSessions + counts[1]!.expiredSessions, label).toBe(inForce);

        const [pending, expired, expiredAudit] = await Promise.all([
          t.gql(APPROVALS_BY_STATUS, t.admin.token, { status: ['PENDING'] }),
          t.gql(APPROVALS_BY_STATUS, t.admin.token, { status: ['EXPIRED'] }),
          t.gql(AUDIT_BY_ACTION, t.admin.token, { type: 'approval', action: 'approval.expired' }),
        ]);
        expect(pending.data!.approvals.nodes, label).toEqual([]);
        const expiredById = new Map<string, unknown>(expired.data!.approvals.nodes.map((node: { id: string }) => [node.id, node]));
        for (const id of ids)
          expect(expiredById.get(id), `${label}: ${id}`).toEqual({ id, status: 'EXPIRED', closedBy: null, accessSession: { status: 'EXPIRED' } });
        const entries = new Map<string, number>();
        for (const { resourceId } of expiredAudit.data!.auditLog.nodes as { resourceId: string }[]) entries.set(resourceId, (entries.get(resourceId) ?? 0) + 1);
        for (const id of ids) expect(entries.get(id), `${label}: approval.expired entries of ${id}`).toBe(1);
        // Nothing is left over for a later sweep.
        expect(await sweepApprovals(second.db, t.clock), label).toEqual({ expiredRequests: 0, startedSessions: 0, expiredSessions: 0 });
      }
      // Both instances appended to the tenant's chain at once: it is still intact.
      const integrity = await t.gql('{ auditIntegrity { isIntact } }', t.admin.token);
      expect(integrity.errors).toBeUndefined();
      expect(integrity.data!.auditIntegrity.isIntact).toBe(true);
    });
  });
});
