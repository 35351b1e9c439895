/** The shape of a fused group, shared by the JavaScript (`fuse.ts`) and WebAssembly (`simd.ts`) code generators. */

import type { ScalarOp } from '../ir/lowering.ts';
import type { Atom } from '../ir/program.ts';
import type { DType } from '../tensor/dtype.ts';

/** A fused node: an equation whose result is computed inside its group's loop. */
export interface FusedTree {
  readonly op: ScalarOp;
  readonly dtype: DType;
  readonly args: readonly (FusedTree | Atom)[];
  /** Set when the node's value is also stored: the position of its buffer among the step's outputs (root: 0). */
  readonly store?: number;
}
