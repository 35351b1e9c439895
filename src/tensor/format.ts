/**
 * How tensors print: each value as its shortest decimal in its own precision,
 * and large tensors summarized NumPy-style, with the first and last few entries
 * of each long axis around a `...`.
 */

import type { DType, Storage } from './dtype.ts';
import type { Shape } from './shape.ts';

/**
 * A float as its shortest decimal that reads back to the same value in its
 * own precision (`0.1` for float32 0.1, not `0.10000000149011612`); −0 keeps
 * its sign.
 */
export function showFloat(v: number, float32: boolean): string {
  if (Object.is(v, -0)) return '-0';
  if (!float32 || !Number.isFinite(v)) return String(v);
  for (let digits = 1; digits <= 9; digits++) {
    const shorter = Number(v.toPrecision(digits));
    if (Math.fround(shorter) === v) return String(shorter);
  }
  return String(v);
}

/** Tensors with more elements than this print summarized. */
const SUMMARIZE_ABOVE = 1000;
/** Entries shown at each end of a long axis when summarizing. */
const EDGE = 3;

/** The values of a tensor as nested brackets, e.g. `[[1,2],[3,4]]`, or `[[1,2,...,9]...]` when large. */
export function formatValues(data: Storage, shape: Shape, dtype: DType): string {
  const size = data.length;
  const summarize = size > SUMMARIZE_ABOVE;
  const show = (v: number): string => (dtype === 'bool' ? String(v !== 0) : dtype === 'int32' ? String(v) : showFloat(v, dtype === 'float32'));
  const strides = shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));
  const walk = (axis: number, offset: number): string => {
    if (axis === shape.length) return show(data[offset]!);
    const n = shape[axis]!;
    const picks = summarize && n > 2 * EDGE ? [...range(0, EDGE), -1, ...range(n - EDGE, n)] : range(0, n);
    return `[${picks.map((i) => (i < 0 ? '...' : walk(axis + 1, offset + i * strides[axis]!))).join(',')}]`;
  };
  return walk(0, 0);
}

const range = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, i) => from + i);
