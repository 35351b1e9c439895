/**
 * The small numeric pieces optax's transformations share (its `numerics.py`
 * and tree utilities), written once: the saturating step counter, moving
 * averages of moments, bias correction and norms. Each keeps optax's order of
 * operations, so float64 results agree with optax to the last bits.
 */

import { add, cast, div, less, lessEqual, mul, pow, sqrt, sub, sum, where } from '../ops/index.ts';
import type { Tensor } from '../tensor/tensor.ts';
import { leaves, map } from '../tree/index.ts';
import type { Params } from './base.ts';

const INT32_MAX = 2 ** 31 - 1;

/** count + 1 for an int32 counter, staying at 2³¹ − 1 instead of wrapping (optax's `safe_int32_increment`). */
export const safeIncrement = (count: Tensor): Tensor => where(less(count, INT32_MAX), add(count, 1), INT32_MAX);

/** (1 − decay)·g + decay·m: the moving average of the gradient (optax's `tree_update_moment`, order 1). */
export const firstMoment = (g: Tensor, m: Tensor, decay: number): Tensor => add(mul(1 - decay, g), mul(decay, m));

/** (1 − decay)·g² + decay·v: the moving average of g² (optax's `tree_update_moment_per_elem_norm`, order 2). */
export const secondMoment = (g: Tensor, v: Tensor, decay: number): Tensor =>
  add(mul(1 - decay, mul(g, g)), mul(decay, v));

/**
 * m / (1 − decayᶜᵒᵘⁿᵗ), leaf by leaf (optax's `tree_bias_correction`). The power
 * is taken in each leaf's dtype, as optax does with 64-bit types enabled.
 */
export const biasCorrection = (moment: Params, decay: number, count: Tensor): Params =>
  map((t: Tensor) => div(t, sub(1, pow(decay, cast(count, t.dtype)))), moment);

/** √(Σ x²) over all elements of one tensor. */
export const norm = (x: Tensor): Tensor => sqrt(sum(mul(x, x)));

/**
 * max(‖x‖, minNorm) with a gradient that stays finite at x = 0 (optax's
 * `safe_norm`): where the norm is at most `minNorm`, the norm is taken of ones.
 */
export function safeNorm(x: Tensor, minNorm: number): Tensor {
  const small = lessEqual(norm(x), minNorm);
  return where(small, minNorm, norm(where(small, 1, x)));
}

/** √(Σ over all leaves of Σ x²) (optax's `global_norm`), or `undefined` for a tree without leaves. */
export function globalNorm(tree: Params): Tensor | undefined {
  const squares = leaves(tree).map((x) => sum(mul(x, x)));
  return squares.length === 0 ? undefined : sqrt(squares.reduce((a, b) => add(a, b)));
}
