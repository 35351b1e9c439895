/**
 * Pooling over windows, channels last ([batch, ...spatial, C], or without the
 * batch axis), in any number of spatial axes, with flax's defaults: strides 1,
 * padding 'VALID'. Composed from public ops, so gradients and `vmap` come
 * from theirs: each spatial axis is padded (with −∞ for max, 0 for average),
 * then `take` with an [out, window] index grid unfolds it into output
 * position × window tap, and one reduction over the tap axes pools.
 *
 * The kink: at a tie inside a window, `maxPool`'s gradient is split evenly
 * among the tied entries (it is `max`, which does that); JAX's
 * `reduce_window` gives all of it to one of them. An input that several
 * overlapping windows share gets the sum of what each window sends it.
 */

import { full, ones } from '../tensor/create.ts';
import { isFloat } from '../tensor/dtype.ts';
import { PuregradError } from '../tensor/errors.ts';
import { showShape } from '../tensor/shape.ts';
import type { Tensor } from '../tensor/tensor.ts';
import { tensor } from '../ops/create.ts';
import { div } from '../ops/elementwise.ts';
import { max, sum } from '../ops/reduce.ts';
import { concatenate, expandDims, squeeze, take } from '../ops/shape.ts';
import { perAxis, resolvePadding } from '../ops/conv.ts';
import type { Padding } from '../ops/conv.ts';
import { checkOptionKeys } from './options.ts';

export interface PoolOptions {
  /** Step between windows per spatial axis (one number for all); default 1, as in flax. */
  readonly strides?: number | readonly number[];
  /** 'VALID' (default), 'SAME' (⌈n / stride⌉ outputs, odd padding on the high side), a number or [lo, hi] pairs. */
  readonly padding?: Padding;
}

export interface AvgPoolOptions extends PoolOptions {
  /** Divide by the whole window (true, flax's default) or only by the entries that are not padding. */
  readonly countIncludePad?: boolean;
}

/** `x` with `lo` and `hi` entries of `value` added on each side of `axis`. */
function padAxis(x: Tensor, axis: number, lo: number, hi: number, value: number): Tensor {
  const block = (n: number) => full(x.shape.map((d, i) => (i === axis ? n : d)), value, x.dtype);
  const parts = [...(lo > 0 ? [block(lo)] : []), x, ...(hi > 0 ? [block(hi)] : [])];
  return parts.length === 1 ? x : concatenate(parts, axis);
}

interface Unfolded {
  /** [batch, out₁, k₁, out₂, k₂, …, C] */
  readonly patches: Tensor;
  /** The window-tap axes of `patches`. */
  readonly taps: readonly number[];
  readonly size: number;
}

/** Every window of `x` (batched, [N, ...spatial, C]) laid out as output position × tap. */
function unfold(op: string, x: Tensor, window: readonly number[], options: PoolOptions, fill: number): Unfolded {
  const nd = window.length;
  const sizes = x.shape.slice(1, nd + 1);
  const strides = perAxis(op, 'strides', options.strides, nd);
  const pads = resolvePadding(op, options.padding ?? 'VALID', sizes, window, strides, 0);
  let patches = x;
  for (let d = 0; d < nd; d++) {
    const axis = 1 + 2 * d; // each earlier spatial axis became two
    const [k, s] = [window[d]!, strides[d]!];
    const n = sizes[d]! + pads[d]![0] + pads[d]![1];
    const out = Math.floor((n - k) / s) + 1;
    if (out < 1) {
      throw new PuregradError(op, `window ${k} does not fit spatial axis ${d} of ${showShape(x.shape)} (length ${n} with padding); ` +
        "use a smaller window or padding 'SAME'");
    }
    const grid = Int32Array.from({ length: out * k }, (_, i) => Math.floor(i / k) * s + (i % k));
    patches = take(padAxis(patches, axis, pads[d]![0], pads[d]![1], fill), tensor(grid, { shape: [out, k], dtype: 'int32' }), { axis });
  }
  return { patches, taps: window.map((_, d) => 2 + 2 * d), size: window.reduce((a, b) => a * b, 1) };
}

