/**
 * Combinators for writing rules, named after JAX's: `defJvp` takes one rule
 * per input (each linear in that input's tangent, `null` for inputs that are
 * not differentiable) and sums the contributions of the nonzero tangents;
 * `zeroJvp` is for outputs that are piecewise constant.
 */

import type { JvpRule } from '../ir/primitive.ts';
import type { Tensor } from '../tensor/tensor.ts';
import { sumTangents } from './linear.ts';

/** A per-input JVP rule: the tangent `t` of one input, the primal inputs and output. */
export type InputJvp<P> = (t: Tensor, primals: readonly Tensor[], out: Tensor, params: P) => Tensor;

export function defJvp<P>(...rules: readonly (InputJvp<P> | null)[]): JvpRule<P> {
  return (primals, tangents, params, out) =>
    sumTangents(
      out.shape,
      tangents.map((t, i) => {
        const rule = rules[i];
        return t === null || t === undefined || rule === null || rule === undefined ? null : rule(t, primals, out, params);
      }),
    );
}

export const zeroJvp: JvpRule<unknown> = () => null;
