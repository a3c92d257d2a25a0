/**
 * The on-call schedules an approval policy names as approvers, as an admin gives them
 * ({ integrationId, scheduleId }) and as the policy keeps them (keys, schedule-keys.ts). Each
 * must name an integration of the tenant; whether the schedule exists is the provider's to say
 * when someone is looked up (an unknown schedule is unavailable, and makes nobody eligible).
 */
import { z } from 'zod';
import type { Executor } from '../db/database.js';
import { BadInput } from '../errors.js';
import { isUuid } from '../ids.js';
import { integrationsByIds } from './on-call-integrations.js';
import { scheduleKey, type ScheduleRef } from './schedule-keys.js';

/** A provider's schedule id: PagerDuty's `PABC123`, Opsgenie's UUID or schedule name. */
export const scheduleIdSchema = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(200, 'must be at most 200 characters')
  .regex(/^[^\p{Cc}]+$/u, 'must not hold control characters');

export const onCallSchedulesSchema = z
  .array(z.object({ integrationId: z.string().trim().refine(isUuid, 'is not a valid id'), scheduleId: scheduleIdSchema }))
  .max(20, 'at most 20 schedules');

export const AUTO_APPROVAL_NEEDS_SCHEDULES = 'approves on-call requesters on the spot only with on-call schedules to ask: name some in onCallSchedules';

/** The keys a policy keeps for `schedules`, each once; null for none (as policies that never named any). */
export function scheduleKeysOf(schedules: readonly ScheduleRef[]): string[] | null {
  const keys = [...new Set(schedules.map((schedule) => scheduleKey({ integrationId: schedule.integrationId.toLowerCase(), scheduleId: schedule.scheduleId })))];
  return keys.length > 0 ? keys : null;
}

/** BAD_USER_INPUT naming the first schedule whose integration is not the tenant's. */
export async function checkScheduleIntegrations(db: Executor, tenantId: string, schedules: readonly ScheduleRef[], field: string): Promise<void> {
  const found = new Set(
    (await integrationsByIds(db, tenantId, [...new Set(schedules.map((schedule) => schedule.integrationId.toLowerCase()))])).map((row) => row.id),
  );
  const index = schedules.findIndex((schedule) => !found.has(schedule.integrationId.toLowerCase()));
  if (index >= 0) {
    throw new BadInput(
      `${field}.${index}.integrationId`,
      `${field}.${index}.integrationId: no on-call integration ${schedules[index]!.integrationId} in this tenant`,
    );
  }
}
