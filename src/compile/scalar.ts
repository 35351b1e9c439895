/**
 * Scalar formulas for generated loops: for each elementwise op (`ScalarOp`,
 * from `src/ir/lowering.ts`), the JavaScript expression that computes one
 * element, written to give exactly what the op's own kernel in
 * `src/kernels/elementwise.ts` stores.
 *
 * A kernel computes in doubles and stores into a typed array, and the store
 * rounds: to float32 (`Math.fround`), to int32 (ToInt32, i.e. `| 0`, which
 * wraps), or, for a bool output of arithmetic, the `cast` truthiness rule
 * (`!== 0`). `convert` writes that store as an expression, so a fused
 * intermediate holds the very value its buffer would have held. The two
 * exceptions follow the kernels: int32 `mul` is `Math.imul` (exact wrapping),
 * and comparisons produce 0/1 directly. Booleans become 0/1 with unary `+`,
 * which V8 compiles without a branch (`?:` on a random condition mispredicts).
 */

import type { ScalarOp } from '../ir/lowering.ts';
import type { DType } from '../tensor/dtype.ts';

const UNARY: Readonly<Record<string, (x: string) => string>> = {
  neg: (x) => `-${x}`,
  exp: (x) => `Math.exp(${x})`,
  log: (x) => `Math.log(${x})`,
  log1p: (x) => `Math.log1p(${x})`,
  expm1: (x) => `Math.expm1(${x})`,
  sin: (x) => `Math.sin(${x})`,
  cos: (x) => `Math.cos(${x})`,
  tanh: (x) => `Math.tanh(${x})`,
  sqrt: (x) => `Math.sqrt(${x})`,
  abs: (x) => `Math.abs(${x})`,
  sign: (x) => `Math.sign(${x})`,
  cast: (x) => x,
  broadcast: (x) => x,
};

const BINARY: Readonly<Record<string, (a: string, b: string) => string>> = {
  add: (a, b) => `${a} + ${b}`,
  sub: (a, b) => `${a} - ${b}`,
  mul: (a, b) => `${a} * ${b}`,
  div: (a, b) => `${a} / ${b}`,
  pow: (a, b) => `${a} ** ${b}`,
  maximum: (a, b) => `Math.max(${a}, ${b})`,
};

/**
 * The name of a two-element Float64Array that a generated function declares
 * for `select`. A condition that varies unpredictably (a ReLU mask) makes a
 * branch or `?:` mispredict half the time (~4 ns an element on this CPU);
 * storing both candidates and loading the one the condition indexes has no
 * branch. A float64 slot holds any value of any dtype exactly.
 */
export const SELECT = 'sel';

const COMPARISON: Readonly<Record<string, string>> = { greater: '>', greaterEqual: '>=', equal: '===', notEqual: '!==' };

/** `e` (a double) as stored into a buffer of `dtype`. */
export function convert(e: string, dtype: DType): string {
  switch (dtype) {
    case 'float32':
      return `Math.fround(${e})`;
    case 'float64':
      return e;
    case 'int32':
      return `(${e}) | 0`;
    case 'bool':
      return `+((${e}) !== 0)`;
  }
}

/** The stored value of `op` applied to the operand expressions `args` (already values of their dtypes). */
export function scalarExpression(op: ScalarOp, args: readonly string[], out: DType): string {
  const [a, b, c] = args as [string, string, string];
  const cmp = COMPARISON[op];
  if (cmp !== undefined) return `+(${a} ${cmp} ${b})`;
  if (op === 'select') return `(${SELECT}[1] = ${b}, ${SELECT}[0] = ${c}, ${SELECT}[+(${a} !== 0)])`;
  if (op === 'mul' && out === 'int32') return `Math.imul(${a}, ${b})`;
  const unary = UNARY[op];
  if (unary !== undefined) return op === 'broadcast' ? a : convert(unary(a), out);
  const binary = BINARY[op];
  if (binary === undefined) throw new Error(`internal: no scalar formula for ${op}`);
  return convert(binary(a, b), out);
}
