/**
 * What the transformations emit, pinned as printed programs. A change here is
 * a change in the programs users read in the docs and the demo, so it should
 * be deliberate.
 */

import { describe, expect, it } from 'vitest';
import type { Tensor } from '../src/index.ts';
import { add, evalProgram, grad, jvp, makeProgram, matmul, mul, nn, ones, scalar, sin, sum, tensor, vjp } from '../src/index.ts';
import { linearizeFlat } from '../src/transforms/ad.ts';

const f = (x: Tensor) => {
  const y = mul(x, x);
  const z = sin(y);
  return add(z, y);
};

describe('printed programs', () => {
  it('tracing', () => {
    expect(makeProgram(f)(scalar(2)).toString()).toMatchInlineSnapshot(`
      "{ lambda ; a:f32[]. let
          b:f32[] = mul a a
          c:f32[] = sin b
          d:f32[] = add c b
        in (d) }"
    `);
  });

  it('jvp', () => {
    expect(makeProgram((x: Tensor, t: Tensor) => jvp(f, [x], [t])[1])(scalar(2), scalar(1)).toString()).toMatchInlineSnapshot(`
      "{ lambda ; a:f32[] b:f32[]. let
          c:f32[] = mul a a
          d:f32[] = mul b a
          e:f32[] = mul a b
          f:f32[] = add d e
          g:f32[] = sin c
          h:f32[] = cos c
          i:f32[] = mul f h
          j:f32[] = add g c
          k:f32[] = add i f
        in (k) }"
    `);
  });

  it('the linear program of linearize, with residuals as consts', () => {
    expect(linearizeFlat((xs) => ({ outs: [f(xs[0]!)] }), [scalar(2, 'float64')]).linear.toString()).toMatchInlineSnapshot(`
      "{ lambda ; a:f64[]. let
          b:f64[] = mul a 2.0
          c:f64[] = mul 2.0 a
          d:f64[] = add b c
          e:f64[] = mul d -0.6536436208636119
          f:f64[] = add e d
        in (f) }"
    `);
  });

  it('the backward pass of grad', () => {
    expect(makeProgram(grad(f))(scalar(2)).toString()).toMatchInlineSnapshot(`
      "{ lambda ; a:f32[]. let
          b:f32[] = mul a a
          c:f32[] = sin b
          d:f32[] = cos b
          e:f32[] = add c b
          f:f32[] = mul 1.0 d
          g:f32[] = add 1.0 f
          h:f32[] = mul a g
          i:f32[] = mul g a
          j:f32[] = add h i
        in (j) }"
    `);
  });

  it('vjp of a matmul transposes the other factor', () => {
    const program = makeProgram((w: Tensor, x: Tensor, ct: Tensor) => vjp((v: Tensor) => matmul(x, v), w)[1](ct)[0]);
    expect(program(ones([3, 2]), ones([4, 3]), ones([4, 2])).toString()).toMatchInlineSnapshot(`
      "{ lambda ; a:f32[3,2] b:f32[4,3] c:f32[4,2]. let
          d:f32[4,2] = matmul b a
          e:f32[3,2] = matmul[transA=true] b c
        in (e) }"
    `);
  });

  it('gradient of a dense layer with relu and a broadcast bias', () => {
    const loss = (p: { w: Tensor; b: Tensor }, x: Tensor) => sum(nn.relu(add(matmul(x, p.w), p.b)));
    expect(makeProgram(grad(loss))({ w: ones([3, 2]), b: ones([2]) }, ones([4, 3])).toString()).toMatchInlineSnapshot(`
      "{ lambda ; a:f32[2] b:f32[3,2] c:f32[4,3]. let
          d:f32[4,2] = matmul c b
          e:f32[4,2] = add d a
          f:bool[4,2] = greaterEqual 0.0 e
          g:f32[4,2] = select f 0.0 e
          h:f32[] = reduceSum[axes=(0,1)] g
          i:f32[1,1] = reshape[shape=(1,1)] 1.0
          j:f32[4,2] = broadcast[shape=(4,2)] i
          k:f32[4,2] = select f 0.0 j
          l:f32[2] = reduceSum[axes=(0)] k
          m:f32[3,2] = matmul[transA=true] c k
        in (l, m) }"
    `);
  });

  it('a printed program evaluates to what the function computes', () => {
    const x = tensor([0.5, -1.5], { dtype: 'float64' });
    const program = makeProgram(grad((v: Tensor) => sum(f(v))))(x);
    const [viaProgram] = evalProgram(program, [x]);
    expect(viaProgram!.toArray()).toEqual(grad((v: Tensor) => sum(f(v)))(x).toArray());
  });
});
