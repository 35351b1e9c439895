/**
 * Fused elementwise groups as WebAssembly SIMD: four float32 lanes, or two
 * float64 lanes, at a time.
 *
 * A group (see `fuse.ts`) whose nodes are all arithmetic in one float dtype
 * that WebAssembly computes exactly as the JavaScript kernels store it — `add
 * sub mul div sqrt` (for float32, double rounding from float32 operands is
 * innocuous for these, so `Math.fround(a + b)` is the float32 sum; float64 is
 * JavaScript's own arithmetic), `neg abs maximum`, comparisons (as lane masks)
 * and `select` — and whose leaves are buffers of that dtype or bool that are
 * whole, scalars, or blocks repeated along leading axes (a bias over a
 * batch), runs as one generated WebAssembly function. Its result is the
 * same, bit for bit, as the JavaScript loop's, and so as eager evaluation's.
 *
 * The kernel copies its leaves into one module-wide memory (a scalar is read
 * once and splat; a repeated block is laid out in full), runs the function
 * over ⌈n/lanes⌉ vectors (the lanes past n compute on stale bytes and are never
 * copied out), and copies its results out. The copies cost a fraction of a
 * nanosecond per element against several for the scalar JavaScript loop.
 * Functions are generated per group structure and cached; literals are
 * parameters, so `w − 0.01·g` and `w − 0.1·g` share one.
 */

import type { Kernel } from '../ir/primitive.ts';
import type { Atom, Var } from '../ir/program.ts';
import { Literal } from '../ir/program.ts';
import { broadcastStrides } from '../kernels/strided.ts';
import { FunctionBuilder } from '../kernels/wasm/body.ts';
import type { ValType } from '../kernels/wasm/encode.ts';
import { encodeModule, F32, F64, I32, Op, V128 } from '../kernels/wasm/encode.ts';
import type { Storage } from '../tensor/dtype.ts';
import type { Shape } from '../tensor/shape.ts';
import { sizeOf, stridesOf } from '../tensor/shape.ts';
import { storageOf } from '../tensor/tensor.ts';
import type { FusedTree } from './group.ts';

const settings = { enabled: true, minSize: 512 };

/** Run `f` with SIMD groups on or off, and a different least size (tests run tiny programs through both paths). */
export function withSimd<T>(enabled: boolean, f: () => T, minSize = settings.minSize): T {
  const before = { ...settings };
  settings.enabled = enabled;
  settings.minSize = minSize;
  try {
    return f();
  } finally {
    Object.assign(settings, before);
  }
}

/** SIMD opcodes used here (after the 0xfd prefix) that do not depend on the lane type. */
const S = {
  load: 0x00, load16Splat: 0x08, store: 0x0b, shuffle: 0x0d, load32Zero: 0x5c, store16Lane: 0x59, store32Lane: 0x5a,
  i32x4Splat: 0x11, i32x4Ne: 0x38, and: 0x4e, bitselect: 0x52,
  i8x16NarrowU: 0x66, i16x8NarrowU: 0x86, i16x8ExtendLowU: 0x89, i32x4ExtendLowU: 0xa9, i64x2ExtendLowU: 0xc9, i64x2Ne: 0xd7,
} as const;

/** What differs between float32 and float64 lanes: sizes, opcodes and the views that copy data in and out. */
interface Lanes {
  readonly dtype: 'float32' | 'float64';
  /** Lanes per vector, and bytes per lane. */
  readonly count: 4 | 2;
  readonly bytes: 4 | 8;
  readonly literal: ValType;
  readonly splat: number;
  readonly loadSplat: number;
  readonly arith: Readonly<Record<string, number>>;
  readonly unary: Readonly<Record<string, number>>;
  readonly compare: Readonly<Record<string, number>>;
}

