/**
 * The generated matrix-product module at run time: compiled synchronously on
 * first use (about 3 KB, under the 4 KB that browsers' main threads allow a
 * synchronous compile; a test keeps it there), one `WebAssembly.Memory`
 * grown as needed, and the blocked driver: operands
 * are copied in, B is packed once per k-block (once for all of a batch when
 * it is shared), A once per (k-block, row-block), the macro-kernel runs, and
 * the result is copied out. Loads `null` where WebAssembly SIMD is missing,
 * and the caller falls back to TypeScript.
 */

import type { Storage } from '../../tensor/dtype.ts';
import type { Tile } from './gemm.ts';
import { GEMM_EXPORTS, gemmModuleBytes, TILES, tileCols } from './gemm.ts';

/** A resolved product: `batch` products of [m, k]·[k, n]; strides in elements, 0 for a shared operand. */
export interface GemmPlan {
  readonly batch: number;
  readonly m: number;
  readonly k: number;
  readonly n: number;
  readonly transA: boolean;
  readonly transB: boolean;
  readonly aBatchStride: number;
  readonly bBatchStride: number;
}

/** The part of the WebAssembly JS API used here (declared locally: the ES lib does not include it). */
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  readonly Memory: new (descriptor: { initial: number }) => WasmMemory;
  readonly Module: new (bytes: Uint8Array<ArrayBuffer>) => object;
  readonly Instance: new (module: object, imports: object) => { readonly exports: object };
}
const wasmApi = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;

type Exports = Record<(typeof GEMM_EXPORTS)[number], (...args: number[]) => void>;

interface Gemm {
  readonly memory: WasmMemory;
  readonly fns: Exports;
}

const PAGE = 65536;
/** Cache blocking, in elements: a kc-deep slice of B and an mc × kc block of A (L1/L2-sized). */
const BLOCK = { f32: { kc: 256, mc: 128 }, f64: { kc: 128, mc: 128 } } as const;

let loaded: Gemm | null | undefined;
let f32View = new Float32Array(0);
let f64View = new Float64Array(0);

/** The instance, compiled on first call; `null` when this engine lacks WebAssembly SIMD. */
export function gemmInstance(): Gemm | null {
  if (loaded !== undefined) return loaded;
  if (wasmApi === undefined) return (loaded = null);
  try {
    const memory = new wasmApi.Memory({ initial: 16 });
    const instance = new wasmApi.Instance(new wasmApi.Module(gemmModuleBytes(1)), { env: { memory } });
    loaded = { memory, fns: instance.exports as unknown as Exports };
  } catch {
    loaded = null;
  }
  return loaded;
}

/** Size of the generated module in bytes. */
export const gemmModuleSize = (): number => gemmModuleBytes(1).length;

const align16 = (bytes: number): number => (bytes + 15) & ~15;
const roundUp = (x: number, to: number): number => Math.ceil(x / to) * to;

/** The memory as typed views of at least `bytes` bytes (growing it if needed). */
function views(g: Gemm, bytes: number): void {
  const have = g.memory.buffer.byteLength;
  if (bytes > have) g.memory.grow(Math.ceil((bytes - have) / PAGE));
  if (f32View.buffer !== g.memory.buffer) {
    f32View = new Float32Array(g.memory.buffer);
    f64View = new Float64Array(g.memory.buffer);
  }
}

/**
 * out[t] = op(a[t]) · op(b[t]) for float32 or float64 `out`, where op
 * transposes the stored operand when its flag is set. Other input storages
 * are converted to out's type on the way in. Returns false (and writes
 * nothing) when WebAssembly SIMD is unavailable.
 */
export function gemmWasm(out: Float32Array | Float64Array, a: Storage, b: Storage, plan: GemmPlan): boolean {
  const g = gemmInstance();
  if (g === null) return false;
  let { batch, m } = plan;
  const { k, n, transA, transB, aBatchStride, bBatchStride } = plan;
  // B shared by every product and A's matrices contiguous: one product with batch·m rows.
  if (batch > 1 && bBatchStride === 0 && !transA && aBatchStride === m * k) [m, batch] = [m * batch, 1];
  const wide = out instanceof Float64Array;
  const tile: Tile = wide ? TILES.f64 : TILES.f32;
  const { kc: KC, mc: MC } = wide ? BLOCK.f64 : BLOCK.f32;
  const es = tile.es;
  const nr = tileCols(tile);
  const aLen = (batch - 1) * aBatchStride + m * k;
  const bLen = (batch - 1) * bBatchStride + k * n;
  const A = 0;
  const B = align16(A + aLen * es);
  const C = align16(B + bLen * es);
  const Ap = align16(C + batch * m * n * es);
  const Bp = align16(Ap + roundUp(Math.min(MC, m), tile.mr) * Math.min(KC, k) * es);
  const scratch = align16(Bp + Math.min(KC, k) * roundUp(n, nr) * es);
  views(g, scratch + tile.mr * nr * es);
  const view = wide ? f64View : f32View;
  view.set(a.length === aLen ? a : a.subarray(0, aLen), A / es);
  view.set(b.length === bLen ? b : b.subarray(0, bLen), B / es);
  view.fill(0, C / es, C / es + batch * m * n);
  const { fns } = g;
  const [packA, packB, macro] = wide
    ? [fns.packA_f64, fns.packB_f64, fns.macro_f64]
    : [fns.packA_f32, fns.packB_f32, fns.macro_f32];
  // Byte strides of element (i, p) of A and (p, j) of B, through the transpose flags.
  const [asx, asp] = transA ? [es, m * es] : [k * es, es];
  const [bsx, bsp] = transB ? [k * es, es] : [es, n * es];
  const reuseB = bBatchStride === 0 && k <= KC;
  for (let t = 0; t < batch; t++) {
    const aOff = A + t * aBatchStride * es;
    const bOff = B + t * bBatchStride * es;
    const cOff = C + t * m * n * es;
    for (let pc = 0; pc < k; pc += KC) {
      const kc = Math.min(KC, k - pc);
      if (!(reuseB && t > 0)) packB(bOff + pc * bsp, bsx, bsp, n, kc, Bp);
      for (let ic = 0; ic < m; ic += MC) {
        const mc = Math.min(MC, m - ic);
        packA(aOff + ic * asx + pc * asp, asx, asp, mc, kc, Ap);
        macro(Ap, Bp, cOff + ic * n * es, mc, n, kc, n * es, scratch);
      }
    }
  }
  out.set(view.subarray(C / es, C / es + batch * m * n));
  return true;
}
