/**
 * Auto-approval for the person on call (as Teleport's PagerDuty plugin does): a policy naming
 * on-call schedules may approve, on the spot, a request from someone on call for one of them.
 * The check is made once, when the request is filed, and kept on the request (`on_call_check`) and
 * in its audit entry: which schedule of which provider made the requester on call, or why not.
 * It fails closed: a schedule nobody could ask approves nobody, and the request waits for
 * approvers as any other, saying why.
 */
import { notify } from '../notifications/notifications.js';
import type { TransactionContext } from '../service-context.js';
import { NO_ON_CALL_LOOKUP, type ScheduleState } from './on-call-directory.js';
import { onCallStandingOf } from './on-call-people.js';
import type { OnCallProvider } from '../db/tables/index.js';

export const ON_CALL_OUTCOMES = ['on_call', 'not_on_call', 'unavailable'] as const;
export type OnCallOutcome = (typeof ON_CALL_OUTCOMES)[number];

/** One schedule as the check saw it. */
export interface CheckedSchedule {
  readonly integrationId: string;
  readonly integrationName: string | null;
  readonly provider: OnCallProvider | null;
  readonly scheduleId: string;
  /** Why its people could not be learned; null when they were. */
  readonly error: string | null;
}

/** Whether the requester was on call when the request was filed. */
export interface OnCallCheck {
  readonly outcome: OnCallOutcome;
  /** The schedule that made the requester on call (outcome on_call). */
  readonly onCallFor: CheckedSchedule | null;
  /** The schedules nobody could ask (they count as "not on call"). */
  readonly unavailable: readonly CheckedSchedule[];
}

const checked = (state: ScheduleState): CheckedSchedule => ({
  integrationId: state.integrationId,
  integrationName: state.integrationName,
  provider: state.provider,
  scheduleId: state.scheduleId,
  error: state.error,
});

/** The check for a requester under rules that auto-approve on-call requesters; null when the rules do not. */
export async function checkRequesterOnCall(
  ctx: TransactionContext,
  requesterEmail: string,
  rules: { readonly onCallSchedules: readonly string[]; readonly isOnCallRequesterAutoApproved: boolean },
): Promise<OnCallCheck | null> {
  if (!rules.isOnCallRequesterAutoApproved || rules.onCallSchedules.length === 0) return null;
  const lookup = ctx.onCall ?? NO_ON_CALL_LOOKUP;
  const standing = await onCallStandingOf(lookup, ctx.db, ctx.actor.tenantId, requesterEmail, rules.onCallSchedules);
  const [first] = standing.onCall;
  const outcome: OnCallOutcome = first ? 'on_call' : standing.unavailable.length > 0 ? 'unavailable' : 'not_on_call';
  return { outcome, onCallFor: first ? checked(first) : null, unavailable: standing.unavailable.map(checked) };
}

/** A sentence for the requester and approvers on why a request was (not) approved for being on call. */
export function describeOnCallCheck(check: OnCallCheck): string {
  const name = (schedule: CheckedSchedule) => `schedule ${schedule.scheduleId} of ${schedule.integrationName ?? 'a deleted integration'}`;
  if (check.outcome === 'on_call') return `Approved: the requester was on call for ${name(check.onCallFor!)}`;
  if (check.outcome === 'not_on_call') return 'Not approved on the spot: the requester was not on call; approvers decide';
  const reasons = check.unavailable.map((schedule) => `${name(schedule)}: ${schedule.error}`).join('; ');
  return `Not approved on the spot: Vigil could not learn who is on call (${reasons}); approvers decide`;
}

/**
 * What the request's audit entry and activity say about the check: on an auto-approval, that it
 * was approved because the requester was on call, for which schedule of which provider.
 */
export function onCallAuditFacts(check: OnCallCheck | null): Record<string, unknown> {
  if (!check) return {};
  if (check.outcome !== 'on_call') return { onCallOutcome: check.outcome };
  const schedule = check.onCallFor!;
  return {
    onCallOutcome: check.outcome,
    autoApprovedBecause: 'requester_on_call',
    onCallProvider: schedule.provider,
    onCallIntegrationId: schedule.integrationId,
    onCallIntegrationName: schedule.integrationName,
    onCallScheduleId: schedule.scheduleId,
  };
}

/** Tells the requester their request waits for approvers because nobody could say whether they were on call. */
export async function notifyUncheckedRequester(ctx: TransactionContext, approval: { id: string; requesterId: string }, check: OnCallCheck): Promise<void> {
  await notify(ctx, [approval.requesterId], {
    category: 'approval',
    severity: 'low',
    title: 'Not approved on the spot: whether you are on call is unknown',
    body: describeOnCallCheck(check).slice(0, 4000),
    link: `/approvals/${approval.id}`,
    resourceType: 'approval',
    resourceId: approval.id,
  });
}
