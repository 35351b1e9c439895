/**
 * Cheap jit calls (issue 8, item 7): numbers traced as weak scalars, opt-in
 * static arguments, the bounded cache with its fast path and retrace warning,
 * `lower`, and CSE that sees commutative operands in either order.
 */

import { afterEach, describe, expect, it, vi } from 'vitest';
import type { DType, Tensor } from '../src/index.ts';
import {
  ConcretizationError, PuregradError, add, concatenate, div, equal, grad, jit, maximum, mul, notEqual, reshape, scalar, sub, sum,
  tensor, tree, valueAndGrad, where, greater,
} from '../src/index.ts';
import { CACHE_LIMIT, RETRACE_WARNING } from '../src/transforms/jit.ts';

const f64 = (data: number[]) => tensor(data, { dtype: 'float64' });
const bits = (t: Tensor) => ({ dtype: t.dtype, shape: t.shape, values: Array.from(t.toTypedArray()) });

/** A function and a counter of how often it was traced. */
function counted<A extends unknown[], R>(f: (...args: A) => R): [(...args: A) => R, () => number] {
  let n = 0;
  return [(...args: A) => ((n += 1), f(...args)), () => n];
}

afterEach(() => vi.restoreAllMocks());

describe('numbers are traced as weak scalars', () => {
  it('a changing learning rate runs one program, with the bits of the eager step', () => {
    const data = f64([1, 2, 3]);
    const loss = (p: { w: Tensor }) => sum(mul(p.w, data).square());
    const step = (p: { w: Tensor }, lr: number) => {
      const [l, g] = valueAndGrad(loss)(p);
      return [tree.map((w: Tensor, gw: Tensor) => sub(w, mul(gw, lr)), p, g), l] as const;
    };
    const [body, traces] = counted(step);
    const jitted = jit(body);
    let p = { w: f64([0.5, -0.25, 0.125]) };
    for (let i = 0; i < 20; i++) {
      const lr = 0.01 / (1 + i);
      const [next, l] = jitted(p, lr);
      const [eagerNext, eagerL] = step(p, lr);
      expect(bits(l)).toEqual(bits(eagerL));
      expect(bits(next.w)).toEqual(bits(eagerNext.w));
      p = next;
    }
    expect(traces()).toBe(1);
    expect(jitted.cacheSize()).toBe(1);
  });

  const partners: readonly [DType, number[]][] = [
    ['float32', [0.1, -2.5, 3]],
    ['float64', [0.1, -2.5, 3]],
    ['int32', [7, -3, 2]],
    ['bool', [1, 0, 1]],
  ];
  const numbers = [2, 0.1, -3, 2.5, 1e-8, 16777217, Number.NaN, -Infinity, 0];
  const ops: readonly [string, (x: Tensor, n: number) => Tensor][] = [
    ['mul', (x, n) => mul(x, n)],
    ['add', (x, n) => add(n, x)],
    ['sub', (x, n) => sub(n, x)],
    ['div', (x, n) => div(x, n)],
    ['maximum', (x, n) => maximum(x, n)],
    ['where', (x, n) => where(greater(x, 0), x, n)],
    ['equal', (x, n) => equal(x, n)],
    ['two numbers', (x, n) => mul(add(n, n), x)],
  ];

  it.each(partners)('next to a %s tensor a number gets the dtype and bits it gets eagerly', (dtype, values) => {
    const x = tensor(values, { dtype });
    for (const [name, op] of ops) {
      const jitted = jit(op);
      for (const n of numbers) {
        let eager: unknown;
        try {
          eager = bits(op(x, n));
        } catch (e) {
          eager = (e as Error).message;
        }
        let traced: unknown;
        try {
          traced = bits(jitted(x, n));
        } catch (e) {
          traced = (e as Error).message;
        }
        expect({ name, n, result: traced }).toEqual({ name, n, result: eager });
      }
      expect(jitted.cacheSize()).toBeLessThanOrEqual(2); // one program for integers, one for the rest
    }
  });

  it('an integer beyond int32 next to an int32 tensor is refused as it is eagerly', () => {
    const f = jit((x: Tensor, n: number) => add(x, n));
    expect(() => f(tensor([1], { dtype: 'int32' }), 3e9)).toThrow(/does not fit int32/);
    expect(f(f64([1]), 3e9).toArray()).toEqual([3e9 + 1]);
  });

  it('numbers alone make float32 scalars, as eagerly; a number handed back is the number itself', () => {
    const f = jit((a: number, b: number) => [add(a, b), b] as const);
    const [s, b] = f(0.1, 0.2);
    expect(bits(s)).toEqual(bits(add(0.1, 0.2)));
    expect(b).toBe(0.2);
    expect(f(1, -0)[1]).toBe(-0);
  });

  it('a number passed on to an inner jit stays weak', () => {
    const inner = jit((x: Tensor, k: number) => mul(x, k));
    const outer = jit((x: Tensor, k: number) => inner(x, k));
    const x = tensor([1, 2], { dtype: 'int32' });
    expect(bits(outer(x, 3))).toEqual(bits(mul(x, 3)));
    expect(bits(outer(tensor([1, 2]), 0.1))).toEqual(bits(mul(tensor([1, 2]), 0.1)));
  });

  it('grad through jit with a number argument', () => {
    const f = jit((w: Tensor, k: number) => sum(mul(mul(w, w), k)));
    expect(grad((w: Tensor) => f(w, 1.5))(f64([1, 2])).toArray()).toEqual([3, 6]);
  });

  it('reading a number argument is a ConcretizationError that points to staticArgnums', () => {
    const f = jit((x: Tensor, n: number) => reshape(x, [n, -1]));
    expect(() => f(tensor([1, 2, 3, 4]), 2)).toThrow(ConcretizationError);
    expect(() => f(tensor([1, 2, 3, 4]), 2)).toThrow(/staticArgnums/);
  });
});

