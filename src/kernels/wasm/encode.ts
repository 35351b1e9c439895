/**
 * The WebAssembly binary format, as far as puregrad's generated kernels need
 * it: LEB128 integers, value types, the opcodes the kernels use, and the
 * assembly of a module (types, one imported memory, functions, exports, code)
 * into bytes. Nothing is compiled at install time: kernels are generated as
 * bytes at run time and handed to `new WebAssembly.Module`.
 */

/** Value types. */
export const I32 = 0x7f;
export const I64 = 0x7e;
export const F32 = 0x7d;
export const F64 = 0x7c;
export const V128 = 0x7b;
export type ValType = typeof I32 | typeof I64 | typeof F32 | typeof F64 | typeof V128;

/** Core opcodes (one byte each). */
export const Op = {
  block: 0x02, loop: 0x03, if: 0x04, else: 0x05, end: 0x0b, br: 0x0c, brIf: 0x0d, return: 0x0f, call: 0x10,
  drop: 0x1a, select: 0x1b,
  localGet: 0x20, localSet: 0x21, localTee: 0x22,
  i32Load: 0x28, i64Load: 0x29, f32Load: 0x2a, f64Load: 0x2b, i32Store: 0x36, i64Store: 0x37,
  i32Const: 0x41,
  i32Eqz: 0x45, i32Eq: 0x46, i32Ne: 0x47, i32LtS: 0x48, i32LtU: 0x49, i32GtS: 0x4a, i32GtU: 0x4b,
  i32LeS: 0x4c, i32LeU: 0x4d, i32GeS: 0x4e, i32GeU: 0x4f,
  i32Add: 0x6a, i32Sub: 0x6b, i32Mul: 0x6c, i32DivU: 0x6e, i32RemU: 0x70, i32And: 0x71, i32Or: 0x72,
  i32Shl: 0x74, i32ShrU: 0x76,
} as const;

/** SIMD opcodes, each written after the 0xfd prefix as an unsigned LEB128. */
export const Simd = {
  load: 0x00, load32Splat: 0x09, load64Splat: 0x0a, store: 0x0b, const: 0x0c, shuffle: 0x0d,
  f32x4Add: 0xe4, f32x4Mul: 0xe6, f64x2Add: 0xf0, f64x2Mul: 0xf2,
} as const;
export const SIMD_PREFIX = 0xfd;

/** Bulk-memory opcodes, written after the 0xfc prefix. */
export const Bulk = { memoryCopy: 0x0a, memoryFill: 0x0b } as const;
export const BULK_PREFIX = 0xfc;

/** Unsigned LEB128. */
export function uleb(n: number): number[] {
  const out: number[] = [];
  let v = n >>> 0;
  do {
    const byte = v & 0x7f;
    v >>>= 7;
    out.push(v === 0 ? byte : byte | 0x80);
  } while (v !== 0);
  return out;
}

/** Signed LEB128 of a 32-bit integer. */
export function sleb(n: number): number[] {
  const out: number[] = [];
  let v = n | 0;
  for (;;) {
    const byte = v & 0x7f;
    v >>= 7;
    const done = (v === 0 && (byte & 0x40) === 0) || (v === -1 && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return out;
  }
}

const utf8 = (s: string): number[] => [...new TextEncoder().encode(s)];
const name = (s: string): number[] => [...uleb(utf8(s).length), ...utf8(s)];
const vec = (items: readonly (readonly number[])[]): number[] => [...uleb(items.length), ...items.flat()];
const section = (id: number, body: readonly number[]): number[] =>
  body.length === 0 ? [] : [id, ...uleb(body.length), ...body];

/** A function ready for assembly: its signature, extra locals and body bytes (without the final `end`). */
export interface FunctionCode {
  readonly name: string;
  readonly params: readonly ValType[];
  readonly results: readonly ValType[];
  readonly locals: readonly ValType[];
  readonly code: readonly number[];
  /** Whether the module exports it under its name (default true); helpers called only from inside need not be. */
  readonly exported?: boolean;
}

/** The imported memory's upper limit in 64 KiB pages, and whether it is shared between threads (which needs one). */
export interface SharedLimits {
  readonly maxPages: number;
  readonly shared: true;
}

/**
 * A module importing one memory as `env.memory` (at least `minPages` pages of
 * 64 KiB; shared and bounded by `maxPages` when `limits` is given) and
 * exporting every function under its name unless it is marked internal. Each function gets its own type
 * entry; they are few.
 */
export function encodeModule(
  funcs: readonly FunctionCode[], minPages: number, limits?: SharedLimits,
): Uint8Array<ArrayBuffer> {
  const types = funcs.map((f) => [0x60, ...vec(f.params.map((t) => [t])), ...vec(f.results.map((t) => [t]))]);
  // Limits flag 0x00: minimum only; 0x03: shared, minimum and maximum.
  const memoryType = limits === undefined
    ? [0x00, ...uleb(minPages)]
    : [0x03, ...uleb(minPages), ...uleb(limits.maxPages)];
  const imports = [[...name('env'), ...name('memory'), 0x02, ...memoryType]];
  const exports = funcs.flatMap((f, i) => (f.exported === false ? [] : [[...name(f.name), 0x00, ...uleb(i)]]));
  const bodies = funcs.map((f) => {
    const locals = runs(f.locals).map(([count, t]) => [...uleb(count), t]);
    const body = [...vec(locals), ...f.code, Op.end];
    return [...uleb(body.length), ...body];
  });
  return Uint8Array.from([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec(types)),
    ...section(2, vec(imports)),
    ...section(3, vec(funcs.map((_, i) => uleb(i)))),
    ...section(7, vec(exports)),
    ...section(10, vec(bodies)),
  ]);
}

/** Consecutive equal types as [count, type] pairs, the form the code section declares locals in. */
function runs(types: readonly ValType[]): [number, ValType][] {
  const out: [number, ValType][] = [];
  for (const t of types) {
    const last = out[out.length - 1];
    if (last !== undefined && last[1] === t) last[0] += 1;
    else out.push([1, t]);
  }
  return out;
}