const LANES: Readonly<Record<'float32' | 'float64', Lanes>> = {
  float32: {
    dtype: 'float32', count: 4, bytes: 4, literal: F32, splat: 0x13, loadSplat: 0x09,
    arith: { add: 0xe4, sub: 0xe5, mul: 0xe6, div: 0xe7, maximum: 0xe9 },
    unary: { neg: 0xe1, abs: 0xe0, sqrt: 0xe3 },
    compare: { greater: 0x44, greaterEqual: 0x46, equal: 0x41, notEqual: 0x42 },
  },
  float64: {
    dtype: 'float64', count: 2, bytes: 8, literal: F64, splat: 0x14, loadSplat: 0x0a,
    arith: { add: 0xf0, sub: 0xf1, mul: 0xf2, div: 0xf3, maximum: 0xf5 },
    unary: { neg: 0xed, abs: 0xec, sqrt: 0xef },
    compare: { greater: 0x4a, greaterEqual: 0x4c, equal: 0x47, notEqual: 0x48 },
  },
};

type LeafKind = 'whole' | 'scalar' | 'tiled';

interface Leaf {
  readonly v: Var;
  readonly kind: LeafKind;
  /** For a tiled leaf: its size, repeated `n / block` times. */
  readonly block: number;
  readonly bool: boolean;
}

/** Whether a leaf is read whole, as a scalar, or as a block repeated along leading axes; undefined otherwise. */
function leafKind(v: Var, shape: Shape): LeafKind | undefined {
  const size = sizeOf(v.aval.shape);
  if (size === 1) return 'scalar';
  const strides = broadcastStrides(v.aval.shape, shape);
  const whole = stridesOf(shape);
  if (size === sizeOf(shape)) return strides.every((s, i) => s === whole[i] || shape[i] === 1) ? 'whole' : undefined;
  // Leading axes stride 0, the rest contiguous: element i of the output reads the leaf at i mod size.
  const first = strides.findIndex((s) => s !== 0);
  if (first < 0) return undefined;
  const tail = shape.slice(first);
  return sizeOf(tail) === size && strides.slice(first).every((s, i) => s === stridesOf(tail)[i] || tail[i] === 1) ? 'tiled' : undefined;
}

/** Whether every node of the tree has a lane-exact SIMD form with float dtype `ft`. */
function supported(t: FusedTree | Atom, ft: Lanes): boolean {
  const float = ft.dtype;
  if (t instanceof Literal) return t.value.dtype === float;
  if (!('op' in t)) return t.aval.dtype === float || t.aval.dtype === 'bool';
  const args = t.args;
  const ok = args.every((a) => supported(a, ft));
  if (!ok) return false;
  const dt = (a: FusedTree | Atom): string => (a instanceof Literal ? a.value.dtype : 'op' in a ? a.dtype : a.aval.dtype);
  if (t.op in ft.arith || t.op in ft.unary) return t.dtype === float && args.every((a) => dt(a) === float);
  if (t.op in ft.compare) return t.dtype === 'bool' && args.every((a) => dt(a) === float);
  if (t.op === 'select') return t.dtype === float && dt(args[0]!) === 'bool' && dt(args[1]!) === float && dt(args[2]!) === float;
  if (t.op === 'broadcast' || t.op === 'cast') return t.dtype === dt(args[0]!);
  return false;
}

interface Generated {
  readonly fn: (...args: number[]) => void;
}

const modules = new Map<string, Generated>();
const MAX_MODULES = 512;

interface WasmMemory { readonly buffer: ArrayBuffer; grow(pages: number): number }
interface WasmApi {
  readonly Memory: new (d: { initial: number }) => WasmMemory;
  readonly Module: new (bytes: Uint8Array<ArrayBuffer>) => object;
  readonly Instance: new (m: object, imports: object) => { readonly exports: Record<string, (...a: number[]) => void> };
}
const wasm = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;
let memory: WasmMemory | undefined;
let f32: Float32Array = new Float32Array(0);
let f64: Float64Array = new Float64Array(0);
let u8: Uint8Array = new Uint8Array(0);

