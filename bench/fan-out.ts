/**
 * Fan-out: publish-to-last-receipt latency of one command reaching N graphql-ws subscribers
 * (`commandChanged`) on loopback, with Vigil's scoping on, against a bare graphql-ws server
 * (graphql-ws's `useServer` on `ws`, a three-type schema, an EventEmitter pubsub) run in the same
 * process with the same subscribers and payload shape; and the memory an idle subscription costs
 * on each.
 *
 * Vigil side: one tenant with an admin and two regular users. The command is ingested by an agent
 * over HTTP (ingestEvents, one COMMAND event) with user 0 as its operator; the clock starts just
 * before the request is sent, so Vigil's figures include the ingestion transaction, NOTIFY/LISTEN,
 * loading the row and every subscriber's scope check and execution. Half the subscribers are user
 * 0's connections (a regular user: the row rule is checked for each and lets the command through),
 * half the admin's (every row). One more connection, user 1's, must receive none of the commands:
 * the check that scoping is on. Baseline side: the payload is handed to the pubsub directly.
 */
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import v8 from 'node:v8';
import vm from 'node:vm';
import { buildSchema, type GraphQLFieldConfig } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import { createUserToken } from '../server/identity/api-tokens.js';
import { systemClock } from '../server/clock.js';
import { inTransaction } from '../server/service-context.js';
import { startBenchVigil, type BenchVigil } from './support/bench-vigil.js';
import { createBenchTenant, type BenchTenant } from './support/fixtures.js';
import { size, type BenchOptions } from './support/options.js';
import { compare, printFigure, type BenchmarkResult, type Comparison, type Figure } from './support/report.js';
import { now, startRemoteFleet, type RemoteFleet } from './support/remote-fleet.js';

const SUBSCRIPTION = 'subscription { commandChanged { change command { id line status } } }';
const INGEST = 'mutation($events: [AgentEventInput!]!) { ingestEvents(events: $events) { accepted } }';
const ROUND_TIMEOUT_MS = 60_000;
const SETTLE_MS = 50;

/** `gc()` without --expose-gc on the command line: the flag applies to contexts made after it is set. */
function garbageCollector(): () => void {
  v8.setFlagsFromString('--expose-gc');
  return (globalThis.gc ?? vm.runInNewContext('gc')) as () => void;
}

interface Memory {
  readonly heap: number;
  readonly rss: number;
}

/** This thread's JS heap (the servers' side) and the process's RSS (both sides), after GC in both threads. */
async function memoryAfterGc(fleet: RemoteFleet): Promise<Memory> {
  await new Promise((resolve) => setTimeout(resolve, 200));
  await fleet.collectGarbage();
  const collectGarbage = garbageCollector();
  for (let pass = 0; pass < 3; pass++) collectGarbage();
  const usage = process.memoryUsage();
  return { heap: usage.heapUsed + usage.external, rss: usage.rss };
}

/** One side of the comparison: where its subscribers connect, and how an event is published. */
interface Target {
  readonly name: 'Vigil' | 'baseline';
  readonly url: string;
  /** Subscribers beyond the N measured that must receive nothing (their indexes come after the N). */
  readonly watched: number;
  params(index: number, count: number): Record<string, unknown> | undefined;
  /** Publishes one event carrying `marker`; resolves when the publisher is done (the HTTP response, for Vigil). */
  prepare(marker: string): () => Promise<void>;
  /** Open subscriptions as the server counts them. */
  subscriptions(): Promise<number>;
}

