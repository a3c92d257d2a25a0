/**
 * Export: rows per second and peak memory of a CSV export of commands over HTTP, against
 * COPY (SELECT …) TO STDOUT WITH CSV of the same columns read by the raw client; at two table
 * sizes, to show the export's memory stays flat as the table grows.
 */
import { startBenchVigil, type BenchVigil } from './support/bench-vigil.js';
import { createBenchTenant, generateCommands, type BenchTenant } from './support/fixtures.js';
import { size, type BenchOptions } from './support/options.js';
import { compare, printFigure, type BenchmarkResult, type Figure } from './support/report.js';

/** Runs `work` while sampling this process's RSS; returns its result, the seconds and the peak RSS growth in MiB. */
async function measured<T>(work: () => Promise<T>): Promise<{ result: T; seconds: number; peakMiB: number }> {
  global.gc?.();
  const before = process.memoryUsage().rss;
  let peak = before;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 20);
  const started = performance.now();
  try {
    const result = await work();
    peak = Math.max(peak, process.memoryUsage().rss);
    return { result, seconds: (performance.now() - started) / 1000, peakMiB: (peak - before) / 2 ** 20 };
  } finally {
    clearInterval(sampler);
  }
}

/** The export's columns, joins and order as stored, rendered by PostgreSQL as it renders each type. */
const sameColumnsSelect = (tenant: BenchTenant) =>
  `select c.id, c.submitted_at, c.started_at, c.finished_at, c.status, c.exit_code, c.shell, c.source, c.line, c.result,
          c.server_id, s.name, c.operator_user_id, u.email, c.operator_token_id, t.id, a.id, c.approval_id,
          c.started_at - c.submitted_at, c.finished_at - c.started_at, c.verification, c.verification_message, c.working_directory, c.event_id
   from commands c
   left join servers s on s.tenant_id = c.tenant_id and s.id = c.server_id
   left join users u on u.tenant_id = c.tenant_id and u.id = c.operator_user_id
   left join terminal_sessions t on t.tenant_id = c.tenant_id and t.id = c.terminal_session_id
   left join access_sessions a on a.tenant_id = c.tenant_id and a.id = c.access_session_id
   where c.tenant_id = '${tenant.tenantId}' order by c.submitted_at desc, c.id desc`;

/** The baseline of earlier runs: 9 of the columns and two joins. */
const slimSelect = (tenant: BenchTenant) =>
  `select c.id, c.submitted_at, c.status, c.exit_code, c.shell, c.line, c.result, s.name, u.email
   from commands c join servers s on s.tenant_id = c.tenant_id and s.id = c.server_id
   left join users u on u.tenant_id = c.tenant_id and u.id = c.operator_user_id
   where c.tenant_id = '${tenant.tenantId}' order by c.submitted_at desc, c.id desc`;

async function exportOverHttp(bench: BenchVigil, tenant: BenchTenant): Promise<number> {
  const response = await fetch(`${bench.vigil.baseUrl}/export/commands.csv`, { headers: { authorization: `Bearer ${tenant.adminToken}` } });
  if (response.status !== 200) throw new Error(`export answered ${response.status}: ${await response.text()}`);
  let lines = 0;
  const reader = response.body!.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    // Counted natively: a JavaScript loop over every byte cost more than the COPY baseline's whole read.
    const bytes = Buffer.from(value.buffer, value.byteOffset, value.byteLength);
    for (let at = bytes.indexOf(10); at !== -1; at = bytes.indexOf(10, at + 1)) lines++;
  }
  return lines - 1;
}

export async function benchExport(options: BenchOptions): Promise<BenchmarkResult> {
  const [small, large] = size(options, [10_000, 50_000], [100_000, 1_000_000]);
  process.stdout.write(`\n4. Export: commands CSV at ${small.toLocaleString('en-US')} and ${large.toLocaleString('en-US')} rows\n`);
  const bench = await startBenchVigil(options);
  try {
    const tenant = await createBenchTenant(bench.vigil, 'export', 200, 20);
    const figures: Figure[] = [];
    const runs: Record<string, { vigil: Figure; copy: Figure; slimCopy: Figure; memory: Figure }> = {};
    let generated = 0;
    for (const rows of [small, large]) {
      await generateCommands(bench.raw, tenant, rows - generated, generated);
      generated = rows;
      // Untimed: the first read of new rows pays for setting their hint bits, whoever reads first.
      await bench.raw.copyOut(sameColumnsSelect(tenant));
      const copy = await measured(() => bench.raw.copyOut(sameColumnsSelect(tenant)));
      const slimCopy = await measured(() => bench.raw.copyOut(slimSelect(tenant)));
      const http = await measured(() => exportOverHttp(bench, tenant));
      if (http.result !== rows) throw new Error(`the export had ${http.result} rows, not ${rows}`);
      const label = `${rows.toLocaleString('en-US')} rows`;
      runs[label] = {
        vigil: printFigure({ label: `Vigil CSV export over HTTP, ${label}`, value: rows / http.seconds, unit: 'rows/s' }),
        copy: printFigure({ label: `COPY TO STDOUT of the same columns, ${label}`, value: rows / copy.seconds, unit: 'rows/s' }),
        slimCopy: printFigure({ label: `COPY TO STDOUT of 9 columns, ${label}`, value: rows / slimCopy.seconds, unit: 'rows/s' }),
        memory: printFigure({ label: `Vigil export peak RSS growth, ${label}`, value: Math.max(http.peakMiB, 0.1), unit: 'MiB' }),
      };
      figures.push(runs[label].vigil, runs[label].copy, runs[label].slimCopy, runs[label].memory);
    }
    const smallRun = runs[`${small.toLocaleString('en-US')} rows`]!;
    const largeRun = runs[`${large.toLocaleString('en-US')} rows`]!;
    return {
      benchmark: 'export',
      figures,
      comparisons: [
        compare('export vs COPY', largeRun.vigil, largeRun.copy, { ratioAtLeast: 0.5, description: '>= 0.50' }),
        compare('export vs a 9-column COPY', largeRun.vigil, largeRun.slimCopy, {
          description: 'for reference (the baseline before 2026-12-07: fewer columns, one join less)',
        }),
        compare('export memory, large vs small table', largeRun.memory, smallRun.memory, { ratioAtMost: 1.5, description: '<= 1.50 (flat)' }),
      ],
      notes: [
        'RSS is sampled every 20 ms in the one process that serves the export and reads it; growth is over the RSS before the export.',
        "The baseline copies what the export holds: the same 24 columns, joins and order, in PostgreSQL's own text for each type, by the raw client, with no scope, field rule, formula neutralisation or HTTP. On PostgreSQL Vigil's export is itself a COPY (server/db/copy-csv.ts); over HTTP, in the process that also reads it.",
      ],
    };
  } finally {
    await bench.close();
  }
}
