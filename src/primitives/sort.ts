/**
 * `argsort` along the last axis, stable: the order `random.permutation`
 * shuffles by (JAX sorts random keys with `lax.sort_key_val`, which is stable
 * too). Integer-valued, so its derivative is zero.
 */

import { notLinear } from '../ir/primitive.ts';
import type { Primitive } from '../ir/primitive.ts';
import * as K from '../kernels/index.ts';
import { PuregradError } from '../tensor/errors.ts';
import type { Tensor } from '../tensor/tensor.ts';
import { bind } from '../trace/core.ts';
import { requireNumeric } from './checks.ts';
import { moveAxis } from './linear.ts';
import { zeroJvp } from './rules.ts';
import { single } from './single.ts';

/** Indices that sort each row along the last axis ascending; equal values keep their order, NaN goes last. */
export const Argsort: Primitive<{}> = single<{}>({
  name: 'argsort',
  abstractEval: ([x]) => {
    requireNumeric('argsort', x!);
    if (x!.shape.length === 0) {
      throw new PuregradError('argsort', 'needs at least one axis to sort along, got a scalar; reshape it to [1]');
    }
    return { shape: x!.shape, dtype: 'int32' };
  },
  lower: ([xa]) => ([x], [out]) => K.argsortInto(x!, xa!.shape, out as Int32Array),
  jvp: zeroJvp,
  transpose: notLinear,
  // The batch axis is moved to the front, so the sorted axis stays last.
  batch: ([x], [d]) => [argsort(moveAxis(x!, d!, 0)), 0],
});

export const argsort = (x: Tensor): Tensor => bind(Argsort, [x], {});
