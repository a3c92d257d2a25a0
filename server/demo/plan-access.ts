/**
 * Access and sudo requests as the demo plans them: who asks, who decides how and when, the work
 * done while the session is in force, and how the session ends. The planner knows the policies
 * the demo sets up (demo-cast.ts) and checks each episode against them as it plans it (the number
 * of approvals, the deadlines, the allowlists), so a plan that the services would refuse fails
 * here, naming the episode, rather than half way through a run.
 */
import type { AccessSessionStatus } from '../db/tables/access-sessions.js';
import type { ApprovalStatus } from '../db/tables/approvals.js';
import { allowlistCovers } from '../approvals/command-patterns.js';
import { personOf, POLICIES, serverLabels, serverOf, type DemoPerson, type PersonKey } from './demo-cast.js';
import { after, MINUTE, type DecisionChannel, type PlanBuilder } from './demo-plan.js';

export interface Decider {
  readonly by: PersonKey;
  readonly afterMinutes: number;
  readonly channel: DecisionChannel;
  readonly justification?: string;
}

/** `['maya', 5, 'web', 'Go ahead.']`: Maya decides 5 minutes after the request, on the web, saying why. */
export type DeciderSpec = readonly [by: PersonKey, afterMinutes: number, channel: DecisionChannel, justification?: string];

const decider = ([by, afterMinutes, channel, justification]: DeciderSpec): Decider => ({
  by,
  afterMinutes,
  channel,
  ...(justification ? { justification } : {}),
});

/** Approved by these people, in this order. */
export const approvedBy = (...deciders: DeciderSpec[]): AccessOutcome => ({ kind: 'approved', approvers: deciders.map(decider) });

/** Still waiting at the end of the demo, with these approvals so far. */
export const waitingAfter = (...deciders: DeciderSpec[]): AccessOutcome => ({ kind: 'pending', approvers: deciders.map(decider) });

export type AccessOutcome =
  | { readonly kind: 'approved'; readonly approvers: readonly Decider[] }
  | { readonly kind: 'auto' }
  | { readonly kind: 'denied'; readonly decider: Decider & { readonly justification: string } }
  | { readonly kind: 'cancelled'; readonly afterMinutes: number; readonly reason: string }
  | { readonly kind: 'expired' }
  /** Still waiting at the end of the demo, with the approvals it has so far. */
  | { readonly kind: 'pending'; readonly approvers?: readonly Decider[] };

export type AccessEnd =
  | { readonly kind: 'ended'; readonly reason?: string }
  | { readonly kind: 'expired' }
  | { readonly kind: 'revoked'; readonly by: PersonKey; readonly afterMinutes: number; readonly reason: string }
  | { readonly kind: 'active' };

/** A session in force, for the work planned inside it. */
export interface InForce {
  readonly access: string;
  readonly person: DemoPerson;
  readonly servers: readonly string[];
  readonly start: Date;
  readonly expiresAt: Date;
  readonly withSudo: boolean;
}

export interface AccessEpisode {
  readonly by: PersonKey;
  readonly servers: readonly string[];
  readonly at: Date;
  readonly minutes: number;
  readonly reason: string;
  readonly withSudo?: boolean;
  /** A start later than the approval (a maintenance window). */
  readonly startsAt?: Date;
  readonly outcome: AccessOutcome;
  /** How a session that came into force ends (not for a scheduled one). */
  readonly end?: AccessEnd;
  /** Plans what is done in the session; returns when it was done. */
  readonly work?: (session: InForce) => Date;
}

interface Rules {
  readonly requiredApprovals: number;
  readonly timeoutMinutes: number;
  readonly autoApprove: readonly string[];
}

/** The rules governing a request, as governingRules finds them, from the demo's own policies. */
export function rulesFor(kind: 'access' | 'sudo', servers: readonly string[]): Rules {
  const policy = [...POLICIES]
    .sort((a, b) => (b.priority ?? 0) - (a.priority ?? 0))
    .find(
      (candidate) =>
        (candidate.requestKinds as readonly string[]).includes(kind) &&
        servers.some((name) =>
          (candidate.serverLabels ?? []).every((wanted) =>
            serverLabels(serverOf(name)).some((label) => label.key === wanted.key && label.value === wanted.value),
          ),
        ),
    );
  if (!policy) return { requiredApprovals: 1, timeoutMinutes: 60, autoApprove: [] };
  return {
    requiredApprovals: policy.requiredApprovals ?? 1,
    timeoutMinutes: policy.decisionTimeoutMinutes ?? 60,
    autoApprove: policy.autoApproveCommands ?? [],
  };
}

