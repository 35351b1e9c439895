/**
 * What every workload receives, and what it gives back: its sections for the
 * report and its verdicts on the PERF.md targets.
 */

import type { BenchData } from '../data.ts';
import type { Case, Contender } from '../libs/types.ts';
import type { Outcome } from '../outcome.ts';
import { attempt } from '../outcome.ts';
import type { Section, TargetResult } from '../report.ts';
import type { Timing, TimingOptions } from '../timing.ts';
import { measureAll } from '../timing.ts';

export interface Context {
  readonly data: BenchData;
  readonly contenders: readonly Contender[];
  readonly timing: TimingOptions;
  /** Memory workload: steps to run, and a wall-time cap that may stop it early (reported). */
  readonly memorySteps: number;
  readonly memorySeconds: number;
  /** First-call workload: fresh jits to time. */
  readonly samples: number;
  /** Progress on stderr, so that the tables on stdout stay clean. */
  readonly progress: (message: string) => void;
}

export interface WorkloadResult {
  readonly sections: readonly Section[];
  readonly targets: readonly TargetResult[];
}

export type Workload = (ctx: Context) => Promise<WorkloadResult>;

/** The contender whose figures the targets speak of: puregrad jitted, on one thread if threads can be chosen. */
export const mainPuregrad = (cs: readonly Contender[]): Contender | undefined =>
  cs.find((c) => c.library === 'puregrad' && c.name.includes('jit'));

/** puregrad jitted on every core, present only when puregrad exports `setThreads`. */
export const threadedPuregrad = (cs: readonly Contender[]): Contender | undefined =>
  cs.find((c) => c.library === 'puregrad' && c.name.includes('jit') && !c.name.endsWith(' 1T') && c.name.endsWith('T'));

/** puregrad's jitted train steps with the parameters donated, on one thread and on every core. */
export const donatingPuregrad = (cs: readonly Contender[]): { readonly one?: Contender; readonly all?: Contender } => ({
  one: cs.find((c) => c.library === 'puregrad' && c.name.endsWith(' 1T donated')),
  all: cs.find((c) => c.library === 'puregrad' && c.name.endsWith('donated') && !c.name.endsWith(' 1T donated')),
});

export const eagerPuregrad = (cs: readonly Contender[]): Contender | undefined =>
  cs.find((c) => c.library === 'puregrad' && c.name.includes('eager'));

export const jaxContender = (cs: readonly Contender[]): Contender | undefined => cs.find((c) => c.library === 'jax-js');

/** A contender's case for one operation, or why it could not be made. */
export interface Built<C extends Case = Case> {
  readonly contender: Contender;
  readonly built: Outcome<C>;
}

/** Make `contender` current and build its case. */
export async function build<C extends Case>(contender: Contender, make: () => C): Promise<Built<C>> {
  await contender.activate?.();
  return { contender, built: attempt(make) };
}

/** Time every built case with interleaved blocks (see `measureAll`); a case that failed to build keeps its error. */
export async function timeCases(ctx: Context, cases: readonly Built[]): Promise<Outcome<Timing>[]> {
  const live = cases.flatMap((c) => (c.built.ok ? [{ contender: c.contender, k: c.built.value }] : []));
  const timed = await measureAll(live.map(({ contender, k }) => ({ activate: contender.activate, run: k.run, sync: k.sync })), ctx.timing);
  let next = 0;
  return cases.map((c) => (c.built.ok ? timed[next++]! : c.built));
}
