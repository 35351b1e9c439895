/**
 * The transformations on trees: gradient types and structure, argnums,
 * hasAux, valueAndGrad, jvp/vjp, Jacobians and Hessians, higher order, and
 * values while tracing. Expected values are derived by hand in comments.
 */

import { describe, expect, expectTypeOf, it } from 'vitest';
import type { Tensor } from '../src/index.ts';
import {
  add, cos, exp, grad, hessian, jacfwd, jacrev, jvp, makeProgram, matmul, mul, nn, pow, scalar, sin, stopGradient, sum,
  tanh, tensor, tree, valueAndGrad, vjp,
} from '../src/index.ts';

const f64 = (data: number[] | number[][]) => tensor(data, { dtype: 'float64' });
const near = (actual: Tensor, expected: number[] | number, digits = 10) => {
  const a = actual.toTypedArray();
  const e = typeof expected === 'number' ? [expected] : expected;
  expect(a.length).toBe(e.length);
  e.forEach((v, i) => expect(a[i]).toBeCloseTo(v, digits));
};

describe('grad on parameter trees', () => {
  interface Params { readonly w: Tensor; readonly layers: readonly [{ readonly b: Tensor }] }
  const params: Params = { w: f64([1, 2]), layers: [{ b: f64([3]) }] };
  // loss = Σ w² · b  ⇒  ∂w = 2w·b, ∂b = Σ w²
  const loss = (p: Params) => mul(sum(mul(p.w, p.w)), sum(p.layers[0].b));

  it('returns a tree of the same structure and type', () => {
    const g = grad(loss)(params);
    expectTypeOf(g).toEqualTypeOf<Params>();
    expect(tree.showStructure(tree.structure(g))).toBe(tree.showStructure(tree.structure(params)));
    near(g.w, [6, 12]);
    near(g.layers[0].b, [5]);
  });

  it('argnums selects arguments; an array gives a tuple', () => {
    const f = (x: Tensor, y: Tensor, k: number) => mul(mul(x, y), k); // ∂x = y·k, ∂y = x·k
    const gy = grad(f, { argnums: 1 })(scalar(2, 'float64'), scalar(5, 'float64'), 3);
    expectTypeOf(gy).toEqualTypeOf<Tensor>();
    near(gy, 6);
    const [gx, gy2] = grad(f, { argnums: [0, 1] })(scalar(2, 'float64'), scalar(5, 'float64'), 3);
    near(gx, 15);
    near(gy2, 6);
  });

  it('hasAux returns the aux value as a plain (untraced) value', () => {
    const f = (x: Tensor) => [sum(mul(x, x)), { doubled: mul(x, 2), note: 'hi' }] as const;
    const [g, aux] = grad(f, { hasAux: true })(f64([1, 2]));
    near(g, [2, 4]);
    near(aux.doubled, [2, 4]);
    expect(aux.note).toBe('hi');
    const [[value, aux2], g2] = valueAndGrad(f, { hasAux: true })(f64([1, 2]));
    near(value, 5);
    near(aux2.doubled, [2, 4]);
    near(g2, [2, 4]);
  });

  it('valueAndGrad returns [value, grad]', () => {
    const [v, g] = valueAndGrad((x: Tensor) => sum(exp(x)))(f64([0, 1]));
    near(v, 1 + Math.E);
    near(g, [1, Math.E]);
  });
});

describe('jvp and vjp', () => {
  it('jvp pushes a tangent forward', () => {
    // d/dt sin(x²) along v = cos(x²)·2x·v
    const [y, dy] = jvp((x: Tensor) => sin(mul(x, x)), [f64([0.5, 1])], [f64([1, -2])]);
    near(y, [Math.sin(0.25), Math.sin(1)]);
    near(dy, [Math.cos(0.25) * 1, Math.cos(1) * 2 * -2]);
  });

  it('vjp pulls a cotangent back through trees', () => {
    const [out, back] = vjp((p: { a: Tensor; b: Tensor }) => ({ s: add(p.a, p.b), m: mul(p.a, p.b) }), { a: f64([2]), b: f64([3]) });
    near(out.s, [5]);
    const [ct] = back({ s: f64([1]), m: f64([10]) }); // ∂a = 1 + 10·b, ∂b = 1 + 10·a
    near(ct.a, [31]);
    near(ct.b, [21]);
  });
});

