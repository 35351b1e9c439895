/**
 * Operands of the public ops. A JavaScript number is accepted wherever a tensor
 * is and takes the other operand's dtype (JAX's weak types): `mul(x, 2)` keeps
 * `x` float64 if it is. Two tensors of different dtypes are promoted along
 * bool < int32 < float32 < float64 by an explicit, visible `cast`.
 */

import type { DType } from '../tensor/dtype.ts';
import { isFloat, promoteTypes } from '../tensor/dtype.ts';
import { PuregradError } from '../tensor/errors.ts';
import { broadcastShapes, showShape } from '../tensor/shape.ts';
import { filled, Tensor } from '../tensor/tensor.ts';
import { cast, neg, sub } from '../primitives/linear.ts';

export type Operand = Tensor | number;

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

const weakDtype = (n: number, other: DType): DType => {
  const d = other === 'bool' ? (Number.isInteger(n) ? 'int32' : 'float32') : other === 'int32' && !Number.isInteger(n) ? 'float32' : other;
  if (d === 'int32' && Number.isFinite(n) && (n < INT32_MIN || n > INT32_MAX)) {
    throw new PuregradError('weak type', `the number ${n} does not fit int32, the dtype of the tensor it meets; cast the tensor to float32 or float64 first`);
  }
  return d;
};

/** Bring operands to one dtype; numbers become scalars of that dtype. */
export function unify(operands: readonly Operand[], atLeast?: 'float'): Tensor[] {
  let dtype: DType | undefined;
  for (const o of operands) if (o instanceof Tensor) dtype = dtype === undefined ? o.dtype : promoteTypes(dtype, o.dtype);
  for (const o of operands) if (!(o instanceof Tensor)) dtype = weakDtype(o, dtype ?? 'float32');
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

export const asTensor = (x: Operand, dtype: DType = 'float32'): Tensor => (x instanceof Tensor ? x : filled([], dtype, x));


/**
 * An order-reversing involution: −x for floats; for int32 the bitwise
 * complement −x − 1, which never overflows (−x does at −2³¹).
 * @internal
 */
export const reverseOrder = (x: Tensor): Tensor =>
  x.dtype === 'int32' ? sub(neg(x), filled([], 'int32', 1)) : neg(x);
