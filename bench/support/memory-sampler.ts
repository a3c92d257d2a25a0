/**
 * What a piece of benchmarked work costs in this process's memory: RSS and JS heap sampled every
 * 20 ms while it runs, after a full GC, and what is left after it and another full GC.
 */
import v8 from 'node:v8';
import vm from 'node:vm';

export const MIB = 2 ** 20;

/** `gc()` without --expose-gc on the command line: the flag applies to contexts made after it is set. */
function garbageCollector(): () => void {
  v8.setFlagsFromString('--expose-gc');
  return (globalThis.gc ?? vm.runInNewContext('gc')) as () => void;
}

export interface Measured<T> {
  readonly result: T;
  readonly seconds: number;
  /** Peak growth over the value before the work, in MiB. */
  readonly peakRssMiB: number;
  readonly peakHeapMiB: number;
  /** How far the RSS peak of the work's second half rose above its first half's peak, in MiB: about 0 when memory is flat. */
  readonly lateRssMiB: number;
  /** RSS and heap growth still there after the work and a full GC, in MiB. */
  readonly retainedRssMiB: number;
  readonly retainedHeapMiB: number;
}

function collectGarbage(): void {
  const gc = garbageCollector();
  for (let pass = 0; pass < 3; pass++) gc();
}

/** Runs `work` after a full GC while sampling this process's RSS and JS heap every 20 ms. */
export async function measured<T>(work: () => Promise<T>): Promise<Measured<T>> {
  collectGarbage();
  const before = process.memoryUsage();
  const samples: { at: number; rss: number }[] = [];
  let peakHeap = before.heapUsed;
  const started = performance.now();
  const sample = () => {
    const now = process.memoryUsage();
    samples.push({ at: performance.now() - started, rss: now.rss });
    peakHeap = Math.max(peakHeap, now.heapUsed);
  };
  const sampler = setInterval(sample, 20);
  try {
    const result = await work();
    const seconds = (performance.now() - started) / 1000;
    sample();
    const half = (seconds * 1000) / 2;
    const peakOf = (from: number, to: number) => Math.max(before.rss, ...samples.filter((s) => s.at >= from && s.at < to).map((s) => s.rss));
    const peakRss = peakOf(0, Infinity);
    collectGarbage();
    const after = process.memoryUsage();
    return {
      result,
      seconds,
      peakRssMiB: (peakRss - before.rss) / MIB,
      peakHeapMiB: (peakHeap - before.heapUsed) / MIB,
      lateRssMiB: (peakOf(half, Infinity) - peakOf(0, half)) / MIB,
      retainedRssMiB: (after.rss - before.rss) / MIB,
      retainedHeapMiB: (after.heapUsed - before.heapUsed) / MIB,
    };
  } finally {
    clearInterval(sampler);
  }
}
