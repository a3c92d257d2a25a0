/**
 * Ingestion: events per second through the real ingestEvents mutation over HTTP (batches of
 * 1,000 mixed events, 8 agents at once, audit entries on), against a multi-row INSERT of the same
 * rows with the raw client, and against COPY FROM STDIN. Vigil's clock stops only when every leaf
 * its batches queued is in the tenant's verifiable log (none of the tenant's leaves queued).
 */
import { randomUUID } from 'node:crypto';
import { startBenchVigil } from './support/bench-vigil.js';
import { createBenchTenant, type BenchTenant } from './support/fixtures.js';
import { waitUntilSequenced } from './support/log-queue.js';
import { size, type BenchOptions } from './support/options.js';
import type { RawSql } from './support/raw-sql.js';
import { compare, printFigure, type BenchmarkResult } from './support/report.js';

const AGENTS = 8;
const BATCH = 1000;

interface Rows {
  commands: unknown[][];
  systemLogs: unknown[][];
  fileTransfers: unknown[][];
}

const COMMAND_COLUMNS = [
  'tenant_id',
  'id',
  'event_id',
  'server_id',
  'shell',
  'line',
  'result',
  'operator_user_id',
  'status',
  'exit_code',
  'verification',
  'submitted_at',
  'last_update_at',
];
const LOG_COLUMNS = ['tenant_id', 'id', 'event_id', 'server_id', 'program', 'level', 'pid', 'message', 'logged_at'];
const TRANSFER_COLUMNS = [
  'tenant_id',
  'id',
  'event_id',
  'server_id',
  'user_id',
  'username',
  'direction',
  'object_name',
  'path',
  'size_bytes',
  'status',
  'occurred_at',
];

/** One agent's batch: 600 commands, 200 log lines, 200 file transfers, as events and as rows. */
function batch(tenant: BenchTenant, agent: number, index: number, prefix: string): { events: unknown[]; rows: Rows } {
  const events: unknown[] = [];
  const rows: Rows = { commands: [], systemLogs: [], fileTransfers: [] };
  const serverId = tenant.serverIds[agent]!;
  const at = new Date(Date.now() - 60_000).toISOString();
  for (let n = 0; n < BATCH; n++) {
    const eventId = `${prefix}-${agent}-${index}-${n}`;
    const user = n % tenant.userIds.length;
    if (n < 600) {
      const line = `systemctl status app${n % 50}`;
      events.push({
        eventId,
        kind: 'COMMAND',
        command: { shell: 'SYSTEM', line, result: 'active', userEmail: tenant.userEmails[user], status: 'SUCCESS', exitCode: 0, submittedAt: at },
      });
      rows.commands.push([tenant.tenantId, randomUUID(), eventId, serverId, 'system', line, 'active', tenant.userIds[user], 'success', 0, 'pending', at, at]);
    } else if (n < 800) {
      const message = `session opened for user deploy (${n})`;
      events.push({ eventId, kind: 'SYSTEM_LOG', systemLog: { program: 'sshd', level: 'INFO', pid: 1000 + n, message, loggedAt: at } });
      rows.systemLogs.push([tenant.tenantId, randomUUID(), eventId, serverId, 'sshd', 'info', 1000 + n, message, at]);
    } else {
      const path = `/srv/upload/file-${n}.tar.gz`;
      events.push({
        eventId,
        kind: 'FILE_TRANSFER',
        fileTransfer: {
          userEmail: tenant.userEmails[user],
          username: 'deploy',
          direction: 'UPLOAD',
          objectName: `file-${n}.tar.gz`,
          path,
          sizeBytes: 4096 * n,
          status: 'SUCCESS',
          occurredAt: at,
        },
      });
      rows.fileTransfers.push([
        tenant.tenantId,
        randomUUID(),
        eventId,
        serverId,
        tenant.userIds[user],
        'deploy',
        'upload',
        `file-${n}.tar.gz`,
        path,
        4096 * n,
        'success',
        at,
      ]);
    }
  }
  return { events, rows };
}

const INGEST = 'mutation($events: [AgentEventInput!]!) { ingestEvents(events: $events) { accepted } }';

/**
 * Runs every agent's batches at once and times them; the first batch of each agent warms up,
 * untimed. `finish` runs after the warm-up (untimed) and after the last batch (timed): what the
 * writes leave to do in the background before they count as done.
 */
async function timeAgents(
  batches: number,
  work: (agent: number, index: number) => Promise<void>,
  finish: () => Promise<void> = async () => {},
): Promise<number> {
  await Promise.all(Array.from({ length: AGENTS }, (_, agent) => work(agent, 0)));
  await finish();
  const started = performance.now();
  await Promise.all(
    Array.from({ length: AGENTS }, async (_, agent) => {
      for (let index = 1; index <= batches; index++) await work(agent, index);
    }),
  );
  await finish();
  return (performance.now() - started) / 1000;
}

