/**
 * Opsgenie's REST API v2: `GET /v2/schedules/<identifier>/on-calls?flat=true` answers the
 * usernames (which are email addresses) of the people on call for the schedule now, in
 * `data.onCallRecipients`. A schedule is named by its id, or by its name when it is not a UUID
 * (`scheduleIdentifierType`). The key is an API integration's key, sent as `Authorization: GenieKey <key>`.
 */
import { z } from 'zod';
import { getJson, normalizeEmail, OnCallUnavailable, type OnCallClient } from './on-call-provider.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const onCallsSchema = z.object({ data: z.object({ onCallRecipients: z.array(z.string()).nullish() }) });

export function opsgenieClient(apiUrl: string, timeoutMs: number): OnCallClient {
  const base = apiUrl.endsWith('/') ? apiUrl : `${apiUrl}/`;
  return {
    provider: 'opsgenie',
    async onCallEmails(apiKey, scheduleId) {
      const url = new URL(`v2/schedules/${encodeURIComponent(scheduleId)}/on-calls`, base);
      url.searchParams.set('scheduleIdentifierType', UUID.test(scheduleId) ? 'id' : 'name');
      url.searchParams.set('flat', 'true');
      const parsed = onCallsSchema.safeParse(await getJson('opsgenie', url, { authorization: `GenieKey ${apiKey}` }, timeoutMs));
      if (!parsed.success) throw new OnCallUnavailable('Opsgenie answered the on-calls in an unexpected shape');
      // Flat recipients are users' usernames (emails); a team or escalation named there has no @.
      return [...new Set((parsed.data.data.onCallRecipients ?? []).filter((name) => name.includes('@')).map(normalizeEmail))];
    },
  };
}
