/**
 * Prometheus metrics for one Vigil instance: HTTP request and GraphQL operation durations, errors
 * by code, database connections, and Node's own process metrics. Each instance has a registry of
 * its own (tests run several in one process).
 */
import type { RequestHandler } from 'express';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { DatabaseHandle } from '../db/database.js';

export interface Metrics {
  readonly registry: Registry;
  readonly httpRequestDuration: Histogram<'method' | 'route' | 'status'>;
  readonly graphqlOperationDuration: Histogram<'operation' | 'type'>;
  readonly graphqlErrors: Counter<'code'>;
  /** Operation names are chosen by clients: past this many distinct names, new ones count as `other`. */
  operationLabel(name: string | null | undefined): string;
}

const MAX_OPERATION_LABELS = 200;

export function createMetrics(database: DatabaseHandle, realtime?: { readonly subscriptionCount: number }): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'vigil_' });
  const seenOperations = new Set<string>();

  new Gauge({
    name: 'vigil_db_connections',
    help: "This instance's database connections by state (PGlite has one)",
    labelNames: ['state'],
    registers: [registry],
    async collect() {
      try {
        const stats = await database.connectionStats();
        this.set({ state: 'open' }, stats.total);
        this.set({ state: 'idle' }, stats.idle);
        this.set({ state: 'max' }, stats.max);
      } catch {
        // The database is unreachable: report nothing rather than fail the whole scrape.
      }
    },
  });

  new Gauge({
    name: 'vigil_subscriptions',
    help: 'Open GraphQL subscriptions on this instance',
    registers: [registry],
    collect() {
      this.set(realtime?.subscriptionCount ?? 0);
    },
  });

  return {
    registry,
    httpRequestDuration: new Histogram({
      name: 'vigil_http_request_duration_seconds',
      help: 'HTTP requests by method, route and status',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    graphqlOperationDuration: new Histogram({
      name: 'vigil_graphql_operation_duration_seconds',
      help: 'GraphQL operations by name and type',
      labelNames: ['operation', 'type'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    graphqlErrors: new Counter({
      name: 'vigil_graphql_errors_total',
      help: 'GraphQL errors by code',
      labelNames: ['code'],
      registers: [registry],
    }),
    operationLabel(name) {
      if (!name) return 'anonymous';
      if (seenOperations.has(name)) return name;
      if (seenOperations.size >= MAX_OPERATION_LABELS || !/^\w{1,100}$/.test(name)) return 'other';
      seenOperations.add(name);
      return name;
    },
  };
}

/** Times every HTTP request, labelled by the route that matched (never by the raw URL). */
export function httpMetricsMiddleware(metrics: Metrics): RequestHandler {
  return (req, res, next) => {
    const stop = metrics.httpRequestDuration.startTimer();
    res.on('finish', () => {
      // Express types req.route as any: the matched route's pattern, when one matched.
      const routePath = (req.route as { path?: unknown } | undefined)?.path;
      const route =
        (typeof routePath === 'string' && routePath !== '') || routePath instanceof RegExp
          ? `${req.baseUrl}${routePath.toString()}`
          : req.baseUrl || 'unmatched';
      stop({ method: req.method, route, status: String(res.statusCode) });
    });
    next();
  };
}

export function metricsHandler(metrics: Metrics): RequestHandler {
  return async (_req, res) => {
    res.setHeader('Content-Type', metrics.registry.contentType);
    res.send(await metrics.registry.metrics());
  };
}
