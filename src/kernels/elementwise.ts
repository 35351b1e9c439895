/**
 * Elementwise kernels: one output element per (broadcast) input position.
 *
 * Each kernel picks a specialised loop with a `switch` outside the loop, so the
 * hot loop is a bare `for` over typed arrays. Broadcasting goes through the
 * strided walk in `strided.ts`: after axis collapsing, identical shapes are a
 * single straight row, a size-1 operand is a row with step 0, and everything
 * else is an odometer over rows of the last axis.
 *
 * Each kernel comes in two forms: a destination-passing one (`unaryInto`, or
 * `binaryKernel`, which resolves the broadcast walk once and returns the loop
 * over buffers) that the lowering layer uses, and the allocating wrapper
 * (`unary`, `binary` …) that returns a fresh buffer. Only the first has loops.
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
  const out = allocate(outDtype, x.length);
  unaryInto(op, x, out);
  return out;
}

/** `out[i] = op(x[i])`, writing every element of `out` (as long as `x`). */
export function unaryInto(op: UnaryKernel, x: Storage, out: Storage): void {
  if (out instanceof Uint8Array) {
    castInto(unary(op, x, 'float64'), out);
    return;
  }
  const n = x.length;
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
  const out = allocate(outDtype, sizeOf(outShape));
  binaryKernel(op, aShape, bShape, outShape, outDtype)(a, b, out);
  return out;
}

/**
 * The loop of `binary` for fixed shapes: the broadcast walk is collapsed once
 * here, and the returned function writes all of `out` from `a` and `b`.
 */
export function binaryKernel(
  op: BinaryKernel,
  aShape: Shape,
  bShape: Shape,
  outShape: Shape,
  outDtype: DType,
): (a: Storage, b: Storage, out: Storage) => void {
  if (outDtype === 'bool' && !isComparison(op)) {
    const wide = binaryKernel(op, aShape, bShape, outShape, 'float64');
    const scratch = new Float64Array(sizeOf(outShape));
    return (a, b, out) => {
      wide(a, b, scratch);
      castInto(scratch, out);
    };
  }
  const walk = collapse(outShape, [
    stridesOf(outShape),
    broadcastStrides(aShape, outShape),
    broadcastStrides(bShape, outShape),
  ]);
  const n = lastOf(walk.shape);
  const sa = lastOf(walk.strides[1]);
  const sb = lastOf(walk.strides[2]);
  if (walk.shape.length === 1) return (a, b, out) => binaryRow(op, out, 0, n, a, 0, sa, b, 0, sb);
  return (a, b, out) => forEachRow(walk, (o) => binaryRow(op, out, o[0], n, a, o[1], sa, b, o[2], sb));
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
    // `+(…)` turns the comparison into 0/1 without a branch (a `?:` mispredicts on random data).
    case 'greater':
      for (; o < end; o++, i += sa, j += sb) out[o] = +(a[i] > b[j]);
      return;
    case 'greaterEqual':
      for (; o < end; o++, i += sa, j += sb) out[o] = +(a[i] >= b[j]);
      return;
    case 'equal':
      for (; o < end; o++, i += sa, j += sb) out[o] = +(a[i] === b[j]);
      return;
    case 'notEqual':
      for (; o < end; o++, i += sa, j += sb) out[o] = +(a[i] !== b[j]);
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
  selectKernel(cShape, xShape, yShape, outShape)(c, x, y, out);
  return out;
}

/**
 * The loop of `select` for fixed shapes, writing all of `out`. The operands
 * and `out` share a dtype (the primitive's shape rule ensures it).
 */
export function selectKernel(
  cShape: Shape,
  xShape: Shape,
  yShape: Shape,
  outShape: Shape,
): (c: Uint8Array, x: Storage, y: Storage, out: Storage) => void {
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
  return (c, x, y, out) =>
    forEachRow(walk, (offsets) => {
      let h = offsets[1];
      let i = offsets[2];
      let j = offsets[3];
      for (let o = offsets[0], end = o + n; o < end; o++, h += sc, i += sx, j += sy) {
        out[o] = c[h] !== 0 ? x[i] : y[j];
      }
    });
}

/**
 * Convert `x` to `outDtype`. To bool: 1 where the value is nonzero (NaN
 * included, as in NumPy), else 0. Otherwise the typed arrays' own conversion: float to int32
 * truncates toward zero (NaN and ±Infinity to 0), float64 to float32 rounds to
 * nearest, bool to a number gives 0/1.
 */
export function cast(x: Storage, outDtype: DType): Storage {
  const out = allocate(outDtype, x.length);
  castInto(x, out);
  return out;
}

/** `cast` into `out`, whose storage type is the target dtype (`Uint8Array` is bool). */
export function castInto(x: Storage, out: Storage): void {
  const n = x.length;
  if (out instanceof Uint8Array) {
    for (let i = 0; i < n; i++) out[i] = +(x[i] !== 0);
  } else {
    // TypedArray#set between element types applies the same per-element
    // conversion as an assignment `out[i] = x[i]`.
    out.set(x);
  }
}
