/**
 * Activation functions, composed from primitives. Where the choice of
 * composition decides a derivative, the comment says so:
 * - `relu` is where(x ≤ 0, 0, x), so relu'(0) = 0 (JAX and TF.js agree; a
 *   maximum(x, 0) would split the tie and give ½), and NaN stays NaN.
 * - `sigmoid` is 1/(1 + e⁻ˣ) for x ≥ 0 and eˣ/(1 + eˣ) for x < 0, so the
 *   exponential never overflows and the negative tail keeps its relative
 *   accuracy (σ(−40) = 4.25e-18 in float64, where ½(1 + tanh(x/2)) gives 0);
 *   a custom JVP rule makes its derivative σ(x)·σ(−x) = σ(1 − σ), accurate in
 *   both tails.
 * - `softplus` = log(1 + eˣ) is evaluated on each side of 0 with the other
 *   side's input replaced by 0 (the double-`where` pattern), so neither branch
 *   overflows; a custom JVP rule makes its derivative exactly σ(x).
 */

import { tensorArg } from '../ops/args.ts';
import * as E from '../ops/elementwise.ts';
import * as R from '../ops/reduce.ts';
import { customJvp } from '../control/custom.ts';
import { resolveAxes } from '../ops/axes.ts';
import { cast } from '../ops/shape.ts';
import { isFloat } from '../tensor/dtype.ts';
import type { Tensor } from '../tensor/tensor.ts';

/**
 * max(x, 0) with relu'(0) = 0.
 * @example
 * nn.relu(tensor([-1, 0, 2])) // => [0, 0, 2]
 * grad((x: Tensor) => sum(nn.relu(x)))(tensor([-1, 0, 2])) // => [0, 0, 1]
 */
export const relu = (x: Tensor): Tensor => E.where(E.lessEqual(tensorArg('nn.relu', x), 0), 0, x);

/**
 * x for x > 0, αx otherwise (α = 0.01 by default); the derivative at 0 is α.
 * @example
 * nn.leakyRelu(tensor([-2, 3]), 0.5) // => [-1, 3]
 * grad((x: Tensor) => nn.leakyRelu(x, 0.1))(scalar(0)) // => 0.1
 */
export const leakyRelu = (x: Tensor, alpha = 0.01): Tensor => E.where(E.greater(tensorArg('nn.leakyRelu', x), 0), x, E.mul(x, alpha));

/**
 * x for x > 0, α(eˣ − 1) otherwise (α = 1 by default), with the exponent's input guarded.
 * @example
 * nn.elu(tensor([2, -Math.LN2])) // => [2, -0.5]
 * grad((x: Tensor) => nn.elu(x))(scalar(-Math.LN2)) // => 0.5
 */
export function elu(x: Tensor, alpha = 1): Tensor {
  tensorArg('nn.elu', x);
  const positive = E.greater(x, 0);
  const safe = E.where(positive, 0, x);
  return E.where(positive, x, E.mul(E.expm1(safe), alpha));
}

/**
 * GELU, tanh approximation: ½x(1 + tanh(√(2/π)(x + 0.044715x³))).
 * @example
 * nn.gelu(tensor([0, 10])) // => [0, 10]
 * grad((x: Tensor) => nn.gelu(x))(scalar(0)) // => 0.5
 */
export function gelu(x: Tensor): Tensor {
  tensorArg('nn.gelu', x);
  const inner = E.mul(E.add(x, E.mul(E.pow(x, 3), 0.044715)), Math.sqrt(2 / Math.PI));
  return E.mul(E.mul(x, 0.5), E.add(E.tanh(inner), 1));
}

/**
 * σ(x) = 1 / (1 + e⁻ˣ), accurate in both tails: σ(−40) is 4.248e-18 in float64
 * and σ(−20) is 2.06e-9 in float32. Its derivative is the custom rule
 * dσ = σ(x)·σ(−x)·dx (that is σ(1 − σ), without the cancellation of 1 − σ near
 * 1), finite at any order. Integer inputs give float32.
 * @example
 * nn.sigmoid(tensor([0, Math.log(3), 1e4])) // => [0.5, 0.75, 1]
 * nn.sigmoid(scalar(-40, 'float64')).item() / 4.248354255291589e-18 // => 1
 * grad((x: Tensor) => nn.sigmoid(x))(scalar(0)) // => 0.25
 */
export function sigmoid(x: Tensor): Tensor {
  tensorArg('nn.sigmoid', x);
  const xf = isFloat(x.dtype) ? x : cast(x, 'float32');
  // The rule is written with the composed form: calling `sigmoid` in it would trace the rule again, forever.
  const rule = ([v]: readonly [Tensor], [t]: readonly [Tensor]): [Tensor, Tensor] => {
    const s = stableSigmoid(v);
    return [s, E.mul(t, E.mul(s, stableSigmoid(E.neg(v))))];
  };
  return customJvp(stableSigmoid, rule)(xf);
}

