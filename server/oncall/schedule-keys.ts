/**
 * How a policy, and the requests it governs, name an on-call schedule: `<integration id>:<schedule
 * id>` in a text array, so the approvals queries match them the way they match approver groups
 * (`&&`). The integration id is a UUID and holds no colon; the schedule id is the provider's own
 * (PagerDuty's `PABC123`, Opsgenie's UUID or schedule name) and may.
 */
export interface ScheduleRef {
  readonly integrationId: string;
  readonly scheduleId: string;
}

export const scheduleKey = (ref: ScheduleRef): string => `${ref.integrationId}:${ref.scheduleId}`;

export function parseScheduleKey(key: string): ScheduleRef {
  const colon = key.indexOf(':');
  return { integrationId: key.slice(0, colon), scheduleId: key.slice(colon + 1) };
}