/** The baseline: graphql-ws's own server with an in-memory pubsub. */
async function startBaseline(): Promise<{ target: Target; close(): Promise<void> }> {
  const schema = buildSchema(`
    enum RecordChange { CREATED UPDATED ENDED }
    enum CommandStatus { SCHEDULED RUNNING SUCCESS FAILED UNRESPONSIVE }
    type Command { id: ID! line: String! status: CommandStatus! }
    type CommandChange { change: RecordChange! command: Command! }
    type Query { ok: Boolean }
    type Subscription { commandChanged: CommandChange! }
  `);
  const emitter = new EventEmitter();
  emitter.setMaxListeners(0);
  const field = schema.getSubscriptionType()!.getFields().commandChanged! as unknown as GraphQLFieldConfig<unknown, unknown>;
  // An EventEmitter-backed async iterator, the shape of graphql-subscriptions' PubSub.
  field.subscribe = (): AsyncIterableIterator<unknown> => {
    const queue: unknown[] = [];
    let waiting: ((result: IteratorResult<unknown>) => void) | undefined;
    const listener = (payload: unknown) => {
      if (waiting) {
        const resolve = waiting;
        waiting = undefined;
        resolve({ value: payload, done: false });
      } else queue.push(payload);
    };
    emitter.on('command', listener);
    return {
      next: () => (queue.length ? Promise.resolve({ value: queue.shift(), done: false }) : new Promise((resolve) => (waiting = resolve))),
      return: () => {
        emitter.off('command', listener);
        waiting?.({ value: undefined, done: true });
        return Promise.resolve({ value: undefined, done: true });
      },
      [Symbol.asyncIterator]() {
        return this;
      },
    };
  };
  field.resolve = (payload) => payload;
  const httpServer = createServer();
  const wsServer = new WebSocketServer({ server: httpServer, path: '/graphql' });
  const server = useServer({ schema }, wsServer);
  await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
  const url = `ws://127.0.0.1:${(httpServer.address() as AddressInfo).port}/graphql`;
  return {
    target: {
      name: 'baseline',
      url,
      watched: 0,
      params: () => undefined,
      prepare(marker) {
        const payload = { change: 'CREATED', command: { id: randomUUID(), line: marker, status: 'SCHEDULED' } };
        return async () => {
          emitter.emit('command', payload);
        };
      },
      subscriptions: async () => emitter.listenerCount('command'),
    },
    async close() {
      await server.dispose();
      await new Promise((resolve) => httpServer.close(resolve));
    },
  };
}

async function vigilTarget(bench: BenchVigil, tenant: BenchTenant): Promise<Target> {
  const ctx = { db: bench.vigil.database.db, clock: systemClock, actor: { type: 'system' as const, tenantId: tenant.tenantId, name: 'bench' } };
  const otherToken = await inTransaction(ctx, async (tx) => (await createUserToken(tx, { userId: tenant.userIds[1]!, name: 'bench' })).token);
  const agentToken = tenant.agentTokens[0]!;
  return {
    name: 'Vigil',
    url: bench.vigil.graphqlUrl.replace(/^http/, 'ws'),
    watched: 1,
    params: (index, count) => ({ authorization: `Bearer ${index >= count ? otherToken : index % 2 === 0 ? tenant.userToken : tenant.adminToken}` }),
    prepare(marker) {
      const body = JSON.stringify({
        query: INGEST,
        variables: {
          events: [
            {
              eventId: marker,
              kind: 'COMMAND',
              command: { shell: 'SYSTEM', line: marker, userEmail: tenant.userEmails[0], submittedAt: new Date().toISOString() },
            },
          ],
        },
      });
      return async () => {
        const response = await fetch(bench.vigil.graphqlUrl, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${agentToken}` },
          body,
        });
        const result = (await response.json()) as { errors?: unknown; data?: { ingestEvents: { accepted: number } } };
        if (result.errors || result.data?.ingestEvents.accepted !== 1) throw new Error(`ingestion failed: ${JSON.stringify(result)}`);
      };
    },
    async subscriptions() {
      const text = await (await fetch(`${bench.vigil.baseUrl}/metrics`)).text();
      return Number(/^vigil_subscriptions (\d+)/m.exec(text)?.[1] ?? NaN);
    },
  };
}

async function waitForSubscriptions(target: Target, expected: number): Promise<void> {
  const deadline = Date.now() + 30_000;
  let count = await target.subscriptions();
  while (count !== expected) {
    if (Date.now() > deadline) throw new Error(`${target.name}: ${count} subscriptions open, expected ${expected}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
    count = await target.subscriptions();
  }
}

const percentile = (sorted: ArrayLike<number>, p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
const sortedOf = (values: Iterable<number>) => Float64Array.from(values).sort();

interface Run {
  readonly last: Float64Array;
  readonly first: Float64Array;
  readonly receipts: Float64Array;
  readonly publish: Float64Array;
  readonly memory: { heap: number; rss: number };
  readonly connectSeconds: number;
}

async function round(
  fleet: RemoteFleet,
  target: Target,
  tag: string,
): Promise<{ t0: number; times: Float64Array; publishMs: number; watchedReceipts: number }> {
  const marker = `fan-out-${tag.replaceAll(' ', '-')}-${randomUUID()}`;
  const publish = target.prepare(marker);
  const { received } = await fleet.expect(marker);
  const t0 = now();
  await publish();
  const publishMs = now() - t0;
  let timer: NodeJS.Timeout | undefined;
  const { times, watchedReceipts } = await Promise.race([
    received,
    new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`${target.name} ${tag}: ${ROUND_TIMEOUT_MS} ms and not every subscriber received the event`)),
        ROUND_TIMEOUT_MS,
      );
    }),
  ]).finally(() => clearTimeout(timer));
  await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
  return { t0, times, publishMs, watchedReceipts };
}

