/**
 * The generated matrix-product module at run time: compiled synchronously on
 * first use (in browsers, the compact variant, under the 4 KB that their main
 * threads allow a synchronous compile; a test keeps it there) over one `WebAssembly.Memory` grown as
 * needed. A product copies its operands in, zeroes C, calls the module's
 * blocked driver (`gemm_f32`/`gemm_f64`) and copies the result out. A large
 * product runs instead in the thread pool's shared memory (`../threads.ts`),
 * its rows or columns (or its batch) split into one rectangle of C per thread;
 * each rectangle is a driver call with offset pointers, so every element is
 * computed by the same sequence of operations as on one thread. Loads `null`
 * where WebAssembly SIMD is missing, and the caller falls back to TypeScript.
 */

import type { Storage } from '../../tensor/dtype.ts';
import type { Pool } from '../threads.ts';
import { readyPool, SHARED_MAX_PAGES } from '../threads.ts';
import { MAX_TASKS } from '../threads-worker.ts';
import type { Tile } from './gemm.ts';
import { BLOCKS, GEMM_EXPORTS, gemmModuleBytes, TILES, tileCols } from './gemm.ts';

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
  readonly buffer: ArrayBufferLike;
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

/**
 * Below this many multiply-adds a product stays on the calling thread. Waking
 * a worker costs ~30 µs and each part repacks one operand; measured on this
 * 2-core VM, products of up to 2²² multiply-adds (~90 µs on one thread) were
 * slower on two threads, those of 2²⁴ and more faster (when the other core
 * was free).
 */
export const THREAD_MIN_WORK = 1 << 23;

/**
 * Parts per thread. Every part repacks one whole operand, so more parts cost
 * more packing; measured on 512³ with two threads (this 2-core VM, medians of
 * interleaved runs), one part per thread gave 68–74 GFLOP/s where four gave
 * 61–63. A core that is busy elsewhere is handled by the back-off in
 * `../threads.ts` instead of by finer parts.
 */
const PARTS_PER_THREAD = 1;
/** The least work of one part. */
const PART_MIN_WORK = 1 << 20;

/**
 * A browser's main thread refuses to compile a module of more than 4 KB
 * synchronously, so there the compact module (packing element by element)
 * is used; elsewhere the one that packs with vectors. Both give the same bits.
 */
const compactByDefault = typeof (globalThis as { document?: unknown }).document !== 'undefined';

/** The two single-thread instances (vector packing, compact), each compiled on first use; `null` where WebAssembly SIMD is missing. */
const loaded: [Gemm | null | undefined, Gemm | null | undefined] = [undefined, undefined];

/** The single-thread instance, compiled on first call; `null` when this engine lacks WebAssembly SIMD. */
export function gemmInstance(compact = compactByDefault): Gemm | null {
  const which = compact ? 1 : 0;
  const have = loaded[which];
  if (have !== undefined) return have;
  if (wasmApi === undefined) return (loaded[which] = null);
  try {
    const memory = new wasmApi.Memory({ initial: 16 });
    const instance = new wasmApi.Instance(new wasmApi.Module(gemmModuleBytes(1, undefined, !compact)), { env: { memory } });
    loaded[which] = { memory, fns: instance.exports as unknown as Exports };
  } catch {
    loaded[which] = null;
  }
  return loaded[which];
}

/** Size in bytes of the generated module that browsers' main threads compile (the compact one). */
export const gemmModuleSize = (): number => gemmModuleBytes(1, undefined, false).length;

const align16 = (bytes: number): number => (bytes + 15) & ~15;
const roundUp = (x: number, to: number): number => Math.ceil(x / to) * to;

/** Typed views of each memory, remade when it grows. */
const viewCache = new WeakMap<WasmMemory, { f32: Float32Array; f64: Float64Array }>();

/** A view of `memory` of at least `bytes` bytes (growing it if needed), in out's element type. */
function view(memory: WasmMemory, bytes: number, wide: boolean): Float32Array | Float64Array {
  const have = memory.buffer.byteLength;
  if (bytes > have) memory.grow(Math.ceil((bytes - have) / PAGE));
  let v = viewCache.get(memory);
  if (v === undefined || v.f32.byteLength !== memory.buffer.byteLength) {
    v = { f32: new Float32Array(memory.buffer), f64: new Float64Array(memory.buffer) };
    viewCache.set(memory, v);
  }
  return wide ? v.f64 : v.f32;
}

/** A rectangle of the work: matrices [t0, t1), rows [i0, i1) and columns [j0, j1) of each. */
export interface Part {
  readonly t0: number;
  readonly t1: number;
  readonly i0: number;
  readonly i1: number;
  readonly j0: number;
  readonly j1: number;
}

/** Cuts [0, len) into at most `parts` ranges of whole `unit`s, as even as the units allow. */
function cut(len: number, unit: number, parts: number): [number, number][] {
  const units = Math.ceil(len / unit);
  const count = Math.min(parts, units);
  return Array.from({ length: count }, (_, q) =>
    [Math.floor((q * units) / count) * unit, Math.min(len, Math.floor(((q + 1) * units) / count) * unit)]);
}

