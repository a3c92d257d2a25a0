/**
 * PagerDuty's REST API v2: `GET /oncalls?schedule_ids[]=<id>&include[]=users` lists the on-call
 * entries of the schedule now (one per escalation level it serves), with the users embedded.
 * A user embedded without an email (a bare reference) is read with `GET /users/<id>`. The key is
 * a REST API key, sent as `Authorization: Token token=<key>`; a read-only key is enough.
 */
import { z } from 'zod';
import { getJson, normalizeEmail, OnCallUnavailable, type OnCallClient } from './on-call-provider.js';

/** Pages of entries read at most: a schedule has a handful of entries at any moment. */
const MAX_PAGES = 5;
const PAGE_SIZE = 100;

const userSchema = z.object({ id: z.string(), email: z.string().optional() });
const oncallsSchema = z.object({
  oncalls: z.array(z.object({ user: userSchema.nullish(), schedule: z.object({ id: z.string() }).nullish() })),
  more: z.boolean().optional(),
});
const userAnswerSchema = z.object({ user: userSchema });

export function pagerDutyClient(apiUrl: string, timeoutMs: number): OnCallClient {
  const base = apiUrl.endsWith('/') ? apiUrl : `${apiUrl}/`;
  const get = async <T>(path: string, params: [string, string][], apiKey: string, schema: z.ZodType<T>): Promise<T> => {
    const url = new URL(path, base);
    for (const [name, value] of params) url.searchParams.append(name, value);
    const headers = { authorization: `Token token=${apiKey}`, accept: 'application/vnd.pagerduty+json;version=2' };
    const parsed = schema.safeParse(await getJson('pagerduty', url, headers, timeoutMs));
    if (!parsed.success) throw new OnCallUnavailable(`PagerDuty answered ${path} in an unexpected shape`);
    return parsed.data;
  };
  return {
    provider: 'pagerduty',
    async onCallEmails(apiKey, scheduleId) {
      const users = new Map<string, string | undefined>();
      for (let page = 0; page < MAX_PAGES; page += 1) {
        const params: [string, string][] = [
          ['schedule_ids[]', scheduleId],
          ['include[]', 'users'],
          ['limit', String(PAGE_SIZE)],
          ['offset', String(page * PAGE_SIZE)],
        ];
        const answer = await get('oncalls', params, apiKey, oncallsSchema);
        for (const entry of answer.oncalls) {
          // Entries of other schedules on the same escalation policy are not this schedule's people.
          if (!entry.user || (entry.schedule && entry.schedule.id !== scheduleId)) continue;
          users.set(entry.user.id, entry.user.email ?? users.get(entry.user.id));
        }
        if (!answer.more) break;
      }
      const emails: string[] = [];
      for (const [id, email] of users) {
        emails.push(email ?? (await get(`users/${encodeURIComponent(id)}`, [], apiKey, userAnswerSchema)).user.email ?? '');
      }
      return [...new Set(emails.filter(Boolean).map(normalizeEmail))];
    },
  };
}
