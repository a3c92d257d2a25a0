/**
 * Prometheus metrics for one Vigil instance: HTTP request and GraphQL operation durations, errors
 * by code, database connections, and Node's own process metrics. Each instance has a registry of
 * its own (tests run several in one process).
 */
import type { RequestHandler } from 'express';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { DatabaseHandle } from '../db/database.js';
import type { ReadRouting } from '../reads/read-routing.js';

export interface Metrics {
  readonly registry: Registry;
  readonly httpRequestDuration: Histogram<'method' | 'route' | 'status'>;
  readonly graphqlOperationDuration: Histogram<'operation' | 'type'>;
  readonly graphqlErrors: Counter<'code'>;
  /** Operation names are chosen by clients: past this many distinct names, new ones count as `other`. */
  operationLabel(name: string | null | undefined): string;
}

const MAX_OPERATION_LABELS = 200;

export function createMetrics(database: DatabaseHandle, realtime?: { readonly subscriptionCount: number }, reads?: ReadRouting): Metrics {
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

  if (reads?.hasReplica) addReadReplicaMetrics(registry, reads);

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

/** How stale the read replica is, whether it is read, and where list queries and exports went. */
function addReadReplicaMetrics(registry: Registry, reads: ReadRouting): void {
  new Gauge({
    name: 'vigil_read_replica_staleness_seconds',
    help: 'How stale a read on the read replica could be now (absent while it is not read: unreachable, not a standby, another database)',
    registers: [registry],
    collect() {
      this.reset();
      const staleness = reads.status()?.stalenessMs;
      if (staleness !== null && staleness !== undefined) this.set(staleness / 1000);
    },
  });
  new Gauge({
    name: 'vigil_read_replica_up',
    help: '1 while list queries and exports may read the replica (it answers and is within VIGIL_READ_MAX_LAG_MS), else 0',
    registers: [registry],
    collect() {
      this.set(reads.status()?.state === 'ok' ? 1 : 0);
    },
  });
  const counted = { replica: 0, primary: 0 };
  new Counter({
    name: 'vigil_read_requests_total',
    help: 'Requests whose list queries or export read the replica or the primary',
    labelNames: ['database'],
    registers: [registry],
    collect() {
      for (const database of ['replica', 'primary'] as const) {
        this.inc({ database }, reads.routed[database] - counted[database]);
        counted[database] = reads.routed[database];
      }
    },
  });
}
