/**
 * Runs a demo plan's steps, in order, each through the service the API, an agent or a background
 * job would call, on the demo's clock: the step's time is the service's now. Nothing is written to
 * a table directly, so every record comes with its audit entry and its leaves in the verifiable log.
 */
import { listAlerts, changeAlertState } from '../alerts/alerts.js';
import { evaluateAlertRules } from '../alerts/evaluate-rules.js';
import { cancelApproval, endAccessSession, revokeAccessSession } from '../approvals/access-session-lifecycle.js';
import { updateApprovalPolicy } from '../approvals/approval-policies.js';
import { sweepApprovals } from '../approvals/approval-sweeper.js';
import { authorizeSudo } from '../approvals/authorize-sudo.js';
import { decideApprovalCountingCodes } from '../approvals/decide-approval.js';
import { requestAccess } from '../approvals/request-access.js';
import { requestSudo } from '../approvals/request-sudo.js';
import { grantSudo, revokeSudoAuthorization } from '../approvals/sudo-grants.js';
import { reportActivity } from '../activity/report-activity.js';
import { createUserToken, revokeToken } from '../identity/api-tokens.js';
import { changeUserPermissions, setUserDisabled } from '../identity/users.js';
import { sendNotification } from '../notifications/notifications.js';
import { appendRecordingChunk } from '../recordings/append-chunk.js';
import { PAYLOAD_FIELD, type AgentEventInput } from '../records/ingest/agent-event.js';
import { ingestEvents } from '../records/ingest/ingest-events.js';
import { sweepUnresponsiveCommands } from '../records/unresponsive-sweeper.js';
import { inTransaction } from '../service-context.js';
import { personOf } from './demo-cast.js';
import type { DemoChange, DemoStep, PlannedEvent } from './demo-plan.js';
import type { DemoWorld } from './demo-world.js';

type StepOf<Kind extends DemoStep['kind']> = Extract<DemoStep, { kind: Kind }>;
type Handlers = { [Kind in Exclude<DemoStep['kind'], 'setup'>]: (world: DemoWorld, step: StepOf<Kind>) => Promise<unknown> };

const handlers: Handlers = {
  async request_access(world, step) {
    const { approval, session } = await inTransaction(world.as(step.by), (tx) =>
      requestAccess(tx, {
        servers: step.servers,
        durationMinutes: step.minutes,
        reason: step.reason,
        isSudoRequested: step.withSudo,
        startsAt: step.startsAt ?? null,
      }),
    );
    world.approvals.set(step.request, approval.id);
    world.accessSessions.set(step.request, session.id);
  },
  async request_sudo(world, step) {
    const accessSessionId = world.idOf(world.accessSessions, step.access, 'access session');
    const { approval } = await inTransaction(world.as(step.by), (tx) =>
      requestSudo(tx, { server: step.server, command: step.command, reason: step.reason, accessSessionId }),
    );
    world.approvals.set(step.request, approval.id);
  },
  decide: (world, step) =>
    decideApprovalCountingCodes(world.as(step.by, step.channel), world.idOf(world.approvals, step.request, 'request'), {
      decision: step.decision,
      justification: step.justification ?? null,
    }),
  cancel: (world, step) => inTransaction(world.as(step.by), (tx) => cancelApproval(tx, world.idOf(world.approvals, step.request, 'request'), step.reason)),
  end_access: (world, step) =>
    inTransaction(world.as(step.by), (tx) => endAccessSession(tx, world.idOf(world.accessSessions, step.access, 'access session'), step.reason ?? null)),
  revoke_access: (world, step) =>
    inTransaction(world.as(step.by), (tx) => revokeAccessSession(tx, world.idOf(world.accessSessions, step.access, 'access session'), step.reason)),
  check_sudo: (world, step) => inTransaction(world.agent(step.server), (tx) => authorizeSudo(tx, { user: personOf(step.user).email, command: step.command })),
  report: (world, step) =>
    ingestEvents(
      world.agent(step.server),
      step.events.map((planned) => eventFor(world, planned)),
      { maxClockSkewSeconds: world.services.records.maxClockSkewSeconds },
    ),
  async record(world, step) {
    for (const chunk of step.chunks) {
      await appendRecordingChunk(world.agent(step.server), {
        sessionEventId: step.session,
        seq: chunk.seq,
        lines: chunk.lines,
        isFinal: chunk.isFinal,
        isGapDeclared: chunk.isGapDeclared,
      });
    }
  },
  report_activity: (world, step) => reportActivity(world.as('bridge', 'api'), step.entries),
  sweep_approvals: (world) => sweepApprovals(world.db, world.clock, { tenantId: world.tenantId }),
  sweep_unresponsive: (world) =>
    sweepUnresponsiveCommands(world.db, world.clock, world.services.records.unresponsiveAfterSeconds, { tenantId: world.tenantId }),
  // The history's alerts were never sent anywhere: the channels are documentation addresses.
  evaluate_alerts: (world) =>
    evaluateAlertRules({ ...world.services, clock: world.clock, timeoutMs: 10_000 }, { tenantId: world.tenantId, isDelivering: false }),
  async move_alert(world, step) {
    const ruleId = world.idOf(world.rules, step.rule, 'alert rule');
    const page = await listAlerts(world.db, world.tenantId, { state: [step.from], ruleId }, { first: 500 });
    const oldest = page.nodes.at(-1);
    if (!oldest) throw new Error(`The demo finds no ${step.from} alert of ${step.rule} to move on`);
    return inTransaction(world.as(step.by), (tx) => changeAlertState(tx, oldest.id, step.to));
  },
  admin: (world, step) => inTransaction(world.as(step.by), (tx) => changeSettings(world, tx, step.change)),
};