describe('Jacobians and Hessians', () => {
  const f = (x: Tensor) => mul(sin(x), sum(x)); // J_ij = δ_ij cos x_i · s + sin x_i
  const x = f64([0.3, -0.7, 1.1]);
  const s = 0.3 - 0.7 + 1.1;
  const expected = [0, 1, 2].flatMap((i) => [0, 1, 2].map((j) => (i === j ? Math.cos(x.toTypedArray()[i]!) * s : 0) + Math.sin(x.toTypedArray()[i]!)));

  it('jacfwd and jacrev agree with the hand-derived Jacobian', () => {
    near(jacfwd(f)(x), expected);
    near(jacrev(f)(x), expected);
    expect(jacfwd(f)(x).shape).toEqual([3, 3]);
  });

  it('hessian of Σ x³ is diag(6x)', () => {
    const h = hessian((v: Tensor) => sum(pow(v, scalar(3, 'float64'))))(f64([1, 2]));
    near(h, [6, 0, 0, 12]);
  });

  it('hessian of a matrix-argument function has shape x.shape ++ x.shape', () => {
    const w = f64([[0.1, 0.2], [0.3, 0.4]]);
    expect(hessian((m: Tensor) => sum(tanh(m)))(w).shape).toEqual([2, 2, 2, 2]);
  });
});

describe('higher order', () => {
  const f = (x: Tensor) => sin(mul(x, x));
  // f' = 2x cos x², f'' = 2 cos x² − 4x² sin x², f''' = −12x sin x² − 8x³ cos x²
  const x0 = 0.7;
  const d2 = 2 * Math.cos(x0 ** 2) - 4 * x0 ** 2 * Math.sin(x0 ** 2);
  const d3 = -12 * x0 * Math.sin(x0 ** 2) - 8 * x0 ** 3 * Math.cos(x0 ** 2);

  it('grad(grad(f)) and grad(grad(grad(f)))', () => {
    near(grad(grad(f))(scalar(x0, 'float64')), d2);
    near(grad(grad(grad(f)))(scalar(x0, 'float64')), d3, 9);
  });

  it('jvp of grad equals grad of grad', () => {
    const [, t] = jvp(grad(f), [scalar(x0, 'float64')], [scalar(1, 'float64')]);
    near(t, d2);
  });

  it('nested transformations keep their tangents apart (no perturbation confusion)', () => {
    // d/dx [ x · d/dy (x + y) ] = d/dx [x · 1] = 1
    const outer = grad((x: Tensor) => mul(x, grad((y: Tensor) => add(x, y))(scalar(1, 'float64'))));
    near(outer(scalar(5, 'float64')), 1);
  });

  it('makeProgram(grad(f)) prints a program that evaluates to the gradient', () => {
    const program = makeProgram(grad(f))(scalar(x0, 'float64'));
    expect(program.toString()).toContain('cos');
  });
});

