/**
 * Weak types: a JavaScript number has no dtype of its own; it takes the dtype
 * of the tensor it meets (`mul(x, 2)` keeps `x` float64 if it is), as JAX's
 * weakly typed Python scalars do. Which dtype it takes depends only on whether
 * the number is an integer and whether that integer fits int32: its `WeakKind`.
 *
 * Under `jit` a number argument is not a constant but a program input, a
 * float64 scalar tracer marked weak here with the kind of the number it stands
 * for; the ops treat a marked tensor exactly as they treat the number (they
 * cast it to the dtype the number would have had), so jit and eager agree.
 */

import type { DType } from './dtype.ts';
import { PuregradError } from './errors.ts';
import type { Tensor } from './tensor.ts';

/** What decides a number's weak dtype: an int32 integer, a larger integer, or anything else (fractions, NaN, ±∞). */
export type WeakKind = 'int32' | 'int' | 'float';

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

/** The weak kind of a JavaScript number. @internal */
export const numberKind = (n: number): WeakKind =>
  Number.isInteger(n) ? (n >= INT32_MIN && n <= INT32_MAX ? 'int32' : 'int') : 'float';

/**
 * The dtype a number of kind `kind` takes next to a tensor of dtype `other`:
 * `other` itself, except that a fraction next to int32 or bool is float32 and
 * an integer next to bool is int32. `shown` names the number in the error
 * raised when an integer beyond int32 meets an int32 tensor.
 * @internal
 */
export function weakDtype(kind: WeakKind, other: DType, shown: string): DType {
  const d = other === 'bool' ? (kind === 'float' ? 'float32' : 'int32')
    : other === 'int32' && kind === 'float' ? 'float32'
    : other;
  if (d === 'int32' && kind === 'int') {
    throw new PuregradError('weak type',
      `${shown} does not fit int32, the dtype of the tensor it meets; cast the tensor to float32 or float64 first`);
  }
  return d;
}

const marked = new WeakMap<Tensor, WeakKind>();

/** Mark a scalar tensor (a `jit` tracer standing for a number argument) as weakly typed. @internal */
export const markWeak = (t: Tensor, kind: WeakKind): void => void marked.set(t, kind);

/** The weak kind of a marked tensor, `undefined` for every ordinary tensor. @internal */
export const weakKindOf = (t: Tensor): WeakKind | undefined => marked.get(t);
