/**
 * Lowering: from a primitive applied to known avals to a kernel over raw
 * buffers. A primitive's `lower(inAvals, params, outAvals)` resolves
 * everything that depends only on shapes — output extents, broadcast and
 * transposed strides, collapsed loop nests, which specialised loop runs — and
 * returns a destination-passing kernel `(inputs, outputs) => void` that only
 * walks buffers. The kernel reads its inputs and writes every element of each
 * output buffer (which may hold stale values: the plan reuses buffers), and
 * never writes an input.
 *
 * Eager evaluation is "allocate, lower, run" (`evalLowered`); a compiled plan
 * lowers each equation once and runs the kernels over buffers it owns
 * (`src/compile/plan.ts`). Both call the same kernels, which is why a jitted
 * program agrees with eager evaluation bit for bit.
 */

import type { BinaryKernel, UnaryKernel } from '../kernels/elementwise.ts';
import type { DType, Storage } from '../tensor/dtype.ts';
import { allocate } from '../tensor/dtype.ts';
import { sizeOf } from '../tensor/shape.ts';
import type { Tensor } from '../tensor/tensor.ts';
import { fromStorage, markShared, storageOf } from '../tensor/tensor.ts';
import type { Alias, Aval, Lowered, Lowering, Primitive } from './primitive.ts';

export type { Alias, Kernel, Lowered, Lowering } from './primitive.ts';


export const isAlias = (l: Lowered): l is Alias => typeof l !== 'function';

/**
 * The scalar op an elementwise lowering computes per output element, read by
 * the fusion pass of `compile` (`src/compile/fuse.ts`): a unary or binary
 * kernel's op, `select`, `cast` (to the output dtype) or `broadcast` (the
 * input read at the broadcast position). A lowering tagged with one promises
 * its kernel computes exactly that op, element by element, with NumPy
 * broadcasting of every operand to the output shape.
 */
export type ScalarOp = UnaryKernel | BinaryKernel | 'select' | 'cast' | 'broadcast';

const SCALAR_OP = Symbol('scalarOp');

/** Tag `lowering` as elementwise with scalar op `op`. */
export const elementwise = <P>(op: ScalarOp, lowering: Lowering<P>): Lowering<P> => Object.assign(lowering, { [SCALAR_OP]: op });

/** The scalar op of an elementwise lowering, or undefined. */
export const scalarOpOf = (lowering: Lowering<never>): ScalarOp | undefined => (lowering as { [SCALAR_OP]?: ScalarOp })[SCALAR_OP];

/** A lowering whose result is its first input's buffer (reshape, stopGradient). */
export const aliasFirst: Lowering<unknown> = () => ({ alias: 0 });

/** A fresh buffer for an aval. */
export const bufferFor = (a: { readonly shape: readonly number[]; readonly dtype: DType }): Storage => allocate(a.dtype, sizeOf(a.shape));

/** Eager evaluation of a primitive on concrete tensors: allocate the outputs, lower, run. */
export function evalLowered(prim: Primitive, inputs: readonly Tensor[], params: object, outAvals: readonly Aval[]): Tensor[] {
  return runLowered(prim.lower(inputs, params, outAvals), inputs, outAvals);
}

/** Run a lowered primitive on concrete tensors: its results in fresh buffers (or, for an alias, its input's). */
export function runLowered(lowered: Lowered, inputs: readonly Tensor[], outAvals: readonly Aval[]): Tensor[] {
  if (isAlias(lowered)) {
    const a = outAvals[0]!;
    const shared = storageOf(inputs[lowered.alias]!);
    markShared(shared);
    return [fromStorage(a.shape, a.dtype, shared)];
  }
  const outs = outAvals.map(bufferFor);
  lowered(inputs.map(storageOf), outs);
  return outAvals.map((a, i) => fromStorage(a.shape, a.dtype, outs[i]!));
}
