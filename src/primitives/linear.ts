/**
 * The linear primitives: each is linear in its differentiable inputs, so its
 * JVP is itself applied to the tangents and its transpose rule exists. Tangent
 * programs are built from these, the indexing primitives (`indexing.ts`), and
 * `mul`, `div` and `matmul` with one side known. This file depends on no other
 * primitive file: the transpose rules of this set are written in this set. It
 * also holds the helpers batching rules share (moving the batch axis).
 */

import { aliasFirst, elementwise } from '../ir/lowering.ts';
import type { Primitive } from '../ir/primitive.ts';
import { notLinear, UndefinedPrimal } from '../ir/primitive.ts';
import * as K from '../kernels/index.ts';
import type { DType } from '../tensor/dtype.ts';
import { isFloat } from '../tensor/dtype.ts';
import { PuregradError } from '../tensor/errors.ts';
import type { Shape } from '../tensor/shape.ts';
import { broadcastsTo, isPermutation, showShape, sizeOf } from '../tensor/shape.ts';
import type { Tensor } from '../tensor/tensor.ts';
import { filled } from '../tensor/tensor.ts';
import { bind } from '../trace/core.ts';
import { broadcastAll, requireArity, requireNumeric, requireShape, sameDtype, sameShape } from './checks.ts';
import { binaryLowering, unaryLowering } from './lowerings.ts';
import { single } from './single.ts';

const shapeOf = (x: Tensor | UndefinedPrimal): Shape => (x instanceof UndefinedPrimal ? x.aval.shape : x.shape);

// ---------------------------------------------------------------- add, sub, neg

/** Broadcasting addition. d(x + y) = dx + dy. */
export const Add: Primitive<{}> = single<{}>({
  name: 'add',
  abstractEval: (avals) => {
    requireArity('add', avals, 2);
    requireNumeric('add', avals[0]!);
    return { shape: broadcastAll('add', avals), dtype: sameDtype('add', avals) };
  },
  lower: binaryLowering('add'),
  jvp: (_primals, [tx, ty], _p, out) => sumTangents(out.shape, [tx ?? null, ty ?? null]),
  transpose: (ct, [x, y]) => [unbroadcast(ct, shapeOf(x!)), unbroadcast(ct, shapeOf(y!))],
  batch: (xs, dims) => broadcastingBatch(Add, xs, dims, {}),
});

/** Broadcasting subtraction. d(x − y) = dx − dy. */
export const Sub: Primitive<{}> = single<{}>({
  name: 'sub',
  abstractEval: (avals) => {
    requireArity('sub', avals, 2);
    requireNumeric('sub', avals[0]!);
    return { shape: broadcastAll('sub', avals), dtype: sameDtype('sub', avals) };
  },
  lower: binaryLowering('sub'),
  jvp: (_primals, [tx, ty], _p, out) => sumTangents(out.shape, [tx ?? null, ty ? neg(ty) : null]),
  transpose: (ct, [x, y]) => [unbroadcast(ct, shapeOf(x!)), unbroadcast(neg(ct), shapeOf(y!))],
  batch: (xs, dims) => broadcastingBatch(Sub, xs, dims, {}),
});

/** d(−x) = −dx. */
export const Neg: Primitive<{}> = single<{}>({
  name: 'neg',
  abstractEval: ([x]) => {
    requireNumeric('neg', x!);
    return x!;
  },
  lower: unaryLowering('neg'),
  jvp: (_primals, [t]) => neg(t!),
  transpose: (ct) => [neg(ct)],
  batch: ([x], [d]) => [neg(x!), d!],
});

export const add = (x: Tensor, y: Tensor): Tensor => bind(Add, [x, y], {});
export const sub = (x: Tensor, y: Tensor): Tensor => bind(Sub, [x, y], {});
export const neg = (x: Tensor): Tensor => bind(Neg, [x], {});

/** Sum tangent contributions (nulls are zeros), broadcasting each to the output shape. */
export function sumTangents(shape: Shape, ts: readonly (Tensor | null)[]): Tensor | null {
  let acc: Tensor | null = null;
  for (const t of ts) {
    if (t === null) continue;
    const full = sameShape(t.shape, shape) ? t : broadcast(t, shape);
    acc = acc === null ? full : add(acc, full);
  }
  return acc;
}

/** Sum `ct` down to `shape`, undoing NumPy broadcasting: the transpose of `broadcast`. */
export function unbroadcast(ct: Tensor, shape: Shape): Tensor {
  if (sameShape(ct.shape, shape)) return ct;
  const lead = ct.rank - shape.length;
  const axes: number[] = [];
  for (let i = 0; i < ct.rank; i++) if (i < lead || (shape[i - lead] === 1 && ct.shape[i] !== 1)) axes.push(i);
  const summed = axes.length === 0 ? ct : reduceSum(ct, axes);
  return sameShape(summed.shape, shape) ? summed : reshape(summed, shape);
}

// ---------------------------------------------------------------- shape ops