async function multiRowInsert(raw: RawSql, table: string, columns: readonly string[], rows: unknown[][]): Promise<void> {
  const values = rows.map((row, r) => `(${row.map((_, c) => `$${r * columns.length + c + 1}`).join(', ')})`).join(', ');
  await raw.query(`insert into ${table} (${columns.join(', ')}) values ${values}`, rows.flat());
}

/** A COPY CSV cell: the benchmark's values are strings, numbers, dates and JSON objects. */
function csvCell(cell: unknown): string {
  if (cell === null) return '';
  const text = typeof cell === 'string' ? cell : cell instanceof Date ? cell.toISOString() : JSON.stringify(cell);
  return `"${text.replaceAll('"', '""')}"`;
}

function toCsv(rows: unknown[][]): string {
  return rows.map((row) => row.map(csvCell).join(',')).join('\n') + '\n';
}

export async function benchIngestion(options: BenchOptions): Promise<BenchmarkResult> {
  const batches = size(options, 3, 25);
  const events = AGENTS * batches * BATCH;
  process.stdout.write(`\n1. Ingestion: ${events.toLocaleString('en-US')} events, ${AGENTS} agents, batches of ${BATCH}\n`);
  const bench = await startBenchVigil(options);
  try {
    const tenant = await createBenchTenant(bench.vigil, 'ingest', 20, AGENTS);
    const prepared = (prefix: string) =>
      Array.from({ length: AGENTS }, (_, agent) => Array.from({ length: batches + 1 }, (__, index) => batch(tenant, agent, index, prefix)));

    // Agents serialize their batches on their own machines: the bodies are ready before the clock starts.
    const bodies = prepared('vigil').map((agentBatches) => agentBatches.map(({ events }) => JSON.stringify({ query: INGEST, variables: { events } })));
    const cpuBefore = process.cpuUsage();
    const vigilSeconds = await timeAgents(
      batches,
      async (agent, index) => {
        const response = await fetch(bench.vigil.graphqlUrl, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${tenant.agentTokens[agent]}` },
          body: bodies[agent]![index]!,
        });
        const body = (await response.json()) as { errors?: unknown };
        if (body.errors) throw new Error(`ingestion failed: ${JSON.stringify(body.errors)}`);
      },
      () => waitUntilSequenced(bench.raw, tenant.tenantId),
    );

    const cpu = process.cpuUsage(cpuBefore);
    const nodeCpuShare = (cpu.user + cpu.system) / 1e6 / vigilSeconds;

    const viaInsert = prepared('insert');
    const insertSeconds = await timeAgents(batches, async (agent, index) => {
      const { rows } = viaInsert[agent]![index]!;
      await multiRowInsert(bench.raw, 'commands', COMMAND_COLUMNS, rows.commands);
      await multiRowInsert(bench.raw, 'system_logs', LOG_COLUMNS, rows.systemLogs);
      await multiRowInsert(bench.raw, 'file_transfers', TRANSFER_COLUMNS, rows.fileTransfers);
    });

    const viaCopy = prepared('copy');
    const copySeconds = await timeAgents(batches, async (agent, index) => {
      const { rows } = viaCopy[agent]![index]!;
      await bench.raw.copyIn('commands', COMMAND_COLUMNS, toCsv(rows.commands));
      await bench.raw.copyIn('system_logs', LOG_COLUMNS, toCsv(rows.systemLogs));
      await bench.raw.copyIn('file_transfers', TRANSFER_COLUMNS, toCsv(rows.fileTransfers));
    });

    const vigil = printFigure({ label: 'Vigil ingestEvents over HTTP', value: events / vigilSeconds, unit: 'events/s' });
    const insert = printFigure({ label: 'multi-row INSERT', value: events / insertSeconds, unit: 'events/s' });
    const copy = printFigure({ label: 'COPY FROM STDIN', value: events / copySeconds, unit: 'events/s' });
    const busy = printFigure({ label: "Vigil's Node process CPU while ingesting", value: nodeCpuShare * 100, unit: '% of one core' });
    return {
      benchmark: 'ingestion',
      figures: [vigil, insert, copy, busy],
      comparisons: [
        compare('ingestion vs multi-row INSERT', vigil, insert, { ratioAtLeast: 0.5, description: '>= 0.50' }),
        compare('ingestion vs COPY', vigil, copy, { description: 'for reference' }),
      ],
      notes: [
        `${events} events in batches of ${BATCH} from ${AGENTS} concurrent agents; Vigil validates, deduplicates, resolves users and writes one audit entry per batch.`,
        "Vigil's figure includes the verifiable log: each row's leaf is queued by the tables' triggers in the writing transaction, and the clock stops only once no leaf of the tenant is queued (log_leaves.idx is null for none), i.e. every event is in the tenant's Merkle tree. The baselines write through a session without vigil.log_writer: the same statement-level triggers fire but queue nothing.",
      ],
    };
  } finally {
    await bench.close();
  }
}
