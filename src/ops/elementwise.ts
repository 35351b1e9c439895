/**
 * Elementwise public ops: arithmetic with broadcasting and weak number
 * operands, unary math, comparisons and `where`.
 */

import * as A from '../primitives/arith.ts';
import * as E from '../primitives/erfinv.ts';
import * as L from '../primitives/linear.ts';
import * as U from '../primitives/unary.ts';
import { PuregradError } from '../tensor/errors.ts';
import type { Tensor } from '../tensor/tensor.ts';
import { operandArg, tensorArg } from './args.ts';
import type { Operand } from './operand.ts';
import { checkBroadcast, reverseOrder, unify } from './operand.ts';

const binary = (op: string, f: (x: Tensor, y: Tensor) => Tensor, atLeast?: 'float') => (x: Operand, y: Operand): Tensor => {
  const [a, b] = unify([operandArg(op, x), operandArg(op, y, 'y')], atLeast);
  return f(a!, b!);
};

/**
 * x + y with broadcasting. A plain number takes the tensor's dtype.
 * @example
 * add(tensor([[1], [2]]), tensor([10, 20])) // => [[11, 21], [12, 22]]
 * add(tensor([1, 2], { dtype: 'int32' }), 1).dtype // => "int32"
 */
export const add = binary('add', L.add);
/**
 * x − y with broadcasting; either side may be a plain number.
 * @example
 * sub(tensor([5, 7]), tensor([1, 2])) // => [4, 5]
 * sub(1, tensor([0.25, 0.5])) // => [0.75, 0.5]
 */
export const sub = binary('sub', L.sub);
/**
 * x · y elementwise, with broadcasting.
 * @example
 * mul(tensor([[1], [2]]), tensor([3, 4])) // => [[3, 4], [6, 8]]
 * grad((x: Tensor) => sum(mul(x, x)))(tensor([1, 3])) // => [2, 6]
 */
export const mul = binary('mul', A.mul);
/**
 * x / y elementwise; integer operands are divided as float32 (true division).
 * @example
 * div(tensor([1, 3], { dtype: 'int32' }), 2) // => [0.5, 1.5]
 * grad((y: Tensor) => div(1, y))(scalar(2)) // => -0.25
 */
export const div = binary('div', A.div, 'float');
/**
 * xʸ elementwise; integer operands become float32. Differentiable in both
 * arguments: d xʸ = y·x^(y−1) dx + log(x)·xʸ dy.
 * @example
 * pow(tensor([2, 3]), 2) // => [4, 9]
 * grad((x: Tensor) => pow(x, 3))(scalar(2)) // => 12
 * grad((y: Tensor) => pow(2, y))(scalar(3)) // => 5.5451774
 */
export const pow = binary('pow', U.pow, 'float');
/**
 * Elementwise maximum; at ties the derivative is split evenly.
 * @example
 * maximum(tensor([1, 5]), tensor([3, 2])) // => [3, 5]
 * grad((x: Tensor) => maximum(x, 1))(scalar(1)) // => 0.5
 */
export const maximum = binary('maximum', A.maximum);
/**
 * Elementwise minimum: the maximum of the order-reversed operands, reversed back.
 * @example
 * minimum(tensor([1, 5]), 3) // => [1, 3]
 * grad((x: Tensor) => minimum(x, 3))(scalar(3)) // => 0.5
 */
export const minimum = (x: Operand, y: Operand): Tensor => {
  const [a, b] = unify([operandArg('minimum', x), operandArg('minimum', y, 'y')]);
  checkBroadcast('minimum', [a!, b!]);
  if (a!.dtype === 'bool') throw new PuregradError('minimum', 'needs numeric tensors, got bool; cast them first');
  return reverseOrder(A.maximum(reverseOrder(a!), reverseOrder(b!)));
};
/**
 * −x, in x's dtype.
 * @example
 * neg(tensor([1, -2])) // => [-1, 2]
 */
