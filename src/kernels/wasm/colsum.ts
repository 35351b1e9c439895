/**
 * Column sums in WebAssembly SIMD: acc[j] += x[r, j] for every row r of a
 * contiguous [rows, n] block, in row order, into float64 accumulators — the
 * sum over the leading axis that a bias's gradient is. Two float64 lanes at a
 * time (a float32 pair widened exactly first), then the odd last column
 * alone. Each accumulator receives the same additions in the same order as
 * the JavaScript loop in `../reduce.ts`, so the results are the same bits;
 * the loop costs ~2 ns an element in V8, this ~0.3 plus the copy in.
 *
 * The module is tiny, compiled synchronously on first use over its own
 * memory (grown as needed); `null` where WebAssembly SIMD is missing.
 */

import { FunctionBuilder } from './body.ts';
import type { FunctionCode } from './encode.ts';
import { encodeModule, I32, Op, Simd } from './encode.ts';

/** Opcodes used only here: SIMD ones after the 0xfd prefix, and scalar float ones. */
const S = { load64Zero: 0x5d, f64x2PromoteLowF32x4: 0x5f } as const;
const F = { f32Load: 0x2a, f64Load: 0x2b, f64Store: 0x39, f64Add: 0xa0, f64PromoteF32: 0xbb } as const;

/** colsum_{f32,f64}(x, acc, rows, n): byte pointers; acc holds n float64s. */
function colsum(es: 4 | 8): FunctionCode {
  const f = new FunctionBuilder(es === 4 ? 'colsum_f32' : 'colsum_f64', [I32, I32, I32, I32]);
  const [x, acc, rows, n] = [0, 1, 2, 3];
  const [r, j, pairs, xp, ap] = Array.from({ length: 5 }, () => f.local(I32));
  f.get(n).i32(1).op(Op.i32ShrU).i32(1).op(Op.i32Shl).set(pairs);
  f.get(x).set(xp);
  f.forRange(r, 0, rows, 1, () => {
    f.get(acc).set(ap);
    f.forRange(j, 0, pairs, 2, () => {
      f.get(ap).get(ap).simd(Simd.load, { alignLog2: 3, offset: 0 });
      if (es === 4) f.get(xp).simd(S.load64Zero, { alignLog2: 2, offset: 0 }).simd(S.f64x2PromoteLowF32x4);
      else f.get(xp).simd(Simd.load, { alignLog2: 3, offset: 0 });
      f.simd(Simd.f64x2Add).simd(Simd.store, { alignLog2: 3, offset: 0 });
      f.inc(xp, 2 * es).inc(ap, 16);
    });
    f.get(pairs).get(n).op(Op.i32Ne).ifThen(() => {
      f.get(ap).get(ap).mem(F.f64Load, 3);
      if (es === 4) f.get(xp).mem(F.f32Load, 2).op(F.f64PromoteF32);
      else f.get(xp).mem(F.f64Load, 3);
      f.op(F.f64Add).mem(F.f64Store, 3);
      f.inc(xp, es);
    });
  });
  return f.finish();
}

interface WasmMemory { readonly buffer: ArrayBuffer; grow(pages: number): number }
interface WasmApi {
  readonly Memory: new (d: { initial: number }) => WasmMemory;
  readonly Module: new (bytes: Uint8Array<ArrayBuffer>) => object;
  readonly Instance: new (m: object, imports: object) => { readonly exports: Record<string, (...a: number[]) => void> };
}

interface ColSum {
  readonly memory: WasmMemory;
  readonly f32: (x: number, acc: number, rows: number, n: number) => void;
  readonly f64: (x: number, acc: number, rows: number, n: number) => void;
}

let loaded: ColSum | null | undefined;

function instance(): ColSum | null {
  if (loaded !== undefined) return loaded;
  const wasm = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;
  try {
    const memory = new wasm!.Memory({ initial: 1 });
    const { exports } = new wasm!.Instance(new wasm!.Module(encodeModule([colsum(4), colsum(8)], 1)), { env: { memory } });
    loaded = { memory, f32: exports['colsum_f32']!, f64: exports['colsum_f64']! };
  } catch {
    loaded = null;
  }
  return loaded;
}

/**
 * acc[j] += Σ_r x[r·n + j] over `rows` rows, in row order, for a float32 or
 * float64 `x`; false (and nothing done) where WebAssembly SIMD is missing.
 */
export function columnSums(x: Float32Array | Float64Array, acc: Float64Array, rows: number, n: number): boolean {
  const m = instance();
  if (m === null) return false;
  const es = x.BYTES_PER_ELEMENT;
  const accAt = (rows * n * es + 15) & ~15;
  const bytes = accAt + n * 8;
  const have = m.memory.buffer.byteLength;
  if (bytes > have) m.memory.grow(Math.ceil((bytes - have) / 65536));
  const buffer = m.memory.buffer;
  (es === 4 ? new Float32Array(buffer, 0, rows * n) : new Float64Array(buffer, 0, rows * n)).set(x.subarray(0, rows * n));
  const sums = new Float64Array(buffer, accAt, n);
  sums.set(acc);
  (es === 4 ? m.f32 : m.f64)(0, accAt, rows, n);
  acc.set(sums);
  return true;
}
