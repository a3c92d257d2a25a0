/**
 * Who is on call for the schedules a policy names, asked of the providers when eligibility is
 * computed (a request filed, a decision, a list of what one may decide, approvers to notify).
 * Nothing is cached across operations, so nothing lives in one instance's memory: each operation
 * takes a lookup of its own, which asks each schedule at most once however many fields need it.
 *
 * A schedule whose people cannot be learned (the provider unreachable or refusing, the integration
 * deleted) is unavailable: it makes nobody eligible, and auto-approves nobody (fail closed). Every
 * such failure is logged as a warning, without the API key.
 */
import type { Config } from '../config.js';
import type { Executor } from '../db/database.js';
import type { OnCallProvider } from '../db/tables/index.js';
import type { Logger } from '../logger.js';
import type { SecretBox } from '../secrets/secret-box.js';
import { integrationsByIds } from './on-call-integrations.js';
import { OnCallUnavailable, PROVIDER_NAMES, type OnCallClient } from './on-call-provider.js';
import { opsgenieClient } from './opsgenie-client.js';
import { pagerDutyClient } from './pagerduty-client.js';
import { parseScheduleKey, type ScheduleRef } from './schedule-keys.js';

/**
 * How long a lookup reuses an answer. An operation is over in far less; a subscription's context
 * lives as long as it does, and must not go on trusting who was on call when it started.
 */
const ANSWER_MAX_AGE_MS = 30_000;

/** One schedule now: who is on call, or why that is unknown. */
export interface ScheduleState extends ScheduleRef {
  readonly key: string;
  /** Null when the integration no longer exists. */
  readonly provider: OnCallProvider | null;
  readonly integrationName: string | null;
  /** The lower-cased emails of the people on call; null when unknown (`error` says why). */
  readonly emails: readonly string[] | null;
  readonly error: string | null;
}

export interface OnCallLookup {
  /** The state of each schedule of `keys` (in their order), asked once per lookup. */
  schedules(db: Executor, tenantId: string, keys: readonly string[]): Promise<ScheduleState[]>;
  /** The same when every one of them was asked already (nothing to wait on a provider for); else undefined. */
  answered(tenantId: string, keys: readonly string[]): Promise<ScheduleState[]> | undefined;
}

export interface OnCallDirectory {
  /** A lookup for one operation. */
  lookup(): OnCallLookup;
}

export interface OnCallDirectoryDeps {
  readonly secretBox: SecretBox;
  readonly logger: Logger;
  readonly clients: readonly OnCallClient[];
}

const unavailable = (key: string, error: string, integration?: { provider: OnCallProvider; name: string }): ScheduleState => ({
  key,
  ...parseScheduleKey(key),
  provider: integration?.provider ?? null,
  integrationName: integration?.name ?? null,
  emails: null,
  error,
});

const notConsulted = (keys: readonly string[]) => keys.map((key) => unavailable(key, 'on-call schedules are not consulted here'));

/** Where no directory was wired (the CLI, the demo): every schedule is unavailable, so nobody gains anything from one. */
export const NO_ON_CALL_LOOKUP: OnCallLookup = {
  schedules: async (_db, _tenantId, keys) => notConsulted(keys),
  answered: (_tenantId, keys) => Promise.resolve(notConsulted(keys)),
};

/** The key, or why it cannot be had: sealed under a key this Vigil no longer has (VIGIL_SECRET_KEY_PREVIOUS). */
function openApiKey(secretBox: SecretBox, sealed: string): string {
  try {
    return secretBox.open(sealed);
  } catch {
    throw new OnCallUnavailable('its API key does not open with VIGIL_SECRET_KEY (or VIGIL_SECRET_KEY_PREVIOUS): set it again');
  }
}

export function createOnCallDirectory(deps: OnCallDirectoryDeps): OnCallDirectory {
  const clients = new Map(deps.clients.map((client) => [client.provider, client]));
  return {
    lookup() {
      const asked = new Map<string, { at: number; state: Promise<ScheduleState> }>();
      const isFresh = (entry: { at: number } | undefined) => entry !== undefined && Date.now() - entry.at < ANSWER_MAX_AGE_MS;
      const ask = async (tenantId: string, key: string, integration: { provider: OnCallProvider; name: string; sealedApiKey: string } | undefined) => {
        const ref = parseScheduleKey(key);
        if (!integration) return unavailable(key, 'its on-call integration was deleted');
        const client = clients.get(integration.provider);
        const name = PROVIDER_NAMES[integration.provider];
        try {
          if (!client) throw new OnCallUnavailable(`${name} is not configured on this Vigil`);
          const emails = await client.onCallEmails(openApiKey(deps.secretBox, integration.sealedApiKey), ref.scheduleId);
          return { key, ...ref, provider: integration.provider, integrationName: integration.name, emails, error: null };
        } catch (error) {
          const reason = error instanceof OnCallUnavailable ? error.message : `asking ${name} failed`;
          deps.logger.warn(
            { tenantId, integrationId: ref.integrationId, provider: integration.provider, scheduleId: ref.scheduleId, reason },
            'on-call schedule unavailable: it makes nobody eligible until the provider answers',
          );
          return unavailable(key, reason, integration);
        }
      };
      return {
        async schedules(db, tenantId, keys) {
          const missing = [...new Set(keys)].filter((key) => !isFresh(asked.get(`${tenantId}|${key}`)));
          if (missing.length > 0) {
            // Claimed before the first await, so two fields asking at once ask the provider once.
            const ids = [...new Set(missing.map((key) => parseScheduleKey(key).integrationId))];
            const integrations = integrationsByIds(db, tenantId, ids).then((rows) => new Map(rows.map((row) => [row.id, row])));
            for (const key of missing) {
              const state = integrations.then((byId) => ask(tenantId, key, byId.get(parseScheduleKey(key).integrationId)));
              asked.set(`${tenantId}|${key}`, { at: Date.now(), state });
            }
          }
          return Promise.all(keys.map((key) => asked.get(`${tenantId}|${key}`)!.state));
        },
        answered(tenantId, keys) {
          const entries = keys.map((key) => asked.get(`${tenantId}|${key}`));
          return entries.every(isFresh) ? Promise.all(entries.map((entry) => entry!.state)) : undefined;
        },
      };
    },
  };
}

/** The directory of a running Vigil: PagerDuty and Opsgenie at the configured URLs. */
export function onCallDirectoryFor(config: Config['onCall'], secretBox: SecretBox, logger: Logger): OnCallDirectory {
  return createOnCallDirectory({
    secretBox,
    logger,
    clients: [pagerDutyClient(config.pagerDutyApiUrl, config.timeoutMs), opsgenieClient(config.opsgenieApiUrl, config.timeoutMs)],
  });
}
