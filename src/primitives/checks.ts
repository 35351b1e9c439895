/**
 * Small shape and dtype checks shared by the primitives' `abstractEval` rules.
 * They throw `PuregradError`s that name the op and the shapes.
 */

import type { Aval } from '../ir/primitive.ts';
import type { DType } from '../tensor/dtype.ts';
import { isFloat } from '../tensor/dtype.ts';
import { PuregradError } from '../tensor/errors.ts';
import type { Shape } from '../tensor/shape.ts';
import { broadcastShapes, showShape } from '../tensor/shape.ts';

export const showAvals = (avals: readonly Aval[]): string => avals.map((a) => `${a.dtype}${showShape(a.shape)}`).join(' and ');

export function sameDtype(op: string, avals: readonly Aval[]): DType {
  const d = avals[0]!.dtype;
  if (avals.some((a) => a.dtype !== d)) {
    throw new PuregradError(op, `operands must share a dtype, got ${showAvals(avals)}; convert one with cast(x, dtype)`);
  }
  return d;
}

export function broadcastAll(op: string, avals: readonly Aval[]): number[] {
  const out = broadcastShapes(...avals.map((a) => a.shape));
  if (out === undefined) {
    throw new PuregradError(op, `shapes ${avals.map((a) => showShape(a.shape)).join(' and ')} do not broadcast; ` +
      'each axis, counted from the right, must match or be 1');
  }
  return out;
}

export function requireFloat(op: string, a: Aval): void {
  if (!isFloat(a.dtype)) {
    throw new PuregradError(op, `needs a float tensor, got ${a.dtype}${showShape(a.shape)}; cast it to float32 or float64 first`);
  }
}

export function requireNumeric(op: string, a: Aval): void {
  if (a.dtype === 'bool') {
    throw new PuregradError(op, `needs a numeric tensor, got bool${showShape(a.shape)}; cast it first`);
  }
}

export function requireArity(op: string, avals: readonly Aval[], n: number): void {
  if (avals.length !== n) throw new PuregradError(op, `takes ${n} operand(s), got ${avals.length}`);
}

/** A shape must be a list of non-negative integers. */
export function requireShape(op: string, shape: Shape): void {
  if (!shape.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new PuregradError(op, `shape ${showShape(shape)} must list non-negative integers`);
  }
}

export const sameShape = (a: Shape, b: Shape): boolean => a.length === b.length && a.every((d, i) => d === b[i]);
