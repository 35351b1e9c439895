/**
 * Elementwise public ops: arithmetic with broadcasting and weak number
 * operands, unary math, comparisons and `where`.
 */

import * as A from '../primitives/arith.ts';
import * as L from '../primitives/linear.ts';
import * as U from '../primitives/unary.ts';
import { PuregradError } from '../tensor/errors.ts';
import type { Tensor } from '../tensor/tensor.ts';
import type { Operand } from './operand.ts';
import { checkBroadcast, reverseOrder, unify } from './operand.ts';

const binary = (f: (x: Tensor, y: Tensor) => Tensor, atLeast?: 'float') => (x: Operand, y: Operand): Tensor => {
  const [a, b] = unify([x, y], atLeast);
  return f(a!, b!);
};

/** x + y with broadcasting. */
export const add = binary(L.add);
/** x − y with broadcasting. */
export const sub = binary(L.sub);
/** x · y elementwise, with broadcasting. */
export const mul = binary(A.mul);
/** x / y elementwise; integer operands are divided as float32 (true division). */
export const div = binary(A.div, 'float');
/** xʸ elementwise; integer operands become float32. */
export const pow = binary(U.pow, 'float');
/** Elementwise maximum; at ties the derivative is split evenly. */
export const maximum = binary(A.maximum);
/** Elementwise minimum: the maximum of the order-reversed operands, reversed back. */
export const minimum = (x: Operand, y: Operand): Tensor => {
  const [a, b] = unify([x, y]);
  checkBroadcast('minimum', [a!, b!]);
  if (a!.dtype === 'bool') throw new PuregradError('minimum', 'needs numeric tensors, got bool; cast them first');
  return reverseOrder(A.maximum(reverseOrder(a!), reverseOrder(b!)));
};
export const neg = (x: Operand): Tensor => L.neg(unify([x])[0]!);

const unaryFloat = (f: (x: Tensor) => Tensor) => (x: Operand): Tensor => f(unify([x], 'float')[0]!);
export const exp = unaryFloat(U.exp);
export const log = unaryFloat(U.log);
export const log1p = unaryFloat(U.log1p);
export const expm1 = unaryFloat(U.expm1);
export const sqrt = unaryFloat(U.sqrt);
export const sin = unaryFloat(U.sin);
export const cos = unaryFloat(U.cos);
export const tanh = unaryFloat(U.tanh);
/** |x|; abs'(0) = 0. */
export const abs = (x: Operand): Tensor => U.abs(unify([x])[0]!);
export const sign = (x: Operand): Tensor => U.sign(unify([x])[0]!);
export const square = (x: Operand): Tensor => {
  const [a] = unify([x]);
  return A.mul(a!, a!);
};

export const greater = binary(A.greater);
export const greaterEqual = binary(A.greaterEqual);
export const less = (x: Operand, y: Operand): Tensor => {
  const [a, b] = unify([x, y]);
  checkBroadcast('less', [a!, b!]);
  return A.greater(b!, a!);
};
export const lessEqual = (x: Operand, y: Operand): Tensor => {
  const [a, b] = unify([x, y]);
  checkBroadcast('lessEqual', [a!, b!]);
  return A.greaterEqual(b!, a!);
};
export const equal = binary(A.equal);
export const notEqual = binary(A.notEqual);

/**
 * `x` where `cond` is true, else `y`, with broadcasting. To mask a value that
 * would be NaN or infinite (say `log(x)` at 0), also guard the input, since a
 * NaN on the untaken side still poisons the gradient.
 */
export function where(cond: Tensor, x: Operand, y: Operand): Tensor {
  const [a, b] = unify([x, y]);
  return L.select(cond, a!, b!);
}

/** Identity whose gradient is zero. */
export const stopGradient = (x: Tensor): Tensor => L.stopGradient(x);
