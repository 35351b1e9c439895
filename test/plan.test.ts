/**
 * The engine: plans over buffers (liveness-based reuse, outputs never in the
 * arena, compiled control-flow bodies) and omnistaging under jit/makeProgram.
 * That compiled programs agree with eager evaluation bit for bit is a law
 * over random programs (programs.laws.test.ts) and over the registry
 * (primitives.test.ts); here are the properties of the plan itself.
 */

import { describe, expect, it } from 'vitest';
import type { Tensor } from '../src/index.ts';
import { add, cond, exp, grad, greater, jit, makeProgram, mul, neg, ones, scan, sin, sum, tensor, vmap } from '../src/index.ts';
import { compile } from '../src/compile/compile.ts';
import { planProgram } from '../src/compile/plan.ts';
import { withFusion } from '../src/compile/fuse.ts';

const chain = (x: Tensor) => exp(sin(neg(mul(add(x, 1), 2))));

describe('plans', () => {
  it('reuse a dead buffer for a later value of the same dtype and size', () => {
    // Unfused, so every op is a step of its own (fusion.test.ts covers fused plans).
    const plan = withFusion(false, () => planProgram(makeProgram(chain)(ones([16]))));
    const arena = plan.buffers.filter((b) => b.kind === 'arena');
    expect(plan.steps.length).toBe(5);
    // Four intermediates, but at most two are alive at once.
    expect(new Set(arena.map((b) => b.index)).size).toBe(2);
    expect(plan.toString()).toMatchInlineSnapshot(`
      "plan (in0:f32[16]) arena 2 buffers, 128 bytes
          t0:f32[16] = add in0 1.0
          t1:f32[16] = mul t0 2.0
          t0:f32[16] = neg t1
          t1:f32[16] = sin t0
          out0:f32[16] = exp t1
        return (out0)"
    `);
  });

  it('give every run fresh output buffers and never write the inputs', () => {
    const f = compile(makeProgram(chain)(ones([4])));
    const x = tensor([1, 2, 3, 4]);
    const before = x.toArray();
    const [a] = f([x]);
    const [b] = f([x]);
    expect(a).not.toBe(b);
    expect(a!.toArray()).toEqual(b!.toArray());
    expect(a!.toArray()).toEqual(chain(x).toArray());
    expect(x.toArray()).toEqual(before);
  });

  it('hand back an input, a literal or a reshaped input as such', () => {
    const f = compile(makeProgram((x: Tensor, y: Tensor) => [y, add(x, y), x.reshape([2, 2])])(ones([4]), ones([4])));
    const [x, y] = [tensor([1, 2, 3, 4]), tensor([5, 6, 7, 8])];
    const [a, b, c] = f([x, y]);
    expect(a).toBe(y);
    expect(b!.toArray()).toEqual([6, 8, 10, 12]);
    expect(c!.toArray()).toEqual([[1, 2], [3, 4]]);
  });

  it('run scan bodies and cond branches as compiled plans, agreeing with eager bit for bit', () => {
    const f = (xs: Tensor, c: Tensor) => {
      const [last, ys] = scan((h: Tensor, x: Tensor) => [sin(add(mul(h, 0.9), x)), exp(neg(h))] as const, c, xs);
      return cond(greater(sum(last), 0), (a: Tensor) => mul(a, 3), (a: Tensor) => neg(a), ys);
    };
    const xs = tensor([[0.1, 0.2], [0.3, -0.4], [1.5, 2], [-3, 0.25]], { dtype: 'float64' });
    const c = tensor([0.5, -1], { dtype: 'float64' });
    const eager = f(xs, c).toTypedArray();
    const jitted = jit(f)(xs, c).toTypedArray();
    expect(Array.from(jitted)).toEqual(Array.from(eager));
    expect(jit(f)(xs, c).shape).toEqual([4, 2]);
  });
});

describe('omnistaging', () => {
  it('stages ops on constants under jit instead of capturing their values', () => {
    const w = ones([64, 64]);
    const program = jit((x: Tensor) => add(x, sum(mul(w, 2)))).program(ones([]));
    // mul(w, 2) is recorded, reading w as a const: no 64×64 result was computed while tracing.
    expect(program.eqns.map((e) => e.prim.name)).toEqual(['mul', 'reduceSum', 'add']);
    expect(program.consts.map((c) => c.value)).toEqual([w]);
  });

  it('stages the cotangent seed of grad under jit rather than capturing a tensor of ones', () => {
    const program = jit(grad((x: Tensor) => sum(mul(x, x)))).program(ones([256, 256]));
    expect(program.consts).toEqual([]);
  });

  it('folds ops among scalars into literals', () => {
    const program = makeProgram((x: Tensor) => add(x, mul(tensor(2), tensor(3))))(ones([]));
    expect(program.toString()).toBe('{ lambda ; a:f32[]. let\n    b:f32[] = add a 6.0\n  in (b) }');
  });

  it('stages the unbatched operand of vmap under jit', () => {
    const w = ones([8, 8]);
    const program = jit(vmap((x: Tensor) => mul(x, exp(w)))).program(ones([3, 8, 8]));
    expect(program.consts.map((c) => c.value)).toEqual([w]);
    expect(program.eqns.some((e) => e.prim.name === 'exp')).toBe(true);
  });

  it('still evaluates eagerly under grad without jit', () => {
    expect(grad((x: Tensor) => sum(mul(x, exp(ones([3])))))(tensor([1, 2, 3])).toArray()).toEqual(
      exp(ones([3])).toArray(),
    );
  });
});