/** N subscribers on `target`: memory idle, then `warmups` untimed rounds and `rounds` timed ones. */
async function measure(fleet: RemoteFleet, target: Target, subscribers: number, rounds: number, warmups: number): Promise<Run> {
  const count = subscribers + target.watched;
  const before = await memoryAfterGc(fleet);
  const started = performance.now();
  await fleet.open({
    url: target.url,
    query: SUBSCRIPTION,
    params: Array.from({ length: count }, (_, index) => target.params(index, subscribers)),
    watched: Array.from({ length: target.watched }, (_, index) => subscribers + index),
  });
  try {
    const connectSeconds = (performance.now() - started) / 1000;
    await waitForSubscriptions(target, count);
    const after = await memoryAfterGc(fleet);
    const memory = { heap: (after.heap - before.heap) / count, rss: (after.rss - before.rss) / count };
    for (let index = 0; index < warmups; index++) await round(fleet, target, `warm-up ${index}`);
    const last: number[] = [];
    const first: number[] = [];
    const publish: number[] = [];
    const receipts = new Float64Array(rounds * subscribers);
    let watchedReceipts = 0;
    for (let index = 0; index < rounds; index++) {
      const result = await round(fleet, target, `round ${index}`);
      const { t0, times } = result;
      first.push(times[0]! - t0);
      last.push(times[times.length - 1]! - t0);
      publish.push(result.publishMs);
      for (let receipt = 0; receipt < times.length; receipt++) receipts[index * subscribers + receipt] = times[receipt]! - t0;
      watchedReceipts = result.watchedReceipts;
    }
    if (watchedReceipts > 0) throw new Error(`${target.name}: scoping is off, another user's subscriber received ${watchedReceipts} of the commands`);
    return { last: sortedOf(last), first: sortedOf(first), receipts: receipts.sort(), publish: sortedOf(publish), memory, connectSeconds };
  } finally {
    await fleet.close();
    await waitForSubscriptions(target, 0);
  }
}

