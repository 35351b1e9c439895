/**
 * Convolution, N-d and channels last (NHWC / HWIO for 2-D): lhs
 * [batch, ...spatial, inC] and rhs [...kernel, inC / groups, outC] give
 * [batch, ...outSpatial, outC], with per-axis stride, [lo, hi] padding, input
 * (lhs) dilation and kernel (rhs) dilation, as XLA's ConvGeneralDilated.
 *
 * Bilinear, like matmul: d conv(x, w) = conv(dx, w) + conv(x, dw), and each
 * half transposes to another convolution (derivations at `lhsTranspose` and
 * `rhsTranspose`), so reverse mode, and every order above it, stays in this
 * one primitive. Per axis, output o reads tap j of the kernel at position
 * o·s + j·rd of the dilated, padded input; everything below follows from
 * that one index equation.
 */

import type { Aval } from '../ir/primitive.ts';
import { UndefinedPrimal } from '../ir/primitive.ts';
import type { Primitive } from '../ir/primitive.ts';
import * as K from '../kernels/index.ts';
import { convOutputSize, dilatedSize } from '../kernels/index.ts';
import type { ConvGeometry } from '../kernels/index.ts';
import { arange } from '../tensor/create.ts';
import { PuregradError } from '../tensor/errors.ts';
import type { Shape } from '../tensor/shape.ts';
import { showShape, sizeOf } from '../tensor/shape.ts';
import type { Tensor } from '../tensor/tensor.ts';
import { filled } from '../tensor/tensor.ts';
import { bind } from '../trace/core.ts';
import { requireArity, requireFloat, sameDtype } from './checks.ts';
import { gather } from './indexing.ts';
import { moveAxis, range, reshape, transpose } from './linear.ts';
import { defJvp } from './rules.ts';
import { single } from './single.ts';

export type ConvParams = ConvGeometry;

const isPositiveInt = (v: number): boolean => Number.isInteger(v) && v >= 1;

function checkParams(nd: number, p: ConvParams): void {
  const bad = (what: string, got: unknown, fix: string): never => {
    throw new PuregradError('conv', `${what} must be ${fix} for ${nd} spatial axes, got ${JSON.stringify(got)}`);
  };
  for (const [name, v] of [['strides', p.strides], ['lhsDilation', p.lhsDilation], ['rhsDilation', p.rhsDilation]] as const) {
    if (v.length !== nd || !v.every(isPositiveInt)) bad(name, v, `${nd} positive integers`);
  }
  if (p.padding.length !== nd || !p.padding.every((lh) => lh.length === 2 && lh.every(Number.isInteger))) {
    bad('padding', p.padding, `${nd} [lo, hi] pairs of integers`);
  }
  if (!isPositiveInt(p.featureGroupCount)) bad('featureGroupCount', p.featureGroupCount, 'a positive integer');
}

/** The output aval, after checking ranks, channels, dtypes and params. */
function convAval(avals: readonly Aval[], p: ConvParams): Aval {
  requireArity('conv', avals, 2);
  const [x, w] = [avals[0]!, avals[1]!];
  const nd = x.shape.length - 2;
  if (nd < 1 || w.shape.length !== x.shape.length) {
    throw new PuregradError('conv', `input ${showShape(x.shape)} must be [batch, ...spatial, inC] with at least one spatial axis, and ` +
      `kernel ${showShape(w.shape)} [...spatial, inC/groups, outC] of the same rank; add a batch axis with expandDims(x, 0) if missing`);
  }
  requireFloat('conv', x);
  const dtype = sameDtype('conv', avals);
  checkParams(nd, p);
  const g = p.featureGroupCount;
  const [inC, perGroup, outC] = [x.shape[nd + 1]!, w.shape[nd]!, w.shape[nd + 1]!];
  if (inC !== perGroup * g || outC % g !== 0) {
    throw new PuregradError('conv', `input channels ${inC} (last axis of ${showShape(x.shape)}) must equal the kernel's ` +
      `input channels ${perGroup} (axis ${nd} of ${showShape(w.shape)}) times featureGroupCount ${g}` +
      (outC % g === 0 ? '' : `, and output channels ${outC} must be a multiple of it`));
  }
  const kernel = w.shape.slice(0, nd);
  if (!kernel.every((k) => k >= 1)) throw new PuregradError('conv', `kernel ${showShape(w.shape)} has an empty spatial axis`);
  const spatial = kernel.map((k, d) => convOutputSize(x.shape[d + 1]!, k, p.strides[d]!, p.padding[d]!, p.lhsDilation[d]!, p.rhsDilation[d]!));
  return { shape: [x.shape[0]!, ...spatial, outC], dtype };
}

