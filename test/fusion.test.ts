/**
 * Fusion (src/compile/fuse.ts): chains of elementwise equations run as one
 * generated loop, and every fused intermediate keeps its dtype's rounding, so
 * a fused plan computes exactly what the unfused plan and eager evaluation do.
 * Checked here on random elementwise programs over every dtype, with
 * broadcasting, and on the plan of a small MLP step.
 */

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { DType, Tensor } from '../src/index.ts';
import * as pg from '../src/index.ts';
import { compile } from '../src/compile/compile.ts';
import { withFusion } from '../src/compile/fuse.ts';
import { isSimdKernel, withSimd } from '../src/compile/simd.ts';
import { optimize } from '../src/compile/optimize.ts';

const { add, broadcastTo, cast, grad, greater, makeProgram, matmul, mean, mul, nn, ones, sub, tensor, tree, where, zeros } = pg;

const DTYPES: readonly DType[] = ['float32', 'float64', 'int32', 'bool'];
const SHAPES: readonly (readonly number[])[] = [[3, 4], [4], [3, 1], []];

type Unary = (x: Tensor) => Tensor;
type Binary = (x: Tensor, y: Tensor) => Tensor;
const UNARY: readonly Unary[] = [pg.neg, pg.exp, pg.log, pg.log1p, pg.expm1, pg.sin, pg.cos, pg.tanh, pg.sqrt, pg.abs, pg.sign];
const BINARY: readonly Binary[] = [add, sub, mul, pg.div, pg.pow, pg.maximum, greater, pg.greaterEqual, pg.equal, pg.notEqual];

/** One step of a random program: an op and the pool positions it reads. */
type Step =
  | { kind: 'unary'; op: number; x: number }
  | { kind: 'binary'; op: number; x: number; y: number }
  | { kind: 'where'; c: number; x: number; y: number }
  | { kind: 'cast'; dtype: number; x: number }
  | { kind: 'broadcast'; x: number };

const pos = fc.nat(1000);
const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constant('unary' as const), op: fc.nat(UNARY.length - 1), x: pos }),
  fc.record({ kind: fc.constant('binary' as const), op: fc.nat(BINARY.length - 1), x: pos, y: pos }),
  fc.record({ kind: fc.constant('where' as const), c: pos, x: pos, y: pos }),
  fc.record({ kind: fc.constant('cast' as const), dtype: fc.nat(3), x: pos }),
  fc.record({ kind: fc.constant('broadcast' as const), x: pos }),
);

/** The program: apply the steps over a pool that starts with the inputs; an op that refuses its operands is skipped. */
const programOf = (steps: readonly Step[], outputs: readonly number[]) => (...inputs: Tensor[]): Tensor[] => {
  const pool = [...inputs];
  const at = (k: number) => pool[k % pool.length]!;
  for (const s of steps) {
    try {
      switch (s.kind) {
        case 'unary':
          pool.push(UNARY[s.op]!(at(s.x)));
          break;
        case 'binary':
          pool.push(BINARY[s.op]!(at(s.x), at(s.y)));
          break;
        case 'where': {
          const c = at(s.c);
          pool.push(where(c.dtype === 'bool' ? c : greater(c, 0), at(s.x), at(s.y)));
          break;
        }
        case 'cast':
          pool.push(cast(at(s.x), DTYPES[s.dtype]!));
          break;
        case 'broadcast':
          pool.push(broadcastTo(at(s.x), [2, 3, 4]));
          break;
      }
    } catch (e) {
      if (!(e instanceof pg.PuregradError)) throw e;
    }
  }
  return [pool[pool.length - 1]!, ...outputs.map(at)];
};

const value = fc.oneof(fc.double({ min: -4, max: 4, noNaN: true }), fc.constantFrom(0, -0, 1, -1, 0.5, 1e30, -1e30, NaN, 2147483647, -2147483648));
const inputs = fc.tuple(...SHAPES.map((shape) => fc.tuple(fc.nat(3), fc.array(value, { minLength: 12, maxLength: 12 })).map(([d, xs]) => {
  const size = shape.reduce((a, b) => a * b, 1);
  return cast(tensor(xs.slice(0, size), { shape: [...shape], dtype: 'float64' }), DTYPES[d]!);
})));

const sameBits = (a: Tensor, b: Tensor): boolean => {
  if (a.dtype !== b.dtype || a.shape.join() !== b.shape.join()) return false;
  const [x, y] = [a.toTypedArray(), b.toTypedArray()];
  return x.every((v, i) => Object.is(v, y[i]));
};