describe('values while tracing', () => {
  it('code inside grad can read values and branch on them', () => {
    const piecewise = (x: Tensor) => (x.item() > 1 ? mul(x, 3) : mul(x, x));
    near(grad(piecewise)(scalar(2, 'float64')), 3);
    near(grad(piecewise)(scalar(0.5, 'float64')), 1);
    const viaPrimitive = (x: Tensor) => (+x > 0 ? cos(x) : sin(x));
    near(grad(viaPrimitive)(scalar(1, 'float64')), -Math.sin(1));
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const viaComparison = (x: Tensor) => ((x as any) > 0 ? x : mul(x, -1));
    near(grad(viaComparison)(scalar(-2, 'float64')), -1);
  });

  it('under makeProgram the same read is a clear error that suggests where/cond', () => {
    expect(() => makeProgram((x: Tensor) => (x.item() > 1 ? x : mul(x, x)))(scalar(2))).toThrow(/not known here.*where\(cond, x, y\).*cond\(pred/s);
  });

  it('the forward pass is not run twice: each forward equation appears once in the gradient program', () => {
    let calls = 0;
    const f = (x: Tensor) => {
      calls += 1;
      return sum(exp(sin(x)));
    };
    const program = makeProgram(grad(f))(f64([1, 2]));
    expect(calls).toBe(1);
    const count = (name: string) => program.eqns.filter((e) => e.prim.name === name).length;
    expect(count('exp')).toBe(1); // exp's rule reuses its recorded output
    expect(count('sin')).toBe(1);
  });

  it('stopGradient blocks the gradient but not the value', () => {
    const [v, g] = valueAndGrad((x: Tensor) => mul(x, stopGradient(x)))(scalar(3, 'float64'));
    near(v, 9);
    near(g, 3);
  });

  it('nn.mlp-style model: grad of a two-layer network matches finite differences at a point', () => {
    const x = f64([[0.5, -1], [2, 0.1]]);
    const loss = (w: Tensor) => sum(nn.relu(matmul(x, w)));
    const w0 = f64([[0.3, -0.2], [0.1, 0.4]]);
    const g = grad(loss)(w0).toTypedArray();
    const eps = 1e-6;
    const w = w0.toTypedArray();
    for (let i = 0; i < 4; i++) {
      const shifted = (d: number) => loss(tensor(w.map((v, j) => (j === i ? v + d : v)), { shape: [2, 2] })).item();
      expect(g[i]).toBeCloseTo((shifted(eps) - shifted(-eps)) / (2 * eps), 6);
    }
  });
});

describe('Jacobians of trees', () => {
  // f({a, b}) = {s: a·b (elementwise), t: Σa}; blocks by hand:
  // ∂s/∂a = diag(b), ∂s/∂b = diag(a), ∂t/∂a = 1ᵀ, ∂t/∂b = 0
  const f = (p: { a: Tensor; b: Tensor }) => ({ s: mul(p.a, p.b), t: sum(p.a) });
  const p = { a: f64([1, 2]), b: f64([3, 4]) };
  type Blocks = { s: { a: Tensor; b: Tensor }; t: { a: Tensor; b: Tensor } };

  it.each([['jacfwd', jacfwd], ['jacrev', jacrev]] as const)('%s gives the output tree of input-shaped blocks', (_name, jac) => {
    const j = jac(f)(p) as Blocks;
    expect(j.s.a.toArray()).toEqual([[3, 0], [0, 4]]);
    expect(j.s.b.toArray()).toEqual([[1, 0], [0, 2]]);
    expect(j.t.a.toArray()).toEqual([1, 1]);
    expect(j.t.b.toArray()).toEqual([0, 0]);
  });

  it('argnums as an array gives one Jacobian per argument', () => {
    const [jx, jy] = jacrev((x: Tensor, y: Tensor) => mul(x, y), { argnums: [0, 1] })(f64([1, 2]), f64([3, 4])) as Tensor[];
    expect(jx!.toArray()).toEqual([[3, 0], [0, 4]]);
    expect(jy!.toArray()).toEqual([[1, 0], [0, 2]]);
  });

  it('hessian of a function of a parameter tree', () => {
    // h(w, b) = Σ w² b  ⇒  ∂²/∂w² = 2b·I, ∂²/∂w∂b = 2w, ∂²/∂b² = 0
    const h = (q: { w: Tensor; b: Tensor }) => mul(sum(mul(q.w, q.w)), sum(q.b));
    const H = hessian(h)({ w: f64([1, 2]), b: f64([3]) }) as { w: { w: Tensor; b: Tensor }; b: { w: Tensor; b: Tensor } };
    expect(H.w.w.toArray()).toEqual([[6, 0], [0, 6]]);
    expect(H.w.b.toArray()).toEqual([[2], [4]]);
    expect(H.b.w.toArray()).toEqual([[2, 4]]);
    expect(H.b.b.toArray()).toEqual([[0]]);
  });
});

describe('types users rely on', () => {
  interface P { readonly w: Tensor; readonly b: Tensor }
  const p: P = { w: f64([1]), b: f64([2]) };

  it('hasAux infers the aux type without `as const`; tree.map keeps the parameter type; customVjp needs no casts', async () => {
    const { customVjp, sub } = await import('../src/index.ts');
    const [g, aux] = grad((q: P) => [sum(q.w), 3], { hasAux: true })(p);
    expectTypeOf(g).toEqualTypeOf<P>();
    expectTypeOf(aux).toEqualTypeOf<number>();
    const updated = tree.map((a: Tensor, d: Tensor) => sub(a, d), p, g);
    expectTypeOf(updated).toEqualTypeOf<P>();
    const clip = customVjp((x: Tensor) => x, (x: Tensor) => [x, null], (_r, ct) => [ct]);
    near(grad((x: Tensor) => clip(x))(scalar(1, 'float64')), 1);
    expect(aux).toBe(3);
  });
});

describe('Jacobian block order with argnums arrays (as JAX)', () => {
  it('hessian(f, {argnums: [0, 1]}) gives H[i][j] = ∂²f/∂x_i∂x_j of shape x_i ++ x_j', () => {
    const f = (a: Tensor, b: Tensor) => mul(sum(mul(a, a)), sum(b)); // ∂²/∂a∂b = 2a ⊗ 1
    const H = hessian(f, { argnums: [0, 1] })(f64([1, 2]), f64([3, 4, 5])) as Tensor[][];
    expect(H[0]![1]!.shape).toEqual([2, 3]);
    expect(H[1]![0]!.shape).toEqual([3, 2]);
    expect(H[0]![1]!.toArray()).toEqual([[2, 2, 2], [4, 4, 4]]);
    expect(H[0]![0]!.toArray()).toEqual([[24, 0], [0, 24]]);
  });
});
