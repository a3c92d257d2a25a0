/**
 * `npm run bench [-- --quick] [names…]`: Vigil's benchmarks, each against a baseline run in the
 * same process on the same database. BENCH_DATABASE_URL selects PostgreSQL, else PGlite. A full
 * run rewrites bench/RESULTS.md and bench/results.json.
 */
import os from 'node:os';
import { benchAgentHook } from './agent-hook.js';
import { benchAuditChain } from './audit-chain.js';
import { benchDesktopRecordings } from './desktop-recordings.js';
import { benchEventStream } from './event-stream.js';
import { benchExport } from './export.js';
import { benchFanOut } from './fan-out.js';
import { benchIngestion } from './ingestion.js';
import { benchLogVerification } from './log-verification.js';
import { benchRecordings } from './recordings.js';
import { benchScopedReads } from './scoped-reads.js';
import { benchSessionAuthorization } from './session-authorization.js';
import { benchVerification } from './verification.js';
import { parseBenchOptions } from './support/options.js';
import type { BenchmarkResult } from './support/report.js';
import { writeResults } from './support/results-file.js';

const BENCHMARKS: Record<string, (options: ReturnType<typeof parseBenchOptions>) => Promise<BenchmarkResult>> = {
  ingestion: benchIngestion,
  reads: benchScopedReads,
  chain: benchAuditChain,
  export: benchExport,
  verification: benchVerification,
  'fan-out': benchFanOut,
  recordings: benchRecordings,
  'desktop-recordings': benchDesktopRecordings,
  log: benchLogVerification,
  'agent-hook': benchAgentHook,
  'event-stream': benchEventStream,
  'session-authorization': benchSessionAuthorization,
};

async function main(): Promise<void> {
  const options = parseBenchOptions(process.argv.slice(2), process.env);
  process.stdout.write(`Vigil benchmarks (${options.isQuick ? 'quick' : 'full'}) on ${options.postgresUrl ? 'PostgreSQL' : 'PGlite'}\n`);
  const loadAtStart = os.loadavg()[0]!;
  const results: BenchmarkResult[] = [];
  for (const [name, run] of Object.entries(BENCHMARKS)) {
    if (options.only && !options.only.includes(name)) continue;
    results.push(await run(options));
  }
  process.stdout.write('\nRatios\n');
  for (const comparison of results.flatMap((result) => result.comparisons)) {
    const verdict = comparison.isTargetMet === null ? '' : comparison.isTargetMet ? ' met' : ' MISSED';
    process.stdout.write(`  ${comparison.name}: ${comparison.ratio.toFixed(2)} (target ${comparison.target}${verdict})\n`);
  }
  if (!options.isQuick && !options.only) await writeResults(results, options, loadAtStart);
}

await main();
process.exit(0);
