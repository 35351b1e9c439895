/**
 * Shapes and the NumPy broadcasting rule. Pure functions on `readonly number[]`;
 * errors here are plain messages, and the op that called names itself.
 */

import { PuregradError } from './errors.ts';

export type Shape = readonly number[];

export function sizeOf(shape: Shape): number {
  let n = 1;
  for (let i = 0; i < shape.length; i++) n *= shape[i]!;
  return n;
}

/** The most elements a tensor may have: typed arrays and the kernels' indices are limited to 2³¹ − 1. */
export const MAX_SIZE = 2 ** 31 - 1;

/** A `PuregradError` naming `op` when a tensor of `shape` would be too large to allocate. */
export function checkSize(op: string, shape: Shape): void {
  const n = sizeOf(shape);
  if (n > MAX_SIZE) {
    throw new PuregradError(op, `shape ${showShape(shape)} has ${n.toExponential(3)} elements, more than a tensor can hold ` +
      `(${MAX_SIZE}); check the shape (a batch axis multiplied in twice?)`);
  }
}

export const shapeEq = (a: Shape, b: Shape): boolean =>
  a.length === b.length && a.every((d, i) => d === b[i]);

export const showShape = (s: Shape): string => `[${s.join(',')}]`;

/** Row-major strides, in elements. */
export function stridesOf(shape: Shape): number[] {
  const strides = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = acc;
    acc *= shape[i]!;
  }
  return strides;
}

/** The broadcast of several shapes, or `undefined` if they are incompatible. */
export function broadcastShapes(...shapes: Shape[]): number[] | undefined {
  let rank = 0;
  for (let k = 0; k < shapes.length; k++) rank = Math.max(rank, shapes[k]!.length);
  const out: number[] = [];
  for (let i = 0; i < rank; i++) out.push(1);
  for (let k = 0; k < shapes.length; k++) {
    const s = shapes[k]!;
    const offset = rank - s.length;
    for (let i = 0; i < s.length; i++) {
      const d = s[i]!;
      const o = out[offset + i]!;
      if (d === o || d === 1) continue;
      if (o === 1) out[offset + i] = d;
      else return undefined;
    }
  }
  return out;
}

/** True when `from` broadcasts to exactly `to` under NumPy rules. */
export function broadcastsTo(from: Shape, to: Shape): boolean {
  if (from.length > to.length) return false;
  const offset = to.length - from.length;
  return from.every((d, i) => d === 1 || d === to[offset + i]);
}

/** Resolve a possibly negative axis against `rank`; `undefined` when out of range. */
export function normalizeAxis(axis: number, rank: number): number | undefined {
  const a = axis < 0 ? axis + rank : axis;
  return Number.isInteger(a) && a >= 0 && a < rank ? a : undefined;
}

export const isPermutation = (perm: readonly number[], rank: number): boolean =>
  perm.length === rank && [...perm].sort((a, b) => a - b).every((p, i) => p === i);
