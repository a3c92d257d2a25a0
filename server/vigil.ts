/**
 * Starts one Vigil instance: database (migrated), first-run bootstrap, GraphQL over HTTP and
 * WebSocket, exports, health and metrics, all on one port. Returns a handle whose `dispose()`
 * shuts it down in order: stop accepting, close WebSockets (1001), let in-flight requests finish
 * within the grace period, then close the database and release the data dir.
 */
import type { RequestHandler } from 'express';
import type { AddressInfo } from 'node:net';
import { buildVigilSchema } from '../schema/build-schema.js';
import type { SchemaDependencies } from '../schema/context.js';
import { createAuthenticator } from './auth/authenticate.js';
import { createJwtVerifier } from './auth/jwt.js';
import { systemClock, type Clock } from './clock.js';
import type { ArchiveConfig, Config } from './config.js';
import { lockDataDir, type DataDirLock } from './db/data-dir-lock.js';
import { openDatabase, type DatabaseHandle, type OpenDatabaseOptions } from './db/database.js';
import { createReadRouting } from './reads/read-routing.js';
import { runMigrations } from './db/migrate.js';
import { registerOutboxKey, tagOutboxAfterMigrations } from './outbound/delivery-tags.js';
import { createApp } from './http/app.js';
import { createExpressServer } from './http/express-server.js';
import { createExplorerRouter } from './http/explorer-routes.js';
import { createEventRouter } from './http/event-routes.js';
import { createExportRouter } from './http/export-routes.js';
import { createLogRouter } from './http/log-routes.js';
import { parseWitnessKey } from './log/cosignature.js';
import { startWitnessPush } from './log/witness-push.js';
import { startGraphQLHttp } from './http/graphql-http.js';
import { startGraphQLWebSocket } from './http/graphql-ws.js';
import { createMetrics } from './http/metrics.js';
import { bootstrapFirstRun, type BootstrapResult } from './identity/bootstrap.js';
import { createLogger, type Logger } from './logger.js';
import { startUnresponsiveSweeper } from './records/unresponsive-sweeper.js';
import { startApprovalSweeper } from './approvals/approval-sweeper.js';
import { startEventBus } from './realtime/event-bus.js';
import { onCallDirectoryFor } from './oncall/on-call-directory.js';
import { createOutboundPolicy } from './outbound/outbound-policy.js';
import { loadSecretBox } from './secrets/secret-box.js';
import { createRecordingRouter } from './http/recording-routes.js';
import { rateLimiter, startRateLimitSweeper } from './http/rate-limit.js';
import { createSlackBot } from '../bot/slack/slack-bot.js';
import { createTeamsBot } from '../bot/teams/teams-bot.js';
import type { ChatSenders } from './channels/chat-senders.js';
import { startDeliveryWorker, type DeliveryDeps } from './webhooks/delivery-worker.js';
import { startAlertEvaluator } from './alerts/evaluate-rules.js';
import { startAlertDeliveryWorker } from './alerts/alert-deliveries.js';
import { startPersonDeliveryWorker } from './reviews/review-delivery.js';
import { startReportScheduler } from './reports/run-reports.js';
import { startAccessReviewJob } from './reviews/review-job.js';
import { createSubscriptionHub } from '../schema/realtime/subscription-hub.js';
import { startRetention } from './audit/retention.js';
import { loadSigningKey, publishSigningKey } from './audit/signing-key.js';
import { loadLogSigner } from './log/log-keys.js';
import { registerLogService } from './log/log-registry.js';
import { createLogService, type LogService } from './log/log-service.js';
import { createLogArchive, type LogArchive } from './archive/log-archive.js';
import { createS3ObjectStore } from './archive/object-store.js';
import { startPresenceSweeper } from './presence/presence-sweeper.js';
import { createChatBotServices } from './chat/bot-services.js';

/** `s3://bucket/prefix/`: where every tenant's objects are, under `tenants/<id>/log/`. */
const archiveLocation = (archive: ArchiveConfig) => `s3://${archive.bucket}/${archive.prefix === '' ? '' : `${archive.prefix}/`}`;

