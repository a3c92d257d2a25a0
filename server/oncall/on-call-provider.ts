/**
 * Who is on call now, asked of an on-call service (PagerDuty, Opsgenie) through its REST API. Each
 * provider answers with the email addresses of the people on call for one schedule; Vigil matches
 * them to its users by email within the tenant. Every failure (unreachable, a time-out, an HTTP
 * error, an answer of the wrong shape) is an OnCallUnavailable whose message is safe to show and
 * to log: it names the provider and the status, never the API key nor the provider's answer.
 */
import type { OnCallProvider } from '../db/tables/index.js';

export class OnCallUnavailable extends Error {
  constructor(
    message: string,
    /** The HTTP status the provider answered with; null when it did not answer. */
    readonly status: number | null = null,
  ) {
    super(message);
    this.name = 'OnCallUnavailable';
  }
}

export interface OnCallClient {
  readonly provider: OnCallProvider;
  /** The lower-cased emails of the people on call for `scheduleId` now; throws OnCallUnavailable. */
  onCallEmails(apiKey: string, scheduleId: string): Promise<string[]>;
}

export const PROVIDER_NAMES: Record<OnCallProvider, string> = { pagerduty: 'PagerDuty', opsgenie: 'Opsgenie' };

/** A GET answered with JSON, within `timeoutMs`; anything else is OnCallUnavailable. */
export async function getJson(provider: OnCallProvider, url: URL, headers: Record<string, string>, timeoutMs: number): Promise<unknown> {
  const name = PROVIDER_NAMES[provider];
  let response: Response;
  try {
    response = await fetch(url, {
      headers: { accept: 'application/json', 'user-agent': 'Vigil-OnCall/1', ...headers },
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    const reason = (error as Error).name === 'TimeoutError' ? `did not answer within ${timeoutMs} ms` : 'could not be reached';
    throw new OnCallUnavailable(`${name} ${reason}`);
  }
  if (!response.ok) {
    await response.body?.cancel();
    const hint = response.status === 401 || response.status === 403 ? ' (the API key was refused)' : response.status === 404 ? ' (no such schedule)' : '';
    throw new OnCallUnavailable(`${name} answered HTTP ${response.status}${hint}`, response.status);
  }
  try {
    return await response.json();
  } catch {
    throw new OnCallUnavailable(`${name} answered something other than JSON`, response.status);
  }
}

export const normalizeEmail = (email: string) => email.trim().toLowerCase();