async function changeSettings(world: DemoWorld, tx: Parameters<typeof revokeToken>[0], change: DemoChange): Promise<void> {
  const userId = (key: Parameters<typeof personOf>[0]) => world.people.get(key)!.id;
  switch (change.kind) {
    case 'grant_permissions':
      world.people.set(change.user, await changeUserPermissions(tx, userId(change.user), change.permissions, 'grant'));
      return;
    case 'disable_user':
      world.people.set(change.user, await setUserDisabled(tx, userId(change.user), true));
      return;
    case 'create_token':
      world.tokens.set(change.token, (await createUserToken(tx, { userId: userId(change.user), name: change.name })).row.id);
      return;
    case 'revoke_token':
      await revokeToken(tx, world.idOf(world.tokens, change.token, 'token'));
      return;
    case 'grant_sudo': {
      const grant = await grantSudo(tx, {
        server: change.server,
        user: personOf(change.user).email,
        command: change.command,
        durationMinutes: change.minutes,
        reason: change.reason,
      });
      world.grants.set(change.grant, grant.id);
      return;
    }
    case 'revoke_sudo':
      await revokeSudoAuthorization(tx, world.idOf(world.grants, change.grant, 'sudo grant'), change.reason);
      return;
    case 'update_policy':
      await updateApprovalPolicy(tx, world.idOf(world.policies, change.policy, 'approval policy'), change.input);
      return;
    case 'broadcast':
      await sendNotification(tx, null, change.notification);
  }
}

/** The event as the agent sends it, with the ids the plan could not know. */
function eventFor(world: DemoWorld, planned: PlannedEvent): AgentEventInput {
  if (!planned.access && !planned.operatorToken) return planned.event;
  const field = PAYLOAD_FIELD[planned.event.kind];
  return {
    ...planned.event,
    [field]: {
      ...(planned.event[field] as Record<string, unknown>),
      ...(planned.access ? { accessSessionId: world.idOf(world.accessSessions, planned.access, 'access session') } : {}),
      ...(planned.operatorToken ? { operatorTokenId: world.idOf(world.tokens, planned.operatorToken, 'token') } : {}),
    },
  };
}

/** Runs one step (not the setup) at its time. */
export async function runStep(world: DemoWorld, step: Exclude<DemoStep, { kind: 'setup' }>): Promise<void> {
  world.moveTo(step.at);
  const handle = handlers[step.kind] as (world: DemoWorld, step: DemoStep) => Promise<unknown>;
  try {
    await handle(world, step);
  } catch (error) {
    throw new Error(
      `The demo's ${step.kind.replaceAll('_', ' ')} at ${step.at.toISOString()} failed: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }
}
