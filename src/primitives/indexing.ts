/**
 * Indexing primitives: blocks (`slice`, `pad`), joins (`concatenate`) and
 * integer indexing (`gather`, `scatterAdd`). All are linear in their data
 * operand and transpose into each other: slice ↔ pad, gather ↔ scatterAdd,
 * and concatenate into slices.
 */

import { UndefinedPrimal } from '../ir/primitive.ts';
import type { Primitive } from '../ir/primitive.ts';
import * as K from '../kernels/index.ts';
import { arange } from '../tensor/create.ts';
import { PuregradError } from '../tensor/errors.ts';
import type { Shape } from '../tensor/shape.ts';
import { showShape } from '../tensor/shape.ts';
import type { Tensor } from '../tensor/tensor.ts';
import { filled } from '../tensor/tensor.ts';
import { bind } from '../trace/core.ts';
import { sameDtype, sameShape } from './checks.ts';
import { single } from './single.ts';
import { add, batchAtFront, batchSize, moveAxis, range, reshape, transpose } from './linear.ts';

const shapeOf = (x: Tensor | UndefinedPrimal): Shape => (x instanceof UndefinedPrimal ? x.aval.shape : x.shape);
const zerosLike = (x: Tensor): Tensor => filled(x.shape, x.dtype, 0);

/** A contiguous block: x[starts[i] : limits[i]] on every axis. Its transpose pads with zeros. */
export const Slice: Primitive<{ readonly starts: readonly number[]; readonly limits: readonly number[] }> = single<{ readonly starts: readonly number[]; readonly limits: readonly number[] }>({
  name: 'slice',
  abstractEval: ([x], { starts, limits }) => {
    const s = x!.shape;
    const ok = starts.length === s.length && limits.length === s.length &&
      s.every((d, i) => Number.isInteger(starts[i]) && Number.isInteger(limits[i]) && 0 <= starts[i]! && starts[i]! <= limits[i]! && limits[i]! <= d);
    if (!ok) throw new PuregradError('slice', `bounds [${starts.join(',')}] to [${limits.join(',')}] do not fit shape ${showShape(s)}`);
    return { shape: s.map((_, i) => limits[i]! - starts[i]!), dtype: x!.dtype };
  },
  lower: ([x], { starts, limits }) => {
    const kernel = K.sliceKernel(x!.shape, starts, limits);
    return ([a], [out]) => kernel(a!, out!);
  },
  jvp: (_primals, [t], p) => slice(t!, p.starts, p.limits),
  transpose: (ct, [x], { starts, limits }) => {
    const shape = shapeOf(x!);
    return [pad(ct, starts, shape.map((d, i) => d - limits[i]!))];
  },
  batch: ([x], [d], { starts, limits }) => {
    const b = moveAxis(x!, d!, 0);
    return [slice(b, [0, ...starts], [b.shape[0]!, ...limits]), 0];
  },
});

/** Zero padding: lo[i] zeros before and hi[i] after axis i. Its transpose slices. */
export const Pad: Primitive<{ readonly lo: readonly number[]; readonly hi: readonly number[] }> = single<{ readonly lo: readonly number[]; readonly hi: readonly number[] }>({
  name: 'pad',
  abstractEval: ([x], { lo, hi }) => {
    const s = x!.shape;
    const ok = lo.length === s.length && hi.length === s.length && [...lo, ...hi].every((v) => Number.isInteger(v) && v >= 0);
    if (!ok) throw new PuregradError('pad', `padding (${lo.join(',')}) / (${hi.join(',')}) must be non-negative integers, one per axis of ${showShape(s)}`);
    return { shape: s.map((d, i) => d + lo[i]! + hi[i]!), dtype: x!.dtype };
  },
  lower: ([x], { lo, hi }) => {
    const kernel = K.padKernel(x!.shape, lo, hi);
    return ([a], [out]) => kernel(a!, out!);
  },
  jvp: (_primals, [t], p) => pad(t!, p.lo, p.hi),
  transpose: (ct, [x], { lo }) => [slice(ct, lo, shapeOf(x!).map((d, i) => lo[i]! + d))],
  batch: ([x], [d], { lo, hi }) => [pad(moveAxis(x!, d!, 0), [0, ...lo], [0, ...hi]), 0],
});

