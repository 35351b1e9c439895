/**
 * Element types. Four of them, as in DESIGN.md: two float widths, a 32-bit
 * integer and a boolean stored one byte per element.
 */

import { PuregradError } from './errors.ts';

export type DType = 'float32' | 'float64' | 'int32' | 'bool';

/** The flat storage behind a tensor of each dtype. */
export type Storage = Float32Array | Float64Array | Int32Array | Uint8Array;

export interface StorageOf {
  readonly float32: Float32Array;
  readonly float64: Float64Array;
  readonly int32: Int32Array;
  readonly bool: Uint8Array;
}

export const DTYPES: readonly DType[] = ['float32', 'float64', 'int32', 'bool'];

/** `d` if it is one of the four dtypes, else a `PuregradError` naming `op`. */
export function checkDType(op: string, d: unknown, what = 'dtype'): DType {
  if (typeof d === 'string' && (DTYPES as readonly string[]).includes(d)) return d as DType;
  const got = typeof d === 'string' ? JSON.stringify(d) : d === null ? 'null' : typeof d;
  throw new PuregradError(op, `${what} must be one of ${DTYPES.join(', ')}, got ${got}`);
}

export const isFloat = (d: DType): boolean => d === 'float32' || d === 'float64';

/** A fresh zero-filled buffer of `size` elements of `dtype`. */
export function allocate(dtype: DType, size: number): Storage {
  switch (dtype) {
    case 'float32':
      return new Float32Array(size);
    case 'float64':
      return new Float64Array(size);
    case 'int32':
      return new Int32Array(size);
    case 'bool':
      return new Uint8Array(size);
  }
}

/** The dtype whose storage class `data` is an instance of. */
export function dtypeOfStorage(data: Storage): DType {
  if (data instanceof Float32Array) return 'float32';
  if (data instanceof Float64Array) return 'float64';
  if (data instanceof Int32Array) return 'int32';
  return 'bool';
}

/**
 * The dtype `tensor()` gives a typed array when none is asked for: its own for
 * the three numeric storages, int32 for narrower integers (a `Uint8Array` of
 * pixels is numbers, not booleans), float64 for `Uint32Array` (which int32
 * cannot hold); `undefined` for the rest (bigint arrays).
 */
export function dtypeForTypedArray(data: ArrayBufferView): DType | undefined {
  if (data instanceof Float32Array) return 'float32';
  if (data instanceof Float64Array) return 'float64';
  if (data instanceof Int32Array || data instanceof Int16Array || data instanceof Int8Array) return 'int32';
  if (data instanceof Uint8Array || data instanceof Uint8ClampedArray || data instanceof Uint16Array) return 'int32';
  if (data instanceof Uint32Array) return 'float64';
  return undefined;
}

/** Copy `src` into fresh storage of `dtype`; bool storage holds only 0 and 1. */
export function storageFrom(src: ArrayLike<number>, dtype: DType): Storage {
  const out = allocate(dtype, src.length);
  if (dtype === 'bool') for (let i = 0; i < src.length; i++) out[i] = src[i] !== 0 ? 1 : 0; // NaN is true, as in NumPy
  else out.set(src);
  return out;
}

const RANK: Readonly<Record<DType, number>> = { bool: 0, int32: 1, float32: 2, float64: 3 };

/** The smallest dtype both operands convert to without loss of kind: bool < int32 < float32 < float64. */
export const promoteTypes = (a: DType, b: DType): DType => (RANK[a] >= RANK[b] ? a : b);

/** Short names used by the program printer, as in jaxprs. */
export const SHORT_NAME: Readonly<Record<DType, string>> = {
  float32: 'f32',
  float64: 'f64',
  int32: 'i32',
  bool: 'bool',
};
