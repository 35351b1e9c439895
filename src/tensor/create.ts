/**
 * Constructors for concrete tensors. JavaScript numbers become `float32` unless
 * a dtype is given; a typed array brings its own dtype (`Float64Array` gives
 * `float64`), and nested arrays must be rectangular.
 */

import type { DType, Storage } from './dtype.ts';
import { allocate, checkDType, dtypeForTypedArray, storageFrom } from './dtype.ts';
import type { Shape } from './shape.ts';
import { checkSize, showShape, sizeOf } from './shape.ts';
import { PuregradError } from './errors.ts';
import { Tensor, filled, fromStorage } from './tensor.ts';
import type { TensorJSON } from './json.ts';
import { decodeTensor, isTensorJSON } from './json.ts';

/** Anything `tensor()` accepts. */
export type TensorLike = number | boolean | Storage | readonly TensorLike[];

export interface TensorOptions {
  readonly dtype?: DType;
  readonly shape?: Shape;
}

function inferShape(data: TensorLike): number[] {
  const shape: number[] = [];
  let node: TensorLike = data;
  while (Array.isArray(node) || ArrayBuffer.isView(node)) {
    const arr = node as ArrayLike<TensorLike>;
    shape.push(arr.length);
    if (arr.length === 0) break;
    node = arr[0]!;
  }
  return shape;
}

function flatten(data: TensorLike, shape: Shape, out: Storage): void {
  let k = 0;
  const walk = (node: TensorLike, axis: number): void => {
    if (axis === shape.length) {
      if (typeof node === 'number') out[k++] = node;
      else if (typeof node === 'boolean') out[k++] = node ? 1 : 0;
      else if (axis === 0) throw new PuregradError('tensor', `cannot make a tensor from ${node === null ? 'null' : typeof node}; pass a number, a boolean, nested arrays of them, or a typed array`);
      else throw new PuregradError('tensor', `ragged nested array: expected a number at depth ${axis}, got ${Array.isArray(node) ? 'an array' : typeof node}`);
      return;
    }
    const arr = node as ArrayLike<TensorLike>;
    if (!(Array.isArray(arr) || ArrayBuffer.isView(arr)) || arr.length !== shape[axis]) {
      throw new PuregradError('tensor', `ragged nested array: every row at depth ${axis} must have length ${shape[axis]}`);
    }
    for (let i = 0; i < arr.length; i++) walk(arr[i]!, axis + 1);
  };
  walk(data, 0);
}

/**
 * A concrete tensor from nested arrays, a typed array, a scalar or the JSON form
 * `{dtype, shape, data}` of `toJSON()` (a tensor is copied; the public `tensor`
 * in `src/ops/create.ts` converts it instead).
 */
export function tensor(data: TensorLike | TensorJSON | Tensor, options: TensorOptions = {}): Tensor {
  checkTensorOptions(options);
  if (data instanceof Tensor) {
    const c = data.concrete();
    return tensor(c.toTypedArray(), { dtype: options.dtype ?? c.dtype, shape: options.shape ?? c.shape });
  }
  if (isTensorJSON(data)) {
    const json = decodeTensor(data);
    return tensor(json.data, { dtype: options.dtype ?? json.dtype, shape: options.shape ?? json.shape });
  }
  if (options.shape !== undefined) checkShape('tensor', options.shape);
  if (ArrayBuffer.isView(data)) {
    const natural = dtypeForTypedArray(data);
    if (natural === undefined) {
      throw new PuregradError('tensor', `cannot read a ${data.constructor.name}; pass a Float32Array, Float64Array, Int32Array, another integer typed array or nested arrays of numbers`);
    }
    const src = data as unknown as ArrayLike<number>;
    const dtype = options.dtype ?? natural;
    const shape = options.shape ?? [src.length];
    if (sizeOf(shape) !== src.length) {
      throw new PuregradError('tensor', `shape ${showShape(shape)} holds ${sizeOf(shape)} elements but the buffer has ${src.length}`);
    }
    if (dtype === 'int32' && natural !== 'int32') checkInt32('tensor', firstNonInt32(src));
    return fromStorage(shape, dtype, storageFrom(src, dtype));
  }
  const dtype = options.dtype ?? (typeof data === 'boolean' || isAllBool(data) ? 'bool' : 'float32');
  const inferred = inferShape(data);
  const out = allocate(dtype, sizeOf(inferred));
  flatten(data, inferred, out);
  if (dtype === 'int32') checkInt32('tensor', firstOutOfInt32(data));
  if (dtype === 'bool') for (let i = 0; i < out.length; i++) out[i] = out[i] !== 0 ? 1 : 0;
  const shape = options.shape ?? inferred;
  if (sizeOf(shape) !== out.length) {
    throw new PuregradError('tensor', `shape ${showShape(shape)} holds ${sizeOf(shape)} elements but the data has ${out.length}`);
  }
  return fromStorage(shape, dtype, out);
}

