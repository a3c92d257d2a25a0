/**
 * The express application: health, metrics, GraphQL, exports and the event stream share one port. Every request
 * gets a request id (echoed in X-Request-Id) and one JSON log line.
 */
import cors from 'cors';
import type { ReadRouting } from '../reads/read-routing.js';
import express, { type ErrorRequestHandler, type RequestHandler } from 'express';
import { pinoHttp } from 'pino-http';
import type { DatabaseHandle } from '../db/database.js';
import type { Logger } from '../logger.js';
import { livenessHandler, readinessHandler } from './health.js';
import { READ_AFTER_HEADER } from './read-after.js';
import { httpMetricsMiddleware, metricsHandler, type Metrics } from './metrics.js';
import { requestIdOf } from './request-info.js';

export interface AppOptions {
  logger: Logger;
  metrics: Metrics;
  database: DatabaseHandle;
  graphql: RequestHandler[];
  /** GET /export/… (server/http/export-routes.ts). */
  exports: RequestHandler;
  /** /recordings/… (server/http/recording-routes.ts). */
  recordings: RequestHandler;
  /** GET /explorer, and GET /graphql from a browser (server/http/explorer-routes.ts). */
  explorer: RequestHandler;
  /** GET /log/… for witnesses (server/http/log-routes.ts). */
  log: RequestHandler;
  /** GET /events, the event stream as NDJSON (server/http/event-routes.ts). */
  events: RequestHandler;
  /** Counts requests per token and per IP (server/http/rate-limit.ts). */
  rateLimit: RequestHandler;
  /** Browser origins allowed to call the API; none: no CORS headers at all. */
  corsOrigins: readonly string[];
  /** Chat bots' endpoints by mount path (/slack), when configured; they read their own raw bodies. */
  bots?: Record<string, RequestHandler>;
  trustProxy: boolean | number | string;
  /** The read replica's routing, whose state /readyz reports. */
  reads?: ReadRouting;
}

/** Response headers a browser app may read: what Vigil adds beyond the safelisted ones. */
const EXPOSED_HEADERS = [
  'X-Request-Id',
  READ_AFTER_HEADER,
  'Content-Disposition',
  'X-Vigil-Log-Size',
  'X-Vigil-Checkpoint-Seq',
  'X-Vigil-Checkpoint-Hash',
  'X-Vigil-Checkpoint-Signed-At',
  'X-Vigil-Checkpoint-Key-Id',
  'X-Vigil-Checkpoint-Signature',
];

export function createApp(options: AppOptions): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', options.trustProxy);

  app.use((req, res, next) => {
    res.setHeader('X-Request-Id', requestIdOf(req));
    next();
  });
  app.use(
    pinoHttp({
      logger: options.logger,
      genReqId: (_req, res) => String(res.getHeader('x-request-id')),
      customLogLevel: (_req, res, error) => (error || res.statusCode >= 500 ? 'error' : 'info'),
      // One line per request, without headers: they carry tokens and signatures.
      serializers: {
        req: (req: { id: string; method: string; url: string; remoteAddress?: string }) => ({
          id: req.id,
          method: req.method,
          url: withoutTickets(req.url),
          remoteAddress: req.remoteAddress,
        }),
        res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
      },
      autoLogging: { ignore: (req) => req.url === '/healthz' || req.url === '/metrics' },
    }),
  );
  app.use(httpMetricsMiddleware(options.metrics));

  app.get('/healthz', livenessHandler);
  app.get('/readyz', readinessHandler(options.database, options.reads));
  app.get('/metrics', metricsHandler(options.metrics));
  const api =
    options.corsOrigins.length > 0
      ? [cors({ origin: [...options.corsOrigins], maxAge: 600, exposedHeaders: EXPOSED_HEADERS }), options.rateLimit]
      : [options.rateLimit];
  app.use(options.explorer);
  app.use('/graphql', ...api, ...options.graphql);
  app.use('/export', ...api, options.exports);
  app.use('/recordings', ...api, options.recordings);
  app.use('/log', ...api, options.log);
  app.use('/events', ...api, options.events);
  for (const [path, handler] of Object.entries(options.bots ?? {})) app.use(path, handler);

  app.use((_req, res) => {
    res.status(404).json({ error: 'Not found' });
  });
  app.use(errorHandler);
  return app;
}

/** Playback tickets grant access for minutes: keep them out of the logs. */
function withoutTickets(url: string): string {
  return url.replace(/([?&]ticket=)[^&]*/g, '$1[redacted]');
}

/** Malformed or oversized bodies are the client's fault: 400/413 with a message, never a stack. */
const errorHandler: ErrorRequestHandler = (thrown, req, res, _next) => {
  // What body-parser and express throw: an Error with an HTTP status, a type and, for size, the limit.
  const error = thrown as { status?: unknown; type?: unknown; message?: unknown; limit?: unknown } | null | undefined;
  const status = typeof error?.status === 'number' && error.status >= 400 && error.status < 500 ? error.status : 500;
  if (status === 500) req.log?.error({ err: error }, 'unhandled request error');
  const message =
    error?.type === 'entity.parse.failed'
      ? `Malformed JSON body: ${String(error.message)}`
      : error?.type === 'entity.too.large'
        ? `Request body larger than the limit of ${String(error.limit)} bytes`
        : status === 500
          ? 'Internal server error'
          : typeof error?.message === 'string'
            ? error.message
            : 'Bad request';
  const code = status === 500 ? 'INTERNAL_SERVER_ERROR' : 'BAD_REQUEST';
  // Headers are out (a stream failed half-way): the only honest signal left is a cut connection.
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.status(status).json({ errors: [{ message, extensions: { code } }] });
};
