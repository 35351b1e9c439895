/**
 * The teaching law of convolution: a convolution is one dense layer, with
 * one weight matrix, applied to every patch of the input — weight sharing.
 *
 * Unfold the input into patches (one row of kernel-size × inC values per
 * output position, zero padding included) and reshape the kernel
 * [...k, inC, outC] into a matrix W [k·inC, outC]. Then at each position the
 * output is patch · W, and, as for any weight used several times, the
 * kernel's gradient is the sum over positions of the gradient of that dense
 * layer at that position. The unfolding here is written with `take` and
 * `concatenate`, independently of the `conv` primitive it checks.
 */

import type { Tensor } from '../src/index.ts';
import { add, concatenate, conv, grad, matmul, mul, reshape, slice, sum, take, tensor, transpose, zeros } from '../src/index.ts';
import { asFloat64 } from './ad.ts';
import type { Tolerance, Verdict } from './numeric.ts';
import { all, allClose } from './numeric.ts';

export interface SharedDenseOptions {
  /** Window step per spatial axis (default 1). */
  readonly strides?: number | readonly number[];
  /** 'VALID' (default), 'SAME' or [lo, hi] pairs of non-negative integers. */
  readonly padding?: 'SAME' | 'VALID' | readonly (readonly [number, number])[];
  /** Kernel dilation per spatial axis (default 1). */
  readonly dilation?: number | readonly number[];
  /** The loss of the conv's output whose kernel gradient is compared (default ½‖y‖², so the cotangent is y). */
  readonly loss?: (y: Tensor) => Tensor;
}

const listOf = (v: number | readonly number[] | undefined, nd: number): number[] =>
  v === undefined ? new Array<number>(nd).fill(1) : typeof v === 'number' ? new Array<number>(nd).fill(v) : [...v];

/** x [N, ...s, C] → patches [N, positions, k·C], taps in the kernel's row-major order (...k, C). */
function patches(x: Tensor, kernel: readonly number[], strides: readonly number[], dilation: readonly number[],
  padding: readonly (readonly [number, number])[]): Tensor {
  const nd = kernel.length;
  let p = x;
  for (let d = 0; d < nd; d++) {
    const axis = 1 + 2 * d;
    const [lo, hi] = padding[d]!;
    const block = (n: number) => zeros(p.shape.map((s, i) => (i === axis ? n : s)), p.dtype);
    p = concatenate([...(lo > 0 ? [block(lo)] : []), p, ...(hi > 0 ? [block(hi)] : [])], axis);
    const [k, s, r] = [kernel[d]!, strides[d]!, dilation[d]!];
    const out = Math.floor((p.shape[axis]! - ((k - 1) * r + 1)) / s) + 1;
    const grid = Int32Array.from({ length: out * k }, (_, i) => Math.floor(i / k) * s + (i % k) * r);
    p = take(p, tensor(grid, { shape: [out, k], dtype: 'int32' }), { axis }); // [..., out, k, ...]
  }
  // [N, o1, k1, o2, k2, ..., C] → [N, o1, o2, ..., k1, k2, ..., C]
  const perm = [0, ...kernel.map((_, d) => 1 + 2 * d), ...kernel.map((_, d) => 2 + 2 * d), 1 + 2 * nd];
  const t = transpose(p, perm);
  const positions = t.shape.slice(1, 1 + nd).reduce((a, b) => a * b, 1);
  return reshape(t, [x.shape[0]!, positions, -1]);
}

/**
 * conv(x, w) at every output position equals patch · W, and the kernel's
 * gradient of `loss(conv(x, w))` equals Σ over positions of the gradient of
 * W ↦ ⟨ȳ at that position, patch · W⟩ — one dense layer, shared by all
 * positions. x is [N, ...spatial, C], w is [...k, C, outC].
 * @example
 * const x = reshape(arange(18, undefined, 1, 'float64'), [1, 3, 3, 2]).div(10)
 * const w = reshape(arange(16, undefined, 1, 'float64'), [2, 2, 2, 2]).sub(8).div(8)
 * const tol = { atol: 1e-9, rtol: 1e-9 }
 * convGradientIsSharedDense({ padding: 'SAME', strides: 2 }, tol)(x, w).ok // => true
 * convGradientIsSharedDense({ dilation: 2, padding: [[1, 0], [0, 1]] }, tol)(x, w).ok // => true
 */
export const convGradientIsSharedDense =
  (options: SharedDenseOptions, tol: Tolerance) =>
  (x: Tensor, w: Tensor): Verdict => {
    const nd = x.rank - 2;
    const kernel = w.shape.slice(0, nd);
    const strides = listOf(options.strides, nd);
    const dilation = listOf(options.dilation, nd);
    const loss = options.loss ?? ((y: Tensor) => mul(sum(mul(y, y)), 0.5));
    const pad = options.padding ?? 'VALID';
    const padding = pad === 'VALID' ? kernel.map((): [number, number] => [0, 0]) : pad === 'SAME'
      ? kernel.map((k, d): [number, number] => {
        // as JAX's padtype_to_pads, with the dilated kernel as the window
        const n = x.shape[d + 1]!;
        const total = Math.max(0, (Math.ceil(n / strides[d]!) - 1) * strides[d]! + (k - 1) * dilation[d]! + 1 - n);
        return [Math.floor(total / 2), total - Math.floor(total / 2)];
      })
      : pad;
    const convOptions = { strides, dilation, padding };
    const y = conv(x, w, convOptions);
    const [batch, outC] = [x.shape[0]!, w.shape[nd + 1]!];
    const rows = patches(x, kernel, strides, dilation, padding); // [N, P, k·C]
    const positions = rows.shape[1]!;
    const W = reshape(w, [-1, outC]);
    const ys = reshape(y, [batch, positions, outC]);
    const ct = reshape(grad(loss)(y), [batch, positions, outC]);
    const at = (t: Tensor, p: number) => reshape(slice(t, [0, p], [batch, p + 1]), [batch, t.shape[2]!]);

    let dense = zeros(W.shape, W.dtype);
    const outputs: Tensor[] = [];
    for (let p = 0; p < positions; p++) {
      const patch = at(rows, p);
      outputs.push(matmul(patch, W));
      dense = add(dense, grad((m: Tensor) => sum(mul(matmul(patch, m), at(ct, p))))(W));
    }
    const kernelGrad = grad((k: Tensor) => loss(conv(x, k, convOptions)))(w);
    const applied = positions === 0 ? ys : reshape(concatenate(outputs, 1), ys.shape);
    return all(
      allClose('conv output vs the shared dense layer on each patch', asFloat64(ys), asFloat64(applied), tol),
      allClose("conv kernel gradient vs the sum over positions of the dense layer's gradients",
        asFloat64(kernelGrad), asFloat64(reshape(dense, w.shape)), tol),
    );
  };