/** Whether `v` has an int32 value: finite and, truncated toward zero as NumPy does, in range. */
const fitsInt32 = (v: number): boolean => Number.isFinite(v) && Math.trunc(v) >= -(2 ** 31) && Math.trunc(v) <= 2 ** 31 - 1;

/**
 * int32 data: fractions truncate toward zero (as NumPy's and JAX's `array(…, dtype=int32)`),
 * but NaN, ±Infinity and values out of range have no int32 value and are an error, not a wrapped number.
 */
export function checkInt32(op: string, bad: number | undefined): void {
  if (bad === undefined) return;
  const why = Number.isNaN(bad) ? 'NaN has no int32 value' : !Number.isFinite(bad) ? `${bad} has no int32 value` : `${bad} does not fit int32 (−2³¹ … 2³¹ − 1)`;
  throw new PuregradError(op, `${why}; use a float dtype, or replace such entries before converting`);
}

/** The first value of a typed array outside int32 (see `checkInt32`), if any. */
export function firstNonInt32(src: ArrayLike<number>): number | undefined {
  for (let i = 0; i < src.length; i++) if (!fitsInt32(src[i]!)) return src[i];
  return undefined;
}

/** `tensor`'s options: an object with `dtype` (one of the four) and `shape`, nothing else. */
function checkTensorOptions(options: unknown): void {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new PuregradError('tensor', `options must be an object such as { dtype: 'float64' }, got ${Array.isArray(options) ? 'an array' : String(options)}`);
  }
  for (const k of Object.keys(options)) {
    if (k !== 'dtype' && k !== 'shape') throw new PuregradError('tensor', `unknown option '${k}'; the options are dtype, shape`);
  }
  const { dtype } = options as TensorOptions;
  if (dtype !== undefined) checkDType('tensor', dtype);
}

/** The first number in nested arrays without an int32 value, if any. */
function firstOutOfInt32(data: TensorLike): number | undefined {
  if (typeof data === 'number') return fitsInt32(data) ? undefined : data;
  if (Array.isArray(data)) {
    for (const d of data as readonly TensorLike[]) {
      const bad = firstOutOfInt32(d);
      if (bad !== undefined) return bad;
    }
  }
  return undefined;
}

/** True when every leaf of nested arrays is a boolean (and there is one). */
function isAllBool(data: TensorLike): boolean {
  if (typeof data === 'boolean') return true;
  if (!Array.isArray(data) || data.length === 0) return false;
  return (data as readonly TensorLike[]).every(isAllBool);
}

/**
 * A rank-0 tensor (shape `[]`): float32 for a number and bool for a boolean, unless `dtype` is given.
 * @example
 * scalar(3).shape // => []
 * scalar(true).dtype // => "bool"
 * scalar(2.7, 'int32').item() // => 2
 */
export const scalar = (value: number | boolean, dtype?: DType): Tensor =>
  tensor(value, dtype === undefined ? {} : { dtype });

const checkShape = (op: string, shape: Shape): void => {
  if (!Array.isArray(shape)) throw new PuregradError(op, `shape must be an array of non-negative integers, got ${typeof shape}`);
  if (!shape.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new PuregradError(op, `shape ${showShape(shape)} must be non-negative integers`);
  }
  checkSize(op, shape);
};