/**
 * At most `parts` rectangles covering the product. The batch is split when it
 * has a matrix for every part; else each matrix's rows (in tiles of mr) when
 * m ≥ n, since every part then repacks all of B (k·n), else its columns (in
 * panels of nr), every part repacking all of A (m·k).
 */
export function split(plan: Pick<GemmPlan, 'batch' | 'm' | 'n'>, parts: number, tile: Tile): Part[] {
  const { batch, m, n } = plan;
  if (batch >= parts) return cut(batch, 1, parts).map(([t0, t1]) => ({ t0, t1, i0: 0, i1: m, j0: 0, j1: n }));
  if (m >= n) return cut(m, tile.mr, parts).map(([i0, i1]) => ({ t0: 0, t1: batch, i0, i1, j0: 0, j1: n }));
  return cut(n, tileCols(tile), parts).map(([j0, j1]) => ({ t0: 0, t1: batch, i0: 0, i1: m, j0, j1 }));
}

/** How many parts a product of `work` multiply-adds is cut into for `threads` threads. */
const partsFor = (work: number, threads: number): number =>
  Math.max(1, Math.min(MAX_TASKS, threads * PARTS_PER_THREAD, Math.floor(work / PART_MIN_WORK)));

/**
 * out[t] = op(a[t]) · op(b[t]) for float32 or float64 `out`, where op
 * transposes the stored operand when its flag is set. Other input storages
 * are converted to out's type on the way in. Returns false (and writes
 * nothing) when WebAssembly SIMD is unavailable.
 */
export function gemmWasm(out: Float32Array | Float64Array, a: Storage, b: Storage, plan: GemmPlan, compact?: boolean): boolean {
  const single = gemmInstance(compact);
  if (single === null) return false;
  let { batch, m } = plan;
  const { k, n, transA, transB, aBatchStride, bBatchStride } = plan;
  // B shared by every product and A's matrices contiguous: one product with batch·m rows.
  if (batch > 1 && bBatchStride === 0 && !transA && aBatchStride === m * k) [m, batch] = [m * batch, 1];
  const wide = out instanceof Float64Array;
  const tile: Tile = wide ? TILES.f64 : TILES.f32;
  const { kc: KC, mc: MC } = wide ? BLOCKS.f64 : BLOCKS.f32;
  const es = tile.es;
  const nr = tileCols(tile);
  const whole: Part = { t0: 0, t1: batch, i0: 0, i1: m, j0: 0, j1: n };
  const work = batch * m * n * k;
  const pool: Pool | null = work >= THREAD_MIN_WORK && compact !== true ? readyPool() : null;
  let parts = pool === null ? [whole] : split({ batch, m, n }, partsFor(work, pool.size()), tile);
  // Layout: A, B, C, then one workspace (packed A, packed B, an edge tile) per part: parts run in any thread.
  const aLen = (batch - 1) * aBatchStride + m * k;
  const bLen = (batch - 1) * bBatchStride + k * n;
  const A = 0;
  const B = align16(A + aLen * es);
  const C = align16(B + bLen * es);
  const apBytes = roundUp(Math.min(MC, m), tile.mr) * Math.min(KC, k) * es;
  const bpBytes = Math.min(KC, k) * roundUp(n, nr) * es;
  const workspace = align16(apBytes) + align16(bpBytes) + align16(tile.mr * nr * es);
  const W = align16(C + batch * m * n * es);
  // A product too large for the shared memory's bound runs here alone.
  if (W + parts.length * workspace > SHARED_MAX_PAGES * PAGE) parts = [whole];
  const threaded = parts.length > 1;
  const g: Gemm = threaded ? pool! : single;
  const v = view(g.memory, W + parts.length * workspace, wide);
  v.set(a.length === aLen ? a : a.subarray(0, aLen), A / es);
  v.set(b.length === bLen ? b : b.subarray(0, bLen), B / es);
  v.fill(0, C / es, C / es + batch * m * n);
  // Byte strides of element (i, p) of A and (p, j) of B, through the transpose flags.
  const [asx, asp] = transA ? [es, m * es] : [k * es, es];
  const [bsx, bsp] = transB ? [k * es, es] : [es, n * es];
  const [aStep, bStep, cStep] = [aBatchStride * es, bBatchStride * es, m * n * es];
  const calls = parts.map((p, q) => {
    const ws = W + q * workspace;
    return [
      A + p.t0 * aStep + p.i0 * asx, B + p.t0 * bStep + p.j0 * bsx, C + p.t0 * cStep + (p.i0 * n + p.j0) * es,
      p.i1 - p.i0, p.j1 - p.j0, k, asx, asp, bsx, bsp, n * es,
      ws, ws + align16(apBytes), ws + align16(apBytes) + align16(bpBytes),
      p.t1 - p.t0, aStep, bStep, cStep,
    ];
  });
  const fn = wide ? 'gemm_f64' : 'gemm_f32';
  if (threaded) pool!.run(fn, calls);
  else g.fns[fn](...calls[0]!);
  out.set(v.subarray(C / es, C / es + batch * m * n));
  return true;
}
