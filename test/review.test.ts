/**
 * Regressions from the first review of the transformations and ops: each test
 * is a bug that was found, fixed, and pinned here.
 */

import { describe, expect, it } from 'vitest';
import type { Tensor } from '../src/index.ts';
import {
  add, argmin, evalProgram, grad, jacrev, jit, logsumexp, makeProgram, max, min, mul, nn, ones, scan, scalar, slice, sum, take, tensor, vjp, vmap,
  zeros,
} from '../src/index.ts';

const i32 = (d: number[] | number[][]) => tensor(d, { dtype: 'int32' });

describe('indices that cannot be checked are clamped, never cross examples', () => {
  it('take under jit and vmap', () => {
    const x = tensor([10, 20, 30]);
    expect(jit((a: Tensor, i: Tensor) => take(a, i))(x, i32([5, -7, 1])).toArray()).toEqual([30, 10, 20]);
    const rows = tensor([[10, 20, 30], [40, 50, 60]]);
    expect(vmap((r: Tensor, i: Tensor) => take(r, i))(rows, i32([[3], [-4]])).toArray()).toEqual([[30], [40]]);
    expect(() => take(x, i32([3]))).toThrow(/take: index 3 is out of range/);
  });
});

describe('jit signatures', () => {
  it('object keys that print alike are different signatures', () => {
    const h = jit((p: Record<string, Tensor>) => ('a' in p ? mul(p['a']!, 2) : mul(p['a: *, b']!, 3)));
    expect(h({ 'a: *, b': tensor([1]), c: tensor([5]) }).toArray()).toEqual([3]);
    expect(h({ a: tensor([1]), 'b: *, c': tensor([5]) }).toArray()).toEqual([2]);
  });
});

describe('clear errors', () => {
  it('scan checks its body and its length', () => {
    expect(() => scan((c: Tensor, x: Tensor) => add(c, x) as never, scalar(0), tensor([1, 2]))).toThrow(/scan: the body must return a pair/);
    expect(() => scan((c: Tensor) => [c, null] as const, scalar(0), null, { length: 1.5 })).toThrow(/scan: length must be a non-negative integer/);
    expect(() => scan((c: Tensor, x: Tensor) => [c, x] as const, scalar(0), scalar(1))).toThrow(/scan: a leaf of xs is a scalar/);
  });

  it('bad leaves say whether they are in the arguments or a result', () => {
    expect(() => vmap((x: Tensor) => [x, 3])(ones([2]))).toThrow(/found the number 3 at \[1\] in the function's result/);
  });

  it('argnums may not repeat; vjp checks cotangent dtypes; outAxes must match the outputs', () => {
    expect(() => grad((a: Tensor, b: Tensor) => sum(mul(a, b)), { argnums: [0, 0] })(ones([2]), ones([2]))).toThrow(/argnums \(0,0\) names an argument twice/);
    const [, back] = vjp((a: Tensor) => mul(a, a), tensor([1, 2]));
    expect(() => back(tensor([1, 1], { dtype: 'float64' }))).toThrow(/vjp: cotangent 0 is float64\[2\] but the output is float32\[2\]/);
    expect(() => vmap((x: Tensor) => x, { outAxes: [0, 1] })(ones([2]))).toThrow(/outAxes has 2 entries but the function returns 1/);
  });

  it('jacrev refuses int inputs like grad; evalProgram checks its inputs; labels are checked', () => {
    expect(() => jacrev((x: Tensor) => x)(i32([1]))).toThrow(/jacrev: can only differentiate float inputs/);
    const program = makeProgram((x: Tensor) => mul(x, 2))(zeros([2]));
    expect(() => evalProgram(program, [zeros([3])])).toThrow(/evalProgram: input 0 is float32\[3\] but the program takes float32\[2\]/);
    expect(() => nn.sparseSoftmaxCrossEntropy(zeros([2, 3]), i32([3, 0]))).toThrow(/label 3 is not a class index/);
  });

  it('numbers that do not fit int32 are refused rather than wrapped', () => {
    expect(() => add(i32([1]), 3e9)).toThrow(/3000000000 does not fit int32/);
    expect(() => tensor([2 ** 31], { dtype: 'int32' })).toThrow(/does not fit int32/);
  });
});

describe('values', () => {
  it('static arguments in vmap (inAxes null) and makeProgram', () => {
    expect(vmap((x: Tensor, k: number) => mul(x, k), { inAxes: [0, null] })(tensor([1, 2]), 3).toArray()).toEqual([3, 6]);
    expect(makeProgram((x: Tensor, k: number) => mul(x, k))(zeros([2]), 3).eqns).toHaveLength(1);
  });

  it('int32 min and argmin at the most negative int32', () => {
    expect(min(i32([-2147483648, 0])).item()).toBe(-2147483648);
    expect(argmin(i32([5, -2147483648, 0])).item()).toBe(1);
  });

  it('logsumexp gradient is the exact softmax at 1e4 in float32; max of an empty axis is an error', () => {
    expect(grad((x: Tensor) => logsumexp(x))(tensor([1e4, 1e4])).toArray()).toEqual([0.5, 0.5]);
    expect(() => max(zeros([0]))).toThrow(/empty axis/);
  });

  it('relu keeps NaN; slice clamps like Python', () => {
    expect(nn.relu(tensor([Number.NaN])).toArray()).toEqual([Number.NaN]);
    expect(slice(tensor([1, 2, 3]), [-10], [20]).toArray()).toEqual([1, 2, 3]);
    expect(slice(tensor([1, 2, 3]), [2], [1]).toArray()).toEqual([]);
  });

  it('tensor(x, {dtype}) keeps the gradient', () => {
    expect(grad((v: Tensor) => sum(mul(tensor(v, { dtype: 'float64' }), 2)))(tensor([1, 2])).toArray()).toEqual([2, 2]);
  });
});

describe('second review', () => {
  it('argmin names itself on bools; an int32 arange needs integer steps', async () => {
    const { arange } = await import('../src/index.ts');
    expect(() => argmin(tensor([true, false]))).toThrow(/^argmin: /);
    expect(() => arange(0, 2, 0.5, 'int32')).toThrow(/arange: an int32 range needs an integer start and step/);
  });
});

describe('negative zero as a weak number', () => {
  it('x / -0 is -Infinity eagerly and under jit (a scalar filled with -0 keeps its sign)', async () => {
    const { div, jit } = await import('../src/index.ts');
    const x = tensor(Float64Array.of(1, -2));
    expect(div(x, -0).toArray()).toEqual([-Infinity, Infinity]);
    expect(jit((a: Tensor, k: number) => div(a, k))(x, -0).toArray()).toEqual([-Infinity, Infinity]);
  });
});
