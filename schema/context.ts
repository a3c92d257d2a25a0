import type { SlackOAuthApp } from '../server/chat/slack-install.js';
import type { Actor, RequestInfo } from '../server/auth/actor.js';
import { requireActor } from '../server/auth/scope.js';
import type { CheckpointPolicy } from '../server/log/checkpoints.js';
import type { SigningKey } from '../server/audit/signing-key.js';
import type { LogService } from '../server/log/log-service.js';
import type { NoteVerifier } from '../server/log/signed-note.js';
import type { Clock } from '../server/clock.js';
import type { Config } from '../server/config.js';
import type { UserRecord } from '../server/identity/identity-types.js';
import type { DeliveryDeps } from '../server/webhooks/delivery-worker.js';
import type { Logger } from '../server/logger.js';
import type { SecretBox } from '../server/secrets/secret-box.js';
import type { DatabaseHandle, ServiceContext } from '../server/service-context.js';
import type { ReadRouting, ReadSession } from '../server/reads/read-routing.js';
import { NO_ON_CALL_LOOKUP, type OnCallDirectory, type OnCallLookup } from '../server/oncall/on-call-directory.js';
import type { WalPosition } from '../server/reads/wal-position.js';
import { createLoaders, type Loaders } from './loaders.js';
import type { SubscriptionHub } from './realtime/subscription-hub.js';

/** What the schema's resolvers need from the running Vigil, shared by every request. */
export interface SchemaDependencies {
  readonly db: DatabaseHandle;
  /** Where list queries may read instead: the read replica while it is fresh enough (server/db/read-routing.ts). */
  readonly reads: ReadRouting;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly records: Config['records'];
  readonly audit: {
    readonly signingKey: SigningKey;
    readonly checkpoints: CheckpointPolicy;
    readonly isChainOff?: boolean;
    /** The verifiable log: its sequencer and signer, and the keys trusted to have signed it. */
    readonly log: LogService;
    readonly trustedLogKeys: readonly NoteVerifier[];
  };
  /** Subscriptions: this instance's hub, and how far (events, milliseconds) a subscriber may fall behind. */
  readonly realtime?: { readonly hub: SubscriptionHub; readonly queueLimit: number; readonly lagLimitMs: number };
  /** Outbound delivery: the secret box, the outbound policy and what a test send needs. */
  readonly webhooks: DeliveryDeps;
  /** The log's archive in object storage, when one is configured: where it is (s3://bucket/prefix/) and its period. */
  readonly archive?: { readonly location: string; readonly period: 'hour' | 'day' };
  /** Seals secrets at rest and tickets (VIGIL_SECRET_KEY). */
  readonly secretBox: SecretBox;
  /** Asks PagerDuty and Opsgenie who is on call (server/oncall); absent, on-call schedules make nobody eligible. */
  readonly onCall?: OnCallDirectory;
  /** "Add to Slack" (SLACK_CLIENT_ID and SLACK_CLIENT_SECRET); absent, workspaces bind by code only. */
  readonly slackOAuth?: SlackOAuthApp;
  /** Vigil's public base URL, for links to what Vigil serves (playback pages). */
  baseUrl(): string;
  /** Where people decide a request outside chat (VIGIL_APPROVAL_URL); null when nowhere is configured. */
  approvalUrl(approvalId: string): string | null;
  /** Where a person asks for access to `server` (VIGIL_ACCESS_REQUEST_URL); null when unset. */
  accessRequestUrl(server: string, user: string): string | null;
}

/** One GraphQL operation's context, over HTTP, WebSocket or a bot alike. */
export interface GraphQLContext {
  readonly deps: SchemaDependencies;
  readonly actor: Actor | null;
  readonly request: RequestInfo;
  /**
   * The acting person as authentication read them, moments ago in this same HTTP request:
   * `me` answers with it rather than reading the row again. Absent over WebSocket (an actor there
   * lives as long as the connection) and for bots.
   */
  readonly signedInUser?: UserRecord;
  /**
   * Where this operation's top-level record lists read (the read replica when one is configured and
   * fresh enough). Lookups by id, nested fields and whatever derives from the log read the primary.
   */
  readonly reads: ReadSession;
  /** Per-operation DataLoaders: nested fields batch their lookups through these. */
  readonly loaders: Loaders;
  /** Who is on call for policies' schedules, asked once per operation however many fields need it. */
  readonly onCall: OnCallLookup;
  /** The WebSocket the operation came in on, for subscriptions (absent over HTTP and in bots). */
  readonly connection?: { close(code: number, reason: string): void };
  /**
   * Resolves once a re-check of the connection's identity (after a permission change or a
   * revocation) has finished, so no event is judged by permissions already taken away.
   */
  readonly whenCurrent?: () => Promise<void>;
}

/** The service context for the acting user; UNAUTHENTICATED when the request has no actor. */
export function serviceContext(ctx: GraphQLContext): ServiceContext {
  return {
    db: ctx.deps.db,
    clock: ctx.deps.clock,
    actor: requireActor(ctx.actor),
    request: ctx.request,
    isAuditChainOff: ctx.deps.audit.isChainOff,
    onCall: ctx.onCall,
  };
}

/** `readAfter`: a WAL position the operation's lists must see (the client's X-Vigil-Read-After). */
export function createGraphQLContext(
  deps: SchemaDependencies,
  actor: Actor | null,
  request: RequestInfo,
  options: { signedInUser?: UserRecord; readAfter?: WalPosition | null } = {},
): GraphQLContext {
  return {
    deps,
    actor,
    request,
    signedInUser: options.signedInUser,
    reads: deps.reads.session(options.readAfter ?? null),
    loaders: createLoaders(deps.db, actor, options.signedInUser),
    onCall: deps.onCall?.lookup() ?? NO_ON_CALL_LOOKUP,
  };
}
