/**
 * Eager evaluation with a kernel cache: what `bindMulti` runs when no trace
 * takes an op.
 *
 * Evaluating a primitive eagerly is "allocate, lower, run" (`evalLowered` in
 * `src/ir/lowering.ts`), and an eager training loop applies the same
 * primitives to the same shapes step after step. So the lowered kernel is
 * kept, keyed by the primitive, its params and the shapes and dtypes of its
 * inputs — all immutable data — and the next call with the same key only
 * allocates and runs. The key is looked up by a number hashed from those
 * (no text is built per call), and a hit is compared field by field, so a
 * collision costs a comparison, never a wrong kernel. The cache is bounded (a hit only marks its entry used;
 * when full, the oldest entry not used since it was last passed over goes —
 * the "second chance" approximation of least recently used, which keeps a
 * hit to one lookup), and primitives whose params are not plain data (programs, rules,
 * functions) are lowered afresh every time, as before. A kernel may keep a
 * scratch buffer as large as its result (a float32 reduction sums into
 * doubles), so a kernel with a large result is not kept either: lowering is
 * cheap next to running it, and the cache never holds much memory.
 *
 * An elementwise primitive (one whose lowering is tagged with a scalar op) is
 * run by the generated loop that `jit` uses for it (`fusedKernel`, a group of
 * one op): specialised to its dtypes and shapes, where the generic kernel
 * sees every typed-array type and runs several times slower. It is the same
 * code a compiled plan runs, so eager and jit stay equal bit for bit.
 */

import type { FusedTree } from '../compile/fuse.ts';
import { fusedKernel } from '../compile/fuse.ts';
import { evalLowered, runLowered, scalarOpOf } from '../ir/lowering.ts';
import type { Lowered } from '../ir/lowering.ts';
import type { Aval, Primitive } from '../ir/primitive.ts';
import { primitiveId } from '../ir/primitive.ts';
import { Var } from '../ir/program.ts';
import { sizeOf } from '../tensor/shape.ts';
import type { Tensor } from '../tensor/tensor.ts';

/** How many lowered kernels the eager cache keeps. */
export const EAGER_CACHE_SIZE = 512;

/** The most result elements a cached kernel that is not a generated elementwise loop may have (its scratch is bounded by them). */
export const EAGER_CACHE_MAX_ELEMENTS = 4096;

interface Entry {
  readonly prim: Primitive;
  /** The params and input avals it was lowered for (deeply frozen, compared on every hit). */
  readonly params: object;
  readonly inputs: readonly Aval[];
  readonly hash: number;
  readonly lowered: Lowered;
  /** Hit since the eviction hand last passed it. */
  used: boolean;
}

/**
 * Entries by hash (a collision only costs a comparison: every hit is checked
 * field by field), and the same entries in a ring that the eviction hand
 * sweeps (the "clock" form of second chance).
 */
const buckets = new Map<number, Entry[]>();
const ring: Entry[] = [];
let hand = 0;

const mix = (h: number, v: number): number => Math.imul(h ^ v, 0x9e3779b1) ^ (h >>> 15);

/** The hash of a plain param value, or undefined when it is not a number, string, boolean, null, undefined or an array of those. */
function scalarHash(h: number, v: unknown): number | undefined {
  switch (typeof v) {
    case 'number':
      // Integers are mixed exactly, others through their text (-0 hashes as 0: the comparison tells them apart).
      return Number.isInteger(v) && Math.abs(v) < 2 ** 31 ? mix(h, v | 0) : textHash(mix(h, 1), String(v));
    case 'boolean':
      return mix(h, v ? 2 : 3);
    case 'string':
      return textHash(mix(h, 4), v);
    case 'undefined':
      return mix(h, 5);
    default:
      return v === null ? mix(h, 6) : undefined;
  }
}

function textHash(h: number, text: string): number {
  for (let i = 0; i < text.length; i++) h = mix(h, text.charCodeAt(i));
  return h;
}

/** The hash of `prim` on inputs of these avals with these params, or undefined if the params are not plain data. */
function hashOf(prim: Primitive, inputs: readonly Aval[], params: object): number | undefined {
  let h: number | undefined = mix(0x2545f491, primitiveId(prim));
  for (const name in params) {
    const v = (params as Record<string, unknown>)[name];
    if (Array.isArray(v)) {
      h = mix(h, v.length + 7);
      for (let i = 0; i < v.length && h !== undefined; i++) h = scalarHash(h, v[i]);
    } else h = scalarHash(h, v);
    if (h === undefined) return undefined;
  }
  for (let k = 0; k < inputs.length; k++) {
    const x = inputs[k]!;
    h = mix(mix(h, DTYPE_CODES[x.dtype]), x.shape.length);
    for (let i = 0; i < x.shape.length; i++) h = mix(h, x.shape[i]!);
  }
  return h;
}

const DTYPE_CODES: Readonly<Record<Aval['dtype'], number>> = { float32: 11, float64: 12, int32: 13, bool: 14 };

