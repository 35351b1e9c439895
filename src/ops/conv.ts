/**
 * The public convolution op. Layout is channels last, as flax and TF use by
 * default: input [batch, ...spatial, inC], kernel [...spatial, inC, outC]
 * (NHWC and HWIO in 2-D), for any number ≥ 1 of spatial axes. It is a
 * cross-correlation (the kernel is not flipped), as in every ML library.
 *
 * Padding follows JAX/TF: 'VALID' pads nothing; 'SAME' gives ⌈n / stride⌉
 * outputs per axis and splits the padding this needs, any odd one on the high
 * side; a number pads both sides; explicit [lo, hi] pairs are used as given
 * (negative ones crop). The padding helpers are shared with pooling.
 */

import { optionsArg, tensorArg } from './args.ts';
import * as C from '../primitives/conv.ts';
import { dilatedSize } from '../kernels/conv.ts';
import { PuregradError } from '../tensor/errors.ts';
import { showShape } from '../tensor/shape.ts';
import type { Tensor } from '../tensor/tensor.ts';
import { unify } from './operand.ts';

/** 'SAME' | 'VALID' | one number for both sides of every axis | a [lo, hi] pair per spatial axis. */
export type Padding = 'SAME' | 'VALID' | number | readonly (readonly [number, number])[];

export interface ConvOptions {
  /** Step of the window per spatial axis (one number for all); default 1. */
  readonly strides?: number | readonly number[];
  /** Default 'VALID' (no padding). */
  readonly padding?: Padding;
  /** Kernel (rhs) dilation: dilation − 1 gaps between kernel taps (atrous convolution); default 1. */
  readonly dilation?: number | readonly number[];
  /** Input (lhs) dilation: lhsDilation − 1 zeros between input elements (a transposed convolution); default 1. */
  readonly lhsDilation?: number | readonly number[];
  /** Split the channels into this many independent groups (depthwise when it equals inC); default 1. */
  readonly featureGroupCount?: number;
}

/** One positive integer per spatial axis, from a number or a list. */
export function perAxis(op: string, what: string, v: number | readonly number[] | undefined, nd: number): number[] {
  const list = v === undefined ? new Array<number>(nd).fill(1) : typeof v === 'number' ? new Array<number>(nd).fill(v) : [...v];
  if (list.length !== nd || !list.every((s) => Number.isInteger(s) && s >= 1)) {
    throw new PuregradError(op, `${what} must be a positive integer or ${nd} of them (one per spatial axis), got ${JSON.stringify(v)}`);
  }
  return list;
}

/**
 * [lo, hi] per spatial axis for inputs of `sizes` under windows of (dilated)
 * extents `windows` moved by `strides`. 'SAME' is JAX's `padtype_to_pads`:
 * out = ⌈n / s⌉, total = max(0, (out − 1)·s + window − n), lo = ⌊total / 2⌋.
 */
export function resolvePadding(
  op: string, padding: Padding, sizes: readonly number[], windows: readonly number[], strides: readonly number[], minPad = -Infinity,
): [number, number][] {
  const nd = sizes.length;
  if (padding === 'VALID') return sizes.map(() => [0, 0]);
  if (padding === 'SAME') {
    return sizes.map((n, d) => {
      const out = Math.ceil(n / strides[d]!);
      const total = Math.max(0, (out - 1) * strides[d]! + windows[d]! - n);
      return [Math.floor(total / 2), total - Math.floor(total / 2)];
    });
  }
  const pairs = typeof padding === 'number' ? sizes.map((): [number, number] => [padding, padding])
    : Array.isArray(padding) ? padding.map((p): number[] => (Array.isArray(p) ? [...p] : [NaN])) : [];
  const ok = pairs.length === nd && pairs.every((p) => p.length === 2 && p.every((v) => Number.isInteger(v) && v >= minPad));
  if (!ok) {
    const need = minPad === 0 ? 'non-negative integers' : 'integers';
    throw new PuregradError(op, `padding must be 'SAME', 'VALID', one integer or ${nd} [lo, hi] pairs of ${need}, got ${JSON.stringify(padding)}`);
  }
  return pairs as [number, number][];
}

/**
 * N-d convolution (cross-correlation), channels last: x [batch, ...spatial, inC]
 * with kernel w [...spatial, inC / groups, outC] gives [batch, ...outSpatial, outC].
 * Linear in each operand; gradients for both are convolutions again.
 * @example
 * const x = reshape(tensor([1, 2, 4, 7]), [1, 4, 1]), w = reshape(tensor([-1, 1]), [2, 1, 1])
 * reshape(conv(x, w), [3]) // => [1, 2, 3]
 * conv(zeros([1, 5, 5, 3]), zeros([3, 3, 3, 8]), { strides: 2, padding: 'SAME' }).shape // => [1, 3, 3, 8]
 * conv(zeros([1, 5, 5, 3]), zeros([3, 3, 3, 8]), { dilation: 2 }).shape // => [1, 1, 1, 8]
 * grad((k: Tensor) => sum(conv(x, k)))(w) // => [[[7]], [[13]]]
 */
export function conv(x: Tensor, w: Tensor, options: ConvOptions = {}): Tensor {
  tensorArg('conv', x);
  tensorArg('conv', w, 'w');
  options = optionsArg('conv', options, ['strides', 'padding', 'dilation', 'lhsDilation', 'featureGroupCount']);
  const nd = x.rank - 2;
  if (nd < 1 || w.rank !== x.rank) {
    throw new PuregradError('conv', `input ${showShape(x.shape)} must be [batch, ...spatial, inC] with at least one spatial axis ` +
      `and kernel ${showShape(w.shape)} [...spatial, inC, outC] of the same rank; add a batch axis with expandDims(x, 0) if it is missing`);
  }
  const strides = perAxis('conv', 'strides', options.strides, nd);
  const rhsDilation = perAxis('conv', 'dilation', options.dilation, nd);
  const lhsDilation = perAxis('conv', 'lhsDilation', options.lhsDilation, nd);
  const groups = options.featureGroupCount ?? 1;
  const padding = options.padding ?? 'VALID';
  if (typeof padding === 'string' && lhsDilation.some((d) => d !== 1)) {
    throw new PuregradError('conv', `padding '${padding}' is not defined with lhsDilation ${JSON.stringify(options.lhsDilation)}; ` +
      'give explicit [lo, hi] pairs (as JAX requires)');
  }
  const kernel = w.shape.slice(0, nd);
  const windows = kernel.map((k, d) => dilatedSize(k, rhsDilation[d]!));
  const pads = resolvePadding('conv', padding, x.shape.slice(1, nd + 1), windows, strides);
  const [a, b] = unify([x, w]) as [Tensor, Tensor];
  return C.conv(a, b, Object.freeze({ strides, padding: pads, lhsDilation, rhsDilation, featureGroupCount: groups }));
}