/**
 * A tensor of `shape` with every entry `value` (float32 unless `dtype` is given).
 * @example
 * full([2, 2], 7) // => [[7, 7], [7, 7]]
 * full([2], 3, 'int32').dtype // => "int32"
 */
export const full = (shape: Shape, value: number, dtype: DType = 'float32'): Tensor => fill('full', shape, value, dtype);

function fill(op: string, shape: Shape, value: number, dtype: DType): Tensor {
  checkShape(op, shape);
  checkDType(op, dtype);
  if (typeof value !== 'number' && typeof value !== 'boolean') {
    throw new PuregradError(op, `the fill value must be a number, got ${value === null ? 'null' : typeof value}`);
  }
  if (dtype === 'int32') checkInt32(op, fitsInt32(value) ? undefined : value);
  return filled([...shape], dtype, Number(value));
}

/**
 * A tensor of `shape` filled with 0 (false for bool), float32 by default.
 * @example
 * zeros([2, 3]).shape // => [2, 3]
 * zeros([2], 'bool') // => [false, false]
 */
export const zeros = (shape: Shape, dtype: DType = 'float32'): Tensor => fill('zeros', shape, 0, dtype);
/**
 * A tensor of `shape` filled with 1 (true for bool), float32 by default.
 * @example
 * ones([2], 'int32') // => [1, 1]
 */
export const ones = (shape: Shape, dtype: DType = 'float32'): Tensor => fill('ones', shape, 1, dtype);

/**
 * `[start, start + step, …)` up to but excluding `stop`; with one argument, `[0, stop)`. A vector, float32 by default.
 * @example
 * arange(4) // => [0, 1, 2, 3]
 * arange(1, 2, 0.25) // => [1, 1.25, 1.5, 1.75]
 * arange(5, 0, -2, 'int32') // => [5, 3, 1]
 */
export function arange(start: number, stop?: number, step = 1, dtype: DType = 'float32'): Tensor {
  const [lo, hi] = stop === undefined ? [0, start] : [start, stop];
  if (step === 0) throw new PuregradError('arange', 'step must not be 0');
  if (![lo, hi, step].every(Number.isFinite)) throw new PuregradError('arange', `start, stop and step must be finite numbers, got ${lo}, ${hi}, ${step}`);
  if (dtype === 'bool') throw new PuregradError('arange', "a range of bools is not meaningful; use dtype 'int32' and compare");
  if (dtype === 'int32' && ![lo, step].every(Number.isInteger)) {
    throw new PuregradError('arange', `an int32 range needs an integer start and step, got ${lo} and ${step}`);
  }
  const n = Math.max(0, Math.ceil((hi - lo) / step));
  const out = allocate(dtype, n);
  for (let i = 0; i < n; i++) out[i] = lo + i * step;
  return fromStorage([n], dtype, out);
}

/**
 * `num` evenly spaced points from `start` to `stop`, both included; float32 by default.
 * @example
 * linspace(0, 1, 5) // => [0, 0.25, 0.5, 0.75, 1]
 * linspace(-1, 1, 3, 'float64').dtype // => "float64"
 */
export function linspace(start: number, stop: number, num: number, dtype: DType = 'float32'): Tensor {
  if (!Number.isInteger(num) || num < 0) throw new PuregradError('linspace', `num must be a non-negative integer, got ${num}`);
  if (dtype === 'bool') throw new PuregradError('linspace', "evenly spaced bools are not meaningful; use a float dtype");
  const out = allocate(dtype, num);
  const step = num > 1 ? (stop - start) / (num - 1) : 0;
  for (let i = 0; i < num; i++) out[i] = i === num - 1 && num > 1 ? stop : start + i * step;
  return fromStorage([num], dtype, out);
}

/**
 * The `n × m` identity (ones on the diagonal), float32 by default.
 * @example
 * eye(2) // => [[1, 0], [0, 1]]
 * eye(2, 3) // => [[1, 0, 0], [0, 1, 0]]
 */
export function eye(n: number, m: number = n, dtype: DType = 'float32'): Tensor {
  checkShape('eye', [n, m]);
  const out = allocate(dtype, n * m);
  for (let i = 0; i < Math.min(n, m); i++) out[i * m + i] = 1;
  return fromStorage([n, m], dtype, out);
}
