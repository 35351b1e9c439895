/**
 * A 2-D classifier seen on the whole plane: `boundaryGrid` evaluates it at every point of a
 * regular grid in one batched call and returns P(class 1) there, one row per y, the input of
 * `decisionBoundaries`. `extentOf` picks a grid that frames a dataset's points.
 */

import { tensor } from '../src/index.ts';
import type { Tensor } from '../src/index.ts';

/** The rectangle [x0, x1] × [y0, y1] of the plane. */
export interface Extent {
  readonly x: readonly [number, number];
  readonly y: readonly [number, number];
}

/** P(class 1) on a grid: `p[i][j]` at (xs[j], ys[i]). */
export interface ProbabilityGrid {
  readonly xs: readonly number[];
  readonly ys: readonly number[];
  readonly p: readonly (readonly number[])[];
}

/** The bounding box of the rows of `x` [N, 2], widened by `margin` times its size on each side. */
export function extentOf(x: Tensor, margin = 0.15): Extent {
  if (x.rank !== 2 || x.shape[1] !== 2) throw new Error(`extentOf: points must be [N, 2], got [${x.shape.join(', ')}]`);
  const v = x.toTypedArray();
  const range = (offset: number): [number, number] => {
    let [lo, hi] = [Infinity, -Infinity];
    for (let i = offset; i < v.length; i += 2) [lo, hi] = [Math.min(lo, Number(v[i])), Math.max(hi, Number(v[i]))];
    const pad = Math.max(hi - lo, 1e-6) * margin;
    return [lo - pad, hi + pad];
  };
  return { x: range(0), y: range(1) };
}

/** `n` evenly spaced numbers from a to b. */
const spaced = ([a, b]: readonly [number, number], n: number): number[] =>
  Array.from({ length: n }, (_, i) => (n === 1 ? (a + b) / 2 : a + ((b - a) * i) / (n - 1)));

/**
 * `predict` evaluated on a `resolution` × `resolution` grid over `extent`, in one call on all
 * points [resolution², 2] (float32). `predict` returns probabilities: [M] or [M, 1] (P(class 1),
 * e.g. a sigmoid output), or [M, 2] (softmax over two classes; its second column is used).
 */
export function boundaryGrid(predict: (x: Tensor) => Tensor, extent: Extent, resolution = 40): ProbabilityGrid {
  if (!Number.isInteger(resolution) || resolution < 2) {
    throw new Error(`boundaryGrid: resolution must be an integer ≥ 2, got ${resolution}`);
  }
  const xs = spaced(extent.x, resolution);
  const ys = spaced(extent.y, resolution);
  const points = new Float32Array(resolution * resolution * 2);
  ys.forEach((y, i) => xs.forEach((x, j) => points.set([x, y], (i * resolution + j) * 2)));
  const out = predict(tensor(points, { shape: [resolution * resolution, 2] }));
  const m = resolution * resolution;
  const columns = out.rank === 1 ? 1 : out.shape[1] ?? 0;
  if (out.shape[0] !== m || out.rank > 2 || columns < 1 || columns > 2) {
    throw new Error(`boundaryGrid: predict must return [M], [M, 1] or [M, 2] probabilities for M = ${m} points, ` +
      `got [${out.shape.join(', ')}]`);
  }
  const flat = out.toTypedArray();
  const p = ys.map((_, i) => xs.map((_, j) => Number(flat[(i * resolution + j) * columns + columns - 1])));
  return { xs, ys, p };
}
