/**
 * Elementwise kernels: one output element per (broadcast) input position.
 *
 * Each kernel picks a specialised loop with a `switch` outside the loop, so the
 * hot loop is a bare `for` over typed arrays. Broadcasting goes through the
 * strided walk in `strided.ts`: after axis collapsing, identical shapes are a
 * single straight row, a size-1 operand is a row with step 0, and everything
 * else is an odometer over rows of the last axis.
 *
 * Storage conversion is the typed arrays' own: a float stored into an int32
 * output truncates toward zero (NaN and ±Infinity become 0, large values wrap).
 * Arithmetic into a bool output instead follows `cast`'s truthiness rule (the
 * result is computed in float64 and then cast), so `add` on bools is a logical
 * or and `mul` a logical and.
 */

import type { DType, Storage } from '../tensor/dtype.ts';
import { allocate } from '../tensor/dtype.ts';
import type { Shape } from '../tensor/shape.ts';
import { sizeOf, stridesOf } from '../tensor/shape.ts';
import { broadcastStrides, collapse, forEachRow, lastOf } from './strided.ts';

export type UnaryKernel =
  | 'neg'
  | 'exp'
  | 'log'
  | 'log1p'
  | 'expm1'
  | 'sin'
  | 'cos'
  | 'tanh'
  | 'sqrt'
  | 'abs'
  | 'sign';

/** Apply `op` to every element of `x`; the output has `x.length` elements of `outDtype`. */
export function unary(op: UnaryKernel, x: Storage, outDtype: DType): Storage {
  if (outDtype === 'bool') return cast(unary(op, x, 'float64'), 'bool');
  const n = x.length;
  const out = allocate(outDtype, n);
  switch (op) {
    case 'neg':
      for (let i = 0; i < n; i++) out[i] = -x[i];
      break;
    case 'exp':
      for (let i = 0; i < n; i++) out[i] = Math.exp(x[i]);
      break;
    case 'log':
      for (let i = 0; i < n; i++) out[i] = Math.log(x[i]);
      break;
    case 'log1p':
      for (let i = 0; i < n; i++) out[i] = Math.log1p(x[i]);
      break;
    case 'expm1':
      for (let i = 0; i < n; i++) out[i] = Math.expm1(x[i]);
      break;
    case 'sin':
      for (let i = 0; i < n; i++) out[i] = Math.sin(x[i]);
      break;
    case 'cos':
      for (let i = 0; i < n; i++) out[i] = Math.cos(x[i]);
      break;
    case 'tanh':
      for (let i = 0; i < n; i++) out[i] = Math.tanh(x[i]);
      break;
    case 'sqrt':
      for (let i = 0; i < n; i++) out[i] = Math.sqrt(x[i]);
      break;
    case 'abs':
      for (let i = 0; i < n; i++) out[i] = Math.abs(x[i]);
      break;
    case 'sign':
      for (let i = 0; i < n; i++) out[i] = Math.sign(x[i]);
      break;
  }
  return out;
}

export type BinaryKernel =
  | 'add'
  | 'sub'
  | 'mul'
  | 'div'
  | 'pow'
  | 'maximum'
  | 'greater'
  | 'greaterEqual'
  | 'equal'
  | 'notEqual';

const isComparison = (op: BinaryKernel): boolean =>
  op === 'greater' || op === 'greaterEqual' || op === 'equal' || op === 'notEqual';

/**
 * `op(a, b)` with `a` and `b` broadcast to `outShape` (NumPy rules; either may
 * have lower rank). Comparisons write 1/0. `maximum` is `Math.max`, which
 * already propagates NaN.
 */
export function binary(
  op: BinaryKernel,
  a: Storage,
  aShape: Shape,
  b: Storage,
  bShape: Shape,
  outShape: Shape,
  outDtype: DType,
): Storage {
  if (outDtype === 'bool' && !isComparison(op)) {
    return cast(binary(op, a, aShape, b, bShape, outShape, 'float64'), 'bool');
  }
  const out = allocate(outDtype, sizeOf(outShape));
  const walk = collapse(outShape, [
    stridesOf(outShape),
    broadcastStrides(aShape, outShape),
    broadcastStrides(bShape, outShape),
  ]);
  const n = lastOf(walk.shape);
  const sa = lastOf(walk.strides[1]);
  const sb = lastOf(walk.strides[2]);
  forEachRow(walk, (o) => binaryRow(op, out, o[0], n, a, o[1], sa, b, o[2], sb));
  return out;
}

