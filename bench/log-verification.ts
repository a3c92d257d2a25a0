/**
 * The verifiable log at size: one tenant of 1,000,000 leaves (100,000 quick), then
 * 1. verifyLog over the whole log, in leaves per second, against a raw paged read of the same
 *    log_leaves rows (idx, leaf_hash) in the same pages: the floor, since verification reads at
 *    least that. Target: 200,000 leaves/s. verifyLog also checks the checkpoints, every stored
 *    record against its latest leaf, that every leaf is explained by an audit entry, and the linear
 *    audit chain: when each part finished is printed (on PostgreSQL they run side by side);
 * 2. inclusion proofs of random records: the logInclusionProof query over HTTP and proveInclusion
 *    called directly, p50 and p99 one request at a time (and over HTTP with 8 clients at once),
 *    against reading the record's one log_leaves row: over a plain node:http handler that
 *    authenticates the same token, and directly. Target: p99 under 10 ms over HTTP.
 *
 * The leaves are made as Vigil's own sessions make them, faster than ingestion would: rows inserted
 * with generate_series on Vigil's connections (vigil.log_writer = on, so the tables' triggers queue
 * a leaf per row), each transaction the shape of one ingested batch (600 commands, 200 system log
 * lines, 199 file transfers and the one audit entry that explains them: 1,000 leaves); then
 * Vigil's sequencer integrates them and signs the checkpoint the proofs end at.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sql } from 'drizzle-orm';
import { appendAuditEntries } from '../server/audit/append-entries.js';
import { proveInclusion } from '../server/log/proofs.js';
import type { LogReport } from '../server/log/log-faults.js';
import type { NoteVerifier } from '../server/log/signed-note.js';
import { verifyLog, type VerificationPart } from '../server/log/verify-log.js';
import { startBenchVigil, type BenchVigil } from './support/bench-vigil.js';
import { createBenchTenant, type BenchTenant } from './support/fixtures.js';
import { waitUntilSequenced } from './support/log-queue.js';
import { size, type BenchOptions } from './support/options.js';
import { compare, compareToTarget, printFigure, type BenchmarkResult } from './support/report.js';
import { baselineCaller } from './support/baseline-caller.js';
import { latencies, latencyFigures } from './support/latency.js';

const LEAVES_PER_TRANSACTION = 1000;
const WRITERS = 4;
/** verifyLog's page (server/log/leaf-pages.ts), so the baseline reads in the same steps. */
const READ_PAGE = 20_000;

/** One ingested batch's worth of rows, in one transaction on Vigil's connections. */
async function writeBatch(bench: BenchVigil, tenant: BenchTenant, batch: number): Promise<void> {
  const serverId = tenant.serverIds[batch % tenant.serverIds.length]!;
  const first = batch * LEAVES_PER_TRANSACTION;
  const users = `{${tenant.userIds.join(',')}}`;
  await bench.vigil.database.db.transaction(async (tx) => {
    await tx.execute(sql`
      insert into commands (tenant_id, id, event_id, server_id, shell, line, result, operator_user_id, status, exit_code, verification, submitted_at, last_update_at)
      select ${tenant.tenantId}::uuid, gen_random_uuid(), 'c-' || (${first}::int + i), ${serverId}::uuid, 'system', 'systemctl status app' || (i % 50), 'active',
             (${users}::uuid[])[1 + (i % array_length(${users}::uuid[], 1))], 'success', 0, 'pending',
             now() - make_interval(secs => ${first}::int + i), now()
      from generate_series(1, 600) as i`);
    await tx.execute(sql`
      insert into system_logs (tenant_id, id, event_id, server_id, program, level, pid, message, logged_at)
      select ${tenant.tenantId}::uuid, gen_random_uuid(), 'l-' || (${first}::int + i), ${serverId}::uuid, 'sshd', 'info', 1000 + i,
             'session opened for user deploy (' || i || ')', now() - make_interval(secs => ${first}::int + i)
      from generate_series(1, 200) as i`);
    await tx.execute(sql`
      insert into file_transfers (tenant_id, id, event_id, server_id, user_id, username, direction, object_name, path, size_bytes, status, occurred_at)
      select ${tenant.tenantId}::uuid, gen_random_uuid(), 'f-' || (${first}::int + i), ${serverId}::uuid,
             (${users}::uuid[])[1 + (i % array_length(${users}::uuid[], 1))], 'deploy', 'upload',
             'file-' || i || '.tar.gz', '/srv/upload/file-' || i || '.tar.gz', 4096 * i, 'success', now() - make_interval(secs => ${first}::int + i)
      from generate_series(1, ${LEAVES_PER_TRANSACTION - 801}) as i`);
    await appendAuditEntries(tx, tenant.tenantId, [
      {
        occurredAt: new Date(),
        actorType: 'agent',
        actorId: serverId,
        action: 'events.ingested',
        resourceType: 'server',
        resourceId: serverId,
        after: { counts: { command: 600, system_log: 200, file_transfer: LEAVES_PER_TRANSACTION - 801 }, duplicates: 0, firstEventId: `c-${first + 1}` },
      },
    ]);
  });
}