const shapeOf = (x: Tensor | UndefinedPrimal): Shape => (x instanceof UndefinedPrimal ? x.aval.shape : x.shape);

export const Conv: Primitive<ConvParams> = single<ConvParams>({
  name: 'conv',
  abstractEval: convAval,
  lower: ([xa, wa], p, [out]) => {
    const kernel = K.convKernel(xa!.shape, wa!.shape, out!.shape, p, out!.dtype);
    return ([x, w], [y]) => kernel(x!, w!, y!);
  },
  // d conv(x, w) = conv(dx, w) + conv(x, dw)
  jvp: defJvp(
    (t, [, w], _out, p) => conv(t, w!, p),
    (t, [x], _out, p) => conv(x!, t, p),
  ),
  transpose: (ct, [x, w], p) => {
    if (x instanceof UndefinedPrimal && w instanceof UndefinedPrimal) {
      throw new PuregradError('grad', 'a tangent was convolved with a tangent in conv, so the derivative is not linear; ' +
        'a customJvp rule must be linear in the tangents');
    }
    return x instanceof UndefinedPrimal
      ? [lhsTranspose(ct, w as Tensor, x.aval.shape, p), null]
      : [null, rhsTranspose(ct, x as Tensor, shapeOf(w!), p)];
  },
  batch: ([x, w], [dx, dw], p) => convBatch(x!, dx ?? null, w!, dw ?? null, p),
});

export const conv = (x: Tensor, w: Tensor, p: ConvParams): Tensor => bind(Conv, [x, w], p);

/**
 * Cotangent of the input. Per axis, x[i] meets y[o] through tap j exactly when
 * o·s + j·rd = lo + i·ld, so x̄[i] = Σ ȳ[o] w[j] over those pairs. Write ȳ
 * dilated by s as ỹ and flip the kernel, j' = k − 1 − j: the condition becomes
 * "position i·ld + j'·rd of ỹ padded by lo' = (k − 1)·rd − lo", which is again
 * a convolution: of ȳ with lhs dilation s, stride ld, rhs dilation rd, and the
 * kernel flipped in space with its in/out channels swapped (within each group).
 * hi' makes the output exactly as long as x.
 */
function lhsTranspose(ct: Tensor, w: Tensor, xShape: Shape, p: ConvParams): Tensor {
  if (ct.size === 0 || sizeOf(xShape) === 0) return filled(xShape, ct.dtype, 0);
  const nd = xShape.length - 2;
  const g = p.featureGroupCount;
  const [perGroupIn, outC] = [w.shape[nd]!, w.shape[nd + 1]!];
  const kernel = w.shape.slice(0, nd);
  const flipped = kernel.reduce((v, k, d) => (k > 1 ? gather(v, arange(k - 1, -1, -1, 'int32'), d) : v), w);
  // [...k, I/g, g·Og] → [...k, Og, g, I/g] → [...k, Og, g·I/g]
  const swapped = g === 1
    ? transpose(flipped, [...range(0, nd), nd + 1, nd])
    : reshape(transpose(reshape(flipped, [...kernel, perGroupIn, g, outC / g]), [...range(0, nd), nd + 2, nd + 1, nd]),
      [...kernel, outC / g, g * perGroupIn]);
  const padding = kernel.map((k, d): [number, number] => {
    const dk = dilatedSize(k, p.rhsDilation[d]!);
    const lo = dk - 1 - p.padding[d]![0];
    const dy = dilatedSize(ct.shape[d + 1]!, p.strides[d]!);
    return [lo, dilatedSize(xShape[d + 1]!, p.lhsDilation[d]!) + dk - 1 - dy - lo];
  });
  return conv(ct, swapped, { strides: p.lhsDilation, padding, lhsDilation: p.strides, rhsDilation: p.rhsDilation, featureGroupCount: g });
}

/**
 * Cotangent of the kernel. w̄[j, c, o] = Σ over batch and positions of
 * x̃[o·s + j·rd, c] ȳ[o] (x̃ the dilated, padded input): a correlation of x
 * with ȳ in which the kernel tap j is the "output position" and the output
 * position o the "tap". So it is a convolution with the batch axis of x
 * playing the channels (summed) and ȳ as the kernel: stride rd, rhs dilation
 * s, the same lhs dilation and low padding, hi cut so that exactly k taps
 * come out. With groups, group γ's input channels are folded next to the
 * batch, so group γ of x meets only group γ of ȳ.
 */
