/**
 * What a primitive is: one record holding every rule the interpreters need.
 * `src/primitives` fills a total table of these; the trace machinery and the
 * transformations read them and never branch on a primitive's name.
 *
 * Most primitives have one result (`PrimitiveDef`). The higher-order ones that
 * run sub-programs — `cond`, `scan`, custom rules — may have several
 * (`MultiPrimitiveDef`), and compute their JVP as a whole.
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

/**
 * Batching rule for `vmap`. Each input comes with the axis that carries the
 * batch (`null`: not batched, the same for every example); the rule returns
 * the batched output and its batch axis.
 */
export type BatchRule<P> = (inputs: readonly Tensor[], dims: readonly (number | null)[], params: P) => readonly [Tensor, number | null];

/** Marks a primitive that is never linear in any input, so it never appears on a tangent path. */
export const notLinear = 'notLinear' as const;

export interface PrimitiveDef<P = any> {
  readonly name: string;
  readonly multipleResults?: false;
  /** Output shape and dtype; throws a `PuregradError` naming the op and shapes. */
  readonly abstractEval: (inputs: readonly Aval[], params: P) => Aval;
  /** Evaluation on concrete tensors: a kernel call. `out` is what `abstractEval` said. */
  readonly impl: (inputs: readonly Tensor[], params: P, out: Aval) => Tensor;
  readonly jvp: JvpRule<P>;
  readonly transpose: TransposeRule<P> | typeof notLinear;
  readonly batch: BatchRule<P>;
}

/** A primitive with several results (the higher-order ones). */
export interface MultiPrimitiveDef<P = any> {
  readonly name: string;
  readonly multipleResults: true;
  readonly abstractEval: (inputs: readonly Aval[], params: P) => readonly Aval[];
  readonly impl: (inputs: readonly Tensor[], params: P) => readonly Tensor[];
  /** Primal and tangent results together (`null` tangents are zeros). */
  readonly jvp: (primals: readonly Tensor[], tangents: readonly (Tensor | null)[], params: P) => readonly [readonly Tensor[], readonly (Tensor | null)[]];
  readonly transpose:
    | ((cts: readonly (Tensor | null)[], inputs: readonly (Tensor | UndefinedPrimal)[], params: P) => readonly (Tensor | null)[])
    | typeof notLinear;
  readonly batch: (inputs: readonly Tensor[], dims: readonly (number | null)[], params: P) => readonly [readonly Tensor[], readonly (number | null)[]];
  /**
   * Params for the same primitive computing fewer results: at least those
   * `used` marks, exactly those `keep` marks (a scan keeps every carry, which
   * feeds the next step); `undefined` when nothing can be dropped. Lets
   * dead-code elimination see into the programs a primitive carries.
   */
  readonly pruneResults: (params: P, used: readonly boolean[]) => { readonly params: P; readonly keep: readonly boolean[] } | undefined;
}

export type AnyPrimitive = PrimitiveDef | MultiPrimitiveDef;
