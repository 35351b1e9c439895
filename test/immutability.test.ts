/**
 * The immutability audit (issue 10): every entry of the public API table
 * (test/api-table.ts) is called on deeply frozen inputs — arrays, option
 * objects and parameter trees frozen, so a write to them throws in strict
 * code — and the checksum of every tensor reachable from the inputs must be
 * the same after the call as before. Trees and tensors handed back must be
 * frozen too.
 */

import { describe, expect, it } from 'vitest';
import * as pg from '../src/index.ts';
import type { Tensor } from '../src/index.ts';
import { API } from './api-table.ts';

const { Tensor: TensorClass } = pg;

function deepFreeze<T>(x: T, seen = new Set<unknown>()): T {
  if (typeof x !== 'object' || x === null || seen.has(x) || x instanceof TensorClass) return x;
  seen.add(x);
  for (const v of Object.values(x)) deepFreeze(v, seen);
  return Object.freeze(x);
}

/** Every tensor reachable from `x` through arrays and plain objects. */
function tensorsIn(x: unknown, out: Tensor[] = [], seen = new Set<unknown>()): Tensor[] {
  if (x instanceof TensorClass) out.push(x);
  else if (typeof x === 'object' && x !== null && !seen.has(x)) {
    seen.add(x);
    for (const v of Object.values(x)) tensorsIn(v, out, seen);
  }
  return out;
}

/** FNV-1a over the bytes of a tensor's elements, with its dtype and shape. */
function checksum(t: Tensor): string {
  const data = t.toTypedArray();
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  let h = 0x811c9dc5;
  for (const b of bytes) h = Math.imul(h ^ b, 0x01000193) >>> 0;
  return `${t.dtype}[${t.shape.join(',')}]:${h.toString(16)}`;
}

/** Containers (arrays, plain objects) reachable from `x` that are not frozen, by path. */
function unfrozen(x: unknown, path = 'result', out: string[] = [], seen = new Set<unknown>()): string[] {
  if (typeof x !== 'object' || x === null || x instanceof TensorClass || seen.has(x)) return out;
  const proto = Object.getPrototypeOf(x);
  if (!Array.isArray(x) && proto !== Object.prototype && proto !== null) return out;
  seen.add(x);
  if (!Object.isFrozen(x)) out.push(path);
  for (const [k, v] of Object.entries(x)) unfrozen(v, `${path}.${k}`, out, seen);
  return out;
}

describe('frozen inputs, unchanged tensors', () => {
  it.each(API.map((e) => [e.name, e]))('%s', (_name, entry) => {
    const args = deepFreeze([...entry.args()]);
    const tensors = tensorsIn(args);
    const before = tensors.map(checksum);
    const result = entry.call(...args);
    expect(tensors.map(checksum)).toEqual(before);
    // What comes back is frozen as well (except closures and layer objects, which hold no data to change).
    if (typeof result !== 'function') expect(unfrozen(result)).toEqual([]);
  });

  it('covers the table (and so every public op, transform, layer, initializer and optimizer it lists)', () => {
    expect(API.length).toBeGreaterThan(90);
  });

  it('a whole jitted train step leaves its inputs as they were', () => {
    const net = pg.nn.mlp([2, 4, 1]);
    const opt = pg.optim.adam(0.01);
    const params = deepFreeze(net.init(pg.random.key(0)));
    const state = deepFreeze(opt.init(params));
    const x = pg.tensor([[0, 1], [1, 0]]);
    const y = pg.tensor([[1], [1]]);
    const step = pg.jit((p: typeof params, s: typeof state) => {
      const g = pg.grad((q: typeof params) => pg.nn.mse(net.apply(q, x), y))(p);
      const [u, s2] = opt.update(g, s, p);
      return [pg.optim.applyUpdates(p, u), s2] as const;
    });
    const watched = tensorsIn([params, state, x, y]);
    const before = watched.map(checksum);
    const [p1, s1] = step(params, state);
    step(p1, s1);
    expect(watched.map(checksum)).toEqual(before);
  });
});
