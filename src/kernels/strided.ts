/**
 * Strided walks: the index bookkeeping that several kernels share.
 *
 * A kernel that reads one or more operands in a layout other than its own
 * output order (broadcasting, transposing, slicing, padding, reducing) describes
 * each operand by a stride per axis of a common iteration shape. `collapse`
 * merges axes that every operand steps through contiguously, so the common
 * cases shrink to a single long row (same shapes, scalar against tensor,
 * `[n, c] + [c]` becomes rows of `c`). `forEachRow` then runs an odometer over
 * all but the last axis and hands each innermost row to the caller, who loops
 * over it with plain strides: no division or modulo per element, and one
 * callback per row rather than per element.
 *
 * Internal to `src/kernels`; not re-exported from the index.
 */

import type { Shape } from '../tensor/shape.ts';
import { stridesOf } from '../tensor/shape.ts';

/** An iteration shape and, per operand, one stride per axis of it. */
export interface Walk {
  readonly shape: readonly number[];
  readonly strides: readonly (readonly number[])[];
}

/**
 * The strides of a contiguous operand of `shape` read as though broadcast to
 * `outShape` (NumPy rules, lower rank aligned right): 0 on broadcast axes.
 */
export function broadcastStrides(shape: Shape, outShape: Shape): number[] {
  const own = stridesOf(shape);
  const offset = outShape.length - shape.length;
  if (offset < 0) throw new RangeError(`cannot broadcast rank ${shape.length} to rank ${outShape.length}`);
  const strides = new Array<number>(outShape.length).fill(0);
  for (let i = 0; i < shape.length; i++) {
    const d = shape[i];
    if (d === outShape[offset + i]) strides[offset + i] = d === 1 ? 0 : own[i];
    else if (d !== 1) throw new RangeError(`cannot broadcast [${shape.join(',')}] to [${outShape.join(',')}]`);
  }
  return strides;
}

/**
 * Drop size-1 axes and merge each axis into the one inside it whenever every
 * operand's outer stride equals its inner stride times the inner extent. The
 * result always has rank >= 1, so callers can take its last axis as the row.
 */
export function collapse(shape: Shape, strides: readonly (readonly number[])[]): Walk {
  const outShape: number[] = [];
  const outStrides: number[][] = strides.map(() => []);
  for (let i = shape.length - 1; i >= 0; i--) {
    const d = shape[i];
    if (d === 1) continue;
    const last = outShape.length - 1;
    let mergeable = last >= 0;
    for (let k = 0; k < strides.length && mergeable; k++) {
      mergeable = strides[k][i] === outStrides[k][last] * outShape[last];
    }
    if (mergeable) {
      outShape[last] = outShape[last] * d;
    } else {
      outShape.push(d);
      for (let k = 0; k < strides.length; k++) outStrides[k].push(strides[k][i]);
    }
  }
  if (outShape.length === 0) return { shape: [1], strides: strides.map(() => [0]) };
  outShape.reverse();
  for (const s of outStrides) s.reverse();
  return { shape: outShape, strides: outStrides };
}

/**
 * Visit every innermost row of `walk`. `row(offsets)` receives the start
 * offset of each operand for that row (the array is reused between calls; do
 * not keep it). The row length is `walk.shape[last]` and each operand's step
 * within the row is its last stride; both are the caller's to read once.
 * Nothing is visited when any extent is 0.
 */
export function forEachRow(walk: Walk, row: (offsets: readonly number[]) => void): void {
  const { shape, strides } = walk;
  for (let ax = 0; ax < shape.length; ax++) if (shape[ax] === 0) return;
  const operands = strides.length;
  const offsets = new Array<number>(operands).fill(0);
  const outer = shape.length - 1;
  const counter = new Array<number>(outer).fill(0);
  for (;;) {
    row(offsets);
    // Advance the odometer over the outer axes, innermost first.
    let ax = outer - 1;
    for (; ax >= 0; ax--) {
      counter[ax]++;
      for (let k = 0; k < operands; k++) offsets[k] += strides[k][ax];
      if (counter[ax] < shape[ax]) break;
      counter[ax] = 0;
      for (let k = 0; k < operands; k++) offsets[k] -= strides[k][ax] * shape[ax];
    }
    if (ax < 0) return;
  }
}

/** The last entry of a non-empty array (row length or in-row step). */
export const lastOf = (xs: readonly number[]): number => xs[xs.length - 1];