describe('static arguments', () => {
  it('staticArgnums: the function sees the number; a new value traces, the same one does not', () => {
    const [body, traces] = counted((x: Tensor, n: number) => reshape(x, [n, -1]));
    const f = jit(body, { staticArgnums: [1] });
    expect(f(tensor([1, 2, 3, 4]), 2).shape).toEqual([2, 2]);
    expect(f(tensor([5, 6, 7, 8]), 2).toArray()).toEqual([[5, 6], [7, 8]]);
    expect(traces()).toBe(1);
    expect(f(tensor([1, 2, 3, 4]), 4).shape).toEqual([4, 1]);
    expect(traces()).toBe(2);
  });

  it('frozen data is static by content; mutable data and tensors are refused', () => {
    const [body, traces] = counted((x: Tensor, o: { readonly axes: readonly number[] }) => reshape(x, o.axes));
    const f = jit(body, { staticArgnums: [1] });
    const shapeOf = (axes: number[]) => Object.freeze({ axes: Object.freeze(axes) });
    expect(f(tensor([1, 2, 3, 4]), shapeOf([2, 2])).shape).toEqual([2, 2]);
    expect(f(tensor([1, 2, 3, 4]), shapeOf([2, 2])).shape).toEqual([2, 2]);
    expect(traces()).toBe(1);
    expect(f(tensor([1, 2, 3, 4]), shapeOf([1, 4])).shape).toEqual([1, 4]);
    expect(traces()).toBe(2);
    expect(() => f(tensor([1, 2, 3, 4]), { axes: [4] })).toThrow(/static argument 1 is a mutable object; freeze it/);
    expect(() => jit((x: Tensor) => x, { staticArgnums: [0] })(tensor([1]))).toThrow(/static argument 0 is a tensor/);
  });

  it('staticArgnames: the listed keys of a trailing plain object are static, its other keys traced', () => {
    const [body, traces] = counted((x: Tensor, o: { n: number; scale: number }) =>
      mul(concatenate(Array.from({ length: o.n }, () => x)), o.scale));
    const f = jit(body, { staticArgnames: ['n'] });
    expect(f(tensor([1, 2]), { n: 2, scale: 1.5 }).toArray()).toEqual([1.5, 3, 1.5, 3]);
    expect(f(tensor([1, 2]), { n: 2, scale: 0.5 }).toArray()).toEqual([0.5, 1, 0.5, 1]);
    expect(traces()).toBe(1);
    expect(f(tensor([1, 2]), { n: 3, scale: 1 }).toArray()).toEqual([1, 2, 1, 2, 1, 2]);
    expect(traces()).toBe(2);
  });

  it('bad options are refused when jitting, a missing static argument when calling', () => {
    const id = (x: Tensor) => x;
    expect(() => jit(id, { staticArgnums: [-1] })).toThrow(PuregradError);
    expect(() => jit(id, { staticArgnums: [1.5] })).toThrow(/integers ≥ 0/);
    expect(() => jit(id, { staticArgnums: [1, 1] })).toThrow(/lists a position twice/);
    expect(() => jit(id, { staticArgnames: [''] })).toThrow(/non-empty keys/);
    expect(() => jit(id, { staticArgNums: [1] } as never)).toThrow(/unknown option "staticArgNums"/);
    expect(() => jit(id, { staticArgnums: [2] })(tensor([1]))).toThrow(/staticArgnums lists argument 2 but the call passed 1 argument/);
  });
});

