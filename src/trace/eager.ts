/**
 * Eager evaluation with a kernel cache: what `bindMulti` runs when no trace
 * takes an op.
 *
 * Evaluating a primitive eagerly is "allocate, lower, run" (`evalLowered` in
 * `src/ir/lowering.ts`), and an eager training loop applies the same
 * primitives to the same shapes step after step. So the lowered kernel is
 * kept, keyed by the primitive, its params and the shapes and dtypes of its
 * inputs — all immutable data — and the next call with the same key only
 * allocates and runs. The cache is bounded (a hit only marks its entry used;
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
import { Var } from '../ir/program.ts';
import { sizeOf } from '../tensor/shape.ts';
import type { Tensor } from '../tensor/tensor.ts';

/** How many lowered kernels the eager cache keeps. */
export const EAGER_CACHE_SIZE = 512;

/** The most result elements a cached kernel that is not a generated elementwise loop may have (its scratch is bounded by them). */
export const EAGER_CACHE_MAX_ELEMENTS = 4096;

interface Entry {
  readonly prim: Primitive;
  readonly lowered: Lowered;
  /** Hit since the eviction sweep last passed it. */
  used: boolean;
}

const cache = new Map<string, Entry>();

/** A param value as key text: -0 apart from 0, strings quoted; undefined when it is not a plain number, string or boolean. */
function scalarKey(v: unknown): string | undefined {
  switch (typeof v) {
    case 'number':
      return Object.is(v, -0) ? '-0' : String(v);
    case 'boolean':
      return String(v);
    case 'string':
      return JSON.stringify(v);
    case 'undefined':
      return 'u';
    default:
      return v === null ? 'n' : undefined;
  }
}

/** The params as a key, or undefined when some value is not plain data (numbers, strings, booleans, arrays of them). */
function paramsKey(params: object): string | undefined {
  let key = '';
  for (const name in params) {
    const v = (params as Record<string, unknown>)[name];
    let text = scalarKey(v);
    if (text === undefined && Array.isArray(v)) {
      text = '[';
      for (const e of v as unknown[]) {
        const t = scalarKey(e);
        if (t === undefined) return undefined;
        text += `${t},`;
      }
      text += ']';
    }
    if (text === undefined) return undefined;
    key += `${name}=${text};`;
  }
  return key;
}

/** The cache key of `prim` on inputs of these avals with these params, or undefined if it is not cacheable. */
function keyOf(prim: Primitive, inputs: readonly Aval[], params: object): string | undefined {
  const p = paramsKey(params);
  if (p === undefined) return undefined;
  let key = `${prim.name}|${p}`;
  for (const x of inputs) key += `|${x.dtype}[${x.shape.join(',')}]`;
  return key;
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

/** The cached kernel for the key, or a fresh one stored under it (evicting past the bound, see the header). */
function cached(key: string, prim: Primitive, inputs: readonly Aval[], params: object, outs: readonly Aval[]): Lowered {
  const hit = cache.get(key);
  if (hit !== undefined && hit.prim === prim) {
    hit.used = true;
    return hit.lowered;
  }
  const lowered = lower(prim, inputs, params, outs);
  cache.delete(key);
  while (cache.size >= EAGER_CACHE_SIZE) {
    const [oldest, entry] = cache.entries().next().value!;
    cache.delete(oldest);
    if (entry.used) {
      entry.used = false;
      cache.set(oldest, entry);
    }
  }
  cache.set(key, { prim, lowered, used: false });
  return lowered;
}

/** Eager evaluation of `prim` on concrete tensors, through the kernel cache. */
export function evalEager(prim: Primitive, inputs: readonly Tensor[], params: object, outs: readonly Aval[]): Tensor[] {
  const key = cacheable(prim, outs) ? keyOf(prim, inputs, params) : undefined;
  if (key === undefined) return evalLowered(prim, inputs, params, outs);
  return runLowered(cached(key, prim, inputs, params, outs), inputs, outs);
}

/** What the cache holds now (for tests): its size and whether a key of `prim` with these input avals and params is in it. */
export function eagerCacheInfo(prim?: Primitive, inputs?: readonly Aval[], params?: object): { size: number; has: boolean } {
  const key = prim === undefined ? undefined : keyOf(prim, inputs ?? [], params ?? {});
  return { size: cache.size, has: key !== undefined && cache.get(key)?.prim === prim };
}
