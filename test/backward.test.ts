/**
 * Compiled backward passes of eager gradients (src/transforms/backward.ts):
 * a structure is compiled the second time it is seen and then reused with new
 * values, the results are those of the op-by-op pass bit for bit (the law over
 * random programs is in programs.laws.test.ts), the cache stays bounded, and
 * the pass runs op by op under another transformation, with debugNans on, and
 * for programs whose params are not plain data.
 */

import { afterEach, describe, expect, it } from 'vitest';
import type { Tensor } from '../src/index.ts';
import { add, cond, customJvp, debugNans, grad, greater, jit, log, matmul, mean, mul, nn, scalar, sin, sqrt, sum, tensor, vjp, vmap, where } from '../src/index.ts';
import { storageOf } from '../src/tensor/tensor.ts';
import { BACKWARD_CACHE_BYTES, BACKWARD_CACHE_SIZE, backwardCacheInfo, keptPlansHoldArguments, setBackwardCacheBytes, setCompiledBackward } from '../src/transforms/backward.ts';

const bits = (ts: readonly Tensor[]): number[][] => ts.map((t) => Array.from(t.toTypedArray()));
const runs = (): number => backwardCacheInfo().runs;

const loss = (w: Tensor, b: Tensor, x: Tensor): Tensor => sum(mul(nn.sigmoid(add(matmul(x, w), b)), sin(x.sum())));
const w = tensor([[0.5, -1], [2, 0.25], [-0.75, 1.5]], { dtype: 'float64' });
const b = tensor([0.1, -0.2], { dtype: 'float64' });
const x = tensor([[1, 2, 3], [-1, 0.5, 2]], { dtype: 'float64' });
const g = (ww: Tensor, bb: Tensor) => grad(loss, { argnums: [0, 1] })(ww, bb, x);

