/**
 * Multiplicative and comparison primitives, and the reductions that need them.
 * `mul` and `div` are linear in one operand when the other is known, which is
 * how they appear in tangent programs; their transpose rules handle that case.
 */

import type { Aval, Primitive } from '../ir/primitive.ts';
import { notLinear, UndefinedPrimal } from '../ir/primitive.ts';
import * as K from '../kernels/index.ts';
import { PuregradError } from '../tensor/errors.ts';
import { showShape } from '../tensor/shape.ts';
import type { Tensor } from '../tensor/tensor.ts';
import { filled } from '../tensor/tensor.ts';
import { bind } from '../trace/core.ts';
import { broadcastAll, requireArity, requireNumeric, sameDtype } from './checks.ts';
import { broadcast, broadcastingBatch, cast, moveAxis, neg, reduceSum, reshape, select, unbroadcast } from './linear.ts';
import { binaryLowering } from './lowerings.ts';
import { defJvp, zeroJvp } from './rules.ts';
import { single } from './single.ts';

const numericBinary = (op: string) => (avals: readonly Aval[]): Aval => {
  requireArity(op, avals, 2);
  requireNumeric(op, avals[0]!);
  return { shape: broadcastAll(op, avals), dtype: sameDtype(op, avals) };
};

/** d(x·y) = dx·y + x·dy. */
export const Mul: Primitive<{}> = single<{}>({
  name: 'mul',
  abstractEval: numericBinary('mul'),
  lower: binaryLowering('mul'),
  jvp: defJvp(
    (t, [, y]) => mul(t, y!),
    (t, [x]) => mul(x!, t),
  ),
  transpose: (ct, [x, y]) => {
    if (x instanceof UndefinedPrimal && y instanceof UndefinedPrimal) {
      throw new PuregradError('grad', 'a tangent was multiplied by a tangent, so the derivative is not linear; ' +
        'a customJvp rule must be linear in the tangents (multiply them only by primal values)');
    }
    return x instanceof UndefinedPrimal
      ? [unbroadcast(mul(ct, y as Tensor), x.aval.shape), null]
      : [null, unbroadcast(mul(x as Tensor, ct), (y as UndefinedPrimal).aval.shape)];
  },
  batch: (xs, dims) => broadcastingBatch(Mul, xs, dims, {}),
});

/** d(x/y) = dx/y − (x/y)·dy/y. Linear in x only. */
export const Div: Primitive<{}> = single<{}>({
  name: 'div',
  abstractEval: numericBinary('div'),
  lower: binaryLowering('div'),
  jvp: defJvp(
    (t, [, y]) => div(t, y!),
    (t, [, y], out) => neg(mul(t, div(out, y!))),
  ),
  transpose: (ct, [x, y]) => {
    if (!(x instanceof UndefinedPrimal) || y instanceof UndefinedPrimal) {
      throw new PuregradError('grad', 'a tangent was divided by a tangent, so the derivative is not linear; ' +
        'a customJvp rule must be linear in the tangents (divide them only by primal values)');
    }
    return [unbroadcast(div(ct, y as Tensor), x.aval.shape), null];
  },
  batch: (xs, dims) => broadcastingBatch(Div, xs, dims, {}),
});

/**
 * Elementwise maximum. Where x = y the derivative is split evenly between the
 * two operands (½ each), the convention JAX uses; `relu` is written with
 * `where` instead so that relu'(0) = 0.
 */
export const Maximum: Primitive<{}> = single<{}>({
  name: 'maximum',
  abstractEval: numericBinary('maximum'),
  lower: binaryLowering('maximum'),
  jvp: defJvp(
    (t, [x, y]) => mul(t, tieWeights(x!, y!)),
    (t, [x, y]) => mul(t, tieWeights(y!, x!)),
  ),
  transpose: notLinear,
  batch: (xs, dims) => broadcastingBatch(Maximum, xs, dims, {}),
});

/** 1 where a > b, ½ where a = b, 0 elsewhere, in a's dtype. */
function tieWeights(a: Tensor, b: Tensor): Tensor {
  const one = filled([], a.dtype, 1);
  const half = filled([], a.dtype, 0.5);
  const zero = filled([], a.dtype, 0);
  return select(greater(a, b), one, select(equal(a, b), half, zero));
}

