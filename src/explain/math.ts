/**
 * Equations as a learner writes them on paper: `b · cos(a)` for `mul b d`
 * with `d = cos a`, `x̄` for the cotangent of `x`, `ẋ` for its tangent. The
 * explanation prints every equation twice, as the program has it and in this
 * notation, so the program can be read against the chain rule.
 */

import { showParams } from '../ir/names.ts';

/**
 * An expression and how tightly it binds, for brackets: 1 for `a + b`, 2 for
 * `a · b`, 3 for `−a`, 4 for a name, a number or a call like `cos(a)`.
 */
export interface Expr {
  readonly text: string;
  readonly binds: number;
}

export const atomic = (text: string): Expr => ({ text, binds: 4 });

const INFIX: Readonly<Record<string, readonly [string, number]>> = {
  add: ['+', 1],
  sub: ['−', 1],
  mul: ['·', 2],
  div: ['/', 2],
  matmul: ['@', 2],
};

/** `e` as an operand of an operator binding `binds` tightly (the right operand of `−` and `/` brackets its equals). */
const operand = (e: Expr, binds: number, right = false): string => (e.binds > binds || (e.binds === binds && !right) ? e.text : `(${e.text})`);

/** `prim[params](args)` in math notation: infix for arithmetic, `xᵀ` for a matrix transpose, a call otherwise. */
export function showMath(prim: string, params: object, args: readonly Expr[]): Expr {
  const [x, y] = args;
  const infix = INFIX[prim];
  if (infix !== undefined && x !== undefined && y !== undefined) {
    const [op, binds] = infix;
    const { transA, transB } = params as { transA?: boolean; transB?: boolean };
    const left = transA ? `${operand(x, 3)}ᵀ` : operand(x, binds);
    const right = transB ? `${operand(y, 3)}ᵀ` : operand(y, binds, op === '−' || op === '/' || op === '@');
    return { text: `${left} ${op} ${right}`, binds };
  }
  if (prim === 'neg' && x !== undefined) return { text: `−${operand(x, 3)}`, binds: 3 };
  if (prim === 'transpose' && x !== undefined && isMatrixTranspose(params)) return atomic(`${operand(x, 3)}ᵀ`);
  const name = prim === 'reduceSum' ? 'sum' : prim;
  return atomic(`${name}${showParams(params, () => '{…}')}(${args.map((a) => a.text).join(', ')})`);
}

const isMatrixTranspose = (params: object): boolean => {
  const perm = (params as { perm?: readonly number[] }).perm;
  return perm !== undefined && perm.length === 2 && perm[0] === 1 && perm[1] === 0;
};

/** Put a combining mark over every letter of a variable name: `bar('ab')` is `āb̄`. */
const mark = (name: string, accent: string): string => [...name].map((c) => c + accent).join('').normalize('NFC');

/** The cotangent of a variable: `x̄`, the gradient of the output with respect to `x`. */
export const bar = (name: string): string => mark(name, '\u0304');

/** The tangent of a variable: `ẋ`, its change along the direction being pushed forward. */
export const dot = (name: string): string => mark(name, '\u0307');

/** Columns as a terminal shows them: combining marks take no room. */
export const width = (s: string): number => [...s].filter((c) => !/\p{M}/u.test(c)).length;

/** `s` padded with spaces to `n` columns. */
export const pad = (s: string, n: number): string => s + ' '.repeat(Math.max(0, n - width(s)));
