import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import postgres from 'postgres';
import type { BenchOptions } from './options.js';
import { format, type BenchmarkResult } from './report.js';

const RESULTS = new URL('../RESULTS.md', import.meta.url);
const RESULTS_JSON = new URL('../results.json', import.meta.url);

async function databaseVersion(options: BenchOptions): Promise<string> {
  if (!options.postgresUrl) return 'PGlite (embedded PostgreSQL 17)';
  const sql = postgres(options.postgresUrl, { max: 1 });
  const [row] = await sql<{ version: string }[]>`select version()`;
  await sql.end();
  return row!.version.split(',')[0]!;
}

/**
 * Rewrites bench/RESULTS.md and bench/results.json, keeping what other runs wrote: the "Soak"
 * section (`npm run bench:soak`) and the hand-written "Findings".
 */
export async function writeResults(results: BenchmarkResult[], options: BenchOptions, loadAtStart?: number): Promise<void> {
  const machine = {
    date: new Date().toISOString(),
    cpu: `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'unknown'}`,
    memory: `${Math.round(os.totalmem() / 2 ** 30)} GiB`,
    node: process.version,
    database: await databaseVersion(options),
    // The machine may be shared: what else ran shows here (the load average counts runnable processes).
    loadAverage: `${loadAtStart === undefined ? '' : `${loadAtStart.toFixed(1)} at the start, `}${os.loadavg()[0]!.toFixed(1)} at the end`,
  };
  let findings = '';
  let soak = '';
  try {
    const previous = await import('node:fs').then((fs) => fs.readFileSync(RESULTS, 'utf8'));
    const start = previous.indexOf('## Findings');
    if (start >= 0) findings = previous.slice(start);
    const soakStart = previous.indexOf('## Soak');
    if (soakStart >= 0) soak = previous.slice(soakStart, start > soakStart ? start : undefined).trimEnd() + '\n';
  } catch {
    // first run
  }
  const lines = [
    '# Benchmark results',
    '',
    `Written by \`npm run bench\` (full run). ${machine.date}; ${machine.cpu}, ${machine.memory}; Node ${machine.node}; ${machine.database}; 1-minute load average ${machine.loadAverage}.`,
    '',
    '| Benchmark | Vigil | Baseline | Ratio | Target | Met |',
    '|---|---|---|---|---|---|',
    ...results.flatMap((result) =>
      result.comparisons.map(
        (c) =>
          `| ${c.name} | ${c.vigil.label}: ${format(c.vigil)} | ${c.baseline.label}: ${format(c.baseline)} | ${c.ratio.toFixed(2)} | ${c.target} | ${c.isTargetMet === null ? '–' : c.isTargetMet ? 'yes' : 'no'} |`,
      ),
    ),
    '',
    '## Figures',
    '',
    ...results.flatMap((result) => [
      `### ${result.benchmark}`,
      '',
      ...result.figures.map((figure) => `- ${figure.label}: ${format(figure)}`),
      ...result.notes.map((note) => `- ${note}`),
      '',
    ]),
    ...(soak ? [soak] : []),
    findings || '## Findings\n\n(none yet)\n',
  ];
  await writeFile(RESULTS, `${lines.join('\n')}\n`);
  await writeFile(RESULTS_JSON, `${JSON.stringify({ machine, results }, null, 2)}\n`);
  process.stdout.write(`\nwrote bench/RESULTS.md and bench/results.json\n`);
}
