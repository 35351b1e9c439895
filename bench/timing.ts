/**
 * How the bench times things: warm up, then several timed blocks of equal
 * length, interleaved across contenders, reporting the median time per call
 * over the blocks and their spread.
 * Also a garbage-collection hook and memory readings for the memory workload.
 */

import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { Outcome } from './outcome.ts';
import { attempt } from './outcome.ts';

/** One measured operation: seconds per call. */
export interface Timing {
  /** Median over the blocks of (block time / calls per block), in seconds. */
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly blocks: number;
  readonly callsPerBlock: number;
}

export interface TimingOptions {
  /** Wall time to spend warming up (at least two calls are always made). */
  readonly warmupMs: number;
  /** Wall time to spend in the timed blocks, all blocks together (approximate). */
  readonly budgetMs: number;
  readonly blocks: number;
}

setFlagsFromString('--expose-gc');
const gcFunction = runInNewContext('gc') as () => void;

/** A full garbage collection (twice, so that finalizers' garbage goes too). */
export function collectGarbage(): void {
  gcFunction();
  gcFunction();
}

/** One contender's operation to time, made current by `activate` before each of its blocks. */
export interface Timed {
  readonly activate?: () => Promise<void>;
  readonly run: () => unknown;
  /** Forces work a lazy library may still hold; runs at the end of each block, inside the timing. */
  readonly sync?: () => void;
}

/** Warm up, then calls per block from the pace of the last warm-up call. */
function warmUp(t: Timed, options: TimingOptions): number {
  const start = performance.now();
  let calls = 0;
  let lastCall = 0;
  while (calls < 2 || performance.now() - start < options.warmupMs) {
    const begin = performance.now();
    t.run();
    lastCall = performance.now() - begin;
    calls++;
  }
  t.sync?.();
  return Math.max(1, Math.round(options.budgetMs / options.blocks / Math.max(lastCall, 1e-4)));
}

/**
 * Time several contenders' versions of one operation with their blocks
 * interleaved (round r times block r of each, starting one further along each
 * round), so that a machine whose speed drifts during the run (shared cores)
 * slows every contender alike and the ratios stay fair. A full GC precedes
 * each block, outside the timing, so one library's garbage is not collected
 * on another's time. A contender that throws gets its error, the others go on.
 */
export async function measureAll(items: readonly Timed[], options: TimingOptions): Promise<Outcome<Timing>[]> {
  const perBlock: (number | undefined)[] = [];
  const errors: (string | undefined)[] = items.map(() => undefined);
  for (const [i, t] of items.entries()) {
    await t.activate?.();
    collectGarbage();
    const calls = attempt(() => warmUp(t, options));
    perBlock.push(calls.ok ? calls.value : undefined);
    if (!calls.ok) errors[i] = calls.error;
  }
  const times: number[][] = items.map(() => []);
  for (let round = 0; round < options.blocks; round++) {
    for (let k = 0; k < items.length; k++) {
      const i = (round + k) % items.length;
      const t = items[i]!;
      const calls = perBlock[i];
      if (calls === undefined || errors[i] !== undefined) continue;
      await t.activate?.();
      collectGarbage();
      const block = attempt(() => {
        const begin = performance.now();
        for (let c = 0; c < calls; c++) t.run();
        t.sync?.();
        return (performance.now() - begin) / 1000 / calls;
      });
      if (block.ok) times[i]!.push(block.value);
      else errors[i] = block.error;
    }
  }
  return items.map((_, i) => {
    if (errors[i] !== undefined) return { ok: false, error: errors[i]! };
    const sorted = times[i]!.sort((a, b) => a - b);
    return {
      ok: true,
      value: { median: median(sorted), min: sorted[0]!, max: sorted[sorted.length - 1]!, blocks: sorted.length, callsPerBlock: perBlock[i]! },
    };
  });
}

/** The middle value of a sorted list (the mean of the two middle ones for an even length). */
export function median(sorted: readonly number[]): number {
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Time each of `samples` separate calls once (for first-call latency), in seconds. */
export function sampleOnce(run: () => unknown, samples: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < samples; i++) {
    collectGarbage();
    const t = performance.now();
    run();
    out.push((performance.now() - t) / 1000);
  }
  return out;
}

/** Heap and resident set size in bytes, after a full collection. */
export function memoryNow(): { readonly heapUsed: number; readonly rss: number } {
  collectGarbage();
  const m = process.memoryUsage();
  return { heapUsed: m.heapUsed, rss: m.rss };
}
