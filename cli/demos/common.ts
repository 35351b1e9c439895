/**
 * What every demo shares: its options and summary, a training run that keeps the parameters at
 * chosen epochs (for pictures of the model as it learns), and writing figures to a folder.
 *
 * `fitWithSnapshots` is `train.fit` run in stages: each stage is one `fit` call that starts from
 * the previous stage's parameters and optimizer state (handed over by an optimizer whose `init`
 * returns that state), so the run is one continuous optimization; stage k > 0 shuffles with
 * `random.foldIn(key, k)`. With a single stage it is exactly `train.fit`.
 */

import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { random, train } from '../../src/index.ts';
import type { BatchSize, EpochRecord, FitOptions, optim, StepProgress, StepRecord } from '../../src/index.ts';
import { CliError } from '../errors.ts';
import { makeOptimizer, OPTIMIZER_NAMES } from '../optimizers.ts';
import { figuresAvailable } from '../render.ts';

/** The options every demo takes (flags of `puregrad demo`); each has a per-demo default. */
export interface DemoOptions {
  readonly epochs?: number;
  readonly batchSize?: BatchSize;
  /** An optimizer name of `OPTIMIZERS` (optimizers.ts). */
  readonly optimizer?: string;
  readonly lr?: number;
  /** The seed of every key of the run: the data, the initial weights, the shuffling. */
  readonly seed?: number;
  /** The folder for SVG figures; without it no figures are made. */
  readonly out?: string;
  /** After each training step: for progress bars. */
  readonly onStep?: (progress: StepProgress) => void;
}

/** What a demo reports when it is done. */
export interface DemoSummary {
  /** The demo and its model, e.g. "digits, MLP 784-128-10". */
  readonly title: string;
  /** The training settings, e.g. "adam lr 0.002, batch 64, 10 epochs". */
  readonly settings: string;
  /** The final accuracy on `accuracyOf`, in [0, 1]. */
  readonly accuracy: number;
  readonly accuracyOf: string;
  /** The accuracy on the training examples (for comparison). */
  readonly trainAccuracy: number;
  /** The training loss at the end, over the whole training set. */
  readonly loss: number;
  readonly epochs: number;
  readonly steps: number;
  /** Wall-clock seconds of training (with the per-epoch evaluations), and training steps per second. */
  readonly seconds: number;
  readonly stepsPerSecond: number;
  /** The loss of every step's batch, for the terminal chart. */
  readonly stepLosses: readonly number[];
  /** The SVG files written. */
  readonly figures: readonly string[];
  /** A one-line note, e.g. why no figures were written. */
  readonly note?: string;
}

/** A run of `fitWithSnapshots`: the final parameters, the merged history, the kept parameters and the time. */
export interface StagedRun<P> {
  readonly params: P;
  readonly steps: readonly StepRecord[];
  readonly epochs: readonly EpochRecord[];
  /** The parameters after each requested epoch count (0: before training). */
  readonly snapshots: readonly { readonly epoch: number; readonly params: P }[];
  readonly seconds: number;
}

/** `train.fit(options)`, keeping the parameters after each epoch count in `keepAt` (see the header). */
export function fitWithSnapshots<P, S>(options: FitOptions<P, S>, keepAt: readonly number[] = []): StagedRun<P> {
  const ends = [...new Set([...keepAt.filter((e) => e > 0 && e < options.epochs), options.epochs])].sort((a, b) => a - b);
  const started = performance.now();
  const steps: StepRecord[] = [];
  const epochs: EpochRecord[] = [];
  const snapshots = keepAt.includes(0) ? [{ epoch: 0, params: options.params }] : [];
  let params = options.params;
  let optimizer: optim.GradientTransformation<S> = options.optimizer;
  let done = 0;
  for (const [k, end] of ends.entries()) {
    const [stepOffset, epochOffset] = [steps.length, done];
    const result = train.fit({
      ...options,
      key: k === 0 ? options.key : random.foldIn(options.key, k),
      params,
      optimizer,
      epochs: end - done,
      onStep: (p) => options.onStep?.({ ...p, epoch: p.epoch + epochOffset, step: p.step + stepOffset,
        totalSteps: stepOffset + p.stepsPerEpoch * (options.epochs - epochOffset), elapsedMs: performance.now() - started }),
      onEpoch: (e) => options.onEpoch?.({ ...e, epoch: e.epoch + epochOffset }),
    });
    steps.push(...result.history.steps.map((s) => ({ ...s, epoch: s.epoch + epochOffset, step: s.step + stepOffset })));
    epochs.push(...result.history.epochs.map((e) => ({ ...e, epoch: e.epoch + epochOffset })));
    params = result.params;
    const state = result.state;
    optimizer = { init: () => state, update: options.optimizer.update };
    done = end;
    if (keepAt.includes(end)) snapshots.push({ epoch: end, params });
    if (result.history.stoppedEarly) break;
  }
  return { params, steps, epochs, snapshots, seconds: (performance.now() - started) / 1000 };
}

/** The optimizer `name` with learning rate `lr`, or a `CliError` listing the names. */
export function optimizerFor(name: string, lr: optim.ScalarOrSchedule): optim.GradientTransformation<unknown> {
  const optimizer = makeOptimizer(name, lr);
  if (optimizer === undefined) throw new CliError(`unknown optimizer '${name}'; choose one of ${OPTIMIZER_NAMES.join(', ')}`);
  return optimizer;
}

/** "batch 64", "full batch" or "one example per step". */
export const describeBatch = (b: BatchSize): string =>
  b === 'full' ? 'full batch' : b === 1 ? 'one example per step' : `batch ${b}`;

/** "1 epoch" or "10 epochs". */
export const describeEpochs = (n: number): string => `${n} epoch${n === 1 ? '' : 's'}`;

type RunFacts = Pick<DemoSummary, 'epochs' | 'steps' | 'seconds' | 'stepsPerSecond' | 'stepLosses'>;

/** The summary's timing and loss fields from a run. */
export function runFacts(run: StagedRun<unknown>): RunFacts {
  return {
    epochs: run.epochs.length,
    steps: run.steps.length,
    seconds: run.seconds,
    stepsPerSecond: run.steps.length / Math.max(run.seconds, 1e-9),
    stepLosses: run.steps.map((s) => s.loss),
  };
}

/**
 * Renders each figure and writes it to `out`/<name>.svg; returns the paths, or none and a note
 * when there is no folder (figures off) or vega is not installed.
 */
export async function writeFigures(
  out: string | undefined,
  figures: Readonly<Record<string, () => Promise<string>>>,
): Promise<{ readonly figures: readonly string[]; readonly note?: string }> {
  if (out === undefined) return { figures: [] };
  if (!(await figuresAvailable())) {
    const note = 'figures skipped: install the optional dependencies vega and vega-lite to get them (npm i vega vega-lite)';
    return { figures: [], note };
  }
  const dir = resolve(out);
  mkdirSync(dir, { recursive: true });
  const written: string[] = [];
  for (const [name, draw] of Object.entries(figures)) {
    const path = join(dir, `${name}.svg`);
    writeFileSync(path, await draw());
    written.push(path);
  }
  return { figures: written };
}