/** Run `pool` on a batched view of `x`: a window list of length nd fits [N, ...spatial, C] or [...spatial, C]. */
function pooled(op: string, x: Tensor, window: number | readonly number[], pool: (xb: Tensor, w: readonly number[]) => Tensor): Tensor {
  const nd = typeof window === 'number' ? x.rank - 2 : window.length;
  if (nd < 1 || (x.rank !== nd + 2 && x.rank !== nd + 1)) {
    throw new PuregradError(op, `input ${showShape(x.shape)} must be [batch, ...spatial, C] or [...spatial, C] ` +
      `for a window of ${typeof window === 'number' ? 'one number (which needs the batch axis)' : `${window.length} axes`}`);
  }
  const w = perAxis(op, 'window', window, nd);
  if (x.rank === nd + 2) return pool(x, w);
  return squeeze(pool(expandDims(x, 0), w), 0);
}

/**
 * Maximum over each window, channels last; padding counts as −∞. At a tie
 * the gradient is split evenly among the tied entries of the window.
 * @example
 * const x = reshape(tensor([1, 5, 2, 4, 3, 0]), [1, 6, 1])
 * reshape(nn.maxPool(x, [2], { strides: 2 }), [3]) // => [5, 4, 3]
 * reshape(nn.maxPool(x, [3], { strides: 2, padding: 'SAME' }), [3]) // => [5, 4, 3]
 * reshape(grad((v: Tensor) => sum(nn.maxPool(v, [2])))(x), [6]) // => [0, 2, 0, 2, 1, 0]
 * nn.maxPool(zeros([2, 28, 28, 8]), [2, 2], { strides: 2 }).shape // => [2, 14, 14, 8]
 */
export function maxPool(x: Tensor, window: number | readonly number[], options: PoolOptions = {}): Tensor {
  checkOptionKeys('maxPool', options, ['strides', 'padding']);
  if (x.dtype === 'bool') throw new PuregradError('maxPool', `needs a numeric tensor, got bool${showShape(x.shape)}; cast it first`);
  const lowest = isFloat(x.dtype) ? -Infinity : -(2 ** 31);
  return pooled('maxPool', x, window, (xb, w) => {
    const { patches, taps } = unfold('maxPool', xb, w, options, lowest);
    return max(patches, { axis: taps });
  });
}

/**
 * Mean over each window, channels last. With padding, the divisor is the
 * window size (flax's default `countIncludePad: true`) or, with
 * `countIncludePad: false`, the number of entries that are not padding.
 * @example
 * const x = reshape(tensor([1, 2, 3, 4, 5]), [1, 5, 1])
 * reshape(nn.avgPool(x, [2], { strides: 2 }), [2]) // => [1.5, 3.5]
 * reshape(nn.avgPool(x, [2], { strides: 2, padding: 'SAME' }), [3]) // => [1.5, 3.5, 2.5]
 * reshape(nn.avgPool(x, [2], { strides: 2, padding: 'SAME', countIncludePad: false }), [3]) // => [1.5, 3.5, 5]
 */
export function avgPool(x: Tensor, window: number | readonly number[], options: AvgPoolOptions = {}): Tensor {
  checkOptionKeys('avgPool', options, ['strides', 'padding', 'countIncludePad']);
  if (!isFloat(x.dtype)) throw new PuregradError('avgPool', `needs a float tensor, got ${x.dtype}${showShape(x.shape)}; cast it first`);
  return pooled('avgPool', x, window, (xb, w) => {
    const { patches, taps, size } = unfold('avgPool', xb, w, options, 0);
    const total = sum(patches, { axis: taps });
    if (options.countIncludePad ?? true) return div(total, size);
    const mask = ones([1, ...xb.shape.slice(1, -1), 1], x.dtype);
    const counts = unfold('avgPool', mask, w, options, 0);
    return div(total, sum(counts.patches, { axis: counts.taps }));
  });
}
