/**
 * The shape of a plan, shared by the planner (`plan.ts`) and its printer
 * (`describe.ts`): buffers with where they live, kernel steps over buffer
 * indices, and views (reshapes that share a buffer).
 */

import type { Kernel } from '../ir/lowering.ts';
import type { Aval } from '../ir/primitive.ts';
import type { Storage } from '../tensor/dtype.ts';

/** Where a buffer comes from. */
export type BufferKind = 'input' | 'const' | 'literal' | 'arena' | 'output';

export interface PlanBuffer {
  readonly kind: BufferKind;
  readonly aval: Aval;
  /** Input index, arena slot or output index (the first output it holds); unused for consts and literals. */
  readonly index: number;
  /** The storage of a const, literal or arena buffer; filled in per run for inputs and outputs. */
  readonly fixed: Storage | undefined;
  /** How a literal is printed. */
  readonly label?: string;
}

export interface PlanStep {
  readonly name: string;
  readonly params: object;
  readonly kernel: Kernel;
  readonly ins: readonly number[];
  readonly outs: readonly number[];
  /** A fused group (`fuse.ts`): its tree as text over `$k` for input k, and how many ops it fuses. */
  readonly fused?: { readonly text: string; readonly ops: number };
  /** Reused argument lists, so a run allocates nothing per step. */
  readonly inScratch: Storage[];
  readonly outScratch: Storage[];
}

/** A view (reshape, stopGradient): a value that is another buffer seen with a new aval. */
export interface PlanView {
  readonly name: string;
  readonly params: object;
  readonly buffer: number;
  readonly aval: Aval;
  /** Position among the steps: the view is shown before step `at`. */
  readonly at: number;
}

/** What a plan is made of. */
export interface PlanLayout {
  readonly buffers: readonly PlanBuffer[];
  readonly steps: readonly PlanStep[];
  readonly views: readonly PlanView[];
  readonly inputBuffers: readonly number[];
  /** Per program output: its buffer (null: a symbolic zero). */
  readonly outputBuffers: readonly (number | null)[];
}
