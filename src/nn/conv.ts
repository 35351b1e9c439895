/**
 * The 2-D convolution layer, as flax's `nn.Conv` for two spatial axes: NHWC
 * input, an HWIO kernel `w` [kh, kw, in, out] drawn with `lecunNormal` (fan-in
 * kh·kw·in), a bias `b` [out] of zeros, stride 1 and padding 'SAME' unless
 * told otherwise. A pure `{init, apply}` pair like `dense`: the same kernel
 * is applied at every position, which is what the `convGradientIsSharedDense`
 * law in `puregrad/testing` checks.
 */

import * as E from '../ops/elementwise.ts';
import { conv, perAxis } from '../ops/conv.ts';
import type { Padding } from '../ops/conv.ts';
import { expandDims, squeeze } from '../ops/shape.ts';
import * as random from '../random/index.ts';
import { PuregradError } from '../tensor/errors.ts';
import { shapeEq, showShape } from '../tensor/shape.ts';
import type { Tensor } from '../tensor/tensor.ts';
import type { InitDType, Initializer } from './init.ts';
import { lecunNormal, zeros } from './init.ts';
import type { Layer } from './layers.ts';
import { checkOptionKeys } from './options.ts';

/** The parameters of a conv2d layer: kernel `w` [kh, kw, in / groups, out] and, unless `useBias` is false, bias `b` [out]. */
export type Conv2dParams<UseBias extends boolean = true> = UseBias extends true
  ? { readonly w: Tensor; readonly b: Tensor }
  : { readonly w: Tensor };

/** Options of `conv2d`. */
export interface Conv2dOptions<UseBias extends boolean = boolean> {
  /** Window step, one number or [sh, sw] (default 1). */
  readonly stride?: number | readonly [number, number];
  /** 'SAME' (default, as flax), 'VALID', a number for every side, or [[top, bottom], [left, right]]. */
  readonly padding?: Padding;
  /** Kernel dilation, one number or [dh, dw] (default 1). */
  readonly dilation?: number | readonly [number, number];
  /** Channel groups (default 1; inChannels for a depthwise convolution). */
  readonly featureGroupCount?: number;
  /** Initializer of the kernel (default `lecunNormal`, as flax). */
  readonly init?: Initializer;
  /** Initializer of the bias (default `zeros`). */
  readonly biasInit?: Initializer;
  /** Whether the layer adds a bias (default true); without one the params have no `b`. */
  readonly useBias?: UseBias;
  /** float32 (default) or float64 parameters. */
  readonly dtype?: InitDType;
}

/** A conv2d layer, with its sizes. */
export interface Conv2d<P> extends Layer<P> {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernelSize: readonly [number, number];
}

const positive = (op: string, what: string, n: number): void => {
  if (!Number.isInteger(n) || n < 1) throw new PuregradError(op, `${what} must be a positive integer, got ${n}`);
};

/**
 * A 2-D convolution layer, NHWC in and out: [N, H, W, in] (or [H, W, in]) → [N, H', W', out].
 * `init(key)` draws `w` with `init` and `b` with `biasInit` from two keys split from `key`.
 * @example
 * const layer = nn.conv2d(3, 8, 3)
 * const params = layer.init(random.key(0))
 * [params.w.shape, params.b.shape] // => [[3, 3, 3, 8], [8]]
 * layer.apply(params, zeros([2, 5, 5, 3])).shape // => [2, 5, 5, 8]
 * const strided = nn.conv2d(3, 4, [3, 1], { stride: 2, padding: 'VALID', useBias: false })
 * strided.apply(strided.init(random.key(1)), zeros([5, 5, 3])).shape // => [2, 3, 4]
 */
export function conv2d<UseBias extends boolean = true>(
  inChannels: number,
  outChannels: number,
  kernel: number | readonly [number, number],
  options: Conv2dOptions<UseBias> = {},
): Conv2d<Conv2dParams<UseBias>> {
  positive('conv2d', 'inChannels', inChannels);
  positive('conv2d', 'outChannels', outChannels);
  checkOptionKeys('conv2d', options,
    ['stride', 'padding', 'dilation', 'featureGroupCount', 'init', 'biasInit', 'useBias', 'dtype']);
  if (typeof kernel !== 'number' && kernel.length !== 2) throw new PuregradError('conv2d', `kernel must be a number or [kh, kw], got ${JSON.stringify(kernel)}`);
  const kernelSize: readonly [number, number] = Object.freeze(typeof kernel === 'number' ? [kernel, kernel] : [kernel[0], kernel[1]]);
  kernelSize.forEach((k, i) => positive('conv2d', `kernel[${i}]`, k));
  const { init = lecunNormal, biasInit = zeros, useBias = true, dtype = 'float32', featureGroupCount = 1 } = options;
  positive('conv2d', 'featureGroupCount', featureGroupCount);
  if (inChannels % featureGroupCount !== 0 || outChannels % featureGroupCount !== 0) {
    throw new PuregradError('conv2d', `inChannels ${inChannels} and outChannels ${outChannels} must be multiples of featureGroupCount ${featureGroupCount}`);
  }
  const convOptions = Object.freeze({
    strides: perAxis('conv2d', 'stride', options.stride, 2),
    dilation: perAxis('conv2d', 'dilation', options.dilation, 2),
    padding: options.padding ?? 'SAME',
    featureGroupCount,
  });
  const wShape = [...kernelSize, inChannels / featureGroupCount, outChannels];
  const name = `conv2d(${inChannels} → ${outChannels}, ${kernelSize.join('×')})`;
  const initParams = (key: Tensor): Conv2dParams<UseBias> => {
    const [wKey, bKey] = random.splitN(key, 2) as [Tensor, Tensor];
    const w = init(wKey, wShape, { dtype });
    const params = useBias ? { w, b: biasInit(bKey, [outChannels], { dtype }) } : { w };
    return Object.freeze(params) as Conv2dParams<UseBias>;
  };
  const apply = (params: Conv2dParams<UseBias>, x: Tensor): Tensor => {
    const p = params as { readonly w: Tensor; readonly b?: Tensor };
    if ((x.rank !== 4 && x.rank !== 3) || x.shape[x.rank - 1] !== inChannels) {
      throw new PuregradError(name, `input of shape ${showShape(x.shape)} must be [N, H, W, ${inChannels}] or [H, W, ${inChannels}] (NHWC)`);
    }
    if (!shapeEq(p.w.shape, wShape)) throw new PuregradError(name, `params.w has shape ${showShape(p.w.shape)}, expected ${showShape(wShape)}`);
    if (useBias && (p.b === undefined || !shapeEq(p.b.shape, [outChannels]))) {
      throw new PuregradError(name, `params.b ${p.b === undefined ? 'is missing' : `has shape ${showShape(p.b.shape)}`}, expected [${outChannels}]`);
    }
    const batched = x.rank === 4 ? x : expandDims(x, 0);
    const y = conv(batched, p.w, convOptions);
    const out = useBias ? E.add(y, p.b!) : y;
    return x.rank === 4 ? out : squeeze(out, 0);
  };
  return Object.freeze({ inChannels, outChannels, kernelSize, init: initParams, apply });
}
