/**
 * Donation (`jit(f, { donateArgnums })`, as JAX's `donate_argnums`): results
 * written into the donated arguments' buffers, the same bits as without
 * donation whatever the program reads after writing, the donated tensors
 * unreadable afterwards with an error saying why, and the cases where nothing
 * may be donated (a tensor passed twice, one the function closes over, one
 * handed back as a result, tracers of an enclosing transformation).
 */

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Tensor } from '../src/index.ts';
import {
  PuregradError, add, exp, grad, jit, matmul, mul, neg, nn, ones, random, reshape, stopGradient, sub, sum, tensor, tree, valueAndGrad, zeros,
} from '../src/index.ts';
import { storageOf } from '../src/tensor/tensor.ts';

const bits = (t: Tensor) => ({ dtype: t.dtype, shape: t.shape, values: Array.from(t.toTypedArray()) });
const donatedError = /^jit: this float32\[.*\] tensor was donated to a jitted call \(donateArgnums\)/;

type Params = { readonly w: Tensor; readonly b: Tensor };

describe('donateArgnums', () => {
  it('writes the new parameters into the old ones\' buffers, with the bits of the undonated step', () => {
    const k = random.splitN(random.key(3), 4);
    const x = random.normal(k[0]!, [32, 20]);
    const y = random.normal(k[1]!, [32, 5]);
    const loss = (p: Params) => nn.mse(add(matmul(x, p.w), p.b), y);
    const step = (p: Params, lr: number) => {
      const [l, g] = valueAndGrad(loss)(p);
      return [tree.map((w: Tensor, gw: Tensor) => sub(w, mul(gw, lr)), p, g), l] as const;
    };
    const plain = jit(step);
    const donating = jit(step, { donateArgnums: [0] });
    const start = (): Params => ({ w: random.normal(k[2]!, [20, 5]), b: random.normal(k[3]!, [5]) });
    let [p, q] = [start(), start()];
    for (let i = 0; i < 5; i++) {
      const buffers = [storageOf(q.w), storageOf(q.b)];
      const [nextP, lp] = plain(p, 0.1);
      const [nextQ, lq] = donating(q, 0.1);
      expect(bits(lq)).toEqual(bits(lp));
      expect(bits(nextQ.w)).toEqual(bits(nextP.w));
      expect(bits(nextQ.b)).toEqual(bits(nextP.b));
      // The new parameters live in the old ones' buffers; the old tensors are gone.
      expect(storageOf(nextQ.w)).toBe(buffers[0]);
      expect(storageOf(nextQ.b)).toBe(buffers[1]);
      expect(() => q.w.toArray()).toThrow(PuregradError);
      expect(() => q.w.toArray()).toThrow(donatedError);
      expect(() => add(q.b, 1)).toThrow(donatedError);
      expect(String(q.w)).toBe('Tensor<float32[20,5]> (donated)');
      expect(q.w.shape).toEqual([20, 5]);
      [p, q] = [nextP, nextQ];
    }
    // Passing a donated tensor again is the same clear error, before any arithmetic.
    const old = { w: tensor([1]), b: tensor([2]) };
    const f = jit((p: { w: Tensor; b: Tensor }) => ({ w: add(p.w, p.b), b: p.b }), { donateArgnums: [0] });
    f(old);
    expect(() => f(old)).toThrow(donatedError);
  });

  it('gives the same bits as without donation on random programs that read the donated input after writing a result', () => {
    // Each program reads its inputs in several places, some after an output of the same size could be written.
    const build = (choice: number) => (w: Tensor, v: Tensor): Tensor[] => {
      switch (choice) {
        case 0: return [neg(w), sum(mul(w, w))];
        case 1: return [sub(w, mul(v, 0.5)), add(w, v)];
        case 2: return [exp(w), reshape(w, [-1]), sum(w)];
        case 3: return [matmul(w, v), sub(w, matmul(w, v))];
        case 4: return [add(w, 1), mul(add(w, 1), v), neg(v)];
        default: return [sub(w, mul(exp(neg(w)), v))];
      }
    };
    const sizes = fc.constantFrom(1, 3, 16, 40);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 5 }), sizes, fc.integer({ min: 0, max: 1000 }), fc.constantFrom<number[]>([0], [1], [0, 1]), (choice, n, seed, donate) => {
        const f = build(choice);
        const [a, b] = random.splitN(random.key(seed), 2).map((key) => random.normal(key!, [n, n]));
        const want = jit(f)(a!, b!).map(bits);
        const fresh = [add(a!, 0), add(b!, 0)];
        const got = jit(f, { donateArgnums: donate })(fresh[0]!, fresh[1]!).map(bits);
        expect(got).toEqual(want);
        for (const k of [0, 1]) {
          // Program 2 hands back a view of w: its buffer is a result's, so w is not donated.
          if (donate.includes(k) && !(choice === 2 && k === 0)) expect(() => fresh[k]!.toArray()).toThrow(donatedError);
          else expect(bits(fresh[k]!)).toEqual(bits([a!, b!][k]!));
        }
      }),
      { numRuns: 60, seed: 8 },
    );
  });

  it('donates nothing that is still needed: a tensor passed twice, one the function closes over, one handed back', () => {
    const w = tensor([1, 2, 3]);
    const twice = jit((a: Tensor, b: Tensor) => add(a, b), { donateArgnums: [0] });
    expect(twice(w, w).toArray()).toEqual([2, 4, 6]);
    expect(w.toArray()).toEqual([1, 2, 3]);

    const captured = tensor([10, 20, 30]);
    const closes = jit((a: Tensor) => add(a, captured), { donateArgnums: [0] });
    expect(closes(captured).toArray()).toEqual([20, 40, 60]);
    expect(closes(tensor([1, 1, 1])).toArray()).toEqual([11, 21, 31]);
    expect(captured.toArray()).toEqual([10, 20, 30]);

    const back = jit((a: Tensor, b: Tensor) => [a, add(a, b)] as const, { donateArgnums: [0] });
    const v = tensor([5, 6, 7]);
    const [same, sum2] = back(v, tensor([1, 1, 1]));
    expect(same).toBe(v);
    expect(v.toArray()).toEqual([5, 6, 7]);
    expect(sum2.toArray()).toEqual([6, 7, 8]);
  });

  it('never writes a buffer another tensor shows: views of the donated input, views of other tensors, consts', () => {
    const neg0 = jit((a: Tensor) => neg(a), { donateArgnums: [0] });
    // A result that is a view of the donated input keeps its values.
    const viewOut = jit((a: Tensor) => [reshape(a, [2, 2]), neg(a)] as const, { donateArgnums: [0] });
    const [shape22, negated] = viewOut(tensor([1, 2, 3, 4]));
    expect(shape22.toArray()).toEqual([[1, 2], [3, 4]]);
    expect(negated.toArray()).toEqual([-1, -2, -3, -4]);
    const stopped = jit((a: Tensor) => [stopGradient(a), neg(a)] as const, { donateArgnums: [0] })(tensor([1, 2]));
    expect(stopped.map((t) => t.toArray())).toEqual([[1, 2], [-1, -2]]);
    // An eager reshape shares its input's buffer: donating either leaves both intact.
    const w = tensor([1, 2, 3, 4]);
    const v = reshape(w, [2, 2]);
    expect(neg0(w).toArray()).toEqual([-1, -2, -3, -4]);
    expect(v.toArray()).toEqual([[1, 2], [3, 4]]);
    expect(w.toArray()).toEqual([1, 2, 3, 4]);
    expect(neg0(v).toArray()).toEqual([[-1, -2], [-3, -4]]);
    expect(w.toArray()).toEqual([1, 2, 3, 4]);
    // Two arguments over one buffer: the undonated one keeps its values.
    const h = jit((a: Tensor, b: Tensor) => [neg(a), add(b, 0)] as const, { donateArgnums: [0] });
    const w2 = tensor([1, 2, 3, 4]);
    const v2 = reshape(w2, [4]);
    expect(h(w2, v2).map((t) => t.toArray())).toEqual([[-1, -2, -3, -4], [1, 2, 3, 4]]);
    expect(v2.toArray()).toEqual([1, 2, 3, 4]);
    // A tensor the function closes over, passed again as a view: the constant stays what it was.
    const c = tensor([1, 2, 3]);
    const addc = jit((a: Tensor) => add(a, c), { donateArgnums: [0] });
    expect(addc(reshape(c, [3])).toArray()).toEqual([2, 4, 6]);
    expect(c.toArray()).toEqual([1, 2, 3]);
    expect(addc(tensor([1, 1, 1])).toArray()).toEqual([2, 3, 4]);
    // A constant handed back by a jitted function, or a view of one, is not used up by donating it.
    const z = jit((x: Tensor) => [neg(x), zeros([3]), reshape(ones([4]), [2, 2])] as const);
    const [, zero, onesView] = z(tensor([0, 0, 0]));
    neg0(zero);
    neg0(onesView);
    expect(z(tensor([0, 0, 0]))[1].toArray()).toEqual([0, 0, 0]);
    expect(z(tensor([0, 0, 0]))[2].toArray()).toEqual([[1, 1], [1, 1]]);
    // A result returned twice is one buffer behind two tensors: neither is donated.
    const twice = jit((x: Tensor) => { const y = neg(x); return [y, y] as const; })(tensor([1, 2]));
    expect(neg0(twice[0]).toArray()).toEqual([1, 2]);
    expect(twice[1].toArray()).toEqual([-1, -2]);
  });

  it('donates nothing inside an enclosing jit, and refuses positions the call does not have', () => {
    const inner = jit((a: Tensor) => neg(a), { donateArgnums: [0] });
    const w = tensor([1, 2, 3]);
    const outer = jit((x: Tensor) => add(x, inner(w)));
    expect(outer(tensor([1, 1, 1])).toArray()).toEqual([0, -1, -2]);
    expect(w.toArray()).toEqual([1, 2, 3]);
    const f = jit((a: Tensor) => neg(a), { donateArgnums: [1] });
    expect(() => f(tensor([1]))).toThrow(/^jit: donateArgnums lists argument 1 but the call passed 1 argument/);
  });

  it('under another transformation nothing is donated', () => {
    const f = jit((w: Tensor) => sum(mul(w, w)), { donateArgnums: [0] });
    const w = tensor([1, 2, 3]);
    expect(grad(f)(w).toArray()).toEqual([2, 4, 6]);
    expect(w.toArray()).toEqual([1, 2, 3]);
  });

  it('jit(f).lower donates as the jitted function does', () => {
    const f = jit((w: Tensor, g: Tensor) => sub(w, g), { donateArgnums: [0] });
    const w = tensor([3, 4]);
    const lowered = f.lower(tensor([0, 0]), tensor([0, 0]));
    const before = storageOf(w);
    const out = lowered(w, tensor([1, 1]));
    expect(out.toArray()).toEqual([2, 3]);
    expect(storageOf(out)).toBe(before);
    expect(() => w.toArray()).toThrow(donatedError);
  });

  it('checks the option: positions, no repeats, not static too', () => {
    const id = (x: Tensor) => x;
    expect(() => jit(id, { donateArgnums: 0 as never })).toThrow(/^jit: donateArgnums must be an array of argument positions/);
    expect(() => jit(id, { donateArgnums: [-1] })).toThrow(/^jit: donateArgnums must hold argument positions \(integers ≥ 0\), got -1/);
    expect(() => jit(id, { donateArgnums: [0, 0] })).toThrow(/^jit: donateArgnums \[0, 0\] lists a position twice/);
    expect(() => jit(id, { staticArgnums: [1], donateArgnums: [1] })).toThrow(/argument 1 is in both staticArgnums and donateArgnums/);
  });
});