export const neg = (x: Operand): Tensor => L.neg(unify([operandArg('neg', x)])[0]!);

const unaryFloat = (op: string, f: (x: Tensor) => Tensor) => (x: Operand): Tensor => f(unify([operandArg(op, x)], 'float')[0]!);
/**
 * eˣ elementwise; integer inputs become float32. d eˣ = eˣ dx.
 * @example
 * exp(tensor([0, 1], { dtype: 'float64' })) // => [1, 2.718281828459045]
 * exp(tensor([0], { dtype: 'int32' })).dtype // => "float32"
 */
export const exp = unaryFloat('exp', U.exp);
/**
 * Natural logarithm elementwise (−∞ at 0, NaN below); d log x = dx / x.
 * @example
 * log(tensor([1, Math.E], { dtype: 'float64' })) // => [0, 1]
 * grad((x: Tensor) => log(x))(scalar(4)) // => 0.25
 */
export const log = unaryFloat('log', U.log);
/**
 * log(1 + x), accurate for x near 0; d log1p x = dx / (1 + x).
 * @example
 * log1p(scalar(Math.E - 1, 'float64')) // => 1
 * grad((x: Tensor) => log1p(x))(scalar(1)) // => 0.5
 */
export const log1p = unaryFloat('log1p', U.log1p);
/**
 * eˣ − 1, accurate for x near 0; its derivative is eˣ.
 * @example
 * expm1(scalar(Math.LN2, 'float64')) // => 1
 * grad((x: Tensor) => expm1(x))(scalar(0)) // => 1
 */
export const expm1 = unaryFloat('expm1', U.expm1);
/**
 * √x elementwise; d √x = dx / (2√x).
 * @example
 * sqrt(tensor([4, 9])) // => [2, 3]
 * grad((x: Tensor) => sqrt(x))(scalar(4)) // => 0.25
 */
export const sqrt = unaryFloat('sqrt', U.sqrt);
/**
 * Sine (radians) elementwise; d sin x = cos x dx.
 * @example
 * sin(tensor([0, Math.PI / 2])) // => [0, 1]
 * grad((x: Tensor) => sin(x))(scalar(0)) // => 1
 */
export const sin = unaryFloat('sin', U.sin);
/**
 * Cosine (radians) elementwise; d cos x = −sin x dx.
 * @example
 * cos(scalar(0)) // => 1
 * grad((x: Tensor) => cos(x))(scalar(Math.PI / 2)) // => -1
 */
export const cos = unaryFloat('cos', U.cos);
/**
 * Hyperbolic tangent elementwise; d tanh x = (1 − tanh² x) dx.
 * @example
 * tanh(tensor([0, 100])) // => [0, 1]
 * grad((x: Tensor) => tanh(x))(scalar(0)) // => 1
 */
export const tanh = unaryFloat('tanh', U.tanh);
/**
 * The inverse error function erf⁻¹ on (−1, 1) (±∞ at ±1, NaN outside), in the
 * input's precision by Giles' polynomials as XLA computes `lax.erf_inv`;
 * d erf⁻¹ x = (√π/2)·exp(erf⁻¹(x)²) dx. `random.normal` is √2·erf⁻¹ of a uniform.
 * @example
 * erfInv(tensor([0, 0.5], { dtype: 'float64' })) // => [0, 0.4769362762044699]
 * grad((x: Tensor) => erfInv(x))(scalar(0)) // => 0.8862269
 */
export const erfInv = unaryFloat('erfInv', E.erfInv);
/**
 * |x|, in x's dtype; abs'(0) = 0.
 * @example
 * abs(tensor([-2, 0, 3])) // => [2, 0, 3]
 * grad((x: Tensor) => sum(abs(x)))(tensor([-2, 0, 3])) // => [-1, 0, 1]
 */
