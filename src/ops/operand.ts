/**
 * Operands of the public ops. A JavaScript number is accepted wherever a tensor
 * is and takes the other operand's dtype (JAX's weak types): `mul(x, 2)` keeps
 * `x` float64 if it is. Two tensors of different dtypes are promoted along
 * bool < int32 < float32 < float64 by an explicit, visible `cast`. A number
 * argument of `jit` arrives as a float64 scalar marked weak (src/tensor/weak.ts)
 * and is treated here exactly like the number: cast to the dtype it would take.
 */

import type { DType } from '../tensor/dtype.ts';
import { isFloat, promoteTypes } from '../tensor/dtype.ts';
import { PuregradError } from '../tensor/errors.ts';
import { broadcastShapes, showShape } from '../tensor/shape.ts';
import { filled, Tensor } from '../tensor/tensor.ts';
import type { WeakKind } from '../tensor/weak.ts';
import { numberKind, weakDtype, weakKindOf } from '../tensor/weak.ts';
import { Tracer } from '../trace/core.ts';
import { cast, neg, sub } from '../primitives/linear.ts';

export type Operand = Tensor | number;

const weakKind = (o: Operand): WeakKind | undefined => (o instanceof Tensor ? weakKindOf(o) : numberKind(o));
const shownWeak = (o: Operand): string => (o instanceof Tensor ? 'a number argument of jit' : `the number ${o}`);

/** Bring operands to one dtype; numbers (and jit's weak scalars) become scalars of that dtype. */
export function unify(operands: readonly Operand[], atLeast?: 'float'): Tensor[] {
  let dtype: DType | undefined;
  let weak = false;
  for (const o of operands) {
    if (!(o instanceof Tensor) || (o instanceof Tracer && weakKindOf(o) !== undefined)) weak = true;
    else dtype = dtype === undefined ? o.dtype : promoteTypes(dtype, o.dtype);
  }
  if (weak) {
    for (const o of operands) {
      const kind = o instanceof Tracer || !(o instanceof Tensor) ? weakKind(o) : undefined;
      if (kind !== undefined) dtype = weakDtype(kind, dtype ?? 'float32', shownWeak(o));
    }
  }
  let d = dtype ?? 'float32';
  if (atLeast === 'float' && !isFloat(d)) d = 'float32';
  return operands.map((o) => (o instanceof Tensor ? cast(o, d) : filled([], d, o)));
}

/** Check that operands broadcast, naming `op` (for ops composed from differently named primitives). */
export function checkBroadcast(op: string, operands: readonly Tensor[]): void {
  if (broadcastShapes(...operands.map((o) => o.shape)) === undefined) {
    throw new PuregradError(op, `shapes ${operands.map((o) => showShape(o.shape)).join(' and ')} do not broadcast; ` +
      'each axis, counted from the right, must match or be 1');
  }
}

export const asTensor = (x: Operand, dtype: DType = 'float32'): Tensor =>
  x instanceof Tensor ? (x instanceof Tracer && weakKindOf(x) !== undefined ? cast(x, dtype) : x) : filled([], dtype, x);


/**
 * An order-reversing involution: −x for floats; for int32 the bitwise
 * complement −x − 1, which never overflows (−x does at −2³¹).
 * @internal
 */
export const reverseOrder = (x: Tensor): Tensor =>
  x.dtype === 'int32' ? sub(neg(x), filled([], 'int32', 1)) : neg(x);