/** Writes `leaves` leaves, then lets Vigil's sequencer integrate them all and sign the head. */
export async function buildLog(bench: BenchVigil, tenant: BenchTenant, leaves: number): Promise<{ writeSeconds: number; sequenceSeconds: number }> {
  const batches = Math.ceil(leaves / LEAVES_PER_TRANSACTION);
  const started = performance.now();
  let next = 0;
  let lastReported = 0;
  await Promise.all(
    Array.from({ length: WRITERS }, async () => {
      while (next < batches) {
        await writeBatch(bench, tenant, next++);
        if (batches > 100 && next - lastReported >= batches / 10) {
          lastReported = next;
          process.stdout.write(
            `    written ${(next * LEAVES_PER_TRANSACTION).toLocaleString('en-US')} / ${(batches * LEAVES_PER_TRANSACTION).toLocaleString('en-US')} leaves\n`,
          );
        }
      }
    }),
  );
  const written = performance.now();
  // The periodic pass has been integrating all along; settle whatever it has not reached yet.
  await bench.vigil.log.settle(tenant.tenantId);
  await waitUntilSequenced(bench.raw, tenant.tenantId);
  await bench.vigil.log.settle(tenant.tenantId, { force: true });
  const sequenced = performance.now();
  // What autovacuum would have done by now on a live deployment: the sequencer updated every leaf once.
  await bench.raw.query('vacuum (analyze) log_leaves, log_nodes, log_checkpoints, commands, system_logs, file_transfers, audit_entries');
  return { writeSeconds: (written - started) / 1000, sequenceSeconds: (sequenced - written) / 1000 };
}

/** verifyLog's parts (server/log/verify-log.ts), as the figures name them. */
const PARTS: Record<VerificationPart, string> = {
  leaves: 'leaves (read, text hashed, tree rebuilt, stored nodes compared, retention statements and transactions read)',
  records: 'records against their latest leaves',
  explanations: 'every leaf explained by an audit entry',
  'audit chain': 'linear audit chain',
};

/** Runs verifyLog, noting when each of its parts finished (they run side by side on PostgreSQL). */
async function timeParts(
  bench: BenchVigil,
  tenantId: string,
  trusted: readonly NoteVerifier[],
): Promise<{ result: LogReport; seconds: number; parts: Map<VerificationPart, number> }> {
  const parts = new Map<VerificationPart, number>();
  const started = performance.now();
  const result = await verifyLog(bench.vigil.database.db, tenantId, { trusted, onPart: (part, seconds) => parts.set(part, seconds) });
  return { result, seconds: (performance.now() - started) / 1000, parts };
}

async function readLeaves(bench: BenchVigil, tenantId: string): Promise<number> {
  let read = 0;
  for (let after = -1; ;) {
    const rows = await bench.raw.query<{ idx: string }>('select idx, leaf_hash from log_leaves where tenant_id = $1 and idx > $2 order by idx limit $3', [
      tenantId,
      after,
      READ_PAGE,
    ]);
    read += rows.length;
    if (rows.length < READ_PAGE) return read;
    after = Number(rows.at(-1)!.idx);
  }
}

const PROOF = `query($recordId: String) { logInclusionProof(recordId: $recordId) { leaf { index leafHash leaf } treeSize rootHash hashes checkpoint { note } } }`;
const ONE_LEAF_SQL = 'select idx, leaf, leaf_hash from log_leaves where tenant_id = $1 and record_id = $2 order by leaf_id desc limit 1';