describe('fusion', () => {
  it('runs float32 and float64 groups as WebAssembly SIMD with the same bits as the JavaScript loops and eager evaluation', () => {
    let simdGroups = 0;
    const simdDtypes = new Set<string>();
    fc.assert(
      fc.property(inputs, fc.array(step, { minLength: 1, maxLength: 12 }), fc.array(pos, { maxLength: 2 }), (xs, steps, outs) => {
        const f = programOf(steps, outs);
        const program = optimize(makeProgram(f)(...xs));
        // Every eligible group goes to SIMD, however small (the default least size is 512 elements).
        const compiled = withSimd(true, () => compile(program), 1);
        for (const s of compiled.plan.steps) {
          if (!isSimdKernel(s.kernel)) continue;
          simdGroups++;
          simdDtypes.add(compiled.plan.buffers[s.outs[0]!]!.aval.dtype);
        }
        const simd = compiled(xs);
        const scalar = withSimd(false, () => compile(program))(xs);
        const eager = f(...xs);
        simd.forEach((t, i) => {
          expect(sameBits(t, scalar[i]!)).toBe(true);
          expect(sameBits(t, eager[i]!)).toBe(true);
        });
      }),
      { numRuns: 400 },
    );
    expect(simdGroups).toBeGreaterThan(40);
    expect([...simdDtypes].sort()).toEqual(['bool', 'float32', 'float64']);
  });

  it.each(['float32', 'float64'] as const)('%s SIMD groups: odd sizes, a bias over a batch, a ReLU mask stored as bool and read back, special values', (dtype) => {
    for (const n of [1, 3, 4, 7, 33, 257, 1000]) {
      const specials = [0, -0, 1, -1, NaN, Infinity, -Infinity, 1e-45, 3.4e38, 1e300, 0.1];
      const x = tensor(Array.from({ length: 2 * n }, (_, i) => specials[i % specials.length]! * (i % 3 === 0 ? -1 : 1) + (i % 7) * 0.37), { shape: [2, n], dtype });
      const b = tensor(Array.from({ length: n }, (_, i) => (i % 5) - 2.5), { dtype });
      const g = tensor(Array.from({ length: 2 * n }, (_, i) => Math.sin(i)), { shape: [2, n], dtype });
      const f = (x: Tensor, b: Tensor, g: Tensor) => {
        const h = add(x, b);
        const mask = greater(h, 0);
        const relu = where(mask, h, 0);
        const back = where(mask, g, 0);
        return [relu, back, mask, pg.maximum(x, g), pg.div(x, g), pg.sqrt(pg.abs(x)), sub(x, mul(g, 0.01))];
      };
      const program = optimize(makeProgram(f)(x, b, g));
      const compiled = withSimd(true, () => compile(program), 1);
      expect(compiled.plan.steps.some((s) => isSimdKernel(s.kernel))).toBe(true);
      const got = compiled([x, b, g]);
      const want = f(x, b, g);
      got.forEach((t, i) => expect(sameBits(t, want[i]!)).toBe(true));
    }
  });

  it('computes exactly what unfused plans and eager evaluation compute, for every dtype and broadcasting', () => {
    let fusedOps = 0;
    fc.assert(
      fc.property(inputs, fc.array(step, { minLength: 1, maxLength: 12 }), fc.array(pos, { maxLength: 2 }), (xs, steps, outs) => {
        const f = programOf(steps, outs);
        const program = optimize(makeProgram(f)(...xs));
        const compiled = withFusion(true, () => compile(program));
        for (const s of compiled.plan.steps) fusedOps += (s.fused?.ops ?? 1) - 1;
        const fused = compiled(xs);
        const unfused = withFusion(false, () => compile(program))(xs);
        const eager = f(...xs);
        fused.forEach((t, i) => {
          expect(sameBits(t, unfused[i]!)).toBe(true);
          expect(sameBits(t, eager[i]!)).toBe(true);
        });
      }),
      { numRuns: 300 },
    );
    // The programs do fuse: hundreds of ops ran inside another op's loop.
    expect(fusedOps).toBeGreaterThan(300);
  });

  it('keeps a value that is also a program output in its own buffer', () => {
    const f = (x: Tensor) => {
      const y = mul(x, 2);
      return [add(y, 1), y];
    };
    const c = compile(optimize(makeProgram(f)(ones([4]))));
    // One loop computes y once, stores it as the second output, and adds 1.
    expect(c.plan.steps.length).toBe(1);
    expect(c.plan.toString()).toContain('out0:f32[4] out1:f32[4] = add (mul in0 2.0 →out1) 1.0  (fused 2)');
    const [a, b] = c([tensor([1, 2, 3, 4])]);
    expect(a!.toArray()).toEqual([3, 5, 7, 9]);
    expect(b!.toArray()).toEqual([2, 4, 6, 8]);
  });

  it('runs a ReLU and its backward select as one loop, computing the shared values once', () => {
    const f = (x: Tensor, b: Tensor, g: Tensor) => {
      const h = add(x, b);
      const mask = pg.greaterEqual(0, h);
      const y = where(mask, 0, h);
      return [y, where(mask, 0, mul(g, y))];
    };
    const xs: [Tensor, Tensor, Tensor] = [tensor([[1, -2, 0], [-0.5, 3, -1]]), tensor([0.5, 0.25, -0]), tensor([[2, 2, 2], [3, 3, 3]])];
    const c = compile(optimize(makeProgram(f)(...xs)));
    // h and the mask are each read twice inside the loop (%0, %1): computed once; y is an output, so it is stored.
    expect(c.plan.toString()).toContain(
      'out1:f32[2,3] out0:f32[2,3] = select %1=(greaterEqual 0.0 %0=(add in0 in1)) 0.0 (mul in2 (select %1 0.0 %0 →out0))  (fused 5)',
    );
    expect(c.plan.steps.length).toBe(1);
    const unfused = withFusion(false, () => compile(optimize(makeProgram(f)(...xs))));
    expect(unfused.plan.steps.length).toBe(5);
    c(xs).forEach((t, i) => {
      expect(sameBits(t, unfused(xs)[i]!)).toBe(true);
      expect(sameBits(t, f(...xs)[i]!)).toBe(true);
    });
  });

  it('does not fuse a value into a group when something before the group reads it', () => {
    // m is read by the reduction, which the group rooted at the final sub depends on: m keeps its own step.
    const f = (x: Tensor) => {
      const m = mul(x, 3);
      return sub(m, pg.sum(m));
    };
    const c = compile(optimize(makeProgram(f)(ones([3]))));
    expect(c.plan.steps.map((s) => s.name)).toEqual(['mul', 'reduceSum', 'sub']);
    expect(c([tensor([1, 2, 3])])[0]!.toArray()).toEqual([-15, -12, -9]);
  });

  it('rounds every float32 intermediate, as a stored buffer does', () => {
    // 1 + 2^-30 is 1 in float32, so (x + 2^-30) - 1 is 0 when rounded and 2^-30 when not.
    const f = (x: Tensor) => sub(add(x, 2 ** -30), 1);
    const c = compile(optimize(makeProgram(f)(ones([2]))));
    expect(c.plan.steps.length).toBe(1);
    expect(c([tensor([1, 1])])[0]!.toArray()).toEqual([0, 0]);
    const wrap = compile(optimize(makeProgram((x: Tensor) => sub(mul(x, x), 1))(ones([1], 'int32'))));
    expect(wrap([tensor([65536], { dtype: 'int32' })])[0]!.toArray()).toEqual([-1]);
  });

  it('fuses an MLP step into few loops and saves buffers', () => {
    type Params = { w1: Tensor; b1: Tensor; w2: Tensor; b2: Tensor };
    const loss = (p: Params, x: Tensor, y: Tensor) => {
      const h = nn.relu(add(matmul(x, p.w1), p.b1));
      const out = add(matmul(h, p.w2), p.b2);
      return mean(mul(sub(out, y), sub(out, y)));
    };
    const stepFn = (p: Params, x: Tensor, y: Tensor) =>
      tree.map((w: Tensor, g: Tensor) => sub(w, mul(g, 0.1)), p, grad(loss)(p, x, y));
    const params = { w1: ones([3, 4]), b1: zeros([4]), w2: ones([4, 2]), b2: zeros([2]) };
    const program = optimize(makeProgram(stepFn)(params, ones([8, 3]), ones([8, 2])));
    const fused = withFusion(true, () => compile(program));
    const unfused = withFusion(false, () => compile(program));
    expect(fused.plan.toString()).toMatchInlineSnapshot(`
      "plan (in0:f32[4] in1:f32[2] in2:f32[3,4] in3:f32[4,2] in4:f32[8,3] in5:f32[8,2]) arena 9 buffers, 520 bytes
          t0:f32[8,4] = matmul in4 in2
          t1:f32[8,4] t2:bool[8,4] = select (greaterEqual 0.0 %0=(add t0 in0) →t2) 0.0 %0  (fused 3)
          t3:f32[8,2] = matmul t1 in3
          0.0625:f32[1,1] = reshape[shape=(1,1)] 0.0625  (view)
          t4:f32[8,2] = add %0=(mul (sub (add t3 in1) in5) (broadcast 0.0625)) %0  (fused 5)
          t5:f32[2] = reduceSum[axes=(0)] t4
          t6:f32[4,2] = matmul[transA=true] t1 t4
          t1:f32[8,4] = matmul[transB=true] t4 in3
          t0:f32[8,4] = select t2 0.0 t1
          t7:f32[4] = reduceSum[axes=(0)] t0
          t8:f32[3,4] = matmul[transA=true] in4 t0
          out0:f32[4] = sub in0 (mul t7 0.1)  (fused 2)
          out1:f32[2] = sub in1 (mul t5 0.1)  (fused 2)
          out2:f32[3,4] = sub in2 (mul t8 0.1)  (fused 2)
          out3:f32[4,2] = sub in3 (mul t6 0.1)  (fused 2)
        return (out0, out1, out2, out3)"
    `);
    const arenaBytes = (text: string) => Number(/arena \d+ buffers, (\d+) bytes/.exec(text)![1]);
    expect(arenaBytes(fused.plan.toString())).toBeLessThan(arenaBytes(unfused.plan.toString()));
    expect(fused.plan.steps.length).toBeLessThan(unfused.plan.steps.length);
    const args = [...tree.leaves(params), tensor([[1, 2, 3], [0, -1, 2], [3, 3, 1], [0, 0, 1], [2, 1, 0], [1, 1, 1], [-2, 0, 1], [4, 1, -1]]), ones([8, 2])];
    fused(args).forEach((t, i) => expect(sameBits(t, unfused(args)[i]!)).toBe(true));
  });
});
