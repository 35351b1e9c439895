/**
 * Arguments of the public ops, checked at the door. TypeScript checks them
 * for TypeScript callers; JavaScript callers (and `as any`) get the same
 * guarantees at run time: a tensor where a tensor is expected, a dtype that
 * exists, an options object with known keys, integers where counts are due.
 * Each check throws a `PuregradError` naming the op, the argument and what to
 * do, before any arithmetic, instead of a `NaN` result or a `TypeError` deep
 * inside a kernel.
 *
 * Plain JavaScript arrays are not tensors here, as jax.numpy refuses Python
 * lists: `add([1, 2], 3)` is an error that says to write `tensor([1, 2])`.
 * (An array has no dtype, and guessing one silently is how float64 data
 * becomes float32.) Numbers are operands wherever the type says `Operand`.
 */

import type { DType } from '../tensor/dtype.ts';
import { DTYPES } from '../tensor/dtype.ts';
import { PuregradError } from '../tensor/errors.ts';
import { describeValue } from '../tensor/describe.ts';
import { Tensor } from '../tensor/tensor.ts';

export { describeValue };

const hintFor = (x: unknown): string => {
  if (Array.isArray(x) || ArrayBuffer.isView(x)) return 'wrap it with tensor(...): ops take tensors, not JavaScript arrays';
  if (typeof x === 'number') return 'use scalar(x) for a 0-d tensor';
  if (x === undefined) return 'an argument is missing';
  return 'pass a Tensor (made with tensor(), zeros(), …)';
};

/** `x` as a tensor, or an error naming `op` and the argument `what`. */
export function tensorArg(op: string, x: unknown, what = 'x'): Tensor {
  if (x instanceof Tensor) return x;
  throw new PuregradError(op, `${what} is ${describeValue(x)}, not a tensor; ${hintFor(x)}`);
}

/** A tensor or a JS number (a weak-typed operand), or an error naming `op` and the argument `what`. */
export function operandArg(op: string, x: unknown, what = 'x'): Tensor | number {
  if (x instanceof Tensor || typeof x === 'number') return x;
  const hint = Array.isArray(x) || ArrayBuffer.isView(x)
    ? 'wrap it with tensor(...): ops take tensors and numbers, not JavaScript arrays'
    : x === undefined ? 'an argument is missing' : 'pass a Tensor or a number';
  throw new PuregradError(op, `${what} is ${describeValue(x)}, not a tensor or a number; ${hint}`);
}

/** A list of tensors (for `concatenate`, `stack`). */
export function tensorListArg(op: string, xs: unknown, what = 'xs'): readonly Tensor[] {
  if (!Array.isArray(xs)) throw new PuregradError(op, `${what} must be an array of tensors, got ${describeValue(xs)}`);
  xs.forEach((x, i) => tensorArg(op, x, `${what}[${i}]`));
  return xs as readonly Tensor[];
}

/** One of the four dtypes. */
export function dtypeArg(op: string, dtype: unknown, what = 'dtype'): DType {
  if (typeof dtype === 'string' && (DTYPES as readonly string[]).includes(dtype)) return dtype as DType;
  throw new PuregradError(op, `${what} must be one of ${DTYPES.join(', ')}, got ${describeValue(dtype)}`);
}

/**
 * An integer (optionally at least `min`). A scalar tensor counts by its value when the value is
 * known; a traced one (a number argument of `jit`) raises a `ConcretizationError` that says how to make it static.
 */
export function integerArg(op: string, n: unknown, what: string, min = -Infinity): number {
  if (n instanceof Tensor && n.rank === 0) n = n.concrete(op).item();
  if (typeof n === 'number' && Number.isInteger(n) && n >= min) return n;
  const range = min === -Infinity ? 'an integer' : min === 0 ? 'a non-negative integer' : `an integer ≥ ${min}`;
  throw new PuregradError(op, `${what} must be ${range}, got ${describeValue(n)}`);
}

/** A list of integers (axes, bounds, a permutation). */
export function integerListArg(op: string, xs: unknown, what: string): readonly number[] {
  if (!Array.isArray(xs)) throw new PuregradError(op, `${what} must be an array of integers, got ${describeValue(xs)}`);
  return Object.freeze(xs.map((v, i) => integerArg(op, v, `${what}[${i}]`)));
}

/** An axis argument: an integer or a list of them (ranges are checked against the shape by the op). */
export function axisArg(op: string, axis: unknown, what = 'axis'): number | readonly number[] | undefined {
  if (axis === undefined) return undefined;
  return typeof axis === 'number' ? integerArg(op, axis, what) : integerListArg(op, axis, what);
}

/** An options object with only `known` keys (or undefined), copied so later changes by the caller do not reach us. */
export function optionsArg<O extends object>(op: string, options: O | undefined, known: readonly string[]): O {
  if (options === undefined) return {} as O;
  if (typeof options !== 'object' || options === null || Array.isArray(options) || options instanceof Tensor) {
    const example = known.length > 0 ? ` such as { ${known[0]}: … }` : '';
    throw new PuregradError(op, `options must be an object${example}, got ${describeValue(options)}`);
  }
  for (const k of Object.keys(options)) {
    if (!known.includes(k)) throw new PuregradError(op, `unknown option '${k}'; the options are ${known.join(', ') || '(none)'}`);
  }
  return Object.freeze({ ...options });
}
