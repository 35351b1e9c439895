/**
 * safetensors element types and how their little-endian bytes become
 * puregrad storage and back. puregrad writes its own four dtypes (F32, F64,
 * I32, BOOL). On load, each safetensors dtype maps to the puregrad dtype that
 * holds all its values exactly, or the load fails — a value is never changed
 * silently:
 * - F16 and BF16 widen to float32 (every half and bfloat16 value is a float32);
 * - every integer type (I8, I16, I32, I64, U8, U16, U32, U64) becomes int32,
 *   and a value outside int32's range fails the load (`Left`, kind `value`),
 *   naming the tensor, the element and the value;
 * - BOOL is one byte per element; any non-zero byte reads as true;
 * - the 8-, 6- and 4-bit floats and complex numbers fail the load (kind `dtype`).
 * Bytes are read through `DataView` with explicit little-endianness, so the
 * host's byte order never matters. NaN payloads are not preserved.
 */

import type { DType, Storage } from '../tensor/dtype.ts';

/** The safetensors dtypes puregrad loads. */
export type StDtype =
  | 'F64' | 'F32' | 'F16' | 'BF16' | 'I64' | 'I32' | 'I16' | 'I8' | 'U64' | 'U32' | 'U16' | 'U8' | 'BOOL';

/** Bytes per element, and the puregrad dtype each loads as. */
export const LOADABLE: Readonly<Record<StDtype, { readonly size: number; readonly dtype: DType }>> = {
  F64: { size: 8, dtype: 'float64' },
  F32: { size: 4, dtype: 'float32' },
  F16: { size: 2, dtype: 'float32' },
  BF16: { size: 2, dtype: 'float32' },
  I64: { size: 8, dtype: 'int32' },
  I32: { size: 4, dtype: 'int32' },
  I16: { size: 2, dtype: 'int32' },
  I8: { size: 1, dtype: 'int32' },
  U64: { size: 8, dtype: 'int32' },
  U32: { size: 4, dtype: 'int32' },
  U16: { size: 2, dtype: 'int32' },
  U8: { size: 1, dtype: 'int32' },
  BOOL: { size: 1, dtype: 'bool' },
};

/**
 * The reference implementation's other dtypes (its `Dtype` enum in `safetensors/src/tensor.rs`):
 * valid in a file, but with no puregrad dtype that holds them.
 */
export const UNSUPPORTED: readonly string[] = [
  'F8_E5M2', 'F8_E4M3', 'F8_E8M0', 'F8_E4M3FNUZ', 'F8_E5M2FNUZ', 'F6_E2M3', 'F6_E3M2', 'F4', 'C64',
];

export const isLoadable = (name: string): name is StDtype => Object.hasOwn(LOADABLE, name);

/** The safetensors dtype each puregrad dtype is written as. */
export const WRITTEN: Readonly<Record<DType, StDtype>> = { float64: 'F64', float32: 'F32', int32: 'I32', bool: 'BOOL' };

/**
 * Position of each written dtype in the reference's `Dtype` enum order (BOOL < I32 < F32 < F64),
 * which its writer sorts by, descending, to lay out the data.
 */
export const ENUM_RANK: Readonly<Record<DType, number>> = { bool: 0, int32: 1, float32: 2, float64: 3 };

/**
 * An IEEE 754 half (binary16) as a number: 1 sign, 5 exponent (bias 15) and 10 fraction bits.
 * 0x3C00 = 1, 0xC000 = −2, 0x7C00 = Infinity, 0x0001 = 2⁻²⁴ (the smallest subnormal).
 */
export function halfToNumber(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24; // zero and subnormals: 0.fraction × 2⁻¹⁴
  if (exponent === 0x1f) return fraction === 0 ? sign * Infinity : NaN;
  return sign * (0x400 + fraction) * 2 ** (exponent - 25); // 1.fraction × 2^(exponent − 15)
}

/** A bfloat16 as a number: the top 16 bits of a float32, so its bits shifted up are that float32. */
export function bfloat16ToNumber(b: number, scratch: DataView): number {
  scratch.setUint32(0, (b & 0xffff) << 16 >>> 0);
  return scratch.getFloat32(0);
}