export const abs = (x: Operand): Tensor => U.abs(unify([operandArg('abs', x)])[0]!);
/**
 * −1, 0 or 1 by the sign of x, in x's dtype; its derivative is 0.
 * @example
 * sign(tensor([-2, 0, 3])) // => [-1, 0, 1]
 * grad((x: Tensor) => sum(sign(x)))(tensor([-2, 3])) // => [0, 0]
 */
export const sign = (x: Operand): Tensor => U.sign(unify([operandArg('sign', x)])[0]!);
/**
 * x · x, in x's dtype (an int32 stays int32).
 * @example
 * square(tensor([-3, 2])) // => [9, 4]
 * grad((x: Tensor) => square(x))(scalar(3)) // => 6
 */
export const square = (x: Operand): Tensor => {
  const [a] = unify([operandArg('square', x)]);
  return A.mul(a!, a!);
};

/**
 * x > y elementwise with broadcasting, as a bool tensor (no gradient flows through it).
 * @example
 * greater(tensor([1, 2, 3]), 2) // => [false, false, true]
 */
export const greater = binary('greater', A.greater);
/**
 * x ≥ y elementwise with broadcasting, as a bool tensor.
 * @example
 * greaterEqual(tensor([1, 2, 3]), 2) // => [false, true, true]
 */
export const greaterEqual = binary('greaterEqual', A.greaterEqual);
/**
 * x < y elementwise with broadcasting, as a bool tensor.
 * @example
 * less(tensor([1, 2, 3]), 2) // => [true, false, false]
 */
export const less = (x: Operand, y: Operand): Tensor => {
  const [a, b] = unify([operandArg('less', x), operandArg('less', y, 'y')]);
  checkBroadcast('less', [a!, b!]);
  return A.greater(b!, a!);
};
/**
 * x ≤ y elementwise with broadcasting, as a bool tensor.
 * @example
 * lessEqual(tensor([1, 2, 3]), 2) // => [true, true, false]
 */
export const lessEqual = (x: Operand, y: Operand): Tensor => {
  const [a, b] = unify([operandArg('lessEqual', x), operandArg('lessEqual', y, 'y')]);
  checkBroadcast('lessEqual', [a!, b!]);
  return A.greaterEqual(b!, a!);
};
/**
 * x = y elementwise with broadcasting, as a bool tensor.
 * @example
 * equal(tensor([1, 2, 3]), tensor([1, 0, 3])) // => [true, false, true]
 */
export const equal = binary('equal', A.equal);
/**
 * x ≠ y elementwise with broadcasting, as a bool tensor.
 * @example
 * notEqual(tensor([1, 2, 3]), tensor([1, 0, 3])) // => [false, true, false]
 */
export const notEqual = binary('notEqual', A.notEqual);

/**
 * `x` where `cond` is true, else `y`, with broadcasting. To mask a value that
 * would be NaN or infinite (say `log(x)` at 0), also guard the input, since a
 * NaN on the untaken side still poisons the gradient.
 * @example
 * where(greater(tensor([-1, 2]), 0), tensor([-1, 2]), 0) // => [0, 2]
 * const safeLog = (x: Tensor) => where(greater(x, 0), log(where(greater(x, 0), x, 1)), 0)
 * grad((x: Tensor) => sum(safeLog(x)))(tensor([0, 2])) // => [0, 0.5]
 */
export function where(cond: Tensor, x: Operand, y: Operand): Tensor {
  tensorArg('where', cond, 'cond');
  const [a, b] = unify([operandArg('where', x), operandArg('where', y, 'y')]);
  return L.select(cond, a!, b!);
}

/**
 * Identity whose gradient is zero.
 * @example
 * stopGradient(tensor([1, 2])) // => [1, 2]
 * grad((x: Tensor) => mul(x, stopGradient(x)))(scalar(3)) // => 3
 */
export const stopGradient = (x: Tensor): Tensor => L.stopGradient(tensorArg('stopGradient', x));
