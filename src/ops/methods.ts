/**
 * Method versions of the ops, for chaining: `x.mul(2).add(b).sum()`. The
 * `TensorMethods` interface is merged into `Tensor`, and `installMethods`
 * defines them once on its prototype; the record below must implement every
 * method the interface declares, or it does not compile.
 */

import type { DType } from '../tensor/dtype.ts';
import type { Shape } from '../tensor/shape.ts';
import { Tensor } from '../tensor/tensor.ts';
import * as E from './elementwise.ts';
import * as LA from './linalg.ts';
import type { Operand } from './operand.ts';
import * as R from './reduce.ts';
import type { ReduceOptions } from './reduce.ts';
import * as S from './shape.ts';

export interface TensorMethods {
  add(y: Operand): Tensor;
  sub(y: Operand): Tensor;
  mul(y: Operand): Tensor;
  div(y: Operand): Tensor;
  pow(y: Operand): Tensor;
  maximum(y: Operand): Tensor;
  minimum(y: Operand): Tensor;
  neg(): Tensor;
  exp(): Tensor;
  log(): Tensor;
  log1p(): Tensor;
  expm1(): Tensor;
  sqrt(): Tensor;
  square(): Tensor;
  abs(): Tensor;
  sign(): Tensor;
  sin(): Tensor;
  cos(): Tensor;
  tanh(): Tensor;
  greater(y: Operand): Tensor;
  greaterEqual(y: Operand): Tensor;
  less(y: Operand): Tensor;
  lessEqual(y: Operand): Tensor;
  equal(y: Operand): Tensor;
  notEqual(y: Operand): Tensor;
  sum(options?: ReduceOptions): Tensor;
  mean(options?: ReduceOptions): Tensor;
  max(options?: ReduceOptions): Tensor;
  min(options?: ReduceOptions): Tensor;
  logsumexp(options?: ReduceOptions): Tensor;
  argmax(options?: { readonly axis?: number }): Tensor;
  argmin(options?: { readonly axis?: number }): Tensor;
  matmul(y: Tensor): Tensor;
  dot(y: Tensor): Tensor;
  transpose(axes?: readonly number[]): Tensor;
  reshape(shape: Shape): Tensor;
  broadcastTo(shape: Shape): Tensor;
  expandDims(axis: number): Tensor;
  squeeze(axis?: number | readonly number[]): Tensor;
  slice(begin: readonly number[], end?: readonly number[]): Tensor;
  take(indices: Tensor | readonly number[], options?: { readonly axis?: number }): Tensor;
  concatenate(others: readonly Tensor[], axis?: number): Tensor;
  stack(others: readonly Tensor[], axis?: number): Tensor;
  oneHot(depth: number, options?: { readonly dtype?: DType }): Tensor;
  /** `cond.where(x, y)`: x where this bool tensor is true, else y. */
  where(x: Operand, y: Operand): Tensor;
  cast(dtype: DType): Tensor;
  stopGradient(): Tensor;
}

declare module '../tensor/tensor.ts' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface Tensor extends TensorMethods {}
}

type Impl = { readonly [K in keyof TensorMethods]: (this: Tensor, ...args: Parameters<TensorMethods[K]>) => Tensor };

const methods: Impl = {
  add(y) { return E.add(this, y); },
  sub(y) { return E.sub(this, y); },
  mul(y) { return E.mul(this, y); },
  div(y) { return E.div(this, y); },
  pow(y) { return E.pow(this, y); },
  maximum(y) { return E.maximum(this, y); },
  minimum(y) { return E.minimum(this, y); },
  neg() { return E.neg(this); },
  exp() { return E.exp(this); },
  log() { return E.log(this); },
  log1p() { return E.log1p(this); },
  expm1() { return E.expm1(this); },
  sqrt() { return E.sqrt(this); },
  square() { return E.square(this); },
  abs() { return E.abs(this); },
  sign() { return E.sign(this); },
  sin() { return E.sin(this); },
  cos() { return E.cos(this); },
  tanh() { return E.tanh(this); },
  greater(y) { return E.greater(this, y); },
  greaterEqual(y) { return E.greaterEqual(this, y); },
  less(y) { return E.less(this, y); },
  lessEqual(y) { return E.lessEqual(this, y); },
  equal(y) { return E.equal(this, y); },
  notEqual(y) { return E.notEqual(this, y); },
  sum(o) { return R.sum(this, o); },
  mean(o) { return R.mean(this, o); },
  max(o) { return R.max(this, o); },
  min(o) { return R.min(this, o); },
  logsumexp(o) { return R.logsumexp(this, o); },
  argmax(o) { return R.argmax(this, o); },
  argmin(o) { return R.argmin(this, o); },
  matmul(y) { return LA.matmul(this, y); },
  dot(y) { return LA.dot(this, y); },
  transpose(axes) { return S.transpose(this, axes); },
  reshape(shape) { return S.reshape(this, shape); },
  broadcastTo(shape) { return S.broadcastTo(this, shape); },
  expandDims(axis) { return S.expandDims(this, axis); },
  squeeze(axis) { return S.squeeze(this, axis); },
  slice(begin, end) { return S.slice(this, begin, end); },
  take(indices, o) { return S.take(this, indices, o); },
  concatenate(others, axis) { return S.concatenate([this, ...others], axis); },
  stack(others, axis) { return S.stack([this, ...others], axis); },
  oneHot(depth, o) { return S.oneHot(this, depth, o); },
  where(x, y) { return E.where(this, x, y); },
  cast(dtype) { return S.cast(this, dtype); },
  stopGradient() { return E.stopGradient(this); },
};

/** Define the methods on `Tensor.prototype` (non-enumerable, read-only). Idempotent. */
export function installMethods(): void {
  if (Object.prototype.hasOwnProperty.call(Tensor.prototype, 'add')) return;
  for (const [name, fn] of Object.entries(methods)) {
    Object.defineProperty(Tensor.prototype, name, { value: fn, writable: false, enumerable: false, configurable: false });
  }
  Object.freeze(Tensor.prototype);
}

installMethods();
