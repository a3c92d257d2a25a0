/**
 * Deciding a request as someone on call: reviewRefusal (server/auth/scope.ts) with the schedules
 * the reviewer is on call for now. The provider is asked only when groups and the admin role do
 * not already settle it. When it cannot be asked, the refusal says so, so the approver knows to
 * try again rather than believe they are not on call.
 */
import type { UserActor } from '../auth/actor.js';
import { reviewRefusal, type ReviewRules } from '../auth/scope.js';
import type { Executor } from '../db/database.js';
import type { ServiceContext, TransactionContext } from '../service-context.js';
import { NO_ON_CALL_LOOKUP, type ScheduleState } from './on-call-directory.js';
import { onCallStandingOf } from './on-call-people.js';
import { PROVIDER_NAMES } from './on-call-provider.js';

export interface OnCallReview {
  /** Why the reviewer may not decide; null when they may. */
  readonly refusal: string | null;
  readonly details: Record<string, unknown>;
  /** The schedules that make the reviewer eligible (empty when groups or the admin role do). */
  readonly onCallFor: readonly ScheduleState[];
}

const named = (state: ScheduleState) => `schedule ${state.scheduleId} of ${state.integrationName ?? 'a deleted integration'}`;

export async function reviewAsOnCall(
  ctx: TransactionContext,
  reviewer: UserActor,
  reviewerGroups: readonly string[],
  rules: ReviewRules,
): Promise<OnCallReview> {
  const refusal = reviewRefusal(reviewer, reviewerGroups, rules);
  const schedules = rules.onCallSchedules ?? [];
  if (refusal === null || schedules.length === 0) return { refusal, details: {}, onCallFor: [] };
  const standing = await onCallStandingOf(ctx.onCall ?? NO_ON_CALL_LOOKUP, ctx.db, reviewer.tenantId, reviewer.email, schedules);
  const onCallRefusal = reviewRefusal(
    reviewer,
    reviewerGroups,
    rules,
    standing.onCall.map((state) => state.key),
  );
  if (onCallRefusal === null) return { refusal: null, details: {}, onCallFor: standing.onCall };
  if (standing.unavailable.length === 0) return { refusal: onCallRefusal, details: {}, onCallFor: [] };
  const reasons = standing.unavailable.map((state) => `${named(state)}: ${state.error}`).join('; ');
  return {
    refusal: `${onCallRefusal}. Vigil could not learn who is on call now (${reasons}), so it does not count you as on call; try again later or ask another approver`,
    details: {
      onCallUnavailable: standing.unavailable.map((state) => ({
        provider: state.provider ? PROVIDER_NAMES[state.provider] : null,
        integrationId: state.integrationId,
        integrationName: state.integrationName,
        scheduleId: state.scheduleId,
        error: state.error,
      })),
    },
    onCallFor: [],
  };
}

/** What a decision's audit entry says of an approver eligible for being on call. */
export function approverOnCallFacts(onCallFor: readonly ScheduleState[]): Record<string, unknown> {
  if (onCallFor.length === 0) return {};
  return {
    approverOnCallFor: onCallFor.map((state) => ({
      provider: state.provider,
      integrationId: state.integrationId,
      integrationName: state.integrationName,
      scheduleId: state.scheduleId,
    })),
  };
}

/**
 * Asks the providers about a request's schedules before its transaction, so that the decision's
 * transaction, which holds the request's row, waits on no provider (the operation's lookup keeps
 * the answers).
 */
export async function askBeforeDeciding(ctx: ServiceContext, db: Executor, rules: ReviewRules & { isAdminApprover: boolean }): Promise<void> {
  const schedules = rules.onCallSchedules ?? [];
  if (!ctx.onCall || schedules.length === 0 || ctx.actor.type !== 'user') return;
  if (ctx.actor.role === 'admin' && rules.isAdminApprover) return;
  await ctx.onCall.schedules(db, ctx.actor.tenantId, schedules);
}
