/**
 * What a primitive is: one record holding every rule the interpreters need.
 * `src/primitives` fills a total table of these; the trace machinery and the
 * transformations read them and never branch on a primitive's name.
 */

import type { DType } from '../tensor/dtype.ts';
import type { Shape } from '../tensor/shape.ts';
import type { Tensor } from '../tensor/tensor.ts';

/** An abstract value: what is known about a tensor while tracing. */
export interface Aval {
  readonly shape: Shape;
  readonly dtype: DType;
}

/** A linear input of an equation being transposed: its value is not known, only its aval. */
export class UndefinedPrimal {
  constructor(readonly aval: Aval) {}
}

/**
 * Forward-mode rule. Gets the primal inputs, their tangents (`null` for a
 * symbolic zero) and the already computed primal output; returns the output
 * tangent, or `null` when it is identically zero. Written with primitives, so
 * it traces like user code.
 */
export type JvpRule<P> = (primals: readonly Tensor[], tangents: readonly (Tensor | null)[], params: P, out: Tensor) => Tensor | null;

/**
 * Transpose rule of a primitive linear in the inputs marked `UndefinedPrimal`:
 * given the output cotangent, the cotangent of each such input (`null` for
 * zero, and for inputs that are known).
 */
export type TransposeRule<P> = (ct: Tensor, inputs: readonly (Tensor | UndefinedPrimal)[], params: P) => readonly (Tensor | null)[];

/** Marks a primitive that is never linear in any input, so it never appears on a tangent path. */
export const notLinear = 'notLinear' as const;

export interface PrimitiveDef<P = any> {
  readonly name: string;
  /** Output shape and dtype; throws a `PuregradError` naming the op and shapes. */
  readonly abstractEval: (inputs: readonly Aval[], params: P) => Aval;
  /** Evaluation on concrete tensors: a kernel call. `out` is what `abstractEval` said. */
  readonly impl: (inputs: readonly Tensor[], params: P, out: Aval) => Tensor;
  readonly jvp: JvpRule<P>;
  readonly transpose: TransposeRule<P> | typeof notLinear;
}