/** Same elements, new shape. Its transpose reshapes back. */
export const Reshape: Primitive<{ readonly shape: Shape }> = single<{ readonly shape: Shape }>({
  name: 'reshape',
  abstractEval: ([x], { shape }) => {
    requireShape('reshape', shape);
    if (sizeOf(shape) !== sizeOf(x!.shape)) {
      throw new PuregradError('reshape', `cannot reshape ${showShape(x!.shape)} (${sizeOf(x!.shape)} elements) to ${showShape(shape)} (${sizeOf(shape)} elements)`);
    }
    return { shape, dtype: x!.dtype };
  },
  lower: aliasFirst,
  jvp: (_primals, [t], p) => reshape(t!, p.shape),
  transpose: (ct, [x]) => [reshape(ct, shapeOf(x!))],
  batch: ([x], [d], { shape }) => {
    const b = moveAxis(x!, d!, 0);
    return [reshape(b, [b.shape[0]!, ...shape]), 0];
  },
});

/** Permute axes: out.shape[i] = x.shape[perm[i]]. Its transpose applies the inverse permutation. */
export const Transpose: Primitive<{ readonly perm: readonly number[] }> = single<{ readonly perm: readonly number[] }>({
  name: 'transpose',
  abstractEval: ([x], { perm }) => {
    if (!isPermutation(perm, x!.shape.length)) {
      throw new PuregradError('transpose', `axes (${perm.join(',')}) are not a permutation of the ${x!.shape.length} axes of ${showShape(x!.shape)}`);
    }
    return { shape: perm.map((p) => x!.shape[p]!), dtype: x!.dtype };
  },
  lower: ([x], { perm }) => {
    const kernel = K.transposeKernel(x!.shape, perm);
    return ([a], [out]) => kernel(a!, out!);
  },
  jvp: (_primals, [t], p) => transpose(t!, p.perm),
  transpose: (ct, _x, { perm }) => [transpose(ct, inversePermutation(perm))],
  batch: ([x], [d], { perm }) => [transpose(moveAxis(x!, d!, 0), [0, ...perm.map((p) => p + 1)]), 0],
});

/** NumPy broadcasting to a target shape. Its transpose sums over the broadcast axes. */
export const Broadcast: Primitive<{ readonly shape: Shape }> = single<{ readonly shape: Shape }>({
  name: 'broadcast',
  abstractEval: ([x], { shape }) => {
    requireShape('broadcastTo', shape);
    if (!broadcastsTo(x!.shape, shape)) {
      throw new PuregradError('broadcastTo', `cannot broadcast ${showShape(x!.shape)} to ${showShape(shape)}`);
    }
    return { shape, dtype: x!.dtype };
  },
  lower: elementwise('broadcast', ([x], _p, [out]) => {
    const kernel = K.broadcastKernel(x!.shape, out!.shape);
    return ([a], [o]) => kernel(a!, o!);
  }),
  jvp: (_primals, [t], p) => broadcast(t!, p.shape),
  transpose: (ct, [x]) => [unbroadcast(ct, shapeOf(x!))],
  batch: ([x], [d], { shape }) => {
    const b = alignRank(moveAxis(x!, d!, 0), shape.length);
    return [broadcast(b, [b.shape[0]!, ...shape]), 0];
  },
});

/** Sum over `axes` (normalised, sorted), dropping them. Its transpose broadcasts back. */
export const ReduceSum: Primitive<{ readonly axes: readonly number[] }> = single<{ readonly axes: readonly number[] }>({
  name: 'reduceSum',
  abstractEval: ([x], { axes }) => {
    requireNumeric('sum', x!);
    if (!axes.every((a, i) => Number.isInteger(a) && a >= 0 && a < x!.shape.length && (i === 0 || a > axes[i - 1]!))) {
      throw new PuregradError('sum', `axes (${axes.join(',')}) out of range for shape ${showShape(x!.shape)}`);
    }
    return { shape: x!.shape.filter((_, i) => !axes.includes(i)), dtype: x!.dtype };
  },
  lower: ([x], { axes }) => {
    const kernel = K.reduceSumKernel(x!.shape, axes);
    return ([a], [out]) => kernel(a!, out!);
  },
  jvp: (_primals, [t], p) => reduceSum(t!, p.axes),
  transpose: (ct, [x], { axes }) => {
    const shape = shapeOf(x!);
    const kept = shape.map((d, i) => (axes.includes(i) ? 1 : d));
    return [broadcast(reshape(ct, kept), shape)];
  },
  batch: ([x], [d], { axes }) => [reduceSum(moveAxis(x!, d!, 0), axes.map((a) => a + 1)), 0],
});

// ---------------------------------------------------------------- select, cast, stopGradient