export interface RunningVigil {
  /** Where GraphQL is served, e.g. http://localhost:4000/graphql. */
  readonly graphqlUrl: string;
  readonly baseUrl: string;
  readonly port: number;
  readonly database: DatabaseHandle;
  /** What the first run created (and the admin token to show once), or null. */
  readonly bootstrap: BootstrapResult | null;
  /** The verifiable log's sequencer and checkpointer in this instance. */
  readonly log: LogService;
  /** The log's archive to object storage, when one is configured. */
  readonly archive?: LogArchive;
  dispose(): Promise<void>;
}

export interface StartOptions {
  logger?: Logger;
  clock?: Clock;
  database?: OpenDatabaseOptions;
  /**
   * Lets the audit-cost benchmark turn the chain off and on while Vigil runs (on one database, in
   * one run). For measuring what the chain costs, nothing else: no configuration reaches it.
   */
  benchmarkAuditSwitch?: { isOff: boolean };
}

export async function startVigil(config: Config, options: StartOptions = {}): Promise<RunningVigil> {
  const logger = options.logger ?? createLogger(config.logLevel);
  const clock = options.clock ?? systemClock;
  const isEmbedded = config.database.kind === 'pglite' && !options.database?.pgliteInMemory;
  const dataDirLock: DataDirLock | undefined = isEmbedded ? lockDataDir(config.database.dataDir) : undefined;

  let database: DatabaseHandle | undefined;
  try {
    database = await openDatabase(config.database, options.database);
    const secretBox = loadSecretBox(config.secretKey, config.previousSecretKeys, config.database.dataDir);
    const unregisterOutboxKey = registerOutboxKey(database.db, secretBox);
    const db = database.db;
    await runMigrations(database, (applied) => tagOutboxAfterMigrations(db, secretBox, applied));
    // Before anything is written: an instance whose key is not trusted does not start at all.
    const signingKey = loadSigningKey(config.audit.signingKeyPem, config.database.dataDir);
    const logSigner = await loadLogSigner(database.db, signingKey, config.audit.instanceName, config.audit.trustedKeys);
    const trustedLogKeys = logSigner.trusted;
    await publishSigningKey(database.db, signingKey);
    const checkpointPolicy = { everyEntries: config.audit.checkpointEveryEntries, everyMinutes: config.audit.checkpointEveryMinutes };

    const bootstrap = await bootstrapFirstRun(database.db, clock, config.bootstrap);
    const log = createLogService({ db: database.db, clock, logger, signer: logSigner, policy: checkpointPolicy });
    const unregisterLog = registerLogService(database.db, log);
    const witnessKeys = config.audit.witnessKeys.map(parseWitnessKey);
    // What was queued while no instance ran (a first run, a migration's backfill) joins the log now.
    await log.runMaintenance();

    const outbound = createOutboundPolicy(config.outbound.allow);
    const onCall = onCallDirectoryFor(config.onCall, secretBox, logger);
    const chatSenders: ChatSenders = {};
    const deliveryDeps: DeliveryDeps = { db: database.db, clock, logger, secretBox, outbound, timeoutMs: config.outbound.timeoutMs, chatSenders };

    // Known once the server listens; links made before then (none are) would be relative.
    let publicBaseUrl = config.http.publicUrl ?? '';
    const schema = await buildVigilSchema();
    const bus = await startEventBus(database, logger);
    const hub = createSubscriptionHub(bus, database.db);
    const reads = createReadRouting({ primary: database.db, replica: database.replica, maxStalenessMs: config.database.replica?.maxLagMs ?? 0, logger });
    await reads.start();
    const deps: SchemaDependencies = {
      db: database.db,
      reads,
      clock,
      logger,
      records: config.records,
      realtime: { hub, queueLimit: config.realtime.queueLimit, lagLimitMs: config.realtime.lagLimitMs },
      webhooks: deliveryDeps,
      secretBox,
      onCall,
      slackOAuth: config.slack?.oauth ? { ...config.slack.oauth, apiUrl: config.slack.apiUrl } : undefined,
      archive: config.archive ? { location: archiveLocation(config.archive), period: config.archive.period } : undefined,
      baseUrl: () => publicBaseUrl,
      approvalUrl: (approvalId) => config.http.approvalUrlTemplate?.replaceAll('{id}', encodeURIComponent(approvalId)) ?? null,
      accessRequestUrl: (server, user) =>
        config.http.accessRequestUrlTemplate?.replaceAll('{server}', encodeURIComponent(server)).replaceAll('{user}', encodeURIComponent(user)) ?? null,
      audit: {
        signingKey,
        checkpoints: checkpointPolicy,
        log,
        trustedLogKeys,
        get isChainOff() {
          return options.benchmarkAuditSwitch?.isOff ?? false;
        },
      },
    };
    const authenticator = createAuthenticator(database.db, clock, createJwtVerifier(config.jwt));
    const metrics = createMetrics(database, hub, reads);
    const expressServer = createExpressServer();
    const httpServer = expressServer.server;
    const includeStacktrace = config.env === 'development';

    const webSocket = startGraphQLWebSocket({
      httpServer,
      schema,
      deps,
      authenticator,
      bus,
      logger,
      includeStacktrace,
      maxBufferedBytes: config.realtime.maxBufferedBytes,
      pingIntervalMs: config.realtime.pingIntervalMs,
      limits: config.graphql,
    });
    const graphql = await startGraphQLHttp({
      httpServer,
      schema,
      deps,
      authenticator,
      metrics,
      webSocket,
      includeStacktrace,
      bodyLimit: config.http.bodyLimit,
      shutdownGraceMs: config.http.shutdownGraceMs,
      limits: config.graphql,
    });
    const events = createEventRouter({ db: database.db, clock, log, bus, authenticator, logger });
    const exports = createExportRouter({ db: database.db, reads, clock, signingKey, log, trustedLogKeys, authenticator, logger });
    const recordings = createRecordingRouter({ db: database.db, clock, authenticator, secretBox, logger, chunkLimitBytes: config.recordings.chunkLimitBytes });
    const slack = config.slack
      ? createSlackBot({
          config: config.slack,
          schema,
          deps,
          services: createChatBotServices(
            { db: database.db, clock: deps.clock, bus, onCall, secretBox, sweepIntervalMs: config.outbound.pollIntervalMs },
            'slack',
          ),
        })
      : undefined;
    if (slack) chatSenders.slack = slack.alertSender;
    const teams = config.teams
      ? createTeamsBot({
          config: config.teams,
          schema,
          deps,
          services: createChatBotServices(
            { db: database.db, clock: deps.clock, bus, onCall, secretBox, sweepIntervalMs: config.outbound.pollIntervalMs },
            'teams',
          ),
        })
      : undefined;
    if (teams) chatSenders.teams = teams.alertSender;
    const bots: Record<string, RequestHandler> = { ...(slack ? { '/slack': slack.router } : {}), ...(teams ? { '/api': teams.router } : {}) };
    expressServer.serve(
      createApp({
        logger,
        metrics,
        database,
        reads,
        graphql: graphql.handler,
        exports,
        recordings,
        explorer: createExplorerRouter({ logger }),
        log: createLogRouter({ db: database.db, clock, authenticator, logger, witnesses: witnessKeys }),
        events: events.router,
        bots,
        rateLimit: rateLimiter(database.db, clock, config.rateLimits, logger),
        corsOrigins: config.corsOrigins,
        trustProxy: config.http.trustProxy,
      }),
    );

    await new Promise<void>((resolve, reject) => {
      httpServer.once('error', reject);
      httpServer.listen(config.http.port, config.http.host, () => {
        httpServer.off('error', reject);
        resolve();
      });
    });
    const port = (httpServer.address() as AddressInfo).port;
    const baseUrl = config.http.publicUrl ?? `http://${['0.0.0.0', '::'].includes(config.http.host) ? 'localhost' : config.http.host}:${port}`;
    publicBaseUrl = baseUrl;
    const openDatabaseHandle = database;
    const logJob = log.start(config.audit.logIntervalMs);
    const witnessPush = startWitnessPush({
      db: database.db,
      clock,
      logger,
      timeoutMs: config.outbound.timeoutMs,
      // Each named witness's key: config has checked every name has one.
      witnesses: config.audit.witnessUrls.map(({ name, url }) => ({ name, url, key: witnessKeys.find((key) => key.name === name)! })),
    });
    const rateLimitSweeper = startRateLimitSweeper(database.db, clock, logger);
    const retention = startRetention({ db: database.db, clock, logger, intervalMs: 60 * 60_000 });
    const sweeper = startUnresponsiveSweeper({
      db: database.db,
      clock,
      logger,
      afterSeconds: config.records.unresponsiveAfterSeconds,
      // Often enough that a command turns Unresponsive within a quarter of the threshold of it.
      intervalMs: Math.min(30_000, (config.records.unresponsiveAfterSeconds * 1000) / 4),
    });
    const presenceSweeper = startPresenceSweeper({
      db: database.db,
      clock,
      logger,
      afterSeconds: config.records.agentOfflineAfterSeconds,
      intervalMs: config.records.presenceSweepMs,
    });
    const deliveryWorker = startDeliveryWorker(deliveryDeps, config.outbound.pollIntervalMs);
    const alertEvaluator = startAlertEvaluator(deliveryDeps, config.outbound.alertEvaluationMs);
    const alertDeliveryWorker = startAlertDeliveryWorker(deliveryDeps, config.outbound.pollIntervalMs);
    const personDeliveryWorker = startPersonDeliveryWorker(deliveryDeps, config.outbound.pollIntervalMs);
    const reportScheduler = startReportScheduler(deliveryDeps, config.outbound.reportScheduleMs);
    const approvalSweeper = startApprovalSweeper({ db: database.db, clock, logger, intervalMs: config.approvals.sweepIntervalMs });
    const reviewJob = startAccessReviewJob(deliveryDeps, config.reviews.jobIntervalMs);
    const archiveStore = config.archive ? await createS3ObjectStore(config.archive) : undefined;
    const archive =
      config.archive && archiveStore
        ? createLogArchive({
            db: database.db,
            clock,
            logger,
            log,
            store: archiveStore,
            prefix: config.archive.prefix,
            period: config.archive.period,
            withOcsf: config.archive.ocsf,
          })
        : undefined;
    const archiveJob = archive && config.archive ? archive.start(config.archive.checkIntervalMs) : undefined;

    let disposing: Promise<void> | undefined;
    return {
      graphqlUrl: `${baseUrl}/graphql`,
      baseUrl,
      port,
      database: openDatabaseHandle,
      bootstrap,
      log,
      archive,
      dispose() {
        disposing ??= (async () => {
          try {
            await Promise.all([
              events.dispose(),
              slack?.dispose(),
              teams?.dispose(),
              graphql.apollo.stop(),
              sweeper.dispose(),
              presenceSweeper.dispose(),
              approvalSweeper.dispose(),
              reviewJob.dispose(),
              deliveryWorker.dispose(),
              alertEvaluator.dispose(),
              alertDeliveryWorker.dispose(),
              personDeliveryWorker.dispose(),
              reportScheduler.dispose(),
              logJob.dispose(),
              witnessPush.dispose(),
              retention.dispose(),
              rateLimitSweeper.dispose(),
              archiveJob?.dispose(),
            ]);
            archiveStore?.close();
            hub.dispose();
            // The runs writers asked for finish before the database closes (none can be asked now).
            await log.whenIdle();
            unregisterLog();
            unregisterOutboxKey();
            await bus.dispose();
            await reads.close();
          } finally {
            await openDatabaseHandle.close();
            dataDirLock?.release();
          }
        })();
        return disposing;
      },
    };
  } catch (error) {
    await database?.close().catch(() => {});
    dataDirLock?.release();
    throw error;
  }
}
