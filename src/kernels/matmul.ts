/**
 * Batched matrix product with transpose flags: out[t] = op(a[t]) · op(b[t]),
 * where op(x) is x or, when its flag is set, the transpose of the stored
 * matrix (a transposed A is stored [k, m], a transposed B [n, k]). The flags
 * are folded into the packing of the operands: no transpose is materialised.
 *
 * Two implementations, one arithmetic. Float32 and float64 products of more
 * than a few hundred multiply-adds run in the generated WebAssembly SIMD
 * kernel (`./wasm/`); everything else, and every product where WebAssembly
 * SIMD is missing, runs in the TypeScript loop below (a large product is
 * also split across worker threads, `./threads.ts`). Both compute each
 * output element the same way: c = 0, then for p = 0, 1, …, k−1 in order,
 * c ← c + a(i, p)·b(p, j), with the product and the sum each rounded to the
 * output dtype (no fused multiply-add, no split of k into partial sums). So
 * the two agree bit for bit, and a result does not depend on which path,
 * blocking or tile produced it. int32 wraps (products by `Math.imul`, sums
 * modulo 2³²); a bool product is the logical or of ands.
 *
 * Error bound. float32 accumulates in float32, as BLAS, XLA, jax-js and
 * TensorFlow.js do; with u = 2⁻²⁴ each element satisfies
 *   |ĉ(i, j) − c(i, j)| ≤ γ_k · Σ_p |a(i, p)|·|b(p, j)|,  γ_k = k·u / (1 − k·u) ≈ k·u
 * against the exact product of the (float32) inputs (the standard bound for a
 * recursively summed inner product: Higham, Accuracy and Stability of
 * Numerical Algorithms, 2nd ed., §3.1). float64 obeys the same with u = 2⁻⁵³.
 */

import type { DType, Storage } from '../tensor/dtype.ts';
import { allocate } from '../tensor/dtype.ts';
import type { Shape } from '../tensor/shape.ts';
import { sizeOf } from '../tensor/shape.ts';
import type { GemmPlan } from './wasm/runtime.ts';
import { gemmInstance, gemmWasm } from './wasm/runtime.ts';

/** What `matmulInto` computes: `batch` products of [m, k]·[k, n] in `dtype`. */
export interface MatmulSpec {
  readonly batch: number;
  readonly m: number;
  readonly k: number;
  readonly n: number;
  /** A is stored [k, m] (per batch element) and used transposed. */
  readonly transA?: boolean;
  /** B is stored [n, k] and used transposed. */
  readonly transB?: boolean;
  readonly dtype: DType;
  /** Elements between consecutive matrices of A; 0 shares one matrix across the batch. Default m·k. */
  readonly aBatchStride?: number;
  /** Elements between consecutive matrices of B; 0 shares one matrix across the batch. Default k·n. */
  readonly bBatchStride?: number;
}

/**
 * Which implementation runs: `auto` picks by size and availability; the
 * others force one (tests, benchmarks). `wasm-compact` is the WebAssembly
 * module browsers' main threads use (it packs element by element).
 */
export type MatmulKernel = 'auto' | 'wasm' | 'wasm-compact' | 'js';

let kernel: MatmulKernel = 'auto';

/**
 * Below this many multiply-adds per matrix the TypeScript loop beats the
 * WebAssembly call (measured: even at 6×6×6 the call, ~0.3 µs, wins).
 */
const WASM_MIN_WORK = 128;

/** Choose the implementation of every later matrix product (`'wasm'` still falls back where unavailable). */
export function setMatmulKernel(which: MatmulKernel): void {
  kernel = which;
}

/** Whether the WebAssembly SIMD kernel is available in this engine. */
export const wasmMatmulAvailable = (): boolean => gemmInstance() !== null;

/**
 * Write the product described by `spec` into `out` (at least batch·m·n
 * elements of `spec.dtype`'s storage, row-major [batch, m, n]) and return it.
 * Never writes `a` or `b`; `out` must not alias them.
 */