/** The shared memory, at least `bytes` long; the views are renewed when it grows. */
function reserve(bytes: number): void {
  if (memory === undefined) memory = new wasm!.Memory({ initial: 1 });
  const have = memory.buffer.byteLength;
  if (have < bytes) memory.grow(Math.ceil((bytes - have) / 65536));
  if (f32.buffer !== memory.buffer || f32.length === 0) {
    f32 = new Float32Array(memory.buffer);
    f64 = new Float64Array(memory.buffer);
    u8 = new Uint8Array(memory.buffer);
  }
}

/**
 * The SIMD kernel of a group, with the same contract as `fusedKernel` (leaves
 * in, the root and the stored nodes out), or undefined when the group does
 * not qualify (an op without an exact lane form, a leaf read another way, a
 * small result, no WebAssembly).
 */
export function simdKernel(tree: FusedTree, leafVars: readonly Var[], shape: Shape): Kernel | undefined {
  const n = sizeOf(shape);
  if (!settings.enabled || wasm === undefined || n < settings.minSize) return undefined;
  const ft = floatOf(tree);
  if (ft === undefined || !supported(tree, ft)) return undefined;
  const leaves: Leaf[] = [];
  for (const v of leafVars) {
    const kind = leafKind(v, shape);
    if (kind === undefined) return undefined;
    if (kind === 'scalar' && v.aval.dtype === 'bool') return undefined;
    leaves.push({ v, kind, block: sizeOf(v.aval.shape), bool: v.aval.dtype === 'bool' });
  }
  const outBool: boolean[] = [tree.dtype === 'bool'];
  const literals: number[] = [];
  const literalIndex = new Map<Literal, number>();
  const collect = (t: FusedTree | Atom): void => {
    if (t instanceof Literal) {
      if (!literalIndex.has(t)) literalIndex.set(t, literals.push(storageOf(t.value)[0]!) - 1);
      return;
    }
    if (!('op' in t)) return;
    if (t.store !== undefined && t !== tree) outBool[t.store] = t.dtype === 'bool';
    t.args.forEach(collect);
  };
  collect(tree);
  const generated = generate(tree, leaves, outBool, literalIndex, ft);
  if (generated === undefined) return undefined;
  const vectors = Math.ceil(n / ft.count);
  const floatBytes = vectors * 16;
  const boolBytes = Math.ceil((vectors * ft.count) / 16) * 16;
  const shift = ft.bytes === 4 ? 2 : 3;
  const regions = [...leaves.map((l) => (l.kind === 'scalar' ? 16 : l.bool ? boolBytes : floatBytes)), ...outBool.map((b) => (b ? boolBytes : floatBytes))];
  const offsets: number[] = [];
  let total = 0;
  for (const r of regions) {
    offsets.push(total);
    total += r;
  }
  const args = new Array<number>(1 + regions.length + literals.length);
  args[0] = vectors;
  offsets.forEach((o, i) => (args[1 + i] = o));
  literals.forEach((v, i) => (args[1 + regions.length + i] = v));
  const nOut = outBool.length;
  const kernel = (ins: readonly Storage[], outs: readonly Storage[]): void => {
    reserve(total);
    for (let k = 0; k < leaves.length; k++) {
      const leaf = leaves[k]!;
      const src = ins[k]!;
      const at = offsets[k]!;
      const view = leaf.bool ? u8 : ft.bytes === 4 ? f32 : f64;
      const base = leaf.bool ? at : at >> shift;
      if (leaf.kind === 'whole') view.set(src, base);
      else if (leaf.kind === 'scalar') view[base] = src[0]!;
      else for (let i = 0; i < n; i += leaf.block) view.set(src, base + i);
    }
    generated.fn(...args);
    for (let j = 0; j < nOut; j++) {
      const at = offsets[leaves.length + j]!;
      const out = outs[j]!;
      out.set(outBool[j] ? u8.subarray(at, at + n) : (ft.bytes === 4 ? f32 : f64).subarray(at >> shift, (at >> shift) + n));
    }
  };
  return Object.assign(kernel, { simd: true });
}