/**
 * σ from e = exp(−|x|) ≤ 1: 1/(1 + e) for x ≥ 0, e/(1 + e) for x < 0. The
 * exponent is written where(x ≥ 0, −x, x), not −abs(x), so that this
 * composition (which the rule above differentiates for second and higher
 * derivatives) has the right slope at 0, where abs'(0) = 0 would give none.
 */
function stableSigmoid(x: Tensor): Tensor {
  const nonNegative = E.greaterEqual(x, 0);
  const e = E.exp(E.where(nonNegative, E.neg(x), x));
  const denominator = E.add(e, 1);
  return E.where(nonNegative, E.div(1, denominator), E.div(e, denominator));
}

/**
 * The hyperbolic tangent, as the top-level `tanh` (here so `nn` lists every activation).
 * @example
 * nn.tanh(tensor([0, 100])) // => [0, 1]
 */
export const tanh = (x: Tensor): Tensor => E.tanh(tensorArg('nn.tanh', x));

/**
 * log(1 + eˣ), stable for |x| up to the float range. Its derivative is the
 * custom rule d softplus = σ(x)·dx: exact where the composed form's chain rule
 * would pass through a `where`, and σ(0) = ½ at the seam.
 * @example
 * nn.softplus(tensor([0, 1e4, -1e4])) // => [0.6931472, 10000, 0]
 * grad((x: Tensor) => nn.softplus(x))(scalar(0)) // => 0.5
 */
export function softplus(x: Tensor): Tensor {
  tensorArg('nn.softplus', x);
  const rule = ([v]: readonly [Tensor], [t]: readonly [Tensor]): [Tensor, Tensor] => [stableSoftplus(v), E.mul(t, sigmoid(v))];
  return customJvp(stableSoftplus, rule)(x);
}

function stableSoftplus(x: Tensor): Tensor {
  const positive = E.greater(x, 0);
  const xp = E.where(positive, x, 0);
  const xn = E.where(positive, 0, x);
  return E.where(positive, E.add(xp, E.log1p(E.exp(E.neg(xp)))), E.log1p(E.exp(xn)));
}

/**
 * The step function, 1 for x > 0 and 0 for x ≤ 0 (NaN stays NaN), in x's dtype; its derivative is 0 everywhere.
 * @example
 * nn.heaviside(tensor([-1, 0, 2])) // => [0, 0, 1]
 * grad((x: Tensor) => sum(nn.heaviside(x)))(tensor([-1, 0, 2])) // => [0, 0, 0]
 */
export const heaviside = (x: Tensor): Tensor =>
  E.stopGradient(E.where(E.greater(tensorArg('nn.heaviside', x), 0), 1, E.where(E.lessEqual(x, 0), 0, x)));

/**
 * x − m, with m the maximum along `axis` held constant for differentiation.
 * Shifting by m leaves softmax unchanged, keeps exp from overflowing, and
 * leaves small differences exact even when |x| is 1e4 in float32.
 */
function shifted(op: string, x: Tensor, axis: number): Tensor {
  const m = E.stopGradient(R.max(x, { axis: resolveAxes(op, x, axis), keepdims: true }));
  return E.sub(x, E.where(E.equal(E.sub(m, m), 0), m, 0)); // shift by 0 where the max is ±∞
}

/**
 * exp(x − m) / Σ exp(x − m) along `axis` (default last), with m the maximum: entries in [0, 1] summing to 1.
 * @example
 * nn.softmax(tensor([0, Math.log(3)])) // => [0.25, 0.75]
 * nn.softmax(tensor([[1e4, 1e4], [0, 0]]), 0) // => [[1, 1], [0, 0]]
 */
export function softmax(x: Tensor, axis = -1): Tensor {
  tensorArg('nn.softmax', x);
  const e = E.exp(shifted('softmax', x, axis));
  return E.div(e, R.sum(e, { axis, keepdims: true }));
}

/**
 * (x − m) − log Σ exp(x − m) along `axis` (default last): log softmax, stable for inputs of ±1e4.
 * @example
 * nn.logSoftmax(tensor([0, 0])) // => [-0.6931472, -0.6931472]
 * nn.logSoftmax(tensor([1e4, 0])) // => [0, -10000]
 */
export function logSoftmax(x: Tensor, axis = -1): Tensor {
  tensorArg('nn.logSoftmax', x);
  const s = shifted('logSoftmax', x, axis);
  return E.sub(s, E.log(R.sum(E.exp(s), { axis, keepdims: true })));
}