/** One row of `binary`: `n` outputs from `out[o]` on, operands stepping by `sa` and `sb`. */
function binaryRow(
  op: BinaryKernel,
  out: Storage,
  o: number,
  n: number,
  a: Storage,
  i: number,
  sa: number,
  b: Storage,
  j: number,
  sb: number,
): void {
  const end = o + n;
  switch (op) {
    case 'add':
      for (; o < end; o++, i += sa, j += sb) out[o] = a[i] + b[j];
      return;
    case 'sub':
      for (; o < end; o++, i += sa, j += sb) out[o] = a[i] - b[j];
      return;
    case 'mul':
      if (out instanceof Int32Array) for (; o < end; o++, i += sa, j += sb) out[o] = Math.imul(a[i]!, b[j]!); // wraps exactly
      else for (; o < end; o++, i += sa, j += sb) out[o] = a[i] * b[j];
      return;
    case 'div':
      for (; o < end; o++, i += sa, j += sb) out[o] = a[i] / b[j];
      return;
    case 'pow':
      for (; o < end; o++, i += sa, j += sb) out[o] = a[i] ** b[j];
      return;
    case 'maximum':
      for (; o < end; o++, i += sa, j += sb) out[o] = Math.max(a[i], b[j]);
      return;
    case 'greater':
      for (; o < end; o++, i += sa, j += sb) out[o] = a[i] > b[j] ? 1 : 0;
      return;
    case 'greaterEqual':
      for (; o < end; o++, i += sa, j += sb) out[o] = a[i] >= b[j] ? 1 : 0;
      return;
    case 'equal':
      for (; o < end; o++, i += sa, j += sb) out[o] = a[i] === b[j] ? 1 : 0;
      return;
    case 'notEqual':
      for (; o < end; o++, i += sa, j += sb) out[o] = a[i] !== b[j] ? 1 : 0;
      return;
  }
}

/** `out[i] = c[i] ? x[i] : y[i]`, all three broadcast to `outShape`. */
export function select(
  c: Uint8Array,
  cShape: Shape,
  x: Storage,
  xShape: Shape,
  y: Storage,
  yShape: Shape,
  outShape: Shape,
  outDtype: DType,
): Storage {
  if (outDtype === 'bool' && !(x instanceof Uint8Array && y instanceof Uint8Array)) {
    return cast(select(c, cShape, x, xShape, y, yShape, outShape, 'float64'), 'bool');
  }
  const out = allocate(outDtype, sizeOf(outShape));
  const walk = collapse(outShape, [
    stridesOf(outShape),
    broadcastStrides(cShape, outShape),
    broadcastStrides(xShape, outShape),
    broadcastStrides(yShape, outShape),
  ]);
  const n = lastOf(walk.shape);
  const sc = lastOf(walk.strides[1]);
  const sx = lastOf(walk.strides[2]);
  const sy = lastOf(walk.strides[3]);
  forEachRow(walk, (offsets) => {
    let h = offsets[1];
    let i = offsets[2];
    let j = offsets[3];
    for (let o = offsets[0], end = o + n; o < end; o++, h += sc, i += sx, j += sy) {
      out[o] = c[h] !== 0 ? x[i] : y[j];
    }
  });
  return out;
}

/**
 * Convert `x` to `outDtype`. To bool: 1 where the value is nonzero (NaN
 * included, as in NumPy), else 0. Otherwise the typed arrays' own conversion: float to int32
 * truncates toward zero (NaN and ±Infinity to 0), float64 to float32 rounds to
 * nearest, bool to a number gives 0/1.
 */
export function cast(x: Storage, outDtype: DType): Storage {
  const n = x.length;
  const out = allocate(outDtype, n);
  if (outDtype === 'bool') {
    for (let i = 0; i < n; i++) out[i] = x[i] !== 0 ? 1 : 0;
  } else {
    // TypedArray#set between element types applies the same per-element
    // conversion as an assignment `out[i] = x[i]`.
    out.set(x);
  }
  return out;
}