/** where(c, x, y) with broadcasting. Linear in x and y: d = where(c, dx, dy). */
export const Select: Primitive<{}> = single<{}>({
  name: 'select',
  abstractEval: (avals) => {
    requireArity('where', avals, 3);
    if (avals[0]!.dtype !== 'bool') throw new PuregradError('where', `condition must be bool, got ${avals[0]!.dtype}; compare first, e.g. greater(x, 0)`);
    return { shape: broadcastAll('where', avals), dtype: sameDtype('where', avals.slice(1)) };
  },
  lower: elementwise('select', ([c, x, y], _p, [out]) => {
    const kernel = K.selectKernel(c!.shape, x!.shape, y!.shape, out!.shape);
    return ([cs, xs, ys], [o]) => kernel(cs as Uint8Array, xs!, ys!, o!);
  }),
  jvp: ([c, x], [, tx, ty], _p, out) => {
    const zero = filled([], x!.dtype, 0);
    const t = select(c!, tx ?? zero, ty ?? zero);
    return sameShape(t.shape, out.shape) ? t : broadcast(t, out.shape);
  },
  transpose: (ct, [c, x, y]) => {
    const zero = filled([], ct.dtype, 0);
    const cond = c as Tensor;
    return [
      null,
      x instanceof UndefinedPrimal ? unbroadcast(select(cond, ct, zero), x.aval.shape) : null,
      y instanceof UndefinedPrimal ? unbroadcast(select(cond, zero, ct), y.aval.shape) : null,
    ];
  },
  batch: (xs, dims) => broadcastingBatch(Select, xs, dims, {}),
});

/** Convert the dtype. Linear between float types; into int32 or bool the derivative is zero. */
export const Cast: Primitive<{ readonly dtype: DType }> = single<{ readonly dtype: DType }>({
  name: 'cast',
  abstractEval: ([x], { dtype }) => ({ shape: x!.shape, dtype }),
  lower: elementwise('cast', () => ([x], [out]) => K.castInto(x!, out!)),
  jvp: ([x], [t], { dtype }) => (isFloat(dtype) && isFloat(x!.dtype) ? cast(t!, dtype) : null),
  transpose: (ct, [x]) => [cast(ct, x instanceof UndefinedPrimal ? x.aval.dtype : x!.dtype)],
  batch: ([x], [d], { dtype }) => [cast(x!, dtype), d!],
});

/** The identity whose derivative is zero: a wall for gradients. */
export const StopGradient: Primitive<{}> = single<{}>({
  name: 'stopGradient',
  abstractEval: ([x]) => x!,
  lower: aliasFirst,
  jvp: () => null,
  transpose: notLinear,
  batch: ([x], [d]) => [stopGradient(x!), d!],
});

export const reshape = (x: Tensor, shape: Shape): Tensor => bind(Reshape, [x], { shape });
export const transpose = (x: Tensor, perm: readonly number[]): Tensor => bind(Transpose, [x], { perm });
export const broadcast = (x: Tensor, shape: Shape): Tensor => bind(Broadcast, [x], { shape });
export const reduceSum = (x: Tensor, axes: readonly number[]): Tensor => bind(ReduceSum, [x], { axes });
export const select = (c: Tensor, x: Tensor, y: Tensor): Tensor => bind(Select, [c, x, y], {});
export const cast = (x: Tensor, dtype: DType): Tensor => (x.dtype === dtype ? x : bind(Cast, [x], { dtype }));
export const stopGradient = (x: Tensor): Tensor => bind(StopGradient, [x], {});

export function inversePermutation(perm: readonly number[]): number[] {
  const inv = new Array<number>(perm.length);
  perm.forEach((p, i) => (inv[p] = i));
  return inv;
}

// ---------------------------------------------------------------- batching helpers

export const range = (from: number, to: number): number[] => Array.from({ length: Math.max(0, to - from) }, (_, i) => from + i);

/** Move axis `from` of `x` to position `to`. */
export function moveAxis(x: Tensor, from: number, to: number): Tensor {
  if (from === to) return x;
  const perm = range(0, x.rank).filter((i) => i !== from);
  perm.splice(to, 0, from);
  return transpose(x, perm);
}

/** The size of the batch axis, read off the first batched input. */
export function batchSize(xs: readonly Tensor[], dims: readonly (number | null)[]): number {
  const i = dims.findIndex((d) => d !== null);
  return xs[i]!.shape[dims[i]!]!;
}

/** `x` with its batch axis first; an unbatched `x` is repeated `size` times. */
export function batchAtFront(x: Tensor, dim: number | null, size: number): Tensor {
  return dim === null ? broadcast(reshape(x, [1, ...x.shape]), [size, ...x.shape]) : moveAxis(x, dim, 0);
}

/** Insert length-1 axes after the batch axis (at 0) so that `x` has `rank` axes besides it. */
export function alignRank(x: Tensor, rank: number): Tensor {
  const missing = rank - (x.rank - 1);
  return missing <= 0 ? x : reshape(x, [x.shape[0]!, ...new Array<number>(missing).fill(1), ...x.shape.slice(1)]);
}

/**
 * Batching rule of a broadcasting elementwise primitive: batched operands get
 * their batch axis first and are padded to a common rank; unbatched ones
 * broadcast against them unchanged.
 */
export function broadcastingBatch(prim: Primitive<{}>, xs: readonly Tensor[], dims: readonly (number | null)[], params: {}): readonly [Tensor, number] {
  const rank = Math.max(...xs.map((x, i) => x.rank - (dims[i] === null ? 0 : 1)));
  const moved = xs.map((x, i) => (dims[i] === null ? x : alignRank(moveAxis(x, dims[i]!, 0), rank)));
  return [bind(prim, moved, params), 0];
}
