/** Request latencies, measured one request after another (or a few at once), and their percentiles. */
import { printFigure, type Figure } from './report.js';

/** Latencies in ms of `count` calls of `one`, `concurrency` at a time, after `warmUp` untimed calls. */
export async function latencies(count: number, concurrency: number, warmUp: number, one: (index: number) => Promise<void>): Promise<number[]> {
  for (let index = 0; index < warmUp; index++) await one(count + index);
  const times: number[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const index = next++;
        const started = performance.now();
        await one(index);
        times.push(performance.now() - started);
      }
    }),
  );
  return times.sort((a, b) => a - b);
}

/** Nearest-rank percentile of sorted values. */
export const percentile = (sorted: readonly number[], p: number) => sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)]!;

/** p50 and p99 of sorted latencies, printed. */
export function latencyFigures(label: string, sorted: readonly number[]): [Figure, Figure] {
  return [
    printFigure({ label: `${label} p50`, value: percentile(sorted, 50), unit: 'ms' }),
    printFigure({ label: `${label} p99`, value: percentile(sorted, 99), unit: 'ms' }),
  ];
}