export function matmulInto(out: Storage, a: Storage, b: Storage, spec: MatmulSpec): Storage {
  const { batch, m, k, n, dtype } = spec;
  const plan: GemmPlan = {
    batch, m, k, n,
    transA: spec.transA ?? false,
    transB: spec.transB ?? false,
    aBatchStride: spec.aBatchStride ?? m * k,
    bBatchStride: spec.bBatchStride ?? k * n,
  };
  const size = batch * m * n;
  if (size === 0) return out;
  if (k === 0) {
    out.fill(0, 0, size);
    return out;
  }
  const float = out instanceof Float32Array || out instanceof Float64Array;
  const wasm = kernel === 'wasm' || kernel === 'wasm-compact' || (kernel === 'auto' && m * n * k >= WASM_MIN_WORK);
  if (float && wasm && gemmWasm(out, a, b, plan, kernel === 'wasm-compact' ? true : undefined)) return out;
  matmulJs(out, asDtype(a, dtype), asDtype(b, dtype), plan, dtype);
  return out;
}

/**
 * `op(a) @ op(b)` over leading batch dimensions, allocating the result.
 * `aShape` and `bShape` are the stored shapes: [...batch, m, k] (or
 * [...batch, k, m] with `transA`) and [...batch, k, n] (or [...batch, n, k]
 * with `transB`). The caller checks that they multiply; an operand whose
 * batch dimensions hold one matrix where the other holds several is shared.
 */
export function matmul(
  a: Storage, aShape: Shape, b: Storage, bShape: Shape, outDtype: DType, transA = false, transB = false,
): Storage {
  const ra = aShape.length;
  const rb = bShape.length;
  const [m, k] = transA ? [aShape[ra - 1]!, aShape[ra - 2]!] : [aShape[ra - 2]!, aShape[ra - 1]!];
  const n = transB ? bShape[rb - 2]! : bShape[rb - 1]!;
  const aBatch = sizeOf(aShape.slice(0, ra - 2));
  const bBatch = sizeOf(bShape.slice(0, rb - 2));
  const batch = Math.max(aBatch, bBatch);
  const out = allocate(outDtype, batch * m * n);
  return matmulInto(out, a, b, {
    batch, m, k, n, transA, transB, dtype: outDtype,
    aBatchStride: aBatch === 1 ? 0 : m * k,
    bBatchStride: bBatch === 1 ? 0 : k * n,
  });
}

/** Operands in the arithmetic of `dtype`: only float32 needs rounding of foreign storage first. */
const asDtype = (x: Storage, dtype: DType): Storage =>
  dtype === 'float32' && !(x instanceof Float32Array) ? Float32Array.from(x) : x;

/**
 * The TypeScript product, in the order the header fixes. Loop order t-i-p-j:
 * each a(i, p) scales row p of op(b) into row i of `out`, so every out(i, j)
 * still receives its k terms in order p = 0 … k−1.
 */
function matmulJs(out: Storage, a: Storage, b: Storage, plan: GemmPlan, dtype: DType): void {
  const { batch, m, k, n, transA, transB, aBatchStride, bBatchStride } = plan;
  const [asi, asp] = transA ? [1, m] : [k, 1];
  const [bsp, bsj] = transB ? [1, k] : [n, 1];
  out.fill(0, 0, batch * m * n);
  const row = ROWS[dtype];
  for (let t = 0; t < batch; t++) {
    for (let i = 0; i < m; i++) {
      const o = (t * m + i) * n;
      const ai = t * aBatchStride + i * asi;
      for (let p = 0; p < k; p++) row(out, o, a[ai + p * asp]!, b, t * bBatchStride + p * bsp, bsj, n);
    }
  }
}

/** out[o + j] ← out[o + j] + x·b[bp + j·bsj] for j < n, rounded as each dtype rounds. */
type RowUpdate = (out: Storage, o: number, x: number, b: Storage, bp: number, bsj: number, n: number) => void;

const ROWS: Readonly<Record<DType, RowUpdate>> = {
  // The float32 store rounds the sum; the product is rounded first (exact in double, then fround).
  float32: (out, o, x, b, bp, bsj, n) => {
    for (let j = 0; j < n; j++) out[o + j] += Math.fround(x * b[bp + j * bsj]!);
  },
  float64: (out, o, x, b, bp, bsj, n) => {
    for (let j = 0; j < n; j++) out[o + j] += x * b[bp + j * bsj]!;
  },
  // The sum of two int32 values is exact in double; the Int32Array store wraps it.
  int32: (out, o, x, b, bp, bsj, n) => {
    for (let j = 0; j < n; j++) out[o + j] += Math.imul(x, b[bp + j * bsj]!);
  },
  bool: (out, o, x, b, bp, bsj, n) => {
    if (x === 0) return;
    for (let j = 0; j < n; j++) if (b[bp + j * bsj] !== 0) out[o + j] = 1;
  },
};
