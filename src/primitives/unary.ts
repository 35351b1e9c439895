/**
 * Elementwise math on floats (and `abs`, `sign` on any numeric type), plus
 * `pow`. Each JVP rule is the textbook derivative written with primitives, so
 * the derivative of a derivative comes from the same table.
 */

import type { Primitive } from '../ir/primitive.ts';
import { notLinear } from '../ir/primitive.ts';
import type { Tensor } from '../tensor/tensor.ts';
import { filled } from '../tensor/tensor.ts';
import { bind } from '../trace/core.ts';
import { div, equal, mul } from './arith.ts';
import { broadcastAll, requireArity, requireFloat, requireNumeric, sameDtype } from './checks.ts';
import { add, broadcastingBatch, neg, select, sub } from './linear.ts';
import { binaryLowering, unaryLowering } from './lowerings.ts';
import { defJvp, zeroJvp } from './rules.ts';
import { single } from './single.ts';
import type { InputJvp } from './rules.ts';

type FloatUnary = 'exp' | 'log' | 'log1p' | 'expm1' | 'sin' | 'cos' | 'tanh' | 'sqrt';

const floatUnary = (name: FloatUnary, rule: InputJvp<{}>): Primitive<{}> => {
  const def: Primitive<{}> = single<{}>({
    name,
    abstractEval: ([x]) => {
      requireFloat(name, x!);
      return x!;
    },
    lower: unaryLowering(name),
    jvp: defJvp(rule),
    transpose: notLinear,
    batch: vectorized(() => def),
  });
  return def;
};

/** Batching rule of an elementwise primitive of one operand: apply it as is; the batch axis stays put. */
const vectorized = (prim: () => Primitive<{}>) => ([x]: readonly Tensor[], [d]: readonly (number | null)[]): readonly [Tensor, number | null] =>
  [bind(prim(), [x!], {}), d ?? null];

const one = (x: Tensor): Tensor => filled([], x.dtype, 1);

/** d eˣ = eˣ dx */
export const Exp = floatUnary('exp', (t, _x, out) => mul(t, out));
/** d log x = dx / x */
export const Log = floatUnary('log', (t, [x]) => div(t, x!));
/** d log(1 + x) = dx / (1 + x) */
export const Log1p = floatUnary('log1p', (t, [x]) => div(t, add(x!, one(x!))));
/** d (eˣ − 1) = eˣ dx */
export const Expm1 = floatUnary('expm1', (t, _x, out) => mul(t, add(out, one(out))));
/** d sin x = cos x dx */
export const Sin = floatUnary('sin', (t, [x]) => mul(t, cos(x!)));
/** d cos x = −sin x dx */
export const Cos = floatUnary('cos', (t, [x]) => neg(mul(t, sin(x!))));
/** d tanh x = (1 − tanh² x) dx */
export const Tanh = floatUnary('tanh', (t, _x, out) => mul(t, sub(one(out), mul(out, out))));
/** d √x = dx / (2√x) */
export const Sqrt = floatUnary('sqrt', (t, _x, out) => div(t, add(out, out)));

/** d |x| = sign(x) dx, so abs'(0) = 0 (the subgradient we document). */
export const Abs: Primitive<{}> = single<{}>({
  name: 'abs',
  abstractEval: ([x]) => {
    requireNumeric('abs', x!);
    return x!;
  },
  lower: unaryLowering('abs'),
  jvp: defJvp((t, [x]) => mul(t, sign(x!))),
  transpose: notLinear,
  batch: vectorized(() => Abs),
});

/** −1, 0 or 1. Piecewise constant: zero derivative. */
export const Sign: Primitive<{}> = single<{}>({
  name: 'sign',
  abstractEval: ([x]) => {
    requireNumeric('sign', x!);
    return x!;
  },
  lower: unaryLowering('sign'),
  jvp: zeroJvp,
  transpose: notLinear,
  batch: vectorized(() => Sign),
});

/**
 * xʸ with broadcasting. d xʸ = y·x^(y−1) dx + log(x)·xʸ dy. Where the true
 * derivative is finite the rule is too: at x = y = 0 the first term is 0 (not
 * 0·∞), and at x = 0 the second uses log 1 = 0 instead of −∞·0. Away from
 * x = 0 no guard is in the way, so second derivatives are exact.
 */
export const Pow: Primitive<{}> = single<{}>({
  name: 'pow',
  abstractEval: (avals) => {
    requireArity('pow', avals, 2);
    requireFloat('pow', avals[0]!);
    return { shape: broadcastAll('pow', avals), dtype: sameDtype('pow', avals) };
  },
  lower: binaryLowering('pow'),
  jvp: defJvp(
    (t, [x, y]) => {
      const zero = filled([], x!.dtype, 0);
      const atOrigin = select(equal(x!, zero), equal(y!, zero), filled([], 'bool', 0)); // x = 0 and y = 0
      // Double where: the untaken side sees x = 1 at the origin, so no 0·∞ reaches higher derivatives.
      const safeX = select(atOrigin, one(x!), x!);
      const slope = mul(y!, pow(safeX, sub(y!, one(y!))));
      return mul(t, select(atOrigin, zero, slope));
    },
    (t, [x], out) => {
      const safeX = select(equal(x!, filled([], x!.dtype, 0)), one(x!), x!);
      return mul(t, mul(out, log(safeX)));
    },
  ),
  transpose: notLinear,
  batch: (xs, dims) => broadcastingBatch(Pow, xs, dims, {}),
});

export const exp = (x: Tensor): Tensor => bind(Exp, [x], {});
export const log = (x: Tensor): Tensor => bind(Log, [x], {});
export const log1p = (x: Tensor): Tensor => bind(Log1p, [x], {});
export const expm1 = (x: Tensor): Tensor => bind(Expm1, [x], {});
export const sin = (x: Tensor): Tensor => bind(Sin, [x], {});
export const cos = (x: Tensor): Tensor => bind(Cos, [x], {});
export const tanh = (x: Tensor): Tensor => bind(Tanh, [x], {});
export const sqrt = (x: Tensor): Tensor => bind(Sqrt, [x], {});
export const abs = (x: Tensor): Tensor => bind(Abs, [x], {});
export const sign = (x: Tensor): Tensor => bind(Sign, [x], {});
export const pow = (x: Tensor, y: Tensor): Tensor => bind(Pow, [x, y], {});
