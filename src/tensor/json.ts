/**
 * The JSON form of a tensor: `{dtype, shape, data}` with `data` a flat
 * row-major array of plain numbers (booleans for `bool`). JSON has no NaN,
 * infinities or negative zero, so those float values travel as the strings
 * `"NaN"`, `"Infinity"`, `"-Infinity"` and `"-0"`; with them the form round-trips
 * every float32, float64, int32 and bool tensor exactly through
 * `JSON.stringify` and `JSON.parse`. float32 values are written as their
 * shortest decimal (`0.1`, not `0.10000000149011612`), which reads back to
 * the same float32.
 *
 * `Tensor.prototype.toJSON` encodes; `tensor()` recognizes the form and decodes.
 */

import type { DType, Storage } from './dtype.ts';
import { DTYPES, allocate } from './dtype.ts';
import { PuregradError } from './errors.ts';
import { showFloat } from './format.ts';
import type { Shape } from './shape.ts';
import { showShape, sizeOf } from './shape.ts';

/** A float JSON cannot write as a number. */
export type SpecialFloat = 'NaN' | 'Infinity' | '-Infinity' | '-0';

/** What `tensor.toJSON()` returns and `tensor()` accepts back. */
export interface TensorJSON {
  readonly dtype: DType;
  readonly shape: readonly number[];
  readonly data: readonly (number | boolean | SpecialFloat)[];
}

const SPECIAL: Readonly<Record<SpecialFloat, number>> = {
  NaN: NaN, Infinity: Infinity, '-Infinity': -Infinity, '-0': -0,
};

/** A float as JSON: a number when JSON can hold it, else one of the four strings. */
function encodeFloat(v: number, float32: boolean): number | SpecialFloat {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return 'Infinity';
  if (v === -Infinity) return '-Infinity';
  if (Object.is(v, -0)) return '-0';
  return float32 ? Number(showFloat(v, true)) : v;
}

/** The JSON form of a tensor's dtype, shape and flat row-major storage. */
export function encodeTensor(dtype: DType, shape: Shape, data: Storage): TensorJSON {
  const values: (number | boolean | SpecialFloat)[] = new Array(data.length);
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    values[i] = dtype === 'bool' ? v !== 0 : dtype === 'int32' ? v : encodeFloat(v, dtype === 'float32');
  }
  return { dtype, shape: [...shape], data: values };
}

/** True for a non-array, non-typed-array object: what `tensor()` reads as the JSON form. */
export const isTensorJSON = (x: unknown): x is TensorJSON =>
  typeof x === 'object' && x !== null && !Array.isArray(x) && !ArrayBuffer.isView(x);

const fail = (detail: string): never => {
  throw new PuregradError('tensor', `JSON form {dtype, shape, data}: ${detail}`);
};

/** Check one element of the JSON form against its dtype and return it as a storable number. */
function decodeValue(v: unknown, dtype: DType, i: number): number {
  const at = `data[${i}] = ${JSON.stringify(v) ?? String(v)}`;
  if (dtype === 'bool') {
    return typeof v === 'boolean' ? (v ? 1 : 0) : fail(`${at} must be true or false for dtype bool`);
  }
  if (dtype === 'int32') {
    if (typeof v === 'number' && Number.isInteger(v) && v >= -(2 ** 31) && v < 2 ** 31) return v;
    return fail(`${at} must be an integer in int32's range for dtype int32`);
  }
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && Object.hasOwn(SPECIAL, v)) return SPECIAL[v as SpecialFloat];
  return fail(`${at} must be a number or one of "NaN", "Infinity", "-Infinity", "-0" for dtype ${dtype}`);
}

/**
 * The dtype, shape and storage the JSON form describes, checked strictly: the
 * three fields and no others, a known dtype, a shape of non-negative integers,
 * and exactly as many values as the shape holds, each valid for the dtype.
 */
export function decodeTensor(json: object): { dtype: DType; shape: number[]; data: Storage } {
  const fields = Object.keys(json);
  const extra = fields.filter((k) => k !== 'dtype' && k !== 'shape' && k !== 'data');
  if (extra.length > 0) {
    fail(`unexpected field ${JSON.stringify(extra[0])}; a tensor's JSON has exactly dtype, shape and data`);
  }
  const { dtype, shape, data } = json as Record<string, unknown>;
  if (typeof dtype !== 'string' || !(DTYPES as readonly string[]).includes(dtype)) {
    fail(`dtype ${JSON.stringify(dtype) ?? 'undefined'} is not one of ${DTYPES.join(', ')}`);
  }
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    fail('shape must be an array of non-negative integers');
  }
  const dims = [...(shape as number[])];
  if (!Array.isArray(data)) return fail('data must be a flat array of values');
  if (data.length !== sizeOf(dims)) {
    fail(`shape ${showShape(dims)} holds ${sizeOf(dims)} elements but data has ${data.length}`);
  }
  const out = allocate(dtype as DType, data.length);
  for (let i = 0; i < data.length; i++) out[i] = decodeValue(data[i], dtype as DType, i);
  return { dtype: dtype as DType, shape: dims, data: out };
}
