/**
 * Batched matrix product: [...b, m, k] × [...b, k, n] → [...b, m, n] with equal
 * batch dims (the `matmul` op broadcasts batch dims and promotes vectors before
 * binding). Bilinear: d(AB) = dA·B + A·dB, and each half transposes to a product
 * with the other factor's matrix transpose.
 */

import type { PrimitiveDef } from '../ir/primitive.ts';
import { UndefinedPrimal } from '../ir/primitive.ts';
import * as K from '../kernels/index.ts';
import { PuregradError } from '../tensor/errors.ts';
import { showShape } from '../tensor/shape.ts';
import type { Tensor } from '../tensor/tensor.ts';
import { fromStorage, storageOf } from '../tensor/tensor.ts';
import { bind } from '../trace/core.ts';
import { requireArity, requireNumeric, sameDtype } from './checks.ts';
import { batchAtFront, batchSize, transpose } from './linear.ts';
import { defJvp } from './rules.ts';

export const Matmul: PrimitiveDef<{}> = {
  name: 'matmul',
  abstractEval: (avals) => {
    requireArity('matmul', avals, 2);
    const [a, b] = [avals[0]!.shape, avals[1]!.shape];
    requireNumeric('matmul', avals[0]!);
    const r = a.length;
    const ok = r >= 2 && b.length === r && a[r - 1] === b[r - 2] && a.slice(0, r - 2).every((d, i) => d === b[i]);
    if (!ok) {
      throw new PuregradError('matmul', `shapes ${showShape(a)} and ${showShape(b)} do not multiply: ` +
        'the last axis of the first must equal the second-to-last of the second, and batch axes must agree');
    }
    return { shape: [...a.slice(0, r - 1), b[r - 1]!], dtype: sameDtype('matmul', avals) };
  },
  impl: ([a, b], _p, out) => fromStorage(out.shape, out.dtype, K.matmul(storageOf(a!), a!.shape, storageOf(b!), b!.shape, out.dtype)),
  jvp: defJvp(
    (t, [, b]) => matmul(t, b!),
    (t, [a]) => matmul(a!, t),
  ),
  transpose: (ct, [a, b]) => {
    if (a instanceof UndefinedPrimal && b instanceof UndefinedPrimal) {
      throw new PuregradError('grad', 'a tangent was multiplied by a tangent in matmul, so the derivative is not linear; ' +
        'a customJvp rule must be linear in the tangents');
    }
    return a instanceof UndefinedPrimal
      ? [matmul(ct, swapLast(b as Tensor)), null]
      : [null, matmul(swapLast(a as Tensor), ct)];
  },
  batch: (xs, dims) => {
    const size = batchSize(xs, dims);
    return [matmul(batchAtFront(xs[0]!, dims[0]!, size), batchAtFront(xs[1]!, dims[1]!, size)), 0];
  },
};

/** Swap the last two axes. */
export function swapLast(x: Tensor): Tensor {
  const perm = x.shape.map((_, i) => i);
  const r = perm.length;
  [perm[r - 2], perm[r - 1]] = [perm[r - 1]!, perm[r - 2]!];
  return transpose(x, perm);
}

export const matmul = (a: Tensor, b: Tensor): Tensor => bind(Matmul, [a, b], {});