const comparison = (name: 'greater' | 'greaterEqual' | 'equal' | 'notEqual'): Primitive<{}> => {
  const def: Primitive<{}> = single<{}>({
    name,
    abstractEval: (avals) => {
      requireArity(name, avals, 2);
      sameDtype(name, avals);
      return { shape: broadcastAll(name, avals), dtype: 'bool' };
    },
    lower: binaryLowering(name),
    jvp: zeroJvp,
    transpose: notLinear,
    batch: (xs, dims) => broadcastingBatch(def, xs, dims, {}),
  });
  return def;
};

/** Comparisons give bool tensors; they are piecewise constant, so their derivative is zero. */
export const Greater = comparison('greater');
export const GreaterEqual = comparison('greaterEqual');
export const Equal = comparison('equal');
export const NotEqual = comparison('notEqual');

/**
 * Maximum over `axes`. Where several entries tie for the maximum, the
 * derivative is shared evenly among them: d max = Σ dx·[x = max] / #ties.
 */
export const ReduceMax: Primitive<{ readonly axes: readonly number[] }> = single<{ readonly axes: readonly number[] }>({
  name: 'reduceMax',
  abstractEval: ([x], { axes }) => {
    requireNumeric('max', x!);
    if (!axes.every((a, i) => Number.isInteger(a) && a >= 0 && a < x!.shape.length && (i === 0 || a > axes[i - 1]!))) {
      throw new PuregradError('max', `axes (${axes.join(',')}) out of range for shape ${showShape(x!.shape)}`);
    }
    if (axes.some((a) => x!.shape[a] === 0)) {
      throw new PuregradError('max', `cannot take the maximum over an empty axis of shape ${showShape(x!.shape)}`);
    }
    return { shape: x!.shape.filter((_, i) => !axes.includes(i)), dtype: x!.dtype };
  },
  lower: ([x], { axes }) => {
    const kernel = K.reduceMaxKernel(x!.shape, axes);
    return ([a], [out]) => kernel(a!, out!);
  },
  jvp: defJvp((t, [x], out, { axes }) => {
    const kept = x!.shape.map((d, i) => (axes.includes(i) ? 1 : d));
    const hits = cast(equal(x!, broadcast(reshape(out, kept), x!.shape)), x!.dtype);
    const count = broadcast(reshape(reduceSum(hits, axes), kept), x!.shape);
    return reduceSum(mul(t, div(hits, count)), axes);
  }),
  transpose: notLinear,
  batch: ([x], [d], { axes }) => [reduceMax(moveAxis(x!, d!, 0), axes.map((a) => a + 1)), 0],
});

/** Index of the first maximum along `axis`, as int32. Piecewise constant: zero derivative. */
export const Argmax: Primitive<{ readonly axis: number }> = single<{ readonly axis: number }>({
  name: 'argmax',
  abstractEval: ([x], { axis }) => {
    requireNumeric('argmax', x!);
    if (!(Number.isInteger(axis) && axis >= 0 && axis < x!.shape.length)) {
      throw new PuregradError('argmax', `axis ${axis} out of range for shape ${showShape(x!.shape)}`);
    }
    if (x!.shape[axis] === 0) throw new PuregradError('argmax', `axis ${axis} of shape ${showShape(x!.shape)} is empty: there is no maximum to point at`);
    return { shape: x!.shape.filter((_, i) => i !== axis), dtype: 'int32' };
  },
  lower: ([x], { axis }) => ([a], [out]) => K.argmaxInto(a!, x!.shape, axis, out!),
  jvp: zeroJvp,
  transpose: notLinear,
  batch: ([x], [d], { axis }) => [argmax(moveAxis(x!, d!, 0), axis + 1), 0],
});

export const mul = (x: Tensor, y: Tensor): Tensor => bind(Mul, [x, y], {});
export const div = (x: Tensor, y: Tensor): Tensor => bind(Div, [x, y], {});
export const maximum = (x: Tensor, y: Tensor): Tensor => bind(Maximum, [x, y], {});
export const greater = (x: Tensor, y: Tensor): Tensor => bind(Greater, [x, y], {});
export const greaterEqual = (x: Tensor, y: Tensor): Tensor => bind(GreaterEqual, [x, y], {});
export const equal = (x: Tensor, y: Tensor): Tensor => bind(Equal, [x, y], {});
export const notEqual = (x: Tensor, y: Tensor): Tensor => bind(NotEqual, [x, y], {});
export const reduceMax = (x: Tensor, axes: readonly number[]): Tensor => bind(ReduceMax, [x], { axes });
export const argmax = (x: Tensor, axis: number): Tensor => bind(Argmax, [x], { axis });
