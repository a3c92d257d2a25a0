/** How a benchmark run is sized: `--quick` for CI-sized runs, else the full run that writes RESULTS.md. */
export interface BenchOptions {
  readonly isQuick: boolean;
  /** PostgreSQL server URL, or undefined for the embedded PGlite. */
  readonly postgresUrl?: string;
  /** Only these benchmarks (names), when given. */
  readonly only?: readonly string[];
}

export function parseBenchOptions(argv: readonly string[], env: Record<string, string | undefined>): BenchOptions {
  const only = argv.filter((argument) => !argument.startsWith('--'));
  return { isQuick: argv.includes('--quick'), postgresUrl: env.BENCH_DATABASE_URL || undefined, only: only.length ? only : undefined };
}

/** Picks the quick or the full size. */
export const size = <T>(options: BenchOptions, quick: T, full: T): T => (options.isQuick ? quick : full);