/** Same plain params: the same own keys with the same values (Object.is, so -0 is not 0). Exported for tests. */
export function sameParams(a: object, b: object): boolean {
  let count = 0;
  for (const name in a) {
    count += 1;
    if (!Object.prototype.hasOwnProperty.call(b, name)) return false;
    const x = (a as Record<string, unknown>)[name];
    const y = (b as Record<string, unknown>)[name];
    if (Array.isArray(x)) {
      if (!Array.isArray(y) || x.length !== y.length) return false;
      for (let i = 0; i < x.length; i++) if (!Object.is(x[i], y[i])) return false;
    } else if (Array.isArray(y) || !Object.is(x, y)) return false;
  }
  for (const _ in b) count -= 1;
  return count === 0;
}

function sameAvals(a: readonly Aval[], b: readonly Aval[]): boolean {
  if (a.length !== b.length) return false;
  for (let k = 0; k < a.length; k++) {
    const x = a[k]!;
    const y = b[k]!;
    if (x.dtype !== y.dtype || x.shape.length !== y.shape.length) return false;
    for (let i = 0; i < x.shape.length; i++) if (x.shape[i] !== y.shape[i]) return false;
  }
  return true;
}

function find(hash: number, prim: Primitive, inputs: readonly Aval[], params: object): Entry | undefined {
  const bucket = buckets.get(hash);
  if (bucket === undefined) return undefined;
  for (const e of bucket) if (e.prim === prim && sameAvals(e.inputs, inputs) && sameParams(e.params, params)) return e;
  return undefined;
}

/** Whether a kernel of `prim` with these results may be kept: a generated elementwise loop always, any other when its results are small. */
function cacheable(prim: Primitive, outs: readonly Aval[]): boolean {
  if (outs.length === 1 && scalarOpOf(prim.lower) !== undefined) return true;
  let elements = 0;
  for (const a of outs) elements += sizeOf(a.shape);
  return elements <= EAGER_CACHE_MAX_ELEMENTS;
}

/** The kernel for `prim` on these avals: the generated loop of an elementwise op, otherwise its lowering. */
function lower(prim: Primitive, inputs: readonly Aval[], params: object, outs: readonly Aval[]): Lowered {
  const op = outs.length === 1 ? scalarOpOf(prim.lower) : undefined;
  if (op === undefined) return prim.lower(inputs, params, outs);
  const out = outs[0]!;
  const leaves = inputs.map((x) => new Var({ shape: x.shape, dtype: x.dtype }));
  const tree: FusedTree = { op, dtype: out.dtype, args: leaves };
  return fusedKernel(tree, leaves, out.shape);
}

/** The cached kernel, or a fresh one stored (evicting past the bound, see the header). */
function cached(hash: number, prim: Primitive, inputs: readonly Aval[], params: object, outs: readonly Aval[]): Lowered {
  const hit = find(hash, prim, inputs, params);
  if (hit !== undefined) {
    hit.used = true;
    return hit.lowered;
  }
  const lowered = lower(prim, inputs, params, outs);
  const entry: Entry = {
    prim, params, hash, lowered, used: false,
    inputs: inputs.map((x) => ({ shape: Object.isFrozen(x.shape) ? x.shape : Object.freeze([...x.shape]), dtype: x.dtype })),
  };
  if (ring.length < EAGER_CACHE_SIZE) ring.push(entry);
  else {
    // Sweep: an entry used since the hand last passed keeps its place once more; the first one not used goes.
    while (ring[hand]!.used) {
      ring[hand]!.used = false;
      hand = (hand + 1) % ring.length;
    }
    const old = ring[hand]!;
    const bucket = buckets.get(old.hash)!;
    bucket.splice(bucket.indexOf(old), 1);
    if (bucket.length === 0) buckets.delete(old.hash);
    ring[hand] = entry;
    hand = (hand + 1) % ring.length;
  }
  const bucket = buckets.get(hash);
  if (bucket === undefined) buckets.set(hash, [entry]);
  else bucket.push(entry);
  return lowered;
}

/** Eager evaluation of `prim` on concrete tensors, through the kernel cache. */
export function evalEager(prim: Primitive, inputs: readonly Tensor[], params: object, outs: readonly Aval[]): Tensor[] {
  const hash = cacheable(prim, outs) ? hashOf(prim, inputs, params) : undefined;
  if (hash === undefined) return evalLowered(prim, inputs, params, outs);
  return runLowered(cached(hash, prim, inputs, params, outs), inputs, outs);
}

/** What the cache holds now (for tests): its size and whether a kernel of `prim` with these input avals and params is in it. */
export function eagerCacheInfo(prim?: Primitive, inputs?: readonly Aval[], params?: object): { size: number; has: boolean } {
  const hash = prim === undefined ? undefined : hashOf(prim, inputs ?? [], params ?? {});
  return { size: ring.length, has: hash !== undefined && find(hash, prim!, inputs ?? [], params ?? {}) !== undefined };
}
