/**
 * Activation functions, composed from primitives. Where the choice of
 * composition decides a derivative, the comment says so:
 * - `relu` is where(x ≤ 0, 0, x), so relu'(0) = 0 (JAX and TF.js agree; a
 *   maximum(x, 0) would split the tie and give ½), and NaN stays NaN.
 * - `sigmoid` is ½(1 + tanh(x/2)), exact and finite for any input, so its
 *   derivative σ(1 − σ) never forms ∞/∞.
 * - `softplus` = log(1 + eˣ) is evaluated on each side of 0 with the other
 *   side's input replaced by 0 (the double-`where` pattern), so neither branch
 *   overflows; a custom JVP rule makes its derivative exactly σ(x).
 */

import * as E from '../ops/elementwise.ts';
import * as R from '../ops/reduce.ts';
import { customJvp } from '../control/custom.ts';
import { resolveAxes } from '../ops/axes.ts';
import type { Tensor } from '../tensor/tensor.ts';

/** max(x, 0) with relu'(0) = 0. */
export const relu = (x: Tensor): Tensor => E.where(E.lessEqual(x, 0), 0, x);

/** x for x > 0, αx otherwise; the derivative at 0 is α. */
export const leakyRelu = (x: Tensor, alpha = 0.01): Tensor => E.where(E.greater(x, 0), x, E.mul(x, alpha));

/** x for x > 0, α(eˣ − 1) otherwise, with the exponent's input guarded. */
export function elu(x: Tensor, alpha = 1): Tensor {
  const positive = E.greater(x, 0);
  const safe = E.where(positive, 0, x);
  return E.where(positive, x, E.mul(E.expm1(safe), alpha));
}

/** GELU, tanh approximation: ½x(1 + tanh(√(2/π)(x + 0.044715x³))). */
export function gelu(x: Tensor): Tensor {
  const inner = E.mul(E.add(x, E.mul(E.pow(x, 3), 0.044715)), Math.sqrt(2 / Math.PI));
  return E.mul(E.mul(x, 0.5), E.add(E.tanh(inner), 1));
}

/** σ(x) = 1 / (1 + e⁻ˣ), computed as ½(1 + tanh(x/2)). */
export const sigmoid = (x: Tensor): Tensor => E.mul(E.add(E.tanh(E.mul(x, 0.5)), 1), 0.5);

export const tanh = (x: Tensor): Tensor => E.tanh(x);

/**
 * log(1 + eˣ), stable for |x| up to the float range. Its derivative is the
 * custom rule d softplus = σ(x)·dx: exact where the composed form's chain rule
 * would pass through a `where`, and σ(0) = ½ at the seam.
 */
export function softplus(x: Tensor): Tensor {
  return customJvp(stableSoftplus, ([v]: readonly [Tensor], [t]: readonly [Tensor]) => [stableSoftplus(v), E.mul(t, sigmoid(v))] as [Tensor, Tensor])(x);
}

function stableSoftplus(x: Tensor): Tensor {
  const positive = E.greater(x, 0);
  const xp = E.where(positive, x, 0);
  const xn = E.where(positive, 0, x);
  return E.where(positive, E.add(xp, E.log1p(E.exp(E.neg(xp)))), E.log1p(E.exp(xn)));
}

/** The step function, 1 for x > 0 and 0 for x ≤ 0 (NaN stays NaN), in x's dtype; its derivative is 0 everywhere. */
export const heaviside = (x: Tensor): Tensor =>
  E.stopGradient(E.where(E.greater(x, 0), 1, E.where(E.lessEqual(x, 0), 0, x)));

/**
 * x − m, with m the maximum along `axis` held constant for differentiation.
 * Shifting by m leaves softmax unchanged, keeps exp from overflowing, and
 * leaves small differences exact even when |x| is 1e4 in float32.
 */
function shifted(op: string, x: Tensor, axis: number): Tensor {
  const m = E.stopGradient(R.max(x, { axis: resolveAxes(op, x, axis), keepdims: true }));
  return E.sub(x, E.where(E.equal(E.sub(m, m), 0), m, 0)); // shift by 0 where the max is ±∞
}

/** exp(x − m) / Σ exp(x − m) along `axis` (default last). */
export function softmax(x: Tensor, axis = -1): Tensor {
  const e = E.exp(shifted('softmax', x, axis));
  return E.div(e, R.sum(e, { axis, keepdims: true }));
}

/** (x − m) − log Σ exp(x − m) along `axis` (default last): log softmax, stable for inputs of ±1e4. */
export function logSoftmax(x: Tensor, axis = -1): Tensor {
  const s = shifted('logSoftmax', x, axis);
  return E.sub(s, E.log(R.sum(E.exp(s), { axis, keepdims: true })));
}