/** Join along an existing axis. Its transpose slices the cotangent into the pieces. */
export const Concatenate: Primitive<{ readonly axis: number }> = single<{ readonly axis: number }>({
  name: 'concatenate',
  abstractEval: (avals, { axis }) => {
    if (avals.length === 0) throw new PuregradError('concatenate', 'needs at least one tensor');
    const first = avals[0]!.shape;
    const fits = avals.every((a) => a.shape.length === first.length && a.shape.every((d, i) => i === axis || d === first[i]));
    if (!fits || axis < 0 || axis >= first.length) {
      throw new PuregradError('concatenate', `shapes ${avals.map((a) => showShape(a.shape)).join(', ')} must agree on every axis but ${axis}`);
    }
    const dtype = sameDtype('concatenate', avals);
    return { shape: first.map((d, i) => (i === axis ? avals.reduce((n, a) => n + a.shape[axis]!, 0) : d)), dtype };
  },
  lower: (avals, { axis }) => {
    const shapes = avals.map((a) => a.shape);
    return (xs, [out]) => K.concatenateInto(xs, shapes, axis, out!);
  },
  jvp: (primals, tangents, p) => concatenate(tangents.map((t, i) => t ?? zerosLike(primals[i]!)), p.axis),
  transpose: (ct, xs, { axis }) => {
    let offset = 0;
    return xs.map((x) => {
      const shape = shapeOf(x);
      const starts = shape.map((_, i) => (i === axis ? offset : 0));
      const limits = shape.map((d, i) => (i === axis ? offset + d : ct.shape[i]!));
      offset += shape[axis]!;
      return x instanceof UndefinedPrimal ? slice(ct, starts, limits) : null;
    });
  },
  batch: (xs, dims, { axis }) => {
    const size = batchSize(xs, dims);
    return [concatenate(xs.map((x, i) => batchAtFront(x, dims[i]!, size)), axis + 1), 0];
  },
});

/**
 * Pick entries of x along `axis` by integer indices in [0, n) (the `take` op
 * wraps negative ones first). Linear in x; its transpose scatter-adds.
 */
export const Gather: Primitive<{ readonly axis: number }> = single<{ readonly axis: number }>({
  name: 'gather',
  abstractEval: ([x, idx], { axis }) => {
    if (idx!.dtype !== 'int32') throw new PuregradError('take', `indices must be int32, got ${idx!.dtype}; cast them with cast(i, 'int32')`);
    if (!(axis >= 0 && axis < x!.shape.length)) throw new PuregradError('take', `axis ${axis} out of range for shape ${showShape(x!.shape)}`);
    const s = x!.shape;
    return { shape: [...s.slice(0, axis), ...idx!.shape, ...s.slice(axis + 1)], dtype: x!.dtype };
  },
  lower: ([x, idx], { axis }) => ([a, ix], [out]) => K.gatherInto(a!, x!.shape, ix as Int32Array, idx!.shape, axis, out!),
  jvp: ([, idx], [t], p) => gather(t!, idx!, p.axis),
  transpose: (ct, [x, idx], { axis }) => [scatterAdd(ct, idx as Tensor, axis, shapeOf(x!)), null],
  batch: ([x, idx], [dx, di], { axis }) => {
    if (di === null) return [gather(moveAxis(x!, dx!, 0), idx!, axis + 1), 0];
    if (dx === null) return [gather(x!, idx!, axis), axis + di!];
    // Both batched: fold the batch into the gathered axis and offset each example's indices.
    const b = moveAxis(x!, dx!, 0);
    const [size, n] = [b.shape[0]!, b.shape[axis + 1]!];
    const rest = b.shape.filter((_, i) => i !== 0 && i !== axis + 1);
    const flat = reshape(moveAxis(b, axis + 1, 1), [size * n, ...rest]);
    const out = gather(flat, foldedIndices(moveAxis(idx!, di!, 0), n), 0); // [B, ...idx, ...rest]
    const m = idx!.rank - 1;
    const perm = [0, ...range(m + 1, m + 1 + axis), ...range(1, m + 1), ...range(m + 1 + axis, out.rank)];
    return [transpose(out, perm), 0];
  },
});

