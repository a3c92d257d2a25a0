import { isIP } from 'node:net';
import { z } from 'zod';
import { BadInput } from '../errors.js';
import { findUsersByEmails } from '../identity/users.js';
import { inTransaction, type ServiceContext } from '../service-context.js';
import { parseInput } from '../validation.js';
import { idBatches, publishEvents, type DomainEvent } from '../realtime/domain-events.js';
import { ACTIVITY_ACTIONS, OPERATION_ACTIONS } from './actions.js';
import { recordChange } from '../audit/record-change.js';
import { recordActivities } from './record-activity.js';

const MAX_REPORTED = 1000;

const reportedEntry = z.object({
  action: z.enum(ACTIVITY_ACTIONS),
  result: z.number().int().min(100, 'must be an HTTP-like status code').max(599, 'must be an HTTP-like status code'),
  userEmail: z.string().trim().toLowerCase().max(320).nullish(),
  ipAddress: z
    .string()
    .refine((value) => isIP(value) !== 0, 'is not an IP address')
    .nullish(),
  userAgent: z.string().max(512).nullish(),
  details: z.record(z.string(), z.unknown()).nullish(),
  occurredAt: z.date(),
});

export type ReportedActivity = z.input<typeof reportedEntry>;

/**
 * Records activities that happened on the platform in front of Vigil (sign-ins, their failures,
 * logouts, password changes, deployments, compliance scans, drift found). Emails are matched to users where they exist and kept as given
 * either way, so a failed sign-in with a mistyped email is still on record. All or nothing.
 */
export async function reportActivity(ctx: ServiceContext, entries: readonly ReportedActivity[]): Promise<number> {
  const parsed = parseInput(z.array(reportedEntry).min(1, 'needs at least one entry').max(MAX_REPORTED, `at most ${MAX_REPORTED} entries`), entries, 'entries');
  const latest = ctx.clock.now().getTime() + 5 * 60_000;
  parsed.forEach((entry, index) => {
    if (entry.occurredAt.getTime() > latest) throw new BadInput(`entries.${index}.occurredAt`, `entries.${index}.occurredAt lies in the future`);
  });
  return inTransaction(ctx, async (tx) => {
    const emails = [...new Set(parsed.flatMap((entry) => (entry.userEmail ? [entry.userEmail] : [])))];
    const userIdByEmail = new Map((await findUsersByEmails(tx.db, ctx.actor.tenantId, emails)).map((user) => [user.email, user.id]));
    const ids = await recordActivities(
      tx.db,
      parsed.map((entry) => ({
        tenantId: ctx.actor.tenantId,
        action: entry.action,
        result: entry.result,
        userId: entry.userEmail ? (userIdByEmail.get(entry.userEmail) ?? null) : null,
        userEmail: entry.userEmail ?? null,
        details: entry.details ?? {},
        request: { requestId: ctx.request?.requestId ?? '', clientIp: entry.ipAddress ?? undefined, userAgent: entry.userAgent ?? undefined },
        occurredAt: entry.occurredAt,
      })),
    );
    // The platform's operations are webhook events too (deployment.started …), sent from the outbox.
    const operations = ids.filter((_, index) => (OPERATION_ACTIONS as readonly string[]).includes(parsed[index]!.action));
    const events = idBatches(operations).map((activityIds): DomainEvent => ({ type: 'operations.reported', tenantId: ctx.actor.tenantId, activityIds }));
    await publishEvents(tx.db, events, tx.clock.now());
    await recordChange(tx, {
      action: 'activity.reported',
      resource: { type: 'activity_log' },
      after: { count: parsed.length, actions: [...new Set(parsed.map((entry) => entry.action))].sort() },
    });
    return parsed.length;
  });
}
