/**
 * The one place that reads the environment. Every variable is validated here, once, at start;
 * the rest of Vigil receives the typed `Config` object and never touches `process.env`.
 */
import path from 'node:path';
import { z } from 'zod';
import { parseWitnessKey } from './log/cosignature.js';
import { ADDRESS_KINDS, type AddressKind } from './outbound/outbound-policy.js';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** Who may introspect the GraphQL schema: any authenticated caller, anyone, or no one. */
export const INTROSPECTION_POLICIES = ['authenticated', 'open', 'off'] as const;
export type IntrospectionPolicy = (typeof INTROSPECTION_POLICIES)[number];

/** Keys separated by commas or spaces. */
const keyList = z
  .string()
  .default('')
  .transform((value) =>
    value
      .split(/[\s,]+/)
      .map((key) => key.trim())
      .filter(Boolean),
  );
const optionalString = z
  .string()
  .trim()
  .transform((value) => (value === '' ? undefined : value))
  .optional();

const booleanFlag = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no', ''])
    .optional()
    .transform((value) => (value === undefined || value === '' ? fallback : ['true', '1', 'yes'].includes(value)));

const integer = (fallback: number, min: number, max: number) =>
  z
    .string()
    .optional()
    .transform((value, ctx) => {
      if (value === undefined || value.trim() === '') return fallback;
      const parsed = Number(value);
      if (!Number.isInteger(parsed) || parsed < min || parsed > max) {
        ctx.addIssue({ code: 'custom', message: `expected a whole number from ${min} to ${max}, got "${value}"` });
        return z.NEVER;
      }
      return parsed;
    });