const isProdDatabase = (name: string) => serverOf(name).env === 'prod' && serverOf(name).team === 'db';

/** Fired by a grant on a production database: the demo evaluates the rules right after, as a running Vigil would. */
function evaluateAfterGrant(plan: PlanBuilder, servers: readonly string[], grantedAt: Date): void {
  if (servers.some(isProdDatabase)) plan.add({ at: after(grantedAt, 20_000), kind: 'evaluate_alerts' });
}

function planDecisions(
  plan: PlanBuilder,
  request: string,
  requestedAt: Date,
  deciders: readonly Decider[],
  timeoutMinutes: number,
  decision: 'approved' | 'denied',
): Date {
  let last = requestedAt;
  for (const decider of deciders) {
    const at = after(requestedAt, decider.afterMinutes * MINUTE);
    if (decider.afterMinutes >= timeoutMinutes || at <= last) throw new Error(`The demo decides request ${request} out of order or after its deadline`);
    plan.add({
      at,
      kind: 'decide',
      request,
      by: decider.by,
      decision,
      channel: decider.channel,
      ...(decider.justification ? { justification: decider.justification } : {}),
    });
    last = at;
  }
  return last;
}

/** Plans an access request from asking to its end; returns its key. */
export function planAccess(plan: PlanBuilder, episode: AccessEpisode): string {
  const access = plan.nextId('access');
  const rules = rulesFor('access', episode.servers);
  const { outcome } = episode;
  const withSudo = episode.withSudo ?? false;
  const name = `${episode.by}'s request for ${episode.servers.join(', ')} at ${episode.at.toISOString()}`;
  if ((outcome.kind === 'auto') !== (rules.requiredApprovals === 0)) throw new Error(`The demo's policies do not make ${name} ${outcome.kind}`);
  if (outcome.kind === 'approved' && outcome.approvers.length !== rules.requiredApprovals)
    throw new Error(`${name} needs ${rules.requiredApprovals} approvals`);

  plan.add({
    at: episode.at,
    kind: 'request_access',
    request: access,
    by: episode.by,
    servers: [...episode.servers],
    minutes: episode.minutes,
    reason: episode.reason,
    withSudo,
    ...(episode.startsAt ? { startsAt: episode.startsAt } : {}),
  });
  const expect = (approval: ApprovalStatus, session: AccessSessionStatus) => {
    plan.expected.approvals[approval] += 1;
    plan.expected.accessSessions[session] += 1;
  };

  switch (outcome.kind) {
    case 'denied':
      planDecisions(plan, access, episode.at, [outcome.decider], rules.timeoutMinutes, 'denied');
      expect('denied', 'denied');
      return access;
    case 'cancelled':
      plan.add({ at: after(episode.at, outcome.afterMinutes * MINUTE), kind: 'cancel', request: access, by: episode.by, reason: outcome.reason });
      expect('cancelled', 'cancelled');
      return access;
    case 'expired':
      plan.add({ at: after(episode.at, rules.timeoutMinutes * MINUTE + 15_000), kind: 'sweep_approvals' });
      expect('expired', 'expired');
      return access;
    case 'pending':
      planDecisions(plan, access, episode.at, outcome.approvers ?? [], rules.timeoutMinutes, 'approved');
      if (after(episode.at, rules.timeoutMinutes * MINUTE) <= plan.until) throw new Error(`${name} would have expired before the end of the demo`);
      expect('pending', 'pending');
      return access;
    case 'approved':
    case 'auto':
      break; // planned below: the decisions (or none, for auto) and what the grant brings
  }

  const approvedAt = outcome.kind === 'auto' ? episode.at : planDecisions(plan, access, episode.at, outcome.approvers, rules.timeoutMinutes, 'approved');
  if (withSudo) plan.expected.sudoAuthorizations += episode.servers.length;
  if (episode.startsAt) {
    if (episode.startsAt <= plan.until) throw new Error(`${name} is scheduled to start within the demo`);
    expect('approved', 'approved');
    return access;
  }
  const start = approvedAt;
  const expiresAt = after(start, episode.minutes * MINUTE);
  if (withSudo) evaluateAfterGrant(plan, episode.servers, start);
  const session: InForce = { access, person: personOf(episode.by), servers: episode.servers, start, expiresAt, withSudo };
  const workDone = episode.work?.(session) ?? start;
  planEnd(plan, session, episode.end ?? { kind: 'ended' }, workDone, name);
  return access;
}