/** Zeros of `shape`, then updates added at the indexed positions along `axis`: the adjoint of gather. */
export const ScatterAdd: Primitive<{ readonly axis: number; readonly shape: Shape }> = single<{ readonly axis: number; readonly shape: Shape }>({
  name: 'scatterAdd',
  abstractEval: ([u, idx], { axis, shape }) => {
    const expected = [...shape.slice(0, axis), ...idx!.shape, ...shape.slice(axis + 1)];
    if (idx!.dtype !== 'int32' || !sameShape(u!.shape, expected)) {
      throw new PuregradError('scatterAdd', `updates ${showShape(u!.shape)} must have shape ${showShape(expected)} and indices must be int32`);
    }
    return { shape, dtype: u!.dtype };
  },
  lower: ([u, idx], { axis, shape }) => ([a, ix], [out]) => K.scatterAddInto(a!, u!.shape, ix as Int32Array, idx!.shape, axis, shape, out!),
  jvp: ([, idx], [t], p) => scatterAdd(t!, idx!, p.axis, p.shape),
  transpose: (ct, [, idx], { axis }) => [gather(ct, idx as Tensor, axis), null],
  batch: ([u, idx], [du, di], { axis, shape }) => {
    if (di === null) {
      const b = moveAxis(u!, du!, 0);
      return [scatterAdd(b, idx!, axis + 1, [b.shape[0]!, ...shape]), 0];
    }
    // Indices batched: fold the batch into the scattered axis, as gather does.
    const size = idx!.shape[di!]!;
    const i0 = moveAxis(idx!, di!, 0);
    const b = batchAtFront(u!, du!, size); // [B, ...shape[:axis], ...idx, ...shape[axis+1:]]
    const m = i0.rank - 1;
    const perm = [0, ...range(1 + axis, 1 + axis + m), ...range(1, 1 + axis), ...range(1 + axis + m, b.rank)];
    const n = shape[axis]!;
    const rest = shape.filter((_, i) => i !== axis);
    const flat = scatterAdd(transpose(b, perm), foldedIndices(i0, n), 0, [size * n, ...rest]);
    return [moveAxis(reshape(flat, [size, n, ...rest]), 1, axis + 1), 0];
  },
});

export const slice = (x: Tensor, starts: readonly number[], limits: readonly number[]): Tensor => bind(Slice, [x], { starts, limits });
export const pad = (x: Tensor, lo: readonly number[], hi: readonly number[]): Tensor => bind(Pad, [x], { lo, hi });
export const concatenate = (xs: readonly Tensor[], axis: number): Tensor => bind(Concatenate, xs, { axis });
export const gather = (x: Tensor, idx: Tensor, axis: number): Tensor => bind(Gather, [x, idx], { axis });
export const scatterAdd = (u: Tensor, idx: Tensor, axis: number, shape: Shape): Tensor => bind(ScatterAdd, [u, idx], { axis, shape });

/** Indices into a [B·n, …] reshape of a batched [B, n, …] tensor: idx + b·n (indices are non-negative here). */
function foldedIndices(idx: Tensor, n: number): Tensor {
  const size = idx.shape[0]!;
  const offsets = reshape(arange(0, size * n, n, 'int32'), [size, ...new Array<number>(idx.rank - 1).fill(1)]);
  return add(idx, offsets);
}
