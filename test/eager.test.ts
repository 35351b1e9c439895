/**
 * The eager kernel cache (src/trace/eager.ts): kernels are kept per primitive,
 * params and input avals, the cache stays bounded, a cached kernel is never
 * used for other params, shapes, dtypes or another primitive of the same name,
 * and eager results through the cache equal the uncached lowering and jit bit
 * for bit.
 */

import { describe, expect, it } from 'vitest';
import type { Tensor } from '../src/index.ts';
import { add, cond, greater, jit, mul, scalar, tensor } from '../src/index.ts';
import type { Primitive } from '../src/ir/primitive.ts';
import { evalLowered } from '../src/ir/lowering.ts';
import { binaryLowering } from '../src/primitives/lowerings.ts';
import { Add, Broadcast, Cast, ReduceSum, Select } from '../src/primitives/linear.ts';
import { EAGER_CACHE_MAX_ELEMENTS, EAGER_CACHE_SIZE, eagerCacheInfo, evalEager, sameParams } from '../src/trace/eager.ts';

const run = <P extends object>(prim: Primitive<P>, xs: readonly Tensor[], params: NoInfer<P>): Tensor[] =>
  evalEager(prim, xs, params, prim.abstractEval(xs, params));
const bits = (t: Tensor): number[] => Array.from(t.toTypedArray());

