/**
 * The primitives random numbers are made of: `threefry2x32`, the counter-based
 * block cipher of JAX's default generator, and `uint32Binary`, the unsigned
 * 32-bit arithmetic (xor, logical shift, remainder) that turns its output
 * words into bits, floats and integers.
 *
 * Both work on int32 tensors holding uint32 bit patterns (puregrad has no
 * uint32 dtype). They are integer-valued, so their derivative is zero and
 * they never sit on a tangent path.
 */

import type { Aval, Primitive } from '../ir/primitive.ts';
import { notLinear } from '../ir/primitive.ts';
import * as K from '../kernels/index.ts';
import { PuregradError } from '../tensor/errors.ts';
import { showShape } from '../tensor/shape.ts';
import type { Tensor } from '../tensor/tensor.ts';
import { bind, bindMulti } from '../trace/core.ts';
import { broadcastAll, requireArity } from './checks.ts';
import { alignRank, moveAxis } from './linear.ts';
import { zeroJvp } from './rules.ts';
import { single } from './single.ts';

function requireInt32(op: string, avals: readonly Aval[], what: string): void {
  const bad = avals.find((a) => a.dtype !== 'int32');
  if (bad !== undefined) {
    throw new PuregradError(op, `${what} must be int32 tensors holding uint32 bits, got ${bad.dtype}${showShape(bad.shape)}; ` +
      "cast them with cast(x, 'int32')");
  }
}

/** Batched operands first, padded to a common rank; unbatched ones broadcast as they are. */
function batchFirst(xs: readonly Tensor[], dims: readonly (number | null)[]): Tensor[] {
  const rank = Math.max(...xs.map((x, i) => x.rank - (dims[i] === null ? 0 : 1)));
  return xs.map((x, i) => (dims[i] === null ? x : alignRank(moveAxis(x, dims[i]!, 0), rank)));
}

/**
 * Threefry-2x32 (20 rounds): keys (k0, k1) and counters (x0, x1), four int32
 * tensors broadcast together, to the two int32 output words (y0, y1). The
 * rotation constants and key schedule are Random123's, as in JAX's
 * `threefry2x32_p`. Integer-valued: zero derivative.
 */
export const Threefry2x32: Primitive<{}> = {
  name: 'threefry2x32',
  multipleResults: true,
  abstractEval: (avals) => {
    requireArity('threefry2x32', avals, 4);
    requireInt32('threefry2x32', avals, 'keys and counters');
    const shape = broadcastAll('threefry2x32', avals);
    return [{ shape, dtype: 'int32' }, { shape, dtype: 'int32' }];
  },
  lower: (avals, _p, [out]) => {
    const kernel = K.threefryKernel(avals.map((a) => a.shape), out!.shape);
    return ([k0, k1, x0, x1], [y0, y1]) =>
      kernel(k0 as Int32Array, k1 as Int32Array, x0 as Int32Array, x1 as Int32Array, y0 as Int32Array, y1 as Int32Array);
  },
  jvp: (primals, _tangents, params) => [threefry2x32Raw(primals, params), [null, null]],
  transpose: notLinear,
  batch: (xs, dims) => {
    const outs = bindMulti(Threefry2x32, batchFirst(xs, dims), {});
    return [outs, outs.map(() => 0)];
  },
  pruneResults: () => undefined,
};

const threefry2x32Raw = (xs: readonly Tensor[], params: {}): readonly Tensor[] => bindMulti(Threefry2x32, xs, params);

/**
 * Unsigned 32-bit arithmetic on int32 bit patterns, with broadcasting:
 * `xor`, `shiftRightLogical` (0 for shifts of 32 or more) and `rem` (the
 * unsigned remainder; `rem(a, 0) = a`, as in XLA). Zero derivative.
 */
export const Uint32Binary: Primitive<{ readonly op: K.Uint32Op }> = single<{ readonly op: K.Uint32Op }>({
  name: 'uint32Binary',
  abstractEval: (avals, { op }) => {
    requireArity(op, avals, 2);
    requireInt32(op, avals, 'operands');
    return { shape: broadcastAll(op, avals), dtype: 'int32' };
  },
  lower: ([a, b], { op }, [out]) => {
    const kernel = K.uint32Kernel(op, a!.shape, b!.shape, out!.shape);
    return ([x, y], [o]) => kernel(x as Int32Array, y as Int32Array, o as Int32Array);
  },
  jvp: zeroJvp,
  transpose: notLinear,
  batch: (xs, dims, params) => [bind(Uint32Binary, batchFirst(xs, dims), params), 0],
});

/** y0, y1 = Threefry-2x32 of counters (x0, x1) under key (k0, k1). */
export const threefry2x32 = (k0: Tensor, k1: Tensor, x0: Tensor, x1: Tensor): readonly [Tensor, Tensor] => {
  const [y0, y1] = bindMulti(Threefry2x32, [k0, k1, x0, x1], {});
  return [y0!, y1!];
};
export const uint32Binary = (op: K.Uint32Op, a: Tensor, b: Tensor): Tensor => bind(Uint32Binary, [a, b], { op });
