/**
 * jit: one trace per signature, an optimized program, clear errors when a
 * traced value is read, and composition with every other transformation.
 */

import { describe, expect, it } from 'vitest';
import type { Tensor } from '../src/index.ts';
import { ConcretizationError, add, cos, div, grad, jit, makeProgram, matmul, mean, mul, nn, scalar, sin, sum, tensor, valueAndGrad, vmap, where } from '../src/index.ts';

const f64 = (data: number[] | number[][]) => tensor(data, { dtype: 'float64' });
const f = (x: Tensor) => add(sin(mul(x, x)), mul(x, x));

describe('tracing and caching', () => {
  it('traces once per signature and reuses the program', () => {
    let traces = 0;
    const g = jit((x: Tensor, k: number) => {
      traces += 1;
      return mul(x, k);
    });
    expect(g(f64([1, 2]), 3).toArray()).toEqual([3, 6]);
    expect(g(f64([5, 6]), 3).toArray()).toEqual([15, 18]);
    expect(traces).toBe(1);
    g(f64([1, 2, 3]), 3); // new shape
    g(tensor([1, 2]), 3); // new dtype
    expect(g(f64([1, 2]), 4).toArray()).toEqual([4, 8]); // a new number is a new input value, not a new signature
    expect(traces).toBe(3);
    expect(g.cacheSize()).toBe(3);
  });

  it('returns trees of the same structure, with static leaves passed through', () => {
    const g = jit((p: { a: Tensor; b: Tensor }) => ({ sum: add(p.a, p.b), label: 'ok', pair: [p.a, mul(p.b, 2)] }));
    const out = g({ a: f64([1]), b: f64([2]) });
    expect(out.sum.toArray()).toEqual([3]);
    expect(out.label).toBe('ok');
    expect(out.pair[1].toArray()).toEqual([4]);
  });

  it('dead-code elimination drops the forward equations the gradient does not need', () => {
    const program = jit(grad(f)).program(scalar(2));
    const names = program.eqns.map((e) => e.prim.name);
    expect(names).not.toContain('sin');
    expect(names).toContain('cos');
    expect(makeProgram(grad(f))(scalar(2)).eqns.map((e) => e.prim.name)).toContain('sin');
  });

  it('common-subexpression elimination shares repeated work', () => {
    const g = jit((x: Tensor) => add(mul(cos(x), 2), mul(cos(x), 2)));
    const names = g.program(scalar(1)).eqns.map((e) => e.prim.name);
    expect(names.filter((n) => n === 'cos')).toHaveLength(1);
    expect(names.filter((n) => n === 'mul')).toHaveLength(1);
    expect(g(scalar(1, 'float64')).item()).toBe(4 * Math.cos(1));
  });
});