describe('the cache', () => {
  it(`keeps the ${CACHE_LIMIT} most recently used signatures`, () => {
    vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const [body, traces] = counted((x: Tensor) => add(x, 1));
    const f = jit(body);
    for (let n = 1; n <= CACHE_LIMIT + 6; n++) f(tensor(new Array<number>(n).fill(1)));
    expect(f.cacheSize()).toBe(CACHE_LIMIT);
    const before = traces();
    f(tensor(new Array<number>(CACHE_LIMIT + 6).fill(2))); // recent: cached
    expect(traces()).toBe(before);
    expect(f(tensor([5])).toArray()).toEqual([6]); // the first signature was dropped: traced again
    expect(traces()).toBe(before + 1);
  });

  it(`warns once, naming the function and what changed, after ${RETRACE_WARNING} traces`, () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const shrinking = jit(function shrink(p: { w: Tensor }) {
      return mul(p.w, 0.5);
    });
    for (let n = 1; n <= RETRACE_WARNING; n++) shrinking({ w: tensor(new Array<number>(n).fill(1)) });
    expect(warn).not.toHaveBeenCalled();
    shrinking({ w: tensor(new Array<number>(RETRACE_WARNING + 1).fill(1)) });
    expect(warn).toHaveBeenCalledTimes(1);
    const message = String(warn.mock.calls[0]![0]);
    expect(message).toMatch(/jit\(shrink\) has traced 9 signatures/);
    expect(message).toContain(`argument 0 leaf .w changed shape [${RETRACE_WARNING}] → [${RETRACE_WARNING + 1}]`);
    for (let n = 1; n <= 5; n++) shrinking({ w: tensor(new Array<number>(20 + n).fill(1)) });
    expect(warn).toHaveBeenCalledTimes(1);
  });

  it('alternating signatures (shapes, dtypes, structure, number kinds) each get their own program', () => {
    const plain = (p: { a: Tensor; b?: Tensor }, k: number) => (p.b === undefined ? mul(p.a, k) : add(mul(p.a, k), p.b));
    const [body, traces] = counted(plain);
    const f = jit(body);
    const calls: [{ a: Tensor; b?: Tensor }, number][] = [
      [{ a: f64([1, 2]) }, 2],
      [{ a: f64([1, 2, 3]) }, 2],
      [{ a: tensor([1, 2]) }, 2],
      [{ a: f64([1, 2]), b: f64([10, 20]) }, 2],
      [{ a: tensor([1, 2], { dtype: 'int32' }) }, 3],
      [{ a: tensor([1, 2], { dtype: 'int32' }) }, 0.5],
    ];
    for (let round = 0; round < 3; round++) {
      for (const [p, k] of calls) expect(bits(f(p, k + round))).toEqual(bits(plain(p, k + round)));
    }
    expect(traces()).toBe(calls.length);
    expect(f.cacheSize()).toBe(calls.length);
  });

  it("keys are matched by name and order (results keep the caller's order); an extra or missing key is a new signature", () => {
    const [body, traces] = counted((p: Record<string, Tensor>) => sum(concatenate(Object.keys(p).sort().map((k) => p[k]!))));
    const f = jit(body);
    expect(f({ a: f64([1]), b: f64([2]) }).item()).toBe(3);
    expect(f({ a: f64([5]), b: f64([1]) }).item()).toBe(6);
    expect(traces()).toBe(1);
    expect(f({ b: f64([5]), a: f64([1]) }).item()).toBe(6);
    expect(traces()).toBe(2);
    expect(f({ a: f64([1]) }).item()).toBe(1);
    expect(f({ a: f64([1]), b: f64([2]), c: f64([4]) }).item()).toBe(7);
    expect(traces()).toBe(4);
    const g = jit((p: Record<string, Tensor>) => p);
    expect(Object.keys(g({ b: f64([1]), a: f64([2]) }))).toEqual(['b', 'a']);
  });
});

