/**
 * Hyper-parameters are checked when a transformation is built, before any
 * arithmetic: a NaN learning rate, a momentum of 1.5 or a misspelled option
 * is a `PuregradError` naming the optimizer, not a silent NaN 100 steps later.
 * Options objects are copied and frozen, so changing the caller's object
 * afterwards changes nothing.
 */

import { PuregradError } from '../tensor/errors.ts';
import type { Tree } from '../tree/index.ts';
import { flatten, leafPath } from '../tree/index.ts';
import type { Params, ScalarOrSchedule } from './base.ts';
import { frozenCopy } from './base.ts';

/** Throws when `value` is not acceptable for option `name` of `op`. */
export type Check = (op: string, name: string, value: unknown) => void;

const fail = (op: string, name: string, value: unknown, must: string): never => {
  const shown = typeof value === 'number' || typeof value === 'boolean' ? String(value) : typeof value;
  throw new PuregradError(op, `${name} must be ${must}, got ${shown}`);
};

const isNumber = (v: unknown): v is number => typeof v === 'number' && !Number.isNaN(v);

/** A decay rate: 0 ≤ v < 1. */
export const rate: Check = (op, name, v) => {
  if (!isNumber(v) || !(v >= 0 && v < 1)) fail(op, name, v, 'a number in [0, 1)');
};
/** A finite number ≥ 0 (epsilons, weight decay, clipping thresholds). */
export const nonNegative: Check = (op, name, v) => {
  if (!isNumber(v) || !Number.isFinite(v) || v < 0) fail(op, name, v, 'a finite number >= 0');
};
/** A finite number > 0. */
export const positive: Check = (op, name, v) => {
  if (!isNumber(v) || !Number.isFinite(v) || v <= 0) fail(op, name, v, 'a finite number > 0');
};
/** Any finite number. */
export const finite: Check = (op, name, v) => {
  if (!isNumber(v) || !Number.isFinite(v)) fail(op, name, v, 'a finite number');
};
/** An integer ≥ 0 (step counts). */
export const steps: Check = (op, name, v) => {
  if (!isNumber(v) || !Number.isSafeInteger(v) || v < 0) fail(op, name, v, 'an integer >= 0');
};
/** A boolean. */
export const flag: Check = (op, name, v) => {
  if (typeof v !== 'boolean') fail(op, name, v, 'true or false');
};
/** `undefined`, or what `check` accepts. */
export const optional =
  (check: Check): Check =>
  (op, name, v) => {
    if (v !== undefined) check(op, name, v);
  };
/** One of the listed strings. */
export const oneOf =
  (...values: readonly string[]): Check =>
  (op, name, v) => {
    if (typeof v !== 'string' || !values.includes(v)) fail(op, name, v, `one of ${values.join(', ')}`);
  };

/** A check for each option of `O`. */
export type Rules<O> = { readonly [K in keyof O]-?: Check };

/** A weight-decay mask: a tree of booleans (the params' structure or a prefix of it), or a function returning one. */
export type Mask = Tree<boolean> | ((params: Params) => Tree<boolean>);

/** A mask: `undefined`, a function, or a tree whose leaves are all booleans. */
export const mask: Check = (op, name, v) => {
  if (v === undefined || typeof v === 'function') return;
  const [leaves, def] = flatten(v as Tree<unknown>);
  const bad = leaves.findIndex((l) => typeof l !== 'boolean');
  if (bad >= 0) {
    throw new PuregradError(op, `${name} must be a tree of booleans or a function returning one; ${leafPath(def, bad, name)} is a ${typeof leaves[bad]}`);
  }
};

/** A learning rate: a finite number ≥ 0, or a schedule (a function of the step count). */
export function checkLearningRate(op: string, lr: unknown): asserts lr is ScalarOrSchedule {
  if (typeof lr === 'function') return;
  nonNegative(op, 'the learning rate', lr);
}

/**
 * The options `given` to `op`, merged over `defaults`, checked by `rules`, and
 * frozen. An unknown key is an error (a misspelled option would otherwise be ignored).
 */
export function settle<O extends object>(
  op: string,
  given: Partial<NoInfer<O>> | undefined,
  defaults: O,
  rules: Rules<NoInfer<O>>,
): Readonly<O> {
  if (given !== undefined && (typeof given !== 'object' || given === null)) {
    throw new PuregradError(op, `options must be an object, got ${given === null ? 'null' : typeof given}`);
  }
  const known = Object.keys(rules);
  for (const key of Object.keys(given ?? {})) {
    if (!known.includes(key)) {
      throw new PuregradError(op, `unknown option '${key}'; the options are ${known.join(', ')}`);
    }
  }
  const merged: Record<string, unknown> = { ...(defaults as Record<string, unknown>) };
  for (const [key, value] of Object.entries(given ?? {})) if (value !== undefined) merged[key] = value;
  for (const key of known) (rules as Record<string, Check>)[key]!(op, key, merged[key]);
  if (merged['mask'] !== undefined && typeof merged['mask'] !== 'function') merged['mask'] = frozenCopy(merged['mask']);
  return Object.freeze(merged) as Readonly<O>;
}
