/**
 * `erfInv`, the inverse error function, as a primitive: `random.normal` and
 * `random.truncatedNormal` map uniform samples through it. Its kernels are
 * Giles' polynomials (see `src/kernels/erfinv.ts`), evaluated in the tensor's
 * own precision.
 */

import { notLinear } from '../ir/primitive.ts';
import type { Primitive } from '../ir/primitive.ts';
import * as K from '../kernels/index.ts';
import type { Tensor } from '../tensor/tensor.ts';
import { filled } from '../tensor/tensor.ts';
import { bind } from '../trace/core.ts';
import { mul } from './arith.ts';
import { requireFloat } from './checks.ts';
import { defJvp } from './rules.ts';
import { single } from './single.ts';
import { exp } from './unary.ts';

/** d erf⁻¹(x) = (√π / 2) · exp(erf⁻¹(x)²) dx, written with the output y = erf⁻¹(x). */
export const ErfInv: Primitive<{}> = single<{}>({
  name: 'erfInv',
  abstractEval: ([x]) => {
    requireFloat('erfInv', x!);
    return x!;
  },
  lower: () => ([x], [out]) => K.erfInvInto(x as Float32Array | Float64Array, out as Float32Array | Float64Array),
  jvp: defJvp((t, _x, y) => mul(t, mul(filled([], y.dtype, Math.sqrt(Math.PI) / 2), exp(mul(y, y))))),
  transpose: notLinear,
  batch: ([x], [d]) => [erfInv(x!), d ?? null],
});

export const erfInv = (x: Tensor): Tensor => bind(ErfInv, [x], {});