function rhsTranspose(ct: Tensor, x: Tensor, wShape: Shape, p: ConvParams): Tensor {
  if (ct.size === 0 || x.size === 0) return filled(wShape, ct.dtype, 0);
  const nd = x.rank - 2;
  const g = p.featureGroupCount;
  const [batch, perGroupIn] = [x.shape[0]!, wShape[nd]!];
  const spatial = x.shape.slice(1, nd + 1);
  // x [n, ...s, g·I/g] → [I/g, ...s, g, n] → [I/g, ...s, g·n]
  const lhs = g === 1
    ? transpose(x, [nd + 1, ...range(1, nd + 1), 0])
    : reshape(transpose(reshape(x, [batch, ...spatial, g, perGroupIn]), [nd + 2, ...range(1, nd + 1), nd + 1, 0]),
      [perGroupIn, ...spatial, g * batch]);
  const rhs = transpose(ct, [...range(1, nd + 1), 0, nd + 1]); // [...o, n, outC]
  const padding = spatial.map((n, d): [number, number] => {
    const lo = p.padding[d]![0];
    const dk = dilatedSize(wShape[d]!, p.rhsDilation[d]!);
    const dy = dilatedSize(ct.shape[d + 1]!, p.strides[d]!);
    return [lo, dk - 1 + dy - dilatedSize(n, p.lhsDilation[d]!) - lo];
  });
  const out = conv(lhs, rhs, { strides: p.rhsDilation, padding, lhsDilation: p.lhsDilation, rhsDilation: p.strides, featureGroupCount: g });
  return transpose(out, [...range(1, nd + 1), 0, nd + 1]); // [I/g, ...k, outC] → [...k, I/g, outC]
}

/**
 * vmap: a batched input folds its batch into the conv's batch; a batched
 * kernel folds its batch into the output channels (inside each group); both
 * batched become B times as many feature groups, one per example.
 */
function convBatch(x: Tensor, dx: number | null, w: Tensor, dw: number | null, p: ConvParams): readonly [Tensor, number] {
  const nd = x.rank - (dx === null ? 2 : 3);
  const g = p.featureGroupCount;
  if (dw === null) {
    const xb = moveAxis(x, dx!, 0);
    const [size, n] = [xb.shape[0]!, xb.shape[1]!];
    const y = conv(reshape(xb, [size * n, ...xb.shape.slice(2)]), w, p);
    return [reshape(y, [size, n, ...y.shape.slice(1)]), 0];
  }
  const wb = moveAxis(w, dw, 0); // [B, ...k, I/g, outC]
  const size = wb.shape[0]!;
  const kernel = wb.shape.slice(1, nd + 1);
  const [perGroupIn, outC] = [wb.shape[nd + 1]!, wb.shape[nd + 2]!];
  if (dx === null) {
    // [B, ...k, I/g, g, Og] → [...k, I/g, g, B, Og]: example b is a block of each group's outputs
    const split = reshape(wb, [size, ...kernel, perGroupIn, g, outC / g]);
    const folded = reshape(transpose(split, [...range(1, nd + 3), 0, nd + 3]), [...kernel, perGroupIn, size * outC]);
    const y = conv(x, folded, p); // [n, ...o, g·B·Og]
    const spatial = y.shape.slice(1, nd + 1);
    const parts = reshape(y, [y.shape[0]!, ...spatial, g, size, outC / g]);
    const moved = transpose(parts, [...range(0, nd + 1), nd + 2, nd + 1, nd + 3]);
    return [reshape(moved, [y.shape[0]!, ...spatial, size, outC]), nd + 1];
  }
  // Both batched: channels [B, C] flattened, kernel outputs [B, outC] flattened, B·g groups.
  const xb = moveAxis(moveAxis(x, dx, 0), 0, nd + 1); // [n, ...s, B, C]
  const xs = reshape(xb, [xb.shape[0]!, ...xb.shape.slice(1, nd + 1), size * xb.shape[nd + 2]!]);
  const ws = reshape(moveAxis(wb, 0, nd + 1), [...kernel, perGroupIn, size * outC]);
  const y = conv(xs, ws, { ...p, featureGroupCount: size * g });
  return [reshape(y, [y.shape[0]!, ...y.shape.slice(1, nd + 1), size, outC]), nd + 1];
}