/** An element that does not fit int32, for the error message. */
export interface OutOfRange {
  readonly index: number;
  readonly value: string;
}

const INT32_MAX = 2 ** 31 - 1;

/**
 * Decode `count` elements of `st` from `bytes` (exactly `count × size` bytes, little-endian)
 * into fresh storage of the puregrad dtype `LOADABLE[st].dtype`.
 */
export function decode(st: StDtype, bytes: Uint8Array, count: number): Storage | OutOfRange {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  switch (st) {
    case 'F64':
      return fill(new Float64Array(count), (k) => view.getFloat64(8 * k, true));
    case 'F32':
      return fill(new Float32Array(count), (k) => view.getFloat32(4 * k, true));
    case 'F16':
      return fill(new Float32Array(count), (k) => halfToNumber(view.getUint16(2 * k, true)));
    case 'BF16': {
      const scratch = new DataView(new ArrayBuffer(4));
      return fill(new Float32Array(count), (k) => bfloat16ToNumber(view.getUint16(2 * k, true), scratch));
    }
    case 'I32':
      return fill(new Int32Array(count), (k) => view.getInt32(4 * k, true));
    case 'I16':
      return fill(new Int32Array(count), (k) => view.getInt16(2 * k, true));
    case 'I8':
      return fill(new Int32Array(count), (k) => view.getInt8(k));
    case 'U16':
      return fill(new Int32Array(count), (k) => view.getUint16(2 * k, true));
    case 'U8':
      return fill(new Int32Array(count), (k) => view.getUint8(k));
    case 'BOOL':
      return fill(new Uint8Array(count), (k) => (view.getUint8(k) !== 0 ? 1 : 0));
    case 'U32':
      return narrow(count, (k) => (view.getUint32(4 * k, true) <= INT32_MAX ? view.getInt32(4 * k, true) : undefined),
        (k) => String(view.getUint32(4 * k, true)));
    case 'I64':
      // In range exactly when the high word is the sign extension of the low one.
      return narrow(count, (k) => {
        const low = view.getInt32(8 * k, true);
        return view.getInt32(8 * k + 4, true) === (low < 0 ? -1 : 0) ? low : undefined;
      }, (k) => view.getBigInt64(8 * k, true).toString());
    case 'U64':
      return narrow(count, (k) => {
        const low = view.getInt32(8 * k, true);
        return low >= 0 && view.getUint32(8 * k + 4, true) === 0 ? low : undefined;
      }, (k) => view.getBigUint64(8 * k, true).toString());
  }
}

function fill<S extends Storage>(out: S, at: (k: number) => number): S {
  for (let k = 0; k < out.length; k++) out[k] = at(k);
  return out;
}

/** int32 storage from a wider integer type, or the first element that does not fit. */
function narrow(
  count: number,
  at: (k: number) => number | undefined,
  show: (k: number) => string,
): Int32Array | OutOfRange {
  const out = new Int32Array(count);
  for (let k = 0; k < count; k++) {
    const v = at(k);
    if (v === undefined) return { index: k, value: show(k) };
    out[k] = v;
  }
  return out;
}

/** Write `data` (of puregrad dtype `dtype`) little-endian into `out` from byte `offset`. */
export function encode(dtype: DType, data: Storage, out: DataView, offset: number): void {
  const n = data.length;
  switch (dtype) {
    case 'float64':
      for (let k = 0; k < n; k++) out.setFloat64(offset + 8 * k, data[k]!, true);
      return;
    case 'float32':
      for (let k = 0; k < n; k++) out.setFloat32(offset + 4 * k, data[k]!, true);
      return;
    case 'int32':
      for (let k = 0; k < n; k++) out.setInt32(offset + 4 * k, data[k]!, true);
      return;
    case 'bool':
      for (let k = 0; k < n; k++) out.setUint8(offset + k, data[k] !== 0 ? 1 : 0);
  }
}

/** Bytes per element of each puregrad dtype as written. */
export const WRITTEN_SIZE: Readonly<Record<DType, number>> = { float64: 8, float32: 4, int32: 4, bool: 1 };