function planEnd(plan: PlanBuilder, session: InForce, end: AccessEnd, workDone: Date, name: string): void {
  const { random } = plan;
  if (workDone >= after(session.expiresAt, -MINUTE) && end.kind !== 'expired') throw new Error(`${name}: the work runs up to the session's end`);
  plan.expected.approvals.approved += 1;
  switch (end.kind) {
    case 'ended': {
      const at = new Date(Math.min(after(workDone, random.int(2, 15) * MINUTE).getTime(), after(session.expiresAt, -MINUTE).getTime()));
      plan.add({ at, kind: 'end_access', access: session.access, by: session.person.key, ...(end.reason ? { reason: end.reason } : {}) });
      plan.expected.accessSessions.ended += 1;
      return;
    }
    case 'expired':
      plan.add({ at: after(session.expiresAt, 15_000), kind: 'sweep_approvals' });
      plan.expected.accessSessions.expired += 1;
      return;
    case 'revoked':
      plan.add({ at: after(workDone, end.afterMinutes * MINUTE), kind: 'revoke_access', access: session.access, by: end.by, reason: end.reason });
      plan.expected.accessSessions.revoked += 1;
      return;
    case 'active':
      if (session.expiresAt <= plan.until) throw new Error(`${name} is to be active at the end, but expires before it`);
      plan.expected.accessSessions.active += 1;
  }
}

export type SudoOutcome =
  | { readonly kind: 'auto' }
  | { readonly kind: 'approved'; readonly decider: Decider }
  | { readonly kind: 'denied'; readonly decider: Decider & { readonly justification: string } }
  | { readonly kind: 'expired' }
  /** Still waiting when the session ends (cancelled with it) or when the demo does. */
  | { readonly kind: 'pending'; readonly endsAs: 'cancelled' | 'pending' };

/**
 * A sudo request inside `session`: the agent's check that finds no grant, the request, and its
 * outcome. Returns when the grant is in force (the command may run), or null when none comes.
 */
export function planSudo(
  plan: PlanBuilder,
  session: InForce,
  request: { server: string; command: string; reason: string; at: Date; outcome: SudoOutcome },
): Date | null {
  const key = plan.nextId('sudo');
  const rules = rulesFor('sudo', [request.server]);
  const { outcome } = request;
  const isAllowlisted = rules.autoApprove.some((entry) => allowlistCovers(entry, { command: request.command, isPattern: false }));
  if ((outcome.kind === 'auto') !== isAllowlisted) throw new Error(`The demo's sudo policy does not make \`${request.command}\` ${outcome.kind}`);
  plan.add({ at: request.at, kind: 'check_sudo', server: request.server, user: session.person.key, command: request.command });
  const requestedAt = after(request.at, 20_000);
  plan.add({
    at: requestedAt,
    kind: 'request_sudo',
    request: key,
    access: session.access,
    by: session.person.key,
    server: request.server,
    command: request.command,
    reason: request.reason,
  });
  const deadline = Math.min(after(requestedAt, rules.timeoutMinutes * MINUTE).getTime(), session.expiresAt.getTime());
  const granted = (at: Date) => {
    plan.expected.approvals.approved += 1;
    plan.expected.sudoAuthorizations += 1;
    evaluateAfterGrant(plan, [request.server], at);
    return after(at, 10_000);
  };
  switch (outcome.kind) {
    case 'auto':
      return granted(requestedAt);
    case 'approved':
      return granted(planDecisions(plan, key, requestedAt, [outcome.decider], (deadline - requestedAt.getTime()) / MINUTE, 'approved'));
    case 'denied':
      planDecisions(plan, key, requestedAt, [outcome.decider], (deadline - requestedAt.getTime()) / MINUTE, 'denied');
      plan.expected.approvals.denied += 1;
      return null;
    case 'expired':
      plan.add({ at: new Date(deadline + 15_000), kind: 'sweep_approvals' });
      plan.expected.approvals.expired += 1;
      return null;
    case 'pending':
      if (outcome.endsAs === 'pending' && deadline <= plan.until.getTime())
        throw new Error(`The demo's sudo request \`${request.command}\` would expire before the end of the demo`);
      plan.expected.approvals[outcome.endsAs] += 1;
      return null;
  }
}