describe('reading traced values', () => {
  it('item(), comparisons and toArray() raise an error naming the user line and suggesting where/cond', () => {
    const branchy = jit((x: Tensor) => (x.item() > 0 ? x : mul(x, -1)));
    let err: unknown;
    try {
      branchy(scalar(1));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConcretizationError);
    expect((err as Error).message).toMatch(/where\(cond, x, y\)/);
    expect((err as Error).message).toMatch(/cond\(pred, trueFn, falseFn/);
    expect((err as Error).message).toMatch(/jit\.test\.ts:\d+/);
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    expect(() => jit((x: Tensor) => ((x as any) > 0 ? x : x))(scalar(1))).toThrow(ConcretizationError);
    expect(() => jit((x: Tensor) => tensor(x.toArray() as number[]))(f64([1]))).toThrow(ConcretizationError);
  });

  it('the same code works outside jit, and where() works inside', () => {
    const abs1 = (x: Tensor) => (x.item() > 0 ? x : mul(x, -1));
    expect(abs1(scalar(-2)).item()).toBe(2);
    expect(jit((x: Tensor) => where(x.greater(0), x, mul(x, -1)))(scalar(-2)).item()).toBe(2);
  });
});

describe('composition', () => {
  const x = f64([0.3, -1.2]);
  const expected = grad((v: Tensor) => sum(f(v)))(x).toArray();

  it('jit(grad(f)), grad(jit(f)) and jit(grad(jit(f))) agree with grad(f)', () => {
    const loss = (v: Tensor) => sum(f(v));
    expect(jit(grad(loss))(x).toArray()).toEqual(expected);
    expect(grad(jit(loss))(x).toArray()).toEqual(expected);
    expect(jit(grad(jit(loss)))(x).toArray()).toEqual(expected);
  });

  it('grad of jit works when the jitted function closes over a traced value', () => {
    // d/dw Σ jit(x ↦ w·x)(x) = Σ x
    const g = grad((w: Tensor) => sum(jit((v: Tensor) => mul(w, v))(x)))(scalar(2, 'float64'));
    expect(g.item()).toBeCloseTo(0.3 - 1.2, 12);
  });

  it('jit(vmap(grad(loss))) gives per-example gradients', () => {
    const w = f64([[0.5], [-0.25]]);
    const xs = f64([[1, 2], [3, 4], [-1, 0.5]]);
    const ys = f64([1, 0, 2]);
    const loss = (p: Tensor, xi: Tensor, yi: Tensor) => mul(sum(matmul(xi, p)).sub(yi).square(), 0.5);
    const perExample = jit(vmap(grad(loss), { inAxes: [null, 0, 0] }));
    const got = perExample(w, xs, ys);
    expect(got.shape).toEqual([3, 2, 1]);
    for (let i = 0; i < 3; i++) {
      const xi = xs.slice([i], [i + 1]).reshape([2]);
      const yi = ys.slice([i], [i + 1]).reshape([]);
      expect(got.slice([i], [i + 1]).reshape([2, 1]).toArray()).toEqual(grad(loss)(w, xi, yi).toArray());
    }
    // their mean is the batch gradient
    const batch = grad((p: Tensor) => mean(vmap((xi: Tensor, yi: Tensor) => loss(p, xi, yi))(xs, ys)))(w);
    const meanOf = mean(got, { axis: 0 }).toTypedArray();
    batch.toTypedArray().forEach((v, i) => expect(v).toBeCloseTo(meanOf[i]!, 12));
  });

  it('a jitted train step with valueAndGrad', () => {
    const data = f64([[1, 0], [0, 1], [1, 1]]);
    const target = f64([[1], [0], [1]]);
    const loss = (w: Tensor) => mean(nn.sigmoid(matmul(data, w)).sub(target).square());
    const step = jit((w: Tensor) => {
      const [l, g] = valueAndGrad(loss)(w);
      return [l, w.sub(mul(g, 0.5))] as const;
    });
    let w = f64([[0], [0]]);
    let first = Infinity;
    let last = Infinity;
    for (let i = 0; i < 50; i++) {
      const [l, next] = step(w);
      if (i === 0) first = l.item();
      last = l.item();
      w = next;
    }
    expect(last).toBeLessThan(first);
    expect(step.cacheSize()).toBe(1);
  });
});

describe('optimizing inside control flow', () => {
  it('dead code inside the branches of a gradient cond is removed', async () => {
    const { cond, greater } = await import('../src/index.ts');
    const h = (x: Tensor) => sum(cond(greater(sum(x), 0), (v: Tensor) => sin(v), (v: Tensor) => mul(v, v), x));
    const program = jit(grad(h)).program(f64([1, 2]));
    const conds = program.eqns.filter((e) => e.prim.name === 'cond');
    const branchPrims = conds.flatMap((e) => (e.params as { branches: { eqns: { prim: { name: string } }[] }[] }).branches.flatMap((b) => b.eqns.map((q) => q.prim.name)));
    expect(branchPrims).not.toContain('sin'); // the backward branch needs cos, not sin
    expect(jit(grad(h))(f64([1, 2])).toArray()).toEqual(grad(h)(f64([1, 2])).toArray());
  });
});

describe('jit under other transformations', () => {
  it('vmap(jit(f)) and makeProgram(jit(f)) interpret the cached program at their level', () => {
    const g = jit((x: Tensor) => mul(sin(x), x));
    const xs = f64([[0.1, 0.2], [0.3, 0.4]]);
    expect(vmap(g)(xs).toArray()).toEqual(mul(sin(xs), xs).toArray());
    expect(makeProgram(g)(f64([1, 2])).eqns.map((e) => e.prim.name)).toEqual(['sin', 'mul']);
  });
});

describe('static arguments', () => {
  it('NaN, ±Infinity and −0 are distinct static values', () => {
    const g = jit((x: Tensor, k: number) => mul(x, 1 / k), { staticArgnums: [1] });
    expect(g(f64([1]), Number.NaN).toArray()).toEqual([Number.NaN]);
    expect(g(f64([1]), Infinity).toArray()).toEqual([0]);
    expect(g(f64([1]), 0).toArray()).toEqual([Infinity]);
    expect(g(f64([1]), -0).toArray()).toEqual([-Infinity]);
    expect(g.cacheSize()).toBe(4);
  });

  it('traced, the same numbers share a program per kind (integer or not)', () => {
    const g = jit((x: Tensor, k: number) => div(x, k));
    expect(g(f64([1]), Number.NaN).toArray()).toEqual([Number.NaN]);
    expect(g(f64([1]), Infinity).toArray()).toEqual([0]);
    expect(g(f64([1]), 0).toArray()).toEqual([Infinity]);
    expect(g.cacheSize()).toBe(2);
  });
});

describe('pruning the results of control flow', () => {
  it('a scan whose stacked outputs are unused stops computing them; the values are unchanged', async () => {
    const { scan, tanh } = await import('../src/index.ts');
    const xs = f64([[1, 2], [3, 4], [5, 6]]);
    const lastOnly = (w: Tensor) => sum(scan((c: Tensor, x: Tensor) => [tanh(add(mul(c, w), x)), sin(x)] as const, f64([0, 0]), xs)[0]);
    const program = jit(lastOnly).program(f64([0.5, -0.5]));
    const body = (program.eqns.find((e) => e.prim.name === 'scan')!.params as { body: { eqns: { prim: { name: string } }[]; outputs: unknown[] } }).body;
    expect(body.outputs).toHaveLength(1);
    expect(body.eqns.map((e) => e.prim.name)).not.toContain('sin');
    expect(jit(lastOnly)(f64([0.5, -0.5])).item()).toBe(lastOnly(f64([0.5, -0.5])).item());
    expect(jit(grad(lastOnly))(f64([0.5, -0.5])).toArray()).toEqual(grad(lastOnly)(f64([0.5, -0.5])).toArray());
  });
});

describe('pruning with an unused carry', () => {
  it('unused stacked outputs are dropped even when a carry is unused too', async () => {
    const { scan } = await import('../src/index.ts');
    const xs = f64([[1, 2], [3, 4]]);
    const ysOnly = (w: Tensor) => {
      const [, [kept]] = scan((c: Tensor, x: Tensor) => [add(c, x), [mul(c, w), sin(x)]] as const, f64([0, 0]), xs);
      return sum(kept);
    };
    const body = (jit(ysOnly).program(f64([2, 3])).eqns.find((e) => e.prim.name === 'scan')!.params as { body: { eqns: { prim: { name: string } }[] } }).body;
    expect(body.eqns.map((e) => e.prim.name)).not.toContain('sin');
    expect(jit(ysOnly)(f64([2, 3])).item()).toBe(ysOnly(f64([2, 3])).item());
  });
});
