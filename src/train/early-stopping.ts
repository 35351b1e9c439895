/**
 * Early stopping as a pure fold over epoch losses: the monitor remembers the
 * best loss so far and how many epochs have passed without beating it by more
 * than `minDelta`; after `patience` such epochs it says stop (Keras's
 * `EarlyStopping` rule, monitoring a loss).
 */

import { PuregradError } from '../tensor/errors.ts';
import { describeValue } from '../data/checks.ts';

/**
 * When to stop: after `patience` epochs in a row without the monitored loss
 * (validation loss, else training loss) falling below its best by more than
 * `minDelta` (default 0). `patience: 0` stops at the first epoch that does
 * not improve.
 * @example
 * const stopping: train.EarlyStoppingOptions = { patience: 3, minDelta: 1e-4 }
 * stopping.patience // => 3
 */
export interface EarlyStoppingOptions {
  readonly patience: number;
  readonly minDelta?: number;
}

/** The monitor's state: the best loss seen, the epochs since it, and whether to stop. */
export interface Monitor {
  readonly best: number;
  readonly wait: number;
  readonly stop: boolean;
}

/** The monitor before any epoch. @internal */
export const initialMonitor: Monitor = Object.freeze({ best: Infinity, wait: 0, stop: false });

/** The monitor after an epoch whose monitored loss is `loss`: pure, returns a new state. @internal */
export function observe(m: Monitor, loss: number, options: Required<EarlyStoppingOptions>): Monitor {
  if (loss < m.best - options.minDelta) return Object.freeze({ best: loss, wait: 0, stop: false });
  const wait = m.wait + 1;
  return Object.freeze({ best: m.best, wait, stop: wait >= options.patience });
}

/** Validated early-stopping options, defaults filled in. @internal */
export function checkEarlyStopping(op: string, options: unknown): Required<EarlyStoppingOptions> {
  if (typeof options !== 'object' || options === null) {
    throw new PuregradError(op, `earlyStopping must be an object { patience, minDelta? }, got ${describeValue(options)}`);
  }
  const unknown = Object.keys(options).find((k) => k !== 'patience' && k !== 'minDelta');
  if (unknown !== undefined) {
    throw new PuregradError(op, `unknown earlyStopping option '${unknown}'; the options are patience and minDelta`);
  }
  const { patience, minDelta = 0 } = options as EarlyStoppingOptions;
  if (typeof patience !== 'number' || !Number.isInteger(patience) || patience < 0) {
    throw new PuregradError(op, 'earlyStopping.patience must be a whole number of epochs ≥ 0 ' +
      'to wait for an improvement, ' +
      `got ${describeValue(patience)}`);
  }
  if (typeof minDelta !== 'number' || !Number.isFinite(minDelta) || minDelta < 0) {
    throw new PuregradError(op, 'earlyStopping.minDelta must be a number ≥ 0 (the smallest decrease that counts), ' +
      `got ${describeValue(minDelta)}`);
  }
  return { patience, minDelta };
}