describe('the eager kernel cache', () => {
  it('keeps the kernel of an op it has run, keyed by params and input avals', () => {
    const x = tensor([[1, 2, 3], [4, 5, 6]]);
    run(ReduceSum, [x], { axes: [1] });
    expect(eagerCacheInfo(ReduceSum, [x], { axes: [1] }).has).toBe(true);
    expect(eagerCacheInfo(ReduceSum, [x], { axes: [0] }).has).toBe(false);
    expect(eagerCacheInfo(ReduceSum, [tensor([[1, 2, 3]])], { axes: [1] }).has).toBe(false);
    expect(eagerCacheInfo(ReduceSum, [tensor([[1, 2, 3], [4, 5, 6]], { dtype: 'float64' })], { axes: [1] }).has).toBe(false);
  });

  it('gives each params, shape and dtype its own kernel', () => {
    const x = tensor([[1, 2, 3], [4, 5, 6]]);
    expect(bits(run(ReduceSum, [x], { axes: [1] })[0]!)).toEqual([6, 15]);
    expect(bits(run(ReduceSum, [x], { axes: [0] })[0]!)).toEqual([5, 7, 9]);
    expect(bits(run(ReduceSum, [x], { axes: [0, 1] })[0]!)).toEqual([21]);
    expect(bits(run(ReduceSum, [tensor([[1, 2], [3, 4], [5, 6]])], { axes: [1] })[0]!)).toEqual([3, 7, 11]);
    expect(run(Broadcast, [tensor([1, 2])], { shape: [2, 2] })[0]!.toArray()).toEqual([[1, 2], [1, 2]]);
    expect(run(Broadcast, [tensor([1, 2])], { shape: [3, 2] })[0]!.toArray()).toEqual([[1, 2], [1, 2], [1, 2]]);
    const v = tensor([1.5, -2.5, 0]);
    expect(run(Cast, [v], { dtype: 'int32' })[0]!.toArray()).toEqual([1, -2, 0]);
    expect(run(Cast, [v], { dtype: 'bool' })[0]!.toArray()).toEqual([true, true, false]);
    expect(run(Cast, [v], { dtype: 'float64' })[0]!.toArray()).toEqual([1.5, -2.5, 0]);
  });

  it('rounds each dtype as its own kernel does: float32, float64 and wrapping int32', () => {
    const big = 2 ** 31 - 1;
    expect(run(Add, [tensor([big], { dtype: 'int32' }), tensor([1], { dtype: 'int32' })], {})[0]!.toArray()).toEqual([-(2 ** 31)]);
    const a64 = tensor([0.1], { dtype: 'float64' });
    expect(run(Add, [a64, a64], {})[0]!.toArray()).toEqual([0.2]);
    const a32 = tensor([0.1]);
    expect(run(Add, [a32, a32], {})[0]!.toArray()).toEqual([Math.fround(Math.fround(0.1) + Math.fround(0.1))]);
  });

  it('tells params apart that print alike: -0 and 0, a number and a string', () => {
    // A primitive whose kernel bakes its param in: it fills the result with `value`.
    const fill: Primitive<{ value: number | string }> = {
      ...(Add as Primitive),
      name: 'testFill',
      abstractEval: () => [{ shape: [2], dtype: 'float64' }],
      lower: (_a, { value }) => (_ins, [o]) => void o!.fill(Number(value)),
    };
    const signs = (value: number | string) => Array.from(run(fill, [], { value })[0]!.toTypedArray(), (e) => Object.is(e, -0));
    expect(signs(0)).toEqual([false, false]);
    expect(signs(-0)).toEqual([true, true]);
    expect(signs('-0')).toEqual([true, true]);
    expect(signs(0)).toEqual([false, false]);
  });

  it('tells params apart that hash alike or nearly: a value and a list of it, an extra key, key order', () => {
    // The kernel bakes in a text of its params, so a wrong hit shows in the result.
    const show: Primitive<Record<string, unknown>> = {
      ...(Add as Primitive),
      name: 'showParams',
      abstractEval: () => [{ shape: [1], dtype: 'float64' }],
      lower: (_a, params) => {
        const text = JSON.stringify(Object.entries(params).map(([k, v]) => [k, Array.isArray(v) ? ['list', ...v] : v === undefined ? 'undef' : v]));
        return (_ins, [o]) => void o!.fill(text.length * 1000 + [...text].reduce((h, c) => (h * 31 + c.charCodeAt(0)) % 997, 0));
      },
    };
    const value = (params: Record<string, unknown>) => run(show, [], params)[0]!.item();
    const cases: Record<string, unknown>[] = [{ a: 2 }, { a: [2] }, { a: 2, b: undefined }, { a: [2, 3] }, { a: [3, 2] }, { b: 2 }, { a: 2, b: 3 }, { a: '2' }, { a: true }, { a: null }];
    const first = cases.map(value);
    // A second pass runs the cached kernels: each gives what its own params gave, whatever ran in between.
    expect(cases.map(value)).toEqual(first);
    expect(new Set(first).size).toBe(cases.length);
  });

  it('compares params on every hit, so a hash collision can never pick the wrong kernel', () => {
    const differ: [object, object][] = [
      [{ a: 2 }, { a: [2] }], [{ a: 2 }, { a: 2, b: undefined }], [{ a: [2, 3] }, { a: [3, 2] }], [{ a: 2 }, { b: 2 }],
      [{ a: 0 }, { a: -0 }], [{ a: -0 }, { a: '-0' }], [{ a: 1 }, { a: true }], [{ a: null }, { a: undefined }], [{ a: [1] }, { a: [1, 1] }],
    ];
    for (const [x, y] of differ) {
      expect(sameParams(x, y)).toBe(false);
      expect(sameParams(y, x)).toBe(false);
    }
    expect(sameParams({ a: 2, b: [1, -0] }, { b: [1, -0], a: 2 })).toBe(true);
    expect(sameParams({}, {})).toBe(true);
  });

  it('never hands one primitive the kernel of another with the same name', () => {
    const x = tensor([5, 7]);
    const y = tensor([1, 2]);
    expect(bits(run(Add, [x, y], {})[0]!)).toEqual([6, 9]);
    // A primitive named 'add' whose lowering subtracts: it must get its own kernel.
    const impostor: Primitive<{}> = { ...Add, lower: binaryLowering('sub') };
    expect(bits(run(impostor, [x, y], {})[0]!)).toEqual([4, 5]);
    expect(bits(run(Add, [x, y], {})[0]!)).toEqual([6, 9]);
  });

  it('stays bounded', () => {
    for (let n = 1; n <= EAGER_CACHE_SIZE + 40; n++) run(Broadcast, [scalar(n)], { shape: [n] });
    expect(eagerCacheInfo().size).toBeLessThanOrEqual(EAGER_CACHE_SIZE);
    // The most recent entries are kept; the oldest went first.
    const last = EAGER_CACHE_SIZE + 40;
    expect(eagerCacheInfo(Broadcast, [scalar(1)], { shape: [last] }).has).toBe(true);
    expect(eagerCacheInfo(Broadcast, [scalar(1)], { shape: [1] }).has).toBe(false);
    expect(run(Broadcast, [scalar(3)], { shape: [2] })[0]!.toArray()).toEqual([3, 3]);
  });

  it('keeps no kernel with a large result but a generated elementwise loop, which holds no buffers', () => {
    const n = EAGER_CACHE_MAX_ELEMENTS + 1;
    const wide = tensor(new Float32Array(2 * n).fill(1), { shape: [2, n] });
    expect(bits(run(ReduceSum, [wide], { axes: [0] })[0]!).every((v) => v === 2)).toBe(true);
    expect(eagerCacheInfo(ReduceSum, [wide], { axes: [0] }).has).toBe(false);
    run(ReduceSum, [wide], { axes: [1] });
    expect(eagerCacheInfo(ReduceSum, [wide], { axes: [1] }).has).toBe(true);
    run(Add, [wide, wide], {});
    expect(eagerCacheInfo(Add, [wide, wide], {}).has).toBe(true);
  });

  it('does not cache ops whose params are not plain data', () => {
    const before = eagerCacheInfo().size;
    const f = (x: Tensor) => cond(greater(x, 0), (v: Tensor) => mul(v, 2), (v: Tensor) => mul(v, -1), x);
    expect(f(scalar(3)).item()).toBe(6);
    expect(f(scalar(-3)).item()).toBe(3);
    // Only the plain ops (the comparison, the branches' muls) may have entered the cache.
    expect(eagerCacheInfo().size - before).toBeLessThanOrEqual(3);
  });

  it('leaves its inputs alone and agrees with the uncached lowering and with jit, bit for bit', () => {
    const c = tensor([true, false, true, false, true, false]).reshape([2, 3]);
    const x = tensor([[0.1, -0.2, 0.3], [1e30, -1e-30, 7]]);
    const y = tensor([0.5, Number.NaN, -0.25]);
    const xs = [c, x, y];
    const copies = xs.map(bits);
    const outs = Select.abstractEval(xs, {});
    for (let k = 0; k < 3; k++) {
      expect(bits(evalEager(Select, xs, {}, outs)[0]!)).toEqual(bits(evalLowered(Select, xs, {}, outs)[0]!));
    }
    expect(xs.map(bits)).toEqual(copies);
    const f = (a: Tensor, b: Tensor) => mul(add(a, b), b);
    expect(bits(f(x, y))).toEqual(bits(jit(f)(x, y)));
  });
});
