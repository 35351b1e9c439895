/**
 * What `check.grad` returns: a report of every mode and order it checked, or
 * a failure naming the worst element of the first check that failed — by its
 * path in the arguments (`args[0].layers[1].w`) and its index in that leaf.
 */

import type { Tolerance } from './compare.ts';
import type { GradMode } from './options.ts';

/** One mode at one order that agreed with the finite differences. */
export interface GradCheckEntry extends Tolerance {
  readonly mode: GradMode;
  readonly order: 1 | 2;
  /** How many elements of the inputs were checked (all of them, or a sample of `maxElements`). */
  readonly checked: number;
  /** How many float elements the differentiated inputs have. */
  readonly total: number;
  /** The largest |got − expected| over the elements checked. */
  readonly maxAbsError: number;
  /** The largest |got − expected| / |expected| (Infinity where expected is 0 and got is not). */
  readonly maxRelError: number;
  /** The finite-difference step. */
  readonly eps: number;
}

/** Every check passed: one entry per order and mode, in the order they ran. */
export interface GradCheckReport extends Tolerance {
  readonly entries: readonly GradCheckEntry[];
  /** The dtype whose default tolerances apply: the least precise among the inputs checked and the outputs. */
  readonly dtype: 'float32' | 'float64';
  readonly eps: number;
  /** How the output was reduced to a scalar: `'ones'` for a scalar output, else a `'random'` cotangent. */
  readonly cotangent: 'ones' | 'random';
}

/** The worst element of the first check that failed. */
export interface GradCheckFailure extends Tolerance {
  readonly mode: GradMode;
  readonly order: 1 | 2;
  /** The leaf's path among the arguments, as JavaScript reaches it from the `args` array: `args[0].layers[1].w`. */
  readonly path: string;
  /** The element's multi-index in that leaf (`[]` for a scalar). */
  readonly index: readonly number[];
  /** The finite-difference reference (in float64). */
  readonly expected: number;
  /** The derivative the mode computed. */
  readonly got: number;
  /** What was allowed there: atol + rtol·|expected|. */
  readonly tolerance: number;
  readonly eps: number;
  /** A sentence saying all of the above. */
  readonly message: string;
}

const MODE_NAMES: Readonly<Record<GradMode, readonly [string, string]>> = {
  fwd: ['forward mode (jvp)', 'forward over forward mode (jvp of jvp)'],
  rev: ['reverse mode (vjp)', 'reverse over reverse mode (vjp of vjp)'],
};

/** `args[0].w[1, 0]`, or the bare path for a scalar leaf. */
export const elementName = (path: string, index: readonly number[]): string =>
  index.length === 0 ? path : `${path}[${index.join(', ')}]`;

/** The failure's sentence. */
export function describeFailure(f: Omit<GradCheckFailure, 'message'>): string {
  if (!Number.isFinite(f.got) || !Number.isFinite(f.expected)) {
    return `the order-${f.order} derivative by ${MODE_NAMES[f.mode][f.order - 1]} is ${f.got} at ` +
      `${elementName(f.path, f.index)} and its central difference is ${f.expected}: a derivative that is not ` +
      'finite cannot be checked, even when both sides agree; f or its derivative is not finite at these ' +
      `arguments (look for log or division at 0, sqrt at 0, overflow), so check it at another point (eps ${f.eps})`;
  }
  const what = f.order === 1 ? 'central differences' : 'central differences of the first derivative';
  const err = Math.abs(f.got - f.expected);
  const short = (x: number): string => String(Number(x.toPrecision(3)));
  return `the order-${f.order} derivative by ${MODE_NAMES[f.mode][f.order - 1]} disagrees with ${what} at ` +
    `${elementName(f.path, f.index)}: got ${f.got} but expected ${f.expected} ` +
    `(|got − expected| = ${short(err)} > ${short(f.tolerance)} = atol ${f.atol} + rtol ${f.rtol}·|expected|, ` +
    `eps ${f.eps})`;
}