/** The baseline over HTTP: authenticate the bearer token as Vigil does (hash lookup), then read the record's latest leaf row. */
async function startBaseline(bench: BenchVigil, tenant: BenchTenant): Promise<{ url: string; server: Server }> {
  const server = createServer(
    (request, response) =>
      void (async () => {
        try {
          const auth = await baselineCaller(bench.raw, tenant.tenantId, request.headers.authorization);
          if (auth?.role !== 'admin') {
            response.writeHead(403).end();
            return;
          }
          const recordId = new URL(request.url ?? '/', 'http://localhost').searchParams.get('recordId');
          const [row] = await bench.raw.query<{ idx: string; leaf: string; leaf_hash: Buffer }>(ONE_LEAF_SQL, [tenant.tenantId, recordId]);
          if (!row) {
            response.writeHead(404).end();
            return;
          }
          response
            .writeHead(200, { 'content-type': 'application/json' })
            .end(JSON.stringify({ index: Number(row.idx), leaf: row.leaf, leafHash: row.leaf_hash.toString('base64') }));
        } catch (error) {
          response.writeHead(500).end(String(error));
        }
      })(),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, server };
}

export async function benchLogVerification(options: BenchOptions): Promise<BenchmarkResult> {
  const leaves = size(options, 100_000, 1_000_000);
  const proofs = size(options, 500, 2000);
  process.stdout.write(`\n8. Verifiable log: verification of ${leaves.toLocaleString('en-US')} leaves, ${proofs.toLocaleString('en-US')} inclusion proofs\n`);
  const bench = await startBenchVigil(options);
  let baselineServer: Server | undefined;
  try {
    const tenant = await createBenchTenant(bench.vigil, 'log', 20, 8);
    const built = await buildLog(bench, tenant, leaves);
    process.stdout.write(
      `    written in ${built.writeSeconds.toFixed(1)} s; sequenced and signed ${built.sequenceSeconds.toFixed(1)} s after the last write\n`,
    );

    // 1. Verification, against reading the leaves. An untimed read first, so neither side pays for a cold cache alone.
    await readLeaves(bench, tenant.tenantId);
    const trusted = bench.vigil.log.signer!.trusted;
    const verified = await timeParts(bench, tenant.tenantId, trusted);
    const report = verified.result;
    if (!report.isIntact) throw new Error(`the generated log does not verify: ${JSON.stringify(report.faults.slice(0, 5))}`);
    if (report.checkedLeaves < leaves) throw new Error(`verifyLog checked ${report.checkedLeaves} leaves, expected ${leaves}`);
    const started = performance.now();
    const read = await readLeaves(bench, tenant.tenantId);
    const readSeconds = (performance.now() - started) / 1000;
    if (read !== report.checkedLeaves) throw new Error(`read ${read} leaves, verified ${report.checkedLeaves}`);

    const verifyRate = printFigure({ label: 'verifyLog', value: report.checkedLeaves / verified.seconds, unit: 'leaves/s' });
    const readRate = printFigure({ label: 'raw paged read of the same leaves (idx, leaf_hash)', value: read / readSeconds, unit: 'leaves/s' });
    const verifyTime = printFigure({ label: `verifyLog, ${report.checkedLeaves.toLocaleString('en-US')} leaves`, value: verified.seconds, unit: 's' });
    const readTime = printFigure({ label: `raw paged read, ${read.toLocaleString('en-US')} leaves`, value: readSeconds, unit: 's' });
    const partFigures = [...verified.parts].map(([part, seconds]) =>
      printFigure({ label: `verifyLog part done after: ${PARTS[part]}`, value: seconds, unit: 's' }),
    );

    // 2. Inclusion proofs of random records' latest versions, against the latest checkpoint.
    const positions = Array.from({ length: proofs + 100 }, () => Math.floor(Math.random() * report.checkedLeaves));
    const recordRows = await bench.raw.query<{ record_id: string }>('select record_id from log_leaves where tenant_id = $1 and idx = any($2::bigint[])', [
      tenant.tenantId,
      positions,
    ]);
    const recordIds = recordRows.map((row) => row.record_id);
    const recordAt = (index: number) => recordIds[index % recordIds.length]!;
    const db = bench.vigil.database.db;

    const direct = await latencies(proofs, 1, 100, async (index) => {
      await proveInclusion(db, tenant.tenantId, { recordId: recordAt(index) });
    });
    const directRead = await latencies(proofs, 1, 100, async (index) => {
      const [row] = await bench.raw.query(ONE_LEAF_SQL, [tenant.tenantId, recordAt(index)]);
      if (!row) throw new Error(`no leaf of ${recordAt(index)}`);
    });

    const baseline = await startBaseline(bench, tenant);
    baselineServer = baseline.server;
    const viaGraphQL = async (index: number) => {
      const response = await fetch(bench.vigil.graphqlUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${tenant.adminToken}` },
        body: JSON.stringify({ query: PROOF, variables: { recordId: recordAt(index) } }),
      });
      const body = (await response.json()) as { errors?: unknown; data?: { logInclusionProof: { hashes: string[] } } };
      if (body.errors || !body.data) throw new Error(`logInclusionProof failed: ${JSON.stringify(body.errors)}`);
    };
    const viaBaseline = async (index: number) => {
      const response = await fetch(`${baseline.url}?recordId=${recordAt(index)}`, { headers: { authorization: `Bearer ${tenant.adminToken}` } });
      if (response.status !== 200) throw new Error(`baseline answered ${response.status}`);
      await response.json();
    };
    const http = await latencies(proofs, 1, 100, viaGraphQL);
    const httpRead = await latencies(proofs, 1, 100, viaBaseline);
    const httpLoaded = await latencies(proofs, 8, 0, viaGraphQL);
    const httpReadLoaded = await latencies(proofs, 8, 0, viaBaseline);

    const [httpP50, httpP99] = latencyFigures('Vigil logInclusionProof over HTTP, one client', http);
    const [httpReadP50, httpReadP99] = latencyFigures('baseline one-row read over HTTP, one client', httpRead);
    const [httpLoadedP50, httpLoadedP99] = latencyFigures('Vigil logInclusionProof over HTTP, 8 clients', httpLoaded);
    const [httpReadLoadedP50, httpReadLoadedP99] = latencyFigures('baseline one-row read over HTTP, 8 clients', httpReadLoaded);
    const [directP50, directP99] = latencyFigures('proveInclusion called directly', direct);
    const [directReadP50, directReadP99] = latencyFigures('one-row SQL read of log_leaves', directRead);

    return {
      benchmark: 'verifiable log',
      figures: [
        verifyRate,
        readRate,
        verifyTime,
        readTime,
        ...partFigures,
        httpP50,
        httpP99,
        httpReadP50,
        httpReadP99,
        httpLoadedP50,
        httpLoadedP99,
        httpReadLoadedP50,
        httpReadLoadedP99,
        directP50,
        directP99,
        directReadP50,
        directReadP99,
      ],
      comparisons: [
        compareToTarget('log verification speed', verifyRate, { atLeast: 200_000, description: '>= 200,000 leaves/s' }),
        compare('log verification vs reading the leaves', verifyRate, readRate, { description: 'for reference (verification reads more than the leaves)' }),
        compareToTarget('inclusion proof over HTTP, p99', httpP99, { atMost: 10, description: '< 10 ms' }),
        compare('inclusion proof vs one-row read, over HTTP p99', httpP99, httpReadP99, { description: 'for reference' }),
        compare('proveInclusion vs one-row SQL read, p99', directP99, directReadP99, { description: 'for reference' }),
      ],
      notes: [
        `A tenant of ${report.checkedLeaves.toLocaleString('en-US')} leaves and ${report.checkedRecords.toLocaleString('en-US')} records, made on Vigil's connections (the tables' triggers queue the leaves) in transactions of one ingested batch's shape (600 commands, 200 system log lines, 199 file transfers, one audit entry), ${WRITERS} at a time: written in ${built.writeSeconds.toFixed(1)} s, sequenced and a checkpoint signed ${built.sequenceSeconds.toFixed(1)} s after the last write; then VACUUM ANALYZE, as autovacuum would have.`,
        `verifyLog checked ${report.checkedCheckpoints} checkpoints, ${report.checkedLeaves.toLocaleString('en-US')} leaves and ${report.checkedRecords.toLocaleString('en-US')} records in ${verified.seconds.toFixed(1)} s, in one repeatable-read snapshot (on PostgreSQL shared by the transaction's connection and up to two more from the pool); its parts run side by side, so each is timed from the start of verifyLog to the moment it finished. The baseline reads (idx, leaf_hash) in pages of ${READ_PAGE.toLocaleString('en-US')} with the raw client, after an untimed read of the same.`,
        `Proofs: ${proofs.toLocaleString('en-US')} random records' latest versions against the latest signed checkpoint, each after 100 untimed; "one client" is one request at a time, the latency a caller waits on an otherwise idle server. The query asks for the leaf, the proof's hashes and the checkpoint note. The HTTP baseline authenticates the same admin token (hash lookup) and reads the record's latest log_leaves row.`,
      ],
    };
  } finally {
    baselineServer?.close();
    await bench.close();
  }
}
