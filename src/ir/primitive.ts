/**
 * What a primitive is: one record holding every rule the interpreters need.
 * `src/primitives` fills a total table of these; the trace machinery and the
 * transformations read them and never branch on a primitive's name.
 *
 * There is one path for every primitive: a primitive takes a list of inputs
 * and gives a list of results, and every rule works on lists. Most primitives
 * have exactly one result; they are written as a `PrimitiveDef` (one output
 * aval, one tangent, one cotangent) and turned into a record by `single()`
 * (`src/primitives/single.ts`). The higher-order ones that run sub-programs —
 * `cond`, `scan`, custom rules — and `threefry2x32` are written as lists
 * directly.
 */

import type { DType, Storage } from '../tensor/dtype.ts';
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

/** A destination-passing kernel: reads `inputs`, writes all of every buffer in `outputs` (see `lowering.ts`). */
export type Kernel = (inputs: readonly Storage[], outputs: readonly Storage[]) => void;

/** The single result is input `alias`'s buffer, unchanged (a reshape): no kernel runs. */
export interface Alias {
  readonly alias: number;
}

export type Lowered = Kernel | Alias;

/** A primitive's lowering for given input avals, params and output avals (what `abstractEval` said). */
export type Lowering<P> = (inAvals: readonly Aval[], params: P, outAvals: readonly Aval[]) => Lowered;

/** Marks a primitive that is never linear in any input, so it never appears on a tangent path. */
export const notLinear = 'notLinear' as const;

/** A primitive: list in, list out, for every rule. */
export interface Primitive<P = any> {
  readonly name: string;
  /** Whether its op hands the user a list of results; the machinery never branches on it. */
  readonly multipleResults: boolean;
  /** Output shapes and dtypes; throws a `PuregradError` naming the op and shapes. */
  readonly abstractEval: (inputs: readonly Aval[], params: P) => readonly Aval[];
  /**
   * The kernel for these avals and params, with shapes, strides and loop
   * bounds resolved once (see `lowering.ts`). Eager evaluation allocates the
   * outputs, lowers and runs; `compile` lowers each equation once into a plan.
   */
  readonly lower: Lowering<P>;
  /** Primal results and their tangents (`null` tangents are zeros) from primals and tangents. Written with ops. */
  readonly jvp: (primals: readonly Tensor[], tangents: readonly (Tensor | null)[], params: P) => readonly [readonly Tensor[], readonly (Tensor | null)[]];
  /**
   * For a primitive linear in the inputs given as `UndefinedPrimal`: the
   * cotangent of each input (`null` for zero, and for known inputs) from the
   * cotangents of the results (`null` for zero; not all are).
   */
  readonly transpose:
    | ((cts: readonly (Tensor | null)[], inputs: readonly (Tensor | UndefinedPrimal)[], params: P) => readonly (Tensor | null)[])
    | typeof notLinear;
  /**
   * Batching rule for `vmap`. Each input comes with the axis that carries the
   * batch (`null`: the same for every example); the rule returns the batched
   * results and their batch axes.
   */
  readonly batch: (inputs: readonly Tensor[], dims: readonly (number | null)[], params: P) => readonly [readonly Tensor[], readonly (number | null)[]];
  /**
   * Params for the same primitive computing fewer results: at least those
   * `used` marks, exactly those `keep` marks (a scan keeps every carry, which
   * feeds the next step); `undefined` when nothing can be dropped. Lets
   * dead-code elimination see into the programs a primitive carries.
   */
  readonly pruneResults: (params: P, used: readonly boolean[]) => { readonly params: P; readonly keep: readonly boolean[] } | undefined;
}

/** Any primitive record (the name the registry's laws use). */
export type AnyPrimitive = Primitive;

const primitiveIds = new WeakMap<Primitive, number>();
let nextPrimitiveId = 1;

/** A small number per primitive object, for cache keys: two primitives that share a name get two. */
export function primitiveId(prim: Primitive): number {
  let id = primitiveIds.get(prim);
  if (id === undefined) primitiveIds.set(prim, (id = nextPrimitiveId++));
  return id;
}

// ------------------------------------------------ single-result definitions

/**
 * Forward-mode rule of a single-result primitive. Gets the primal inputs,
 * their tangents (`null` for a symbolic zero) and the already computed primal
 * output; returns the output tangent, or `null` when it is identically zero.
 * Written with primitives, so it traces like user code.
 */
export type JvpRule<P> = (primals: readonly Tensor[], tangents: readonly (Tensor | null)[], params: P, out: Tensor) => Tensor | null;

/**
 * Transpose rule of a single-result primitive linear in the inputs marked
 * `UndefinedPrimal`: given the output cotangent, the cotangent of each such
 * input (`null` for zero, and for inputs that are known).
 */
export type TransposeRule<P> = (ct: Tensor, inputs: readonly (Tensor | UndefinedPrimal)[], params: P) => readonly (Tensor | null)[];

/** Batching rule of a single-result primitive: the batched output and its batch axis. */
export type BatchRule<P> = (inputs: readonly Tensor[], dims: readonly (number | null)[], params: P) => readonly [Tensor, number | null];

/** How a single-result primitive is written; `single()` makes it a `Primitive`. */
export interface PrimitiveDef<P = any> {
  readonly name: string;
  readonly abstractEval: (inputs: readonly Aval[], params: P) => Aval;
  /** Lowering of the one result (`lowering.ts`). */
  readonly lower: Lowering<P>;
  readonly jvp: JvpRule<P>;
  readonly transpose: TransposeRule<P> | typeof notLinear;
  readonly batch: BatchRule<P>;
}