export async function benchFanOut(options: BenchOptions): Promise<BenchmarkResult> {
  const sizes = size(options, [250, 1000], [1000, 5000]);
  const rounds = size(options, 10, 50);
  const warmups = size(options, 2, 5);
  process.stdout.write(
    `\n6. Fan-out: one command to ${sizes.map((n) => n.toLocaleString('en-US')).join(' and ')} graphql-ws subscribers, ${rounds} rounds each\n`,
  );
  const bench = await startBenchVigil(options);
  const baseline = await startBaseline();
  const fleet = startRemoteFleet();
  const loadBefore = os.loadavg()[0]!;
  try {
    const tenant = await createBenchTenant(bench.vigil, 'fanout', 2, 1);
    const vigil = await vigilTarget(bench, tenant);
    const figures: Figure[] = [];
    const comparisons: Comparison[] = [];
    const memory: Record<string, { heap: Figure; rss: Figure }> = {};
    for (const subscribers of sizes) {
      const n = subscribers.toLocaleString('en-US');
      const runs: Record<string, Run> = {};
      for (const target of [vigil, baseline.target]) {
        const run = await measure(fleet, target, subscribers, rounds, warmups);
        runs[target.name] = run;
        const label = `${target.name}, ${n} subscribers`;
        process.stdout.write(`  (${target.name}: ${n} subscribers connected in ${run.connectSeconds.toFixed(1)} s)\n`);
        const heap = { label: `${label}: memory per idle subscription, JS heap and buffers`, value: run.memory.heap / 1024, unit: 'KiB' };
        const rss = { label: `${label}: memory per idle subscription, RSS`, value: run.memory.rss / 1024, unit: 'KiB' };
        memory[target.name] = { heap, rss };
        figures.push(
          printFigure({ label: `${label}: publish to last receipt p50`, value: percentile(run.last, 50), unit: 'ms' }),
          printFigure({ label: `${label}: publish to last receipt p99`, value: percentile(run.last, 99), unit: 'ms' }),
          printFigure({ label: `${label}: per-receipt latency p50`, value: percentile(run.receipts, 50), unit: 'ms' }),
          printFigure({ label: `${label}: per-receipt latency p99`, value: percentile(run.receipts, 99), unit: 'ms' }),
          printFigure({ label: `${label}: publish to first receipt p50`, value: percentile(run.first, 50), unit: 'ms' }),
          ...(target.name === 'Vigil' ? [printFigure({ label: `${label}: ingestEvents response p50`, value: percentile(run.publish, 50), unit: 'ms' })] : []),
          printFigure(heap),
          printFigure(rss),
        );
      }
      const pick = (name: string, p: number) => ({ label: `${name} last receipt p${p}`, value: percentile(runs[name]!.last, p), unit: 'ms' });
      comparisons.push(compare(`fan-out to ${n}, last receipt p50`, pick('Vigil', 50), pick('baseline', 50), { description: 'for reference' }));
      // Issue 20's targets apply at the largest size (5,000 in a full run).
      const isLargest = subscribers === sizes[sizes.length - 1];
      comparisons.push(
        compare(
          `fan-out to ${n}, last receipt p99`,
          pick('Vigil', 99),
          pick('baseline', 99),
          isLargest ? { ratioAtMost: 2, description: '<= 2.00' } : { description: 'for reference' },
        ),
      );
      if (isLargest) {
        comparisons.push(
          compare(
            `memory per idle subscription (${n})`,
            { ...memory.Vigil!.heap, label: 'Vigil heap' },
            { ...memory.baseline!.heap, label: 'baseline heap' },
            { ratioAtMost: 1.3, description: '<= 1.30' },
          ),
        );
      }
    }
    return {
      benchmark: 'fan-out',
      figures,
      comparisons,
      notes: [
        `Method: N raw \`ws\` sockets speak graphql-transport-ws by hand, each subscribed to \`${SUBSCRIPTION}\`, opened 250 at a time, on a worker thread of the ` +
          "same process (an event loop of their own: a receipt is timed as it reaches the client, not when the server's thread is done sending). " +
          `Each round publishes one command and waits until every subscriber has it; ${warmups} untimed rounds, then ${rounds} timed, ${SETTLE_MS} ms apart.`,
        'Vigil: an agent ingests one COMMAND over HTTP and the clock starts before the request, so the figures include the ingestion transaction, NOTIFY/LISTEN, ' +
          "loading the row once, and each subscriber's scope check and GraphQL execution. Half the subscribers are the command's operator (a regular user: the row rule is checked per event), " +
          "half an admin; one more connection, of another regular user, received none of the commands (scoping on). Baseline: graphql-ws's useServer on ws, " +
          'a three-type schema and an EventEmitter-backed async iterator, the same payload handed to it in memory; no authentication, no database.',
        `Latency: per round, publish to last receipt (and to first); per receipt, every subscriber's latency pooled over the rounds. p99 of the last receipt is over ${rounds} rounds` +
          `${rounds < 100 ? ' (nearest rank: the slowest round)' : ''}.`,
        'Memory per idle subscription, after forced GC in both threads, with the N sockets open and subscribed, over the same without them, divided by the sockets: ' +
          "JS heap and buffers (heapUsed + external) of the servers' thread, i.e. the server side only; and the process's RSS, which also holds the clients' worker.",
        `Servers, clients and (on PostgreSQL) the database share the machine's ${os.cpus().length} cores; 1-minute load average ${loadBefore.toFixed(1)} at the start, ${os.loadavg()[0]!.toFixed(1)} at the end.`,
      ],
    };
  } finally {
    await fleet.terminate();
    await baseline.close();
    await bench.close();
  }
}