/** Whether a plan step's kernel is a SIMD group (for tests and plan printouts). */
export const isSimdKernel = (k: Kernel): boolean => (k as { simd?: boolean }).simd === true;

/** The float dtype of a group (its root's, or for a bool root its compared operands'), if it is one SIMD handles. */
function floatOf(tree: FusedTree): Lanes | undefined {
  const dtypeOf = (a: FusedTree | Atom): string => (a instanceof Literal ? a.value.dtype : 'op' in a ? a.dtype : a.aval.dtype);
  let found: string | undefined;
  const visit = (t: FusedTree | Atom): void => {
    const d = dtypeOf(t);
    if (found === undefined && (d === 'float32' || d === 'float64')) found = d;
    if (!(t instanceof Literal) && 'op' in t) t.args.forEach(visit);
  };
  visit(tree);
  return found === 'float32' || found === 'float64' ? LANES[found] : undefined;
}

/** The function for a group's structure (cached): params (vectors, one pointer per leaf and output, one float per literal). */
function generate(
  tree: FusedTree, leaves: readonly Leaf[], outBool: readonly boolean[], literals: ReadonlyMap<Literal, number>, ft: Lanes,
): Generated | undefined {
  const leafIndex = new Map(leaves.map((l, i) => [l.v, i]));
  const key = `${ft.dtype}|${describe(tree, leafIndex, literals)}|${leaves.map((l) => `${l.kind}${l.bool ? 'b' : 'f'}`).join(',')}|${outBool.join(',')}`;
  const hit = modules.get(key);
  if (hit !== undefined) return hit;
  const nPtr = leaves.length + outBool.length;
  const params: ValType[] = [I32, ...Array<ValType>(nPtr).fill(I32), ...Array<ValType>(literals.size).fill(ft.literal)];
  const f = new FunctionBuilder('run', params);
  const ptr = (k: number): number => 1 + k;
  const vectors = 0;
  const i = f.local(I32);
  const o16 = f.local(I32);
  /** Byte offset of the current vector's lanes in a bool buffer (one byte a lane). */
  const ob = f.local(I32);
  const tmp = f.local(V128);
  const alignLog2 = ft.bytes === 4 ? 2 : 3;
  // Loop invariants: scalar leaves and literals splat once, and the lane constants.
  const splats = leaves.map((l, k) => {
    if (l.kind !== 'scalar') return -1;
    const local = f.local(V128);
    f.get(ptr(k)).simd(ft.loadSplat, { alignLog2, offset: 0 }).set(local);
    return local;
  });
  const litLocals: number[] = [];
  for (const k of literals.values()) {
    const local = f.local(V128);
    f.get(1 + nPtr + k).simd(ft.splat).set(local);
    litLocals[k] = local;
  }
  const one = f.local(V128);
  f.i32(1).simd(S.i32x4Splat).set(one);
  const zero = f.local(V128);
  f.i32(0).simd(S.i32x4Splat).set(zero);

  const read = (a: FusedTree | Atom): void => {
    if (a instanceof Literal) {
      f.get(litLocals[literals.get(a)!]!);
    } else if ('op' in a) {
      f.get(nodeLocal.get(a)!);
    } else {
      const k = leafIndex.get(a)!;
      const leaf = leaves[k]!;
      if (leaf.kind === 'scalar') f.get(splats[k]!);
      else if (leaf.bool && ft.count === 4) {
        // Four bytes (0 or not) → four 32-bit lanes → a lane mask.
        f.get(ptr(k)).get(ob).op(Op.i32Add).simd(S.load32Zero, { alignLog2: 0, offset: 0 });
        f.simd(S.i16x8ExtendLowU).simd(S.i32x4ExtendLowU).get(zero).simd(S.i32x4Ne);
      } else if (leaf.bool) {
        // Two bytes → two 64-bit lanes → a lane mask.
        f.get(ptr(k)).get(ob).op(Op.i32Add).simd(S.load16Splat, { alignLog2: 0, offset: 0 });
        f.simd(S.i16x8ExtendLowU).simd(S.i32x4ExtendLowU).simd(S.i64x2ExtendLowU).get(zero).simd(S.i64x2Ne);
      } else f.get(ptr(k)).get(o16).op(Op.i32Add).simd(S.load, { alignLog2, offset: 0 });
    }
  };
  const store = (j: number, local: number, bool: boolean): void => {
    const p = ptr(leaves.length + j);
    if (!bool) {
      f.get(p).get(o16).op(Op.i32Add).get(local).simd(S.store, { alignLog2, offset: 0 });
      return;
    }
    f.get(p).get(ob).op(Op.i32Add);
    if (ft.count === 4) {
      // A lane mask → 0/1 in each lane → narrowed to four bytes, stored as lane 0 of the vector.
      f.get(local).get(one).simd(S.and).tee(tmp).get(tmp).simd(S.i16x8NarrowU).tee(tmp).get(tmp).simd(S.i8x16NarrowU);
      f.simd(S.store32Lane, { alignLog2: 0, offset: 0 }).emit(0);
    } else {
      // Two 64-bit lane masks → 0/1 in their low bytes (0 and 8) → gathered into bytes 0 and 1, stored as 16-bit lane 0.
      f.get(local).get(one).simd(S.and).tee(tmp).get(tmp).simd(S.shuffle).emit(0, 8, ...Array<number>(14).fill(0));
      f.simd(S.store16Lane, { alignLog2: 0, offset: 0 }).emit(0);
    }
  };
  const nodeLocal = new Map<FusedTree, number>();
  const emit = (t: FusedTree): void => {
    if (nodeLocal.has(t)) return;
    for (const a of t.args) if (!(a instanceof Literal) && 'op' in a) emit(a);
    if (t.op in ft.arith || t.op in ft.compare) {
      read(t.args[0]!);
      read(t.args[1]!);
      f.simd(ft.arith[t.op] ?? ft.compare[t.op]!);
    } else if (t.op in ft.unary) {
      read(t.args[0]!);
      f.simd(ft.unary[t.op]!);
    } else if (t.op === 'select') {
      // bitselect(x, y, mask) takes x's bits where the mask is set: select(cond, x, y) is x where cond holds.
      read(t.args[1]!);
      read(t.args[2]!);
      read(t.args[0]!);
      f.simd(S.bitselect);
    } else {
      read(t.args[0]!); // broadcast, or a cast to its own dtype: the value itself
    }
    const local = f.local(V128);
    f.set(local);
    nodeLocal.set(t, local);
    // The root is output 0; another node is stored when `store` says so.
    const at = t === tree ? 0 : t.store;
    if (at !== undefined) store(at, local, t.dtype === 'bool');
  };
  f.forRange(i, 0, vectors, 1, () => {
    f.get(i).i32(16).op(Op.i32Mul).set(o16);
    f.get(i).i32(ft.count).op(Op.i32Mul).set(ob);
    nodeLocal.clear();
    emit(tree);
  });
  let generated: Generated;
  try {
    const module = new wasm!.Module(encodeModule([f.finish()], 1));
    reserve(0);
    const instance = new wasm!.Instance(module, { env: { memory } });
    generated = { fn: instance.exports['run']! };
  } catch {
    return undefined;
  }
  if (modules.size >= MAX_MODULES) modules.delete(modules.keys().next().value!);
  modules.set(key, generated);
  return generated;
}

/** A key for a group's structure: ops and dtypes, leaves by position, literals by index. */
function describe(t: FusedTree | Atom, leafIndex: ReadonlyMap<Var, number>, literals: ReadonlyMap<Literal, number>): string {
  if (t instanceof Literal) return `k${literals.get(t)}`;
  if (!('op' in t)) return `$${leafIndex.get(t)}`;
  return `(${t.op}:${t.dtype}${t.store === undefined ? '' : `@${t.store}`} ${t.args.map((a) => describe(a, leafIndex, literals)).join(' ')})`;
}

