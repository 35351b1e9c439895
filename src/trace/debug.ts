/**
 * `debugNans`: find the first operation that makes a NaN or an infinity.
 *
 * Inside `debugNans(() => …)` every primitive evaluated on concrete values
 * checks its results, and the first one whose float results hold NaN or ±∞
 * while its inputs held none raises a `NonFiniteError` naming the op, the
 * shapes and the line of the user's code. `jit`ted functions run op by op
 * (as JAX's `debug_nans` re-runs a failing computation un-jitted), so a NaN
 * made inside a compiled train step is found too. Backward operations are
 * reported at the line of the forward operation they differentiate: while
 * the flag is on, every recorded equation keeps the user's line that made it,
 * and the backward pass reports it.
 *
 * The flag is scoped like the trace stack: set for the thunk, restored in
 * `finally`, so an error inside leaves no global state behind.
 */

import type { Primitive } from '../ir/primitive.ts';
import { isFloat } from '../tensor/dtype.ts';
import { PuregradError, userCallSite } from '../tensor/errors.ts';
import { showShape } from '../tensor/shape.ts';
import type { Tensor } from '../tensor/tensor.ts';

let checking = false;
/** The user's line of the equation being evaluated or transposed, when it is known. */
let currentSite: string | undefined;

/** Whether `debugNans` is on. @internal */
export const debugNansOn = (): boolean => checking;

/** The user's line for a new equation, recorded only while `debugNans` is on. @internal */
export const siteForRecording = (): string | undefined => (checking ? currentSite ?? userCallSite() : undefined);

/**
 * Make `site` the line that errors report while an equation replayed from a
 * program runs; returns what to restore with `leaveSite` (in a `finally`).
 * Costs nothing when `debugNans` is off: sites are recorded only while it is on. @internal
 */
export function enterSite(site: string | undefined): string | undefined {
  const before = currentSite;
  if (checking && site !== undefined) currentSite = site;
  return before;
}

/** Restore the site `enterSite` returned. @internal */
export function leaveSite(before: string | undefined): void {
  currentSite = before;
}

/**
 * A NaN or an infinity made by an operation under `debugNans`: `op` made it,
 * `site` is the user's line that called the op (for a backward operation, the
 * line of the forward operation it differentiates).
 * @example
 * let caught: unknown
 * try { debugNans(() => log(tensor([1, 0]))) } catch (e) { caught = e }
 * caught instanceof NonFiniteError // => true
 * (caught as NonFiniteError).value // => "-Infinity"
 */
export class NonFiniteError extends PuregradError {
  constructor(
    op: string,
    readonly value: 'NaN' | 'Infinity' | '-Infinity',
    readonly index: number,
    shapes: string,
    readonly site: string | undefined,
  ) {
    super(op, `produced ${value} (at flat index ${index} of its result) from finite inputs; ${shapes}` +
      (site === undefined ? '' : `\n  the operation comes from ${site}`));
    this.name = 'NonFiniteError';
  }
}

/** The first non-finite element of a float tensor: its index and kind. */
function firstNonFinite(t: Tensor): [number, 'NaN' | 'Infinity' | '-Infinity'] | undefined {
  if (!isFloat(t.dtype)) return undefined;
  const data = t.toTypedArray();
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (v - v !== 0) return [i, Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity'];
  }
  return undefined;
}

/** Under `debugNans`: raise if `prim` turned finite `inputs` into non-finite `outs`. @internal */
export function checkFinite(prim: Primitive, inputs: readonly Tensor[], outs: readonly Tensor[]): void {
  for (const out of outs) {
    const bad = firstNonFinite(out);
    if (bad === undefined) continue;
    if (inputs.some((x) => firstNonFinite(x) !== undefined)) return;
    const shapes = `inputs ${inputs.map((x) => `${x.dtype}${showShape(x.shape)}`).join(', ') || '(none)'} → ` +
      `results ${outs.map((o) => `${o.dtype}${showShape(o.shape)}`).join(', ')}`;
    throw new NonFiniteError(prim.name, bad[1], bad[0], shapes, currentSite ?? userCallSite());
  }
}

/**
 * Run `f` with NaN checking on: the first operation that makes a NaN or ±∞
 * from finite inputs, forward or backward, eager or inside `jit`, throws a
 * `NonFiniteError` naming it, its shapes and your line. Slower (every op is
 * checked and `jit` runs op by op); use it to find a NaN, then take it away.
 * @example
 * debugNans(() => sum(exp(tensor([1, 2])))) // => 10.107338
 * let caught: unknown
 * try { debugNans(() => grad((x: Tensor) => sum(sqrt(x)))(tensor([4, 0]))) } catch (e) { caught = e }
 * (caught as NonFiniteError).op // => "div"
 */
export function debugNans<T>(f: () => T): T {
  if (typeof f !== 'function') throw new PuregradError('debugNans', 'takes a function of no arguments: debugNans(() => step(params))');
  const before = checking;
  checking = true;
  try {
    return f();
  } finally {
    checking = before;
  }
}