const postgresUrl = optionalString.refine((value) => value === undefined || /^postgres(ql)?:\/\//.test(value), 'expected a postgres:// or postgresql:// URL');

const httpUrl = optionalString.refine((value) => value === undefined || /^https?:\/\/[^\s]+$/.test(value), 'expected an http:// or https:// URL');

const SECRET_KEY_FORMAT = 'must be 32 random bytes in base64 (openssl rand -base64 32)';
const isSecretKey = (value: string) => Buffer.from(value, 'base64').length === 32;

const environmentSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'production', 'test']).default('production'),
    PORT: integer(4000, 0, 65535),
    HOST: z.string().trim().min(1).default('0.0.0.0'),
    VIGIL_PUBLIC_URL: httpUrl,
    VIGIL_APPROVAL_URL: httpUrl.refine((value) => value === undefined || value.includes('{id}'), 'must contain {id}, where the request’s id goes'),
    VIGIL_ACCESS_REQUEST_URL: httpUrl,
    DATABASE_URL: postgresUrl,
    VIGIL_READ_DATABASE_URL: postgresUrl,
    VIGIL_READ_MAX_LAG_MS: integer(2000, 0, 3_600_000),
    VIGIL_DATA_DIR: z.string().trim().min(1).default('./data'),
    VIGIL_DB_POOL_MAX: integer(10, 1, 500),
    VIGIL_JWT_SECRET: optionalString.refine(
      (value) => value === undefined || value.length >= 32,
      'must be at least 32 characters (HS256 needs a 256-bit secret)',
    ),
    VIGIL_JWKS_URL: httpUrl,
    VIGIL_JWT_ISSUER: optionalString,
    VIGIL_JWT_AUDIENCE: optionalString,
    VIGIL_JWT_MAX_LIFETIME: integer(86_400, 60, 30 * 86_400),
    VIGIL_BOOTSTRAP: booleanFlag(true),
    VIGIL_BOOTSTRAP_TENANT: z
      .string()
      .trim()
      .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'expected a slug: a-z, 0-9 and -')
      .default('default'),
    VIGIL_BOOTSTRAP_ADMIN_EMAIL: z
      .string()
      .trim()
      .toLowerCase()
      .regex(/^[^\s@]+@[^\s@]+$/, 'expected an email address')
      .default('admin@localhost'),
    VIGIL_SHUTDOWN_GRACE_MS: integer(8000, 0, 60000),
    VIGIL_TRUST_PROXY: z
      .string()
      .trim()
      .default('false')
      .transform((value) => (value === 'true' ? true : value === 'false' || value === '' ? false : /^\d+$/.test(value) ? Number(value) : value)),
    VIGIL_BODY_LIMIT: z
      .string()
      .trim()
      .regex(/^\d+(b|kb|mb)$/i, 'expected a size such as 1mb or 512kb')
      .default('2mb'),
    VIGIL_UNRESPONSIVE_AFTER: integer(300, 5, 86_400 * 7),
    VIGIL_AGENT_OFFLINE_AFTER: integer(60, 2, 86_400),
    // 0: a quarter of VIGIL_AGENT_OFFLINE_AFTER, 10 s at most.
    VIGIL_PRESENCE_SWEEP_SECONDS: integer(0, 0, 3600),
    VIGIL_AUDIT_SIGNING_KEY: optionalString.refine(
      (value) => value === undefined || value.includes('-----BEGIN PRIVATE KEY-----'),
      'must be an Ed25519 private key in PKCS#8 PEM (-----BEGIN PRIVATE KEY-----)',
    ),
    VIGIL_LOG_WITNESS_KEYS: keyList.superRefine((keys, ctx) => {
      for (const [index, key] of keys.entries()) {
        try {
          parseWitnessKey(key);
        } catch (error) {
          ctx.addIssue({ code: 'custom', message: `key ${index + 1} of ${keys.length}: ${(error as Error).message}` });
        }
      }
    }),
    VIGIL_LOG_WITNESS_URLS: keyList.superRefine((entries, ctx) => {
      for (const entry of entries) {
        if (!/^[^=\s]+=https?:\/\/\S+$/.test(entry))
          ctx.addIssue({ code: 'custom', message: `"${entry}" is not <witness name>=<http(s) URL of its add-checkpoint prefix>` });
      }
    }),
    VIGIL_AUDIT_TRUSTED_KEYS: keyList.pipe(
      z.array(
        z
          .string()
          .regex(/^[^+\s]+\+[0-9a-f]{8}\+[A-Za-z0-9+/=]+$/, 'must be signed-note verifier keys (name+hex id+base64 key), separated by commas or spaces'),
      ),
    ),
    VIGIL_INSTANCE_NAME: z
      .string()
      .trim()
      .regex(/^[^\s+]{1,200}$/, 'must be a name without spaces or "+" (a host name, say)')
      .optional(),
    VIGIL_LOG_INTERVAL_MS: integer(1000, 50, 60_000),
    VIGIL_CHECKPOINT_EVERY: integer(1000, 1, 10_000_000),
    VIGIL_CHECKPOINT_MINUTES: integer(60, 1, 7 * 24 * 60),
    VIGIL_MAX_CLOCK_SKEW: integer(300, 0, 86_400),
    VIGIL_APPROVAL_SWEEP_SECONDS: integer(15, 1, 3600),
    VIGIL_ACCESS_REVIEW_JOB_SECONDS: integer(300, 1, 86_400),
    PAGERDUTY_API_URL: httpUrl,
    OPSGENIE_API_URL: httpUrl,
    VIGIL_ONCALL_TIMEOUT_MS: integer(5000, 100, 60_000),
    // Bucket names (the rules of S3's general purpose buckets).
    VIGIL_ARCHIVE_S3_BUCKET: optionalString.refine(
      (value) => value === undefined || /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(value),
      'must be a bucket name: 3 to 63 lower-case letters, digits, dots and hyphens',
    ),
    VIGIL_ARCHIVE_S3_PREFIX: z
      .string()
      .trim()
      .default('vigil')
      .transform((value) => value.replace(/^\/+|\/+$/g, ''))
      .refine((value) => /^[A-Za-z0-9!_.*'()/-]*$/.test(value), "must be a key prefix of letters, digits and !_.*'()-/"),
    VIGIL_ARCHIVE_S3_REGION: optionalString,
    VIGIL_ARCHIVE_S3_ENDPOINT: httpUrl,
    VIGIL_ARCHIVE_S3_FORCE_PATH_STYLE: booleanFlag(false),
    VIGIL_ARCHIVE_S3_ACCESS_KEY_ID: optionalString,
    VIGIL_ARCHIVE_S3_SECRET_ACCESS_KEY: optionalString,
    VIGIL_ARCHIVE_PERIOD: z.enum(['hour', 'day']).default('hour'),
    VIGIL_ARCHIVE_CHECK_SECONDS: integer(60, 1, 3600),
    VIGIL_ARCHIVE_OCSF: booleanFlag(false),
    AWS_REGION: optionalString,
    VIGIL_SECRET_KEY: optionalString.refine((value) => value === undefined || isSecretKey(value), SECRET_KEY_FORMAT),
    VIGIL_SECRET_KEY_PREVIOUS: z
      .string()
      .default('')
      .transform((value, ctx) => {
        const keys = value
          .split(',')
          .map((key) => key.trim())
          .filter(Boolean);
        keys.forEach((key, index) => {
          if (!isSecretKey(key)) ctx.addIssue({ code: 'custom', message: `key ${index + 1} of ${keys.length}: ${SECRET_KEY_FORMAT}` });
        });
        return keys;
      }),
    VIGIL_OUTBOUND_ALLOW: z
      .string()
      .trim()
      .default('')
      .transform((value) =>
        value
          .split(',')
          .map((kind) => kind.trim())
          .filter(Boolean),
      )
      .pipe(z.array(z.enum(ADDRESS_KINDS, { message: `expected a comma-separated list of ${ADDRESS_KINDS.join(', ')}` }))),
    VIGIL_WEBHOOK_TIMEOUT_MS: integer(10_000, 100, 120_000),
    VIGIL_WEBHOOK_POLL_MS: integer(1000, 50, 60_000),
    VIGIL_ALERT_EVALUATION_SECONDS: integer(30, 1, 3600),
    VIGIL_REPORT_SCHEDULE_SECONDS: integer(60, 1, 3600),
    VIGIL_SUBSCRIPTION_QUEUE: integer(10_000, 1, 1_000_000),
    VIGIL_SUBSCRIPTION_LAG_SECONDS: integer(30, 1, 3600),
    VIGIL_WS_MAX_BUFFERED_KB: integer(4096, 1, 1_048_576),
    VIGIL_WS_PING_SECONDS: integer(30, 1, 3600),
    VIGIL_RECORDING_CHUNK_KB: integer(4096, 1, 65_536),
    VIGIL_GRAPHQL_MAX_DEPTH: integer(12, 2, 100),
    VIGIL_GRAPHQL_MAX_ALIASES: integer(30, 0, 10_000),
    VIGIL_GRAPHQL_MAX_COST: integer(25_000, 10, 10_000_000),
    VIGIL_GRAPHQL_MAX_BATCH: integer(10, 1, 1000),
    // true and false, the settings of earlier versions, stand for open and off.
    VIGIL_GRAPHQL_INTROSPECTION: z
      .enum([...INTROSPECTION_POLICIES, 'true', 'false', ''], { message: 'expected authenticated, open or off' })
      .default('')
      .transform((value): IntrospectionPolicy => (value === '' ? 'authenticated' : value === 'true' ? 'open' : value === 'false' ? 'off' : value)),
    VIGIL_CORS_ORIGINS: z
      .string()
      .trim()
      .default('')
      .transform((value) =>
        value
          .split(',')
          .map((origin) => origin.trim().replace(/\/+$/, ''))
          .filter(Boolean),
      )
      .pipe(z.array(z.string().regex(/^https?:\/\/[^/\s]+$/, 'must be origins such as https://app.example.com, comma-separated'))),
    VIGIL_RATE_LIMIT_PER_TOKEN: integer(6000, 0, 10_000_000),
    VIGIL_RATE_LIMIT_PER_IP: integer(12_000, 0, 10_000_000),
    TEAMS_BOT_ENABLED: booleanFlag(false),
    MICROSOFT_APP_ID: optionalString,
    MICROSOFT_APP_PASSWORD: optionalString,
    MICROSOFT_APP_TENANT_ID: optionalString,
    MICROSOFT_APP_TYPE: z.enum(['MultiTenant', 'SingleTenant']).default('MultiTenant'),
    TEAMS_SERVICE_URL: z
      .string()
      .trim()
      .default('https://smba.trafficmanager.net/teams/')
      .refine((value) => /^https?:\/\//.test(value), 'must be an http(s) URL'),
    TEAMS_SSO_CONNECTION_NAME: optionalString,
    TEAMS_SSO_APP_ID: optionalString,
    TEAMS_SSO_APP_ID_URI: optionalString.refine(
      (value) => value === undefined || /^api:\/\/\S+$/.test(value),
      'expected the app registration’s Application ID URI (api://…)',
    ),
    TEAMS_SSO_JWKS_URL: httpUrl,
    SLACK_SIGNING_SECRET: optionalString,
    SLACK_BOT_TOKEN: optionalString.refine((value) => value === undefined || value.startsWith('xoxb-'), 'must be a bot token (xoxb-…)'),
    SLACK_API_URL: optionalString.refine((value) => value === undefined || /^https?:\/\//.test(value), 'must be an http(s) URL'),
    SLACK_CLIENT_ID: optionalString,
    SLACK_CLIENT_SECRET: optionalString,
    SLACK_OAUTH_AUTHORIZE_URL: z
      .string()
      .trim()
      .default('https://slack.com/oauth/v2/authorize')
      .refine((value) => /^https?:\/\//.test(value), 'must be an http(s) URL'),
    SLACK_OAUTH_REDIRECT_URL: httpUrl,
    SLACK_APP_TOKEN: optionalString.refine((value) => value === undefined || value.startsWith('xapp-'), 'must be an app-level token (xapp-…)'),
    LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
  })
  .refine((env) => !env.VIGIL_READ_DATABASE_URL || Boolean(env.DATABASE_URL), {
    message: 'a read replica needs its primary: set DATABASE_URL too (the embedded database has no replicas)',
    path: ['VIGIL_READ_DATABASE_URL'],
  })
  .refine((env) => !env.MICROSOFT_APP_ID || Boolean(env.MICROSOFT_APP_PASSWORD), {
    message: 'the Teams bot needs MICROSOFT_APP_PASSWORD with MICROSOFT_APP_ID',
    path: ['MICROSOFT_APP_PASSWORD'],
  })
  .refine((env) => Boolean(env.SLACK_SIGNING_SECRET || env.SLACK_APP_TOKEN) === Boolean(env.SLACK_BOT_TOKEN || env.SLACK_CLIENT_ID), {
    message:
      'the Slack bot needs SLACK_BOT_TOKEN (one workspace) or SLACK_CLIENT_ID and SLACK_CLIENT_SECRET (installs through OAuth), with SLACK_SIGNING_SECRET (events over HTTP) or SLACK_APP_TOKEN (Socket Mode)',
    path: ['SLACK_BOT_TOKEN'],
  })
  .refine((env) => Boolean(env.SLACK_CLIENT_ID) === Boolean(env.SLACK_CLIENT_SECRET), {
    message: 'Slack installs through OAuth need both SLACK_CLIENT_ID and SLACK_CLIENT_SECRET',
    path: ['SLACK_CLIENT_SECRET'],
  })
  .refine((env) => !env.SLACK_CLIENT_ID || Boolean(env.SLACK_OAUTH_REDIRECT_URL || env.VIGIL_PUBLIC_URL), {
    message:
      'Slack installs through OAuth need VIGIL_PUBLIC_URL (or SLACK_OAUTH_REDIRECT_URL): Slack sends the installing browser back to its /slack/oauth_redirect',
    path: ['VIGIL_PUBLIC_URL'],
  })
  .refine((env) => Boolean(env.VIGIL_ARCHIVE_S3_ACCESS_KEY_ID) === Boolean(env.VIGIL_ARCHIVE_S3_SECRET_ACCESS_KEY), {
    message: 'set both VIGIL_ARCHIVE_S3_ACCESS_KEY_ID and VIGIL_ARCHIVE_S3_SECRET_ACCESS_KEY, or neither (the AWS SDK then finds credentials itself)',
    path: ['VIGIL_ARCHIVE_S3_SECRET_ACCESS_KEY'],
  })
  .refine((env) => !env.TEAMS_SSO_CONNECTION_NAME || Boolean(env.TEAMS_SSO_APP_ID || env.MICROSOFT_APP_ID), {
    message: 'Teams single sign-on needs the AAD app its tokens are for: set TEAMS_SSO_APP_ID (or MICROSOFT_APP_ID)',
    path: ['TEAMS_SSO_APP_ID'],
  })
  .refine((env) => !env.TEAMS_SSO_CONNECTION_NAME || Boolean(env.MICROSOFT_APP_ID || env.TEAMS_BOT_ENABLED), {
    message: 'Teams single sign-on is part of the Teams bot: set MICROSOFT_APP_ID (or TEAMS_BOT_ENABLED)',
    path: ['TEAMS_SSO_CONNECTION_NAME'],
  })
  .refine(
    (env) => env.VIGIL_LOG_WITNESS_URLS.every((entry) => env.VIGIL_LOG_WITNESS_KEYS.some((key) => key.startsWith(`${entry.slice(0, entry.indexOf('='))}+`))),
    { message: 'each witness named here needs its key in VIGIL_LOG_WITNESS_KEYS', path: ['VIGIL_LOG_WITNESS_URLS'] },
  )
  .refine((env) => !(env.VIGIL_JWT_SECRET && env.VIGIL_JWKS_URL), {
    message: 'set either VIGIL_JWT_SECRET or VIGIL_JWKS_URL, not both',
    path: ['VIGIL_JWKS_URL'],
  });

export type LogLevel = (typeof LOG_LEVELS)[number];

export interface DatabaseConfig {
  /** `postgres` when DATABASE_URL is set, else the embedded PGlite database in `dataDir`. */
  readonly kind: 'postgres' | 'pglite';
  readonly url?: string;
  /**
   * A hot standby of `url` (VIGIL_READ_DATABASE_URL) where list queries and record exports read
   * while a read there is at most `maxLagMs` stale (VIGIL_READ_MAX_LAG_MS); PostgreSQL only.
   */
  readonly replica?: { readonly url: string; readonly maxLagMs: number };
  /** Where PGlite keeps its files (and Vigil its lock file). Ignored on PostgreSQL. */
  readonly dataDir: string;
  readonly poolMax: number;
}

/** Teams single sign-on: the AAD app whose tokens link a Teams user, and where AAD's signing keys are. */
export interface TeamsSsoConfig {
  /** The OAuth connection of the Azure Bot resource that the sign-in card names. */
  readonly connectionName: string;
  /** The AAD app (client) id: a v2 token's `aud`. */
  readonly appId: string;
  /** Its Application ID URI (`api://…/{appId}`): a v1 token's `aud`, and the token exchange resource Teams asks a token for. */
  readonly appIdUri: string;
  /** AAD's signing keys (JWKS); v1 and v2 tokens are signed with the same keys. */
  readonly jwksUrl: string;
}

function teamsSsoConfig(env: {
  TEAMS_SSO_CONNECTION_NAME?: string;
  TEAMS_SSO_APP_ID?: string;
  TEAMS_SSO_APP_ID_URI?: string;
  TEAMS_SSO_JWKS_URL?: string;
  MICROSOFT_APP_ID?: string;
}): TeamsSsoConfig | undefined {
  const appId = env.TEAMS_SSO_APP_ID ?? env.MICROSOFT_APP_ID;
  if (!env.TEAMS_SSO_CONNECTION_NAME || !appId) return undefined;
  return {
    connectionName: env.TEAMS_SSO_CONNECTION_NAME,
    appId,
    // Teams' convention for a bot's own app registration.
    appIdUri: env.TEAMS_SSO_APP_ID_URI ?? `api://botid-${appId}`,
    jwksUrl: env.TEAMS_SSO_JWKS_URL ?? 'https://login.microsoftonline.com/common/discovery/v2.0/keys',
  };
}

export interface JwtConfig {
  readonly secret?: string;
  readonly jwksUrl?: string;
  readonly issuer?: string;
  readonly audience?: string;
  /** The longest a JWT may be valid, from its iat (or now) to its exp. */
  readonly maxLifetimeSeconds: number;
}

export interface Config {
  readonly env: 'development' | 'production' | 'test';
  readonly http: {
    readonly port: number;
    readonly host: string;
    /** The URL printed at start and used in links; derived from host and port when unset. */
    readonly publicUrl?: string;
    /**
     * Where people decide a request outside chat (the web app of the platform that uses Vigil),
     * `{id}` standing for the request's id. Vigil serves no approval page of its own: unset, no
     * message links to one.
     */
    readonly approvalUrlTemplate?: string;
    /** Where a person asks for access, `{server}` and `{user}` standing for the server's name and their email (VIGIL_ACCESS_REQUEST_URL). */
    readonly accessRequestUrlTemplate?: string;
    readonly bodyLimit: string;
    /** Express's `trust proxy`: whether X-Forwarded-For gives the client IP (true, a hop count, or subnets). */
    readonly trustProxy: boolean | number | string;
    /** How long in-flight requests may run after SIGTERM before their sockets are closed. */
    readonly shutdownGraceMs: number;
  };
  readonly database: DatabaseConfig;
  readonly jwt: JwtConfig;
  readonly bootstrap: { readonly enabled: boolean; readonly tenantSlug: string; readonly adminEmail: string };
  readonly records: {
    /** Seconds without an update after which a Running command becomes Unresponsive. */
    readonly unresponsiveAfterSeconds: number;
    /** How far in the future a reported timestamp may lie before the event is refused. */
    readonly maxClockSkewSeconds: number;
    /** Seconds without a heartbeat after which a server's agent is offline. */
    readonly agentOfflineAfterSeconds: number;
    /** How often every instance looks for agents gone silent (VIGIL_PRESENCE_SWEEP_SECONDS). */
    readonly presenceSweepMs: number;
  };
  readonly realtime: {
    /** Events a subscriber may hold waiting at most (a memory bound; lagLimitMs is the usual cut). */
    readonly queueLimit: number;
    /** How long an event may wait for a subscriber before it is cut off as too slow. */
    readonly lagLimitMs: number;
    /** Bytes a WebSocket may have unsent before its client is disconnected as too slow. */
    readonly maxBufferedBytes: number;
    /** How often every WebSocket is pinged; one that missed the previous pong is closed. */
    readonly pingIntervalMs: number;
  };
  readonly outbound: {
    /** Kinds of internal address Vigil may send webhooks and channel messages to (none by default). */
    readonly allow: readonly AddressKind[];
    /** How long one delivery attempt may take. */
    readonly timeoutMs: number;
    /** How often each instance looks for due deliveries. */
    readonly pollIntervalMs: number;
    /** How often alert rules are evaluated. */
    readonly alertEvaluationMs: number;
    /** How often each instance looks for review digests that are due (server/reports). */
    readonly reportScheduleMs: number;
  };
  /** The Slack bot, when SLACK_BOT_TOKEN and a way for Slack to reach Vigil are set. */
  readonly slack?: {
    /**
     * How Slack's requests arrive: signed HTTP requests to /slack/events (SLACK_SIGNING_SECRET), or
     * Socket Mode (SLACK_APP_TOKEN): Vigil opens a WebSocket to Slack, so it needs no public endpoint.
     */
    readonly transport: { readonly mode: 'http'; readonly signingSecret: string } | { readonly mode: 'socket'; readonly appToken: string };
    /** One workspace's bot token (SLACK_BOT_TOKEN); workspaces installed through OAuth use their own. */
    readonly botToken?: string;
    /** "Add to Slack" for many workspaces, when SLACK_CLIENT_ID and SLACK_CLIENT_SECRET are set. */
    readonly oauth?: {
      readonly clientId: string;
      readonly clientSecret: string;
      readonly authorizeUrl: string;
      /** SLACK_OAUTH_REDIRECT_URL, or VIGIL_PUBLIC_URL/slack/oauth_redirect. */
      readonly redirectUri: string;
    };
    /** The Web API's base URL (tests point it at a local fake). */
    readonly apiUrl: string;
  };
  /**
   * The Teams bot, when MICROSOFT_APP_ID is set (Bot Framework JWTs are then required on every
   * request) or TEAMS_BOT_ENABLED=true without an app id (unsigned: local development and tests).
   */
  readonly teams?: {
    readonly appId?: string;
    readonly appPassword?: string;
    readonly appTenantId?: string;
    readonly appType: 'MultiTenant' | 'SingleTenant';
    /** Where proactive messages to the approver channel go (the Bot Connector; tests use a fake). */
    readonly serviceUrl: string;
    /** Single sign-on for the identity link (TEAMS_SSO_CONNECTION_NAME set): bot/teams/sso-token.ts. */
    readonly sso?: TeamsSsoConfig;
  };
  readonly graphql: {
    readonly maxDepth: number;
    readonly maxAliases: number;
    /** Fields, each list multiplied by its page size. */
    readonly maxCost: number;
    /** Operations in one batched HTTP request. */
    readonly maxBatch: number;
    /** Who may query __schema and __type (schema/limits/introspection.ts). */
    readonly introspection: IntrospectionPolicy;
  };
  /** Browser origins allowed to call the API (CORS); none by default. */
  readonly corsOrigins: readonly string[];
  /** Requests per minute, per bearer token and per client IP, across all instances (0: no limit). */
  readonly rateLimits: { readonly perToken: number; readonly perIp: number };
  readonly recordings: {
    /** Largest chunk of asciicast lines an agent may send in one request. */
    readonly chunkLimitBytes: number;
  };
  /** 32 bytes (base64) sealing secrets at rest; generated into the data dir when unset. */
  readonly secretKey?: string;
  /** Earlier secret keys (base64): values sealed under them still open, until `vigil secrets rotate` reseals them. */
  readonly previousSecretKeys: readonly string[];
  readonly approvals: {
    /** How often undecided requests expire and sessions start and end (their time bounds' precision). */
    readonly sweepIntervalMs: number;
  };
  readonly reviews: {
    /** How often access reviews recur, escalate and remind (server/reviews/review-job.ts). */
    readonly jobIntervalMs: number;
  };
  /** The on-call services whose schedules policies may name as approvers (server/oncall). */
  readonly onCall: {
    /** PagerDuty's REST API (PAGERDUTY_API_URL; tests point it at a local fake). */
    readonly pagerDutyApiUrl: string;
    /** Opsgenie's REST API (OPSGENIE_API_URL; `https://api.eu.opsgenie.com` for EU accounts). */
    readonly opsgenieApiUrl: string;
    /** How long one question to a provider may take; past it the schedule is unavailable. */
    readonly timeoutMs: number;
  };
  readonly audit: {
    /** PKCS#8 PEM; when unset, a key is generated into the data dir on first start. */
    readonly signingKeyPem?: string;
    /** Sign a checkpoint once this many entries were appended since the last one… */
    readonly checkpointEveryEntries: number;
    /** …or once this many minutes passed, whether or not anything was written. */
    readonly checkpointEveryMinutes: number;
    /**
     * Signed-note verifier keys whose checkpoints are trusted, the current key and rotated ones.
     * Empty means "this instance's own key", and then only while no other key signed the log.
     */
    readonly trustedKeys: readonly string[];
    /** Witnesses' cosigner verifier keys (C2SP tlog-cosignature): the cosignatures Vigil accepts and publishes with its checkpoints. */
    readonly witnessKeys: readonly string[];
    /** Witnesses Vigil asks for cosignatures (C2SP tlog-witness): name, and the prefix of their add-checkpoint URL. */
    readonly witnessUrls: readonly { readonly name: string; readonly url: string }[];
    /** Names this deployment in checkpoint origins and as the signing key's name. */
    readonly instanceName: string;
    /** How often each instance integrates leaves left queued and signs due checkpoints. */
    readonly logIntervalMs: number;
  };
  /** The log's archive in S3-compatible object storage, when VIGIL_ARCHIVE_S3_BUCKET is set. */
  readonly archive?: ArchiveConfig;
  readonly logLevel: LogLevel;
}

export interface ArchiveConfig {
  readonly bucket: string;
  /** Keys start with it (no leading or trailing slash; may be empty). */
  readonly prefix: string;
  readonly region: string;
  /** Another S3-compatible service's URL (MinIO, Ceph, R2…); unset, AWS S3. */
  readonly endpoint?: string;
  readonly forcePathStyle: boolean;
  /** Unset: the AWS SDK's own chain (AWS_* variables, shared files, the instance's role). */
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string };
  /** One object per tenant and closed hour, or day (UTC). */
  readonly period: 'hour' | 'day';
  /** How often each instance looks for a closed period to archive: objects follow a period's end within it. */
  readonly checkIntervalMs: number;
  /** Also write each period's events as OCSF, beside its log segment. */
  readonly ocsf: boolean;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Reads and validates the environment; throws a ConfigError naming every bad variable. */
export function loadConfig(environment: Record<string, string | undefined>): Config {
  const parsed = environmentSchema.safeParse(environment);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => {
        const name = issue.path.join('.') || 'environment';
        const given = typeof issue.path[0] === 'string' ? environment[issue.path[0]] : undefined;
        const isSecret = /SECRET|PASSWORD|TOKEN/.test(name);
        const shown = given === undefined || isSecret ? '' : ` (got "${given}")`;
        return `${name}: ${issue.message}${shown}`;
      }),
    );
  }
  const env = parsed.data;
  const slackTransport = slackTransportOf(env);
  return {
    env: env.NODE_ENV,
    http: {
      port: env.PORT,
      host: env.HOST,
      publicUrl: env.VIGIL_PUBLIC_URL?.replace(/\/+$/, ''),
      approvalUrlTemplate: env.VIGIL_APPROVAL_URL,
      accessRequestUrlTemplate: env.VIGIL_ACCESS_REQUEST_URL,
      bodyLimit: env.VIGIL_BODY_LIMIT,
      trustProxy: env.VIGIL_TRUST_PROXY,
      shutdownGraceMs: env.VIGIL_SHUTDOWN_GRACE_MS,
    },
    database: {
      kind: env.DATABASE_URL ? 'postgres' : 'pglite',
      url: env.DATABASE_URL,
      replica: env.VIGIL_READ_DATABASE_URL ? { url: env.VIGIL_READ_DATABASE_URL, maxLagMs: env.VIGIL_READ_MAX_LAG_MS } : undefined,
      dataDir: path.resolve(env.VIGIL_DATA_DIR),
      poolMax: env.VIGIL_DB_POOL_MAX,
    },
    jwt: {
      secret: env.VIGIL_JWT_SECRET,
      jwksUrl: env.VIGIL_JWKS_URL,
      issuer: env.VIGIL_JWT_ISSUER,
      audience: env.VIGIL_JWT_AUDIENCE,
      maxLifetimeSeconds: env.VIGIL_JWT_MAX_LIFETIME,
    },
    bootstrap: {
      enabled: env.VIGIL_BOOTSTRAP,
      tenantSlug: env.VIGIL_BOOTSTRAP_TENANT,
      adminEmail: env.VIGIL_BOOTSTRAP_ADMIN_EMAIL,
    },
    records: {
      unresponsiveAfterSeconds: env.VIGIL_UNRESPONSIVE_AFTER,
      maxClockSkewSeconds: env.VIGIL_MAX_CLOCK_SKEW,
      agentOfflineAfterSeconds: env.VIGIL_AGENT_OFFLINE_AFTER,
      // Often enough that an agent goes offline within a quarter of the threshold (10 s at most) after it.
      presenceSweepMs:
        env.VIGIL_PRESENCE_SWEEP_SECONDS > 0 ? env.VIGIL_PRESENCE_SWEEP_SECONDS * 1000 : Math.min(10_000, (env.VIGIL_AGENT_OFFLINE_AFTER * 1000) / 4),
    },
    realtime: {
      queueLimit: env.VIGIL_SUBSCRIPTION_QUEUE,
      lagLimitMs: env.VIGIL_SUBSCRIPTION_LAG_SECONDS * 1000,
      maxBufferedBytes: env.VIGIL_WS_MAX_BUFFERED_KB * 1024,
      pingIntervalMs: env.VIGIL_WS_PING_SECONDS * 1000,
    },
    outbound: {
      allow: env.VIGIL_OUTBOUND_ALLOW,
      timeoutMs: env.VIGIL_WEBHOOK_TIMEOUT_MS,
      pollIntervalMs: env.VIGIL_WEBHOOK_POLL_MS,
      alertEvaluationMs: env.VIGIL_ALERT_EVALUATION_SECONDS * 1000,
      reportScheduleMs: env.VIGIL_REPORT_SCHEDULE_SECONDS * 1000,
    },
    teams:
      env.MICROSOFT_APP_ID || env.TEAMS_BOT_ENABLED
        ? {
            appId: env.MICROSOFT_APP_ID,
            appPassword: env.MICROSOFT_APP_PASSWORD,
            appTenantId: env.MICROSOFT_APP_TENANT_ID,
            appType: env.MICROSOFT_APP_TYPE,
            serviceUrl: env.TEAMS_SERVICE_URL.endsWith('/') ? env.TEAMS_SERVICE_URL : `${env.TEAMS_SERVICE_URL}/`,
            sso: teamsSsoConfig(env),
          }
        : undefined,
    slack:
      slackTransport && (env.SLACK_BOT_TOKEN || env.SLACK_CLIENT_ID)
        ? {
            transport: slackTransport,
            botToken: env.SLACK_BOT_TOKEN,
            oauth:
              env.SLACK_CLIENT_ID && env.SLACK_CLIENT_SECRET && (env.SLACK_OAUTH_REDIRECT_URL || env.VIGIL_PUBLIC_URL)
                ? {
                    clientId: env.SLACK_CLIENT_ID,
                    clientSecret: env.SLACK_CLIENT_SECRET,
                    authorizeUrl: env.SLACK_OAUTH_AUTHORIZE_URL,
                    redirectUri: env.SLACK_OAUTH_REDIRECT_URL ?? `${env.VIGIL_PUBLIC_URL?.replace(/\/+$/, '')}/slack/oauth_redirect`,
                  }
                : undefined,
            apiUrl: env.SLACK_API_URL ?? 'https://slack.com/api/',
          }
        : undefined,
    graphql: {
      maxDepth: env.VIGIL_GRAPHQL_MAX_DEPTH,
      maxAliases: env.VIGIL_GRAPHQL_MAX_ALIASES,
      maxCost: env.VIGIL_GRAPHQL_MAX_COST,
      maxBatch: env.VIGIL_GRAPHQL_MAX_BATCH,
      introspection: env.VIGIL_GRAPHQL_INTROSPECTION,
    },
    corsOrigins: env.VIGIL_CORS_ORIGINS,
    rateLimits: { perToken: env.VIGIL_RATE_LIMIT_PER_TOKEN, perIp: env.VIGIL_RATE_LIMIT_PER_IP },
    recordings: {
      chunkLimitBytes: env.VIGIL_RECORDING_CHUNK_KB * 1024,
    },
    secretKey: env.VIGIL_SECRET_KEY,
    previousSecretKeys: env.VIGIL_SECRET_KEY_PREVIOUS,
    approvals: {
      sweepIntervalMs: env.VIGIL_APPROVAL_SWEEP_SECONDS * 1000,
    },
    reviews: { jobIntervalMs: env.VIGIL_ACCESS_REVIEW_JOB_SECONDS * 1000 },
    onCall: {
      pagerDutyApiUrl: env.PAGERDUTY_API_URL ?? 'https://api.pagerduty.com',
      opsgenieApiUrl: env.OPSGENIE_API_URL ?? 'https://api.opsgenie.com',
      timeoutMs: env.VIGIL_ONCALL_TIMEOUT_MS,
    },
    audit: {
      signingKeyPem: env.VIGIL_AUDIT_SIGNING_KEY?.replace(/\\n/g, '\n'),
      checkpointEveryEntries: env.VIGIL_CHECKPOINT_EVERY,
      checkpointEveryMinutes: env.VIGIL_CHECKPOINT_MINUTES,
      trustedKeys: env.VIGIL_AUDIT_TRUSTED_KEYS,
      witnessKeys: env.VIGIL_LOG_WITNESS_KEYS,
      witnessUrls: env.VIGIL_LOG_WITNESS_URLS.map((entry) => ({ name: entry.slice(0, entry.indexOf('=')), url: entry.slice(entry.indexOf('=') + 1) })),
      instanceName: env.VIGIL_INSTANCE_NAME ?? instanceNameOf(env.VIGIL_PUBLIC_URL),
      logIntervalMs: env.VIGIL_LOG_INTERVAL_MS,
    },
    archive: env.VIGIL_ARCHIVE_S3_BUCKET
      ? {
          bucket: env.VIGIL_ARCHIVE_S3_BUCKET,
          prefix: env.VIGIL_ARCHIVE_S3_PREFIX,
          region: env.VIGIL_ARCHIVE_S3_REGION ?? env.AWS_REGION ?? 'us-east-1',
          endpoint: env.VIGIL_ARCHIVE_S3_ENDPOINT?.replace(/\/+$/, ''),
          forcePathStyle: env.VIGIL_ARCHIVE_S3_FORCE_PATH_STYLE,
          credentials:
            env.VIGIL_ARCHIVE_S3_ACCESS_KEY_ID && env.VIGIL_ARCHIVE_S3_SECRET_ACCESS_KEY
              ? { accessKeyId: env.VIGIL_ARCHIVE_S3_ACCESS_KEY_ID, secretAccessKey: env.VIGIL_ARCHIVE_S3_SECRET_ACCESS_KEY }
              : undefined,
          period: env.VIGIL_ARCHIVE_PERIOD,
          checkIntervalMs: env.VIGIL_ARCHIVE_CHECK_SECONDS * 1000,
          ocsf: env.VIGIL_ARCHIVE_OCSF,
        }
      : undefined,
    logLevel: env.LOG_LEVEL,
  };
}

/** The public URL's host, else "vigil": stable across restarts, unlike a listening port. */
/** Socket Mode when an app token is given: Slack then sends nothing over HTTP, so a signing secret set beside it goes unused. */
function slackTransportOf(env: { SLACK_APP_TOKEN?: string; SLACK_SIGNING_SECRET?: string }): NonNullable<Config['slack']>['transport'] | undefined {
  if (env.SLACK_APP_TOKEN) return { mode: 'socket', appToken: env.SLACK_APP_TOKEN };
  if (env.SLACK_SIGNING_SECRET) return { mode: 'http', signingSecret: env.SLACK_SIGNING_SECRET };
  return undefined;
}

function instanceNameOf(publicUrl: string | undefined): string {
  if (!publicUrl) return 'vigil';
  try {
    return new URL(publicUrl).host || 'vigil';
  } catch {
    return 'vigil';
  }
}
