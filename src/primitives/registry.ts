/**
 * The primitive table: every primitive puregrad has, by id. Its type is a
 * total record, so a primitive missing any rule does not compile, and the laws
 * iterate over it, so a new primitive is tested as soon as it is added here.
 */

import type { PrimitiveDef } from '../ir/primitive.ts';
import * as A from './arith.ts';
import * as L from './linear.ts';
import * as M from './matmul.ts';
import * as U from './unary.ts';

export const registry = {
  neg: L.Neg,
  add: L.Add,
  sub: L.Sub,
  reshape: L.Reshape,
  transpose: L.Transpose,
  broadcast: L.Broadcast,
  reduceSum: L.ReduceSum,
  slice: L.Slice,
  pad: L.Pad,
  concatenate: L.Concatenate,
  gather: L.Gather,
  scatterAdd: L.ScatterAdd,
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
} as const satisfies { readonly [name: string]: PrimitiveDef };

export type PrimName = keyof typeof registry;
export const primNames = Object.keys(registry) as readonly PrimName[];
