/**
 * The primitive table: every primitive puregrad has, by id. Each entry is
 * typed as a `Primitive` (list-based; one-result ones come from `single()`), so one missing a rule does
 * not compile; the laws iterate over this table with a domain table typed over
 * its keys, so a new primitive is tested as soon as it is added here. The
 * higher-order primitives (`cond`, `scan`, custom rules) live in `src/control`.
 */

import { Cond } from '../control/cond.ts';
import { CustomJvp, CustomVjp, CustomVjpBackward } from '../control/custom.ts';
import { Scan } from '../control/scan.ts';
import type { AnyPrimitive } from '../ir/primitive.ts';
import * as A from './arith.ts';
import * as C from './conv.ts';
import * as I from './indexing.ts';
import * as L from './linear.ts';
import * as M from './matmul.ts';
import * as R from './random.ts';
import * as S from './sort.ts';
import { ErfInv } from './erfinv.ts';
import * as U from './unary.ts';

export const registry = {
  neg: L.Neg,
  add: L.Add,
  sub: L.Sub,
  reshape: L.Reshape,
  transpose: L.Transpose,
  broadcast: L.Broadcast,
  reduceSum: L.ReduceSum,
  slice: I.Slice,
  pad: I.Pad,
  concatenate: I.Concatenate,
  gather: I.Gather,
  scatterAdd: I.ScatterAdd,
  select: L.Select,
  cast: L.Cast,
  stopGradient: L.StopGradient,
  mul: A.Mul,
  div: A.Div,
  maximum: A.Maximum,
  greater: A.Greater,
  greaterEqual: A.GreaterEqual,
  equal: A.Equal,
  notEqual: A.NotEqual,
  reduceMax: A.ReduceMax,
  argmax: A.Argmax,
  exp: U.Exp,
  log: U.Log,
  log1p: U.Log1p,
  expm1: U.Expm1,
  sin: U.Sin,
  cos: U.Cos,
  tanh: U.Tanh,
  sqrt: U.Sqrt,
  abs: U.Abs,
  sign: U.Sign,
  pow: U.Pow,
  matmul: M.Matmul,
  conv: C.Conv,
  threefry2x32: R.Threefry2x32,
  uint32Binary: R.Uint32Binary,
  erfInv: ErfInv,
  argsort: S.Argsort,
  cond: Cond,
  scan: Scan,
  customJvp: CustomJvp,
  customVjp: CustomVjp,
  customVjpBackward: CustomVjpBackward,
} as const satisfies { readonly [name: string]: AnyPrimitive };

export type PrimName = keyof typeof registry;
export const primNames = Object.keys(registry) as readonly PrimName[];