describe('compiled backward passes of eager gradients', () => {
  afterEach(() => setCompiledBackward(true));

  it('compile a structure on its second sight, reuse it on new values, and give the op-by-op bits', () => {
    setCompiledBackward(false);
    const expected = [bits(g(w, b)), bits(g(mul(w, 2), b))];
    setCompiledBackward(true);
    const before = runs();
    const first = bits(g(w, b));
    expect(runs()).toBe(before);
    const second = bits(g(w, b));
    const third = bits(g(mul(w, 2), b));
    expect(runs()).toBe(before + 2);
    expect([first, second, third]).toEqual([expected[0], expected[0], expected[1]]);
  });

  it('give inputs with no path to the output zero cotangents, and serve vjp with several outputs', () => {
    const f = (a: Tensor, _unused: Tensor) => [mul(a, a), sin(a)] as const;
    const a = tensor([1, -2, 3], { dtype: 'float64' });
    const u = tensor([4, 5], { dtype: 'float64' });
    const back = (ct1: Tensor, ct2: Tensor) => vjp(f, a, u)[1]([ct1, ct2] as never) as unknown as Tensor[];
    const ct = tensor([1, 0.5, -1], { dtype: 'float64' });
    setCompiledBackward(false);
    const expected = bits(back(ct, ct));
    setCompiledBackward(true);
    const before = runs();
    const got = [bits(back(ct, ct)), bits(back(ct, ct)), bits(back(ct, ct))];
    expect(runs()).toBe(before + 2);
    expect(got).toEqual([expected, expected, expected]);
    expect(expected[1]).toEqual([0, 0]);
  });

  it('take literals as inputs: a scalar intermediate (a root mean square) that changes every step keeps one plan', () => {
    const rms = (v: Tensor) => sqrt(mean(mul(v, v)));
    const inputs = [1, 2, 3, 4].map((k) => tensor([k, -2 * k, 0.5], { dtype: 'float64' }));
    setCompiledBackward(false);
    const expected = inputs.map((v) => bits([grad(rms)(v)]));
    setCompiledBackward(true);
    const before = runs();
    expect(inputs.map((v) => bits([grad(rms)(v)]))).toEqual(expected);
    expect(runs()).toBe(before + 3);
  });

  it('hand back every gradient in a buffer of its own', () => {
    const two = (p: { b: Tensor; c: Tensor }) => sum(add(add(ones23, p.b), p.c));
    const ones23 = tensor([[1, 2, 3], [4, 5, 6]]);
    const p = { b: tensor([0, 0, 0]), c: tensor([0, 0, 0]) };
    for (let i = 0; i < 3; i++) {
      const g = grad(two)(p);
      expect(Array.from(g.b.toTypedArray())).toEqual([2, 2, 2]);
      expect(storageOf(g.b)).not.toBe(storageOf(g.c));
    }
  });

  it('stay bounded in arena bytes, and keep no caller buffer between runs', () => {
    grad((t: Tensor) => sum(sin(mul(t, t))))(tensor(new Float64Array(1000).fill(0.5), { dtype: 'float64' }));
    grad((t: Tensor) => sum(sin(mul(t, t))))(tensor(new Float64Array(1000).fill(0.5), { dtype: 'float64' }));
    expect(backwardCacheInfo().bytes).toBeLessThanOrEqual(BACKWARD_CACHE_BYTES);
    // With a bound of 4 KB, a structure whose arena alone is larger runs op by op, and smaller ones still compile.
    setBackwardCacheBytes(4096);
    try {
      const before = runs();
      // Its backward pass keeps two 32 KB products in its arena.
      const w = tensor(new Float64Array(64 * 64).fill(0.01), { shape: [64, 64], dtype: 'float64' });
      const deep = (t: Tensor) => sum(sin(matmul(sin(matmul(t, w)), w)));
      for (let i = 0; i < 3; i++) grad(deep)(tensor(new Float64Array(64 * 64).fill(0.25), { shape: [64, 64], dtype: 'float64' }));
      expect(runs()).toBe(before);
      for (let i = 0; i < 3; i++) grad((t: Tensor) => sum(sin(mul(t, sin(t)))))(tensor([0.25, 0.5], { dtype: 'float64' }));
      expect(runs()).toBe(before + 2);
      expect(backwardCacheInfo().bytes).toBeLessThanOrEqual(4096);
    } finally {
      setBackwardCacheBytes(BACKWARD_CACHE_BYTES);
    }
    // No step of a kept plan still holds the arguments of its last run.
    expect(keptPlansHoldArguments()).toBe(false);
  });

  it('leave a custom rule one equation under debugNans: a guarded log inside it is no error', () => {
    const safeLog = customJvp((v: Tensor) => where(greater(v, 0), log(v), 0), ([v], [t]) => [where(greater(v, 0), log(v), 0), mul(t, 1)]);
    expect(debugNans(() => Array.from(safeLog(tensor([0, 1, 4])).toTypedArray()))).toEqual([0, 0, Math.fround(Math.log(4))]);
  });

  it('stay bounded', () => {
    for (let n = 1; n <= BACKWARD_CACHE_SIZE + 8; n++) {
      const v = tensor(new Float64Array(n).fill(0.5), { dtype: 'float64' });
      grad((t: Tensor) => sum(mul(t, t)))(v);
      grad((t: Tensor) => sum(mul(t, t)))(v);
    }
    expect(backwardCacheInfo().size).toBeLessThanOrEqual(BACKWARD_CACHE_SIZE);
  });

  it('run op by op under another transformation, with debugNans on, and for control flow', () => {
    const before = runs();
    for (let i = 0; i < 3; i++) {
      jit((ww: Tensor, bb: Tensor) => g(ww, bb))(w, b);
      vmap((bb: Tensor) => g(w, bb)[1]!)(tensor([[0.1, -0.2], [0.3, 0.4]], { dtype: 'float64' }));
      debugNans(() => g(w, b));
    }
    const branchy = (t: Tensor) => cond(greater(t, 0), (v: Tensor) => mul(v, v), (v: Tensor) => sin(v), t);
    for (let i = 0; i < 3; i++) expect(grad(branchy)(scalar(3, 'float64')).item()).toBe(6);
    expect(runs()).toBe(before);
  });
});