describe('lower', () => {
  it('runs the one signature it was lowered for, without growing the cache', () => {
    const step = jit((p: { w: Tensor }, lr: number) => ({ w: sub(p.w, mul(p.w, lr)) }));
    const fast = step.lower({ w: f64([1, 2]) }, 0.5);
    expect(fast({ w: f64([4, 8]) }, 0.25).w.toArray()).toEqual([3, 6]);
    expect(fast.program.toString()).toContain('mul');
    expect(step.cacheSize()).toBe(1);
  });

  it('rejects other shapes, dtypes, structures and number kinds with the difference named', () => {
    const fast = jit((x: Tensor, k: number) => mul(x, k)).lower(f64([1, 2]), 2);
    expect(() => fast(f64([1, 2, 3]), 2)).toThrow(/argument 0 changed shape \[2\] → \[3\]/);
    expect(() => fast(tensor([1, 2]), 2)).toThrow(/argument 0 changed dtype float64 → float32/);
    expect(() => fast(f64([1, 2]), 2.5)).toThrow(/argument 1 changed from an int32 integer to a non-integer/);
    expect(() => fast(f64([1, 2]), 2.5)).toThrow(PuregradError);
  });
});

describe('CSE with commutative operands', () => {
  const primNames = (f: (a: Tensor, b: Tensor) => Tensor) => jit(f).program(f64([1, 2]), f64([3, 4])).eqns.map((e) => e.prim.name);

  it('add(a, b) and add(b, a) are computed once, as are mul, maximum, equal and notEqual', () => {
    expect(primNames((a, b) => mul(add(a, b), add(b, a)))).toEqual(['add', 'mul']);
    expect(primNames((a, b) => add(mul(a, b), mul(b, a)))).toEqual(['mul', 'add']);
    expect(primNames((a, b) => add(maximum(a, b), maximum(b, a)))).toEqual(['maximum', 'add']);
    expect(primNames((a, b) => where(equal(a, b), a, b).add(where(equal(b, a), b, a))).filter((n) => n === 'equal')).toHaveLength(1);
    expect(primNames((a, b) => where(notEqual(a, b), a, b).add(where(notEqual(b, a), b, a))).filter((n) => n === 'notEqual')).toHaveLength(1);
  });

  it('sub(a, b) and sub(b, a) stay apart; the shared result has the same bits', () => {
    expect(primNames((a, b) => mul(sub(a, b), sub(b, a))).filter((n) => n === 'sub')).toHaveLength(2);
    const f = (a: Tensor, b: Tensor) => mul(add(a, b), add(b, a));
    expect(bits(jit(f)(f64([0.1, 1e300]), f64([0.2, -1e300])))).toEqual(bits(f(f64([0.1, 1e300]), f64([0.2, -1e300]))));
    expect(scalar(1).dtype).toBe('float32');
  });
});
