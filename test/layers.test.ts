/**
 * Layers as init/apply pairs: dense, mlp, dropout and batchNorm. Their values
 * against hand-written references, gradients against the laws, agreement
 * under grad, jit and vmap (one model on a batch, and a batch of models),
 * weight sharing (a Siamese reuse of the same params), batchNorm's state
 * passed in and out untouched, and clear errors on bad input.
 */

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { tensorOf } from '../laws/arbitraries.ts';
import { checkGradientLaws } from '../laws/harness.ts';
import { sharedWeightsSumGradients } from '../laws/teaching.ts';
import type { Tensor } from '../src/index.ts';
import { add, grad, jit, matmul, mean, nn, ones, random, square, sub, sum, tensor, tree, valueAndGrad, vmap } from '../src/index.ts';

const values = (t: Tensor): number[] => Array.from(t.toTypedArray() as Float32Array | Float64Array);
const f64 = (rows: number[][]) => tensor(rows, { dtype: 'float64' });
const tol = { atol: 1e-12, rtol: 1e-10 };
const expectTreeEqual = (a: unknown, b: unknown) => expect(tree.map((x: Tensor) => x.toArray(), a as never)).toEqual(tree.map((x: Tensor) => x.toArray(), b as never));

describe('dense', () => {
  const layer = nn.dense(3, 2, { dtype: 'float64' });
  const key = random.key(0);
  const params = layer.init(key);
  const x = f64([[1, 2, 3], [-1, 0.5, 2], [0, 0, 0], [4, -2, 1]]);

  it('init: w from lecunNormal and b from zeros, on two keys split from the key (flax defaults)', () => {
    const [wKey] = random.splitN(key, 2);
    expect(Object.keys(params)).toEqual(['w', 'b']);
    expect(params.w.toArray()).toEqual(nn.init.lecunNormal(wKey!, [3, 2], { dtype: 'float64' }).toArray());
    expect(params.b.toArray()).toEqual([0, 0]);
    expect(Object.isFrozen(params)).toBe(true);
    expect([layer.inFeatures, layer.outFeatures]).toEqual([3, 2]);
  });

  it('apply is x·w + b along the last axis, for any leading axes', () => {
    const p = { w: f64([[1, 2], [3, 4], [5, 6]]), b: tensor([0.5, -1], { dtype: 'float64' }) };
    // rows of x·w: [22, 28], [10.5, 12], [0, 0], [3, 6]; plus b
    expect(layer.apply(p, x).toArray()).toEqual([[22.5, 27], [11, 11], [0.5, -1], [3.5, 5]]);
    expect(layer.apply(p, x.reshape([2, 2, 3])).toArray()).toEqual([[[22.5, 27], [11, 11]], [[0.5, -1], [3.5, 5]]]);
    expect(layer.apply(p, tensor([1, 2, 3], { dtype: 'float64' })).toArray()).toEqual([22.5, 27]);
  });

  it('useBias: false gives params without b (also in the type)', () => {
    const noBias = nn.dense(3, 2, { useBias: false });
    const p = noBias.init(key);
    expect(Object.keys(p)).toEqual(['w']);
    // @ts-expect-error: there is no b to read
    expect(p.b).toBeUndefined();
    expect(noBias.apply({ w: ones([3, 2]) }, ones([1, 3])).toArray()).toEqual([[3, 3]]);
  });

  it('gradient laws in the params and the input (float64)', () => {
    const f = (w: Tensor, b: Tensor, input: Tensor) => sum(nn.tanh(layer.apply({ w, b }, input)));
    checkGradientLaws(f, fc.tuple(tensorOf([3, 2]), tensorOf([2]), tensorOf([4, 3])), { numRuns: 10 });
  });

  it('grad returns params of the same shape; jit and vmap agree with eager', () => {
    const target = f64([[1, 0], [0, 1], [1, 1], [0, 0]]);
    const loss = (p: nn.DenseParams, xs: Tensor) => nn.mse(layer.apply(p, xs), target);
    const g = grad(loss)(params, x);
    expect(Object.keys(g).sort()).toEqual(['b', 'w']);
    expect([g.w.shape, g.b.shape]).toEqual([[3, 2], [2]]);
    // mse over 4 × 2 entries: d/db_j = (2/8)·Σ_i r_ij, the mean over rows of the residual
    const residual = sub(layer.apply(params, x), target);
    expect(Math.max(...values(g.b).map((v, i) => Math.abs(v - values(mean(residual, { axis: 0 }))[i]!)))).toBeLessThan(1e-15);
    expectTreeEqual(jit(grad(loss))(params, x), g);
    expect(jit(layer.apply)(params, x).toArray()).toEqual(layer.apply(params, x).toArray());
    // one model, per-example: vmap over the rows of x
    const perRow = vmap((row: Tensor) => layer.apply(params, row))(x);
    values(perRow).forEach((v, i) => expect(v).toBeCloseTo(values(layer.apply(params, x))[i]!, 14));
    // a batch of models: vmap over keys for init, then over params for apply
    const keys = random.split(key, 3);
    const models = vmap(layer.init)(keys);
    expect([models.w.shape, models.b.shape]).toEqual([[3, 3, 2], [3, 2]]);
    const outs = vmap((p: nn.DenseParams) => layer.apply(p, x))(models);
    random.splitN(key, 3).forEach((k, i) => {
      const one = layer.apply(layer.init(k), x);
      values(outs.slice([i], [i + 1])).forEach((v, j) => expect(v).toBeCloseTo(values(one)[j]!, 14));
    });
  });

  it('bad input names the layer and the shapes', () => {
    expect(() => layer.apply(params, ones([4, 5], 'float64'))).toThrow(/dense\(3 → 2\): input of shape \[4,5\] must have 3 features on its last axis/);
    expect(() => jit((xs: Tensor) => layer.apply(params, xs))(ones([2, 4]))).toThrow(/dense\(3 → 2\): input of shape \[2,4\]/);
    expect(() => vmap((xs: Tensor) => layer.apply(params, xs))(ones([2, 2]))).toThrow(/input of shape \[2\] must have 3 features/);
    expect(() => layer.apply({ w: ones([2, 3]), b: ones([2]) }, x)).toThrow(/dense\(3 → 2\): params.w has shape \[2,3\], expected \[3, 2\]/);
    expect(() => layer.apply({ w: ones([3, 2]) } as nn.DenseParams, x)).toThrow(/params.b is missing, expected \[2\]/);
    expect(() => nn.dense(0, 2)).toThrow(/dense: inFeatures must be a positive integer, got 0/);
  });

  it('a misspelled option is an error, not silently ignored (review)', () => {
    expect(() => nn.dense(3, 2, { usebias: false } as never)).toThrow(/dense: unknown option 'usebias'; the options are init, biasInit, useBias, dtype/);
    expect(() => nn.mlp([2, 3], { activations: nn.tanh } as never)).toThrow(/mlp: unknown option 'activations'/);
  });
});

describe('mlp', () => {
  const net = nn.mlp([2, 4, 3, 1], { activation: nn.tanh, outputActivation: nn.sigmoid, dtype: 'float64' });
  const key = random.key(1);
  const params = net.init(key);
  const x = f64([[0, 0], [0, 1], [1, 0], [1, 1]]);

  it('params: one dense layer per pair of sizes, each from its own split key', () => {
    expect(params.map((p) => [p.w.shape, p.b.shape])).toEqual([[[2, 4], [4]], [[4, 3], [3]], [[3, 1], [1]]]);
    const keys = random.splitN(key, 3);
    expect(params[1]!.w.toArray()).toEqual(nn.dense(4, 3, { dtype: 'float64' }).init(keys[1]!).w.toArray());
  });

  it('apply composes the layers with the activation between them and outputActivation last', () => {
    const h1 = nn.tanh(add(matmul(x, params[0]!.w), params[0]!.b));
    const h2 = nn.tanh(add(matmul(h1, params[1]!.w), params[1]!.b));
    const y = nn.sigmoid(add(matmul(h2, params[2]!.w), params[2]!.b));
    expect(net.apply(params, x).toArray()).toEqual(y.toArray());
    const relu = nn.mlp([2, 3]);
    const p = relu.init(key);
    expect(relu.apply(p, ones([1, 2])).toArray()).toEqual(add(matmul(ones([1, 2]), p[0]!.w), p[0]!.b).toArray());
  });

  it('under grad (same structure), jit and vmap over models', () => {
    const loss = (p: nn.MlpParams) => nn.sigmoidBinaryCrossEntropy(net.apply(p, x), f64([[0], [1], [1], [0]]));
    const g = grad(loss)(params);
    expect(tree.structure(g).toString()).toBe(tree.structure(params).toString());
    expectTreeEqual(jit(grad(loss))(params), g);
    const models = vmap(net.init)(random.split(key, 2));
    const losses = vmap(loss)(models);
    random.splitN(key, 2).forEach((k, i) => expect(values(losses)[i]).toBeCloseTo(loss(net.init(k)).item(), 14));
    checkGradientLaws((w0: Tensor) => net.apply([{ w: w0, b: params[0]!.b }, params[1]!, params[2]!], x).sum(),
      fc.tuple(tensorOf([2, 4])), { numRuns: 5 });
  });

  it('bad input names the layer', () => {
    expect(() => net.apply(params, ones([4, 3], 'float64'))).toThrow(/dense\(2 → 4\): input of shape \[4,3\]/);
    expect(() => net.apply(params.slice(1), x)).toThrow(/mlp\(\[2, 4, 3, 1\]\): params has 2 layers, expected 3/);
    expect(() => nn.mlp([3])).toThrow(/mlp: sizes must list at least the input and output sizes/);
  });
});

describe('weight sharing', () => {
  it('a Siamese network: the same params used on two inputs get the sum of both uses\' gradients', () => {
    const tower = nn.mlp([3, 4, 2], { activation: nn.tanh, dtype: 'float64' });
    const [a, b] = [f64([[1, -1, 0.5], [0, 2, 1]]), f64([[0.3, 0.1, -2], [1, 1, 1]])];
    // contrastive-style: the distance between the two embeddings
    const g = (p1: nn.MlpParams, p2: nn.MlpParams) => sum(square(sub(tower.apply(p1, a), tower.apply(p2, b))));
    const law = sharedWeightsSumGradients(g, tol);
    for (const seed of [0, 1, 2]) {
      const verdict = law(tower.init(random.key(seed)));
      expect(verdict.message).toBe('ok');
    }
    // and the tied gradient is not either use's alone
    const p = tower.init(random.key(0));
    const tied = grad((q: nn.MlpParams) => g(q, q))(p);
    const first = grad((q: nn.MlpParams) => g(q, p))(p);
    expect(values(tied[0]!.w)).not.toEqual(values(first[0]!.w));
  });
});

describe('dropout', () => {
  const x = ones([100000]);

  it('rate 0 returns x itself and rate 1 zeros', () => {
    expect(nn.dropout(random.key(0), 0, x)).toBe(x);
    const z = nn.dropout(random.key(0), 1, tensor([1, -2, 3], { dtype: 'float64' }));
    expect([z.dtype, z.toArray()]).toEqual(['float64', [0, 0, 0]]);
  });

  it('keeps each entry with probability 1 − rate and scales it by 1/(1 − rate); the same key drops the same entries', () => {
    const rate = 0.3;
    const y = values(nn.dropout(random.key(7), rate, x));
    const kept = y.filter((v) => v !== 0);
    expect(kept.every((v) => v === Math.fround(1 / 0.7))).toBe(true);
    const p = kept.length / y.length; // binomial: standard error √(p(1 − p)/n) ≈ 0.0014
    expect(Math.abs(p - 0.7)).toBeLessThan(5 * Math.sqrt(0.21 / y.length));
    expect(nn.dropout(random.key(7), rate, x).toArray()).toEqual(y);
    expect(nn.dropout(random.key(8), rate, x).toArray()).not.toEqual(y);
  });

  it('its gradient is the mask over 1 − rate; it runs under jit and vmap', () => {
    const small = tensor([1, 2, 3, 4, 5, 6, 7, 8]);
    const y = nn.dropout(random.key(3), 0.5, small);
    const g = grad((v: Tensor) => sum(nn.dropout(random.key(3), 0.5, v)))(small);
    expect(values(g)).toEqual(values(y).map((v) => (v === 0 ? 0 : 2)));
    expect(jit((k: Tensor, v: Tensor) => nn.dropout(k, 0.5, v))(random.key(3), small).toArray()).toEqual(y.toArray());
    const batch = vmap((k: Tensor) => nn.dropout(k, 0.5, small))(random.split(random.key(3), 2));
    expect(batch.toArray()).toEqual(random.splitN(random.key(3), 2).map((k) => nn.dropout(k, 0.5, small).toArray()));
    expect(() => nn.dropout(random.key(0), 1.5, small)).toThrow(/dropout: rate must be in \[0, 1\], got 1.5/);
    // a tensor rate (say, a traced argument of jit) is refused by name, not by a ConcretizationError (review)
    expect(() => nn.dropout(random.key(0), tensor(0.5) as never, small)).toThrow(/dropout: rate must be a JS number .*got a tensor/);
    expect(() => jit((r: Tensor) => nn.dropout(random.key(0), r as never, small))(tensor(0.5))).toThrow(/dropout: rate must be a JS number .*got a tensor/);
  });
});

describe('batchNorm', () => {
  const bn = nn.batchNorm(3, { dtype: 'float64' });
  const { params, state } = bn.init();
  const x = f64([[1, 10, -1], [3, 30, -1], [2, 5, 1], [6, 15, 3]]);
  const colStats = (rows: number[][], j: number) => {
    const col = rows.map((r) => r[j]!);
    const mu = col.reduce((a, b) => a + b, 0) / col.length;
    return [mu, col.reduce((a, b) => a + (b - mu) ** 2, 0) / col.length] as const;
  };
  const rows = x.toArray() as number[][];

  it('init: scale ones, bias zeros; running mean zeros, var ones; nothing needs a key', () => {
    expect(tree.map((t: Tensor) => t.toArray(), { params, state } as never)).toEqual({ params: { scale: [1, 1, 1], bias: [0, 0, 0] }, state: { mean: [0, 0, 0], var: [1, 1, 1] } });
    const bare = nn.batchNorm(2, { useScale: false, useBias: false }).init(random.key(0));
    expect(Object.keys(bare.params)).toEqual([]);
  });

  it('training: batch statistics over every axis but the features, running averages moved by momentum', () => {
    const p = { scale: tensor([1, 2, 0.5], { dtype: 'float64' }), bias: tensor([0, 1, -1], { dtype: 'float64' }) };
    const [y, next] = bn.apply(p, state, x, { training: true });
    const ref = rows.map((r) => r.map((v, j) => {
      const [mu, v2] = colStats(rows, j);
      return ((v - mu) / Math.sqrt(v2 + 1e-5)) * [1, 2, 0.5][j]! + [0, 1, -1][j]!;
    }));
    values(y).forEach((v, i) => expect(v).toBeCloseTo(ref.flat()[i]!, 13));
    [0, 1, 2].forEach((j) => {
      const [mu, v2] = colStats(rows, j);
      expect(values(next.mean)[j]).toBeCloseTo(0.01 * mu, 14);
      expect(values(next.var)[j]).toBeCloseTo(0.99 + 0.01 * v2, 13);
    });
  });

  it('evaluation: the running statistics, and the same state back', () => {
    const running = { mean: tensor([1, 2, 3], { dtype: 'float64' }), var: tensor([4, 9, 16], { dtype: 'float64' }) };
    const [y, next] = bn.apply(params, running, x, { training: false });
    expect(next).toBe(running);
    values(y).forEach((v, i) => expect(v).toBeCloseTo((rows.flat()[i]! - [1, 2, 3][i % 3]!) / Math.sqrt([4, 9, 16][i % 3]! + 1e-5), 14));
  });

  it('state is passed in and out, never mutated', () => {
    const frozen = Object.freeze({ mean: tensor([0.5, 0.5, 0.5], { dtype: 'float64' }), var: tensor([2, 2, 2], { dtype: 'float64' }) });
    const before = JSON.stringify(tree.map((t: Tensor) => t.toArray(), frozen as never));
    const [, a] = bn.apply(params, frozen, x, { training: true });
    const [, b] = bn.apply(params, frozen, x, { training: true });
    expect(JSON.stringify(tree.map((t: Tensor) => t.toArray(), frozen as never))).toBe(before);
    expect(a).not.toBe(frozen);
    expectTreeEqual(a, b);
  });

  it('a feature axis other than the last (NCHW), and two training steps folding the state', () => {
    const nchw = nn.batchNorm(2, { axis: 1, momentum: 0.5, dtype: 'float64' });
    const init = nchw.init();
    const images = tensor(Float64Array.from({ length: 2 * 2 * 3 * 3 }, (_, i) => Math.sin(i) * (i % 2 ? 3 : 1)), { shape: [2, 2, 3, 3] });
    const [y, s1] = nchw.apply(init.params, init.state, images, { training: true });
    const m = values(mean(y, { axis: [0, 2, 3] }));
    m.forEach((v) => expect(Math.abs(v)).toBeLessThan(1e-15));
    const [, s2] = nchw.apply(init.params, s1, images, { training: true });
    values(s2.mean).forEach((v, j) => expect(v).toBeCloseTo(0.75 * values(s1.mean)[j]! / 0.5, 14));
  });

  it('gradient laws in x, scale and bias while training (the statistics are differentiated through)', () => {
    const f = (input: Tensor, scale: Tensor, bias: Tensor) => sum(nn.tanh(bn.apply({ scale, bias }, state, input, { training: true })[0]));
    // inputs spread around a base with unit-size variance per column: a nearly constant column
    // would make the normalization (÷ √(σ² + ε), σ² ≈ 0) too curved for finite differences
    const base = f64([[-2, 1, 0], [0, -1, 2], [1, 2, -2], [2, 0, 1]]);
    const inputs = tensorOf([4, 3], { min: -0.4, max: 0.4 }).map((t) => add(t, base));
    checkGradientLaws(f, fc.tuple(inputs, tensorOf([3]), tensorOf([3])), { numRuns: 8 });
  });

  it('under grad with the new state as aux (no gradient flows into it), jit and vmap over models', () => {
    const loss = (p: nn.BatchNormParams, s: nn.BatchNormState, input: Tensor) => {
      const [y, next] = bn.apply(p, s, input, { training: true });
      return [sum(square(y.mul(tensor([1, 2, 3], { dtype: 'float64' })))), next] as const;
    };
    const [[value, next], g] = valueAndGrad(loss, { hasAux: true })(params, state, x);
    expect(Object.keys(g).sort()).toEqual(['bias', 'scale']);
    expectTreeEqual(next, bn.apply(params, state, x, { training: true })[1]);
    const [[jv, jnext], jg] = jit(valueAndGrad(loss, { hasAux: true }))(params, state, x);
    expect(jv.item()).toBe(value.item());
    expectTreeEqual([jnext, jg], [next, g]);
    expect(values(grad((input: Tensor) => sum(bn.apply(params, state, input, { training: true })[1].mean))(x)).every((v) => v === 0)).toBe(true);
    // a batch of two models (different scales), each normalizing the same batch
    const two = { scale: f64([[1, 1, 1], [2, 0.5, 3]]), bias: f64([[0, 0, 0], [1, 1, 1]]) };
    const [ys, states] = vmap((p: nn.BatchNormParams) => bn.apply(p, state, x, { training: true }))(two);
    expect(states.mean.shape).toEqual([2, 3]);
    [0, 1].forEach((i) => {
      const p = { scale: two.scale.slice([i], [i + 1]).reshape([3]), bias: two.bias.slice([i], [i + 1]).reshape([3]) };
      const [y1, s1] = bn.apply(p, state, x, { training: true });
      values(ys.slice([i], [i + 1])).forEach((v, j) => expect(v).toBeCloseTo(values(y1)[j]!, 13));
      values(states.mean.slice([i], [i + 1])).forEach((v, j) => expect(v).toBeCloseTo(values(s1.mean)[j]!, 15));
    });
  });

  it('bad input names the layer and the shapes', () => {
    expect(() => bn.apply(params, state, ones([4, 2], 'float64'), { training: true })).toThrow(/batchNorm\(3\): input of shape \[4,2\] must have 3 features on axis -1/);
    expect(() => bn.apply({ scale: ones([2]), bias: ones([3]) }, state, x, { training: false })).toThrow(/batchNorm\(3\): params.scale has shape \[2\], expected \[3\]/);
    expect(() => nn.batchNorm(3, { momentum: 2 })).toThrow(/momentum must be in \[0, 1\]/);
  });

  it('apply without { training } is a PuregradError, not a TypeError; misspelled options are errors (review)', () => {
    const apply = bn.apply as (...args: unknown[]) => unknown;
    expect(() => apply(params, state, x)).toThrow(/batchNorm\(3\): apply needs \{ training: true \}/);
    expect(() => apply(params, state, x, { training: 1 })).toThrow(/apply needs \{ training: true \}/);
    expect(() => apply(params, state, x, { training: true, train: true })).toThrow(/unknown option 'train'/);
    expect(() => nn.batchNorm(3, { eps: 1e-3 } as never)).toThrow(/batchNorm: unknown option 'eps'; the options are momentum, epsilon/);
  });

  it('the new state keeps the state\'s dtype whatever the input\'s, so a jitted step or a scan carry keeps its type (review)', () => {
    const bn32 = nn.batchNorm(3);
    const init = bn32.init();
    const [y, next] = bn32.apply(init.params, init.state, f64([[1, 2, 3], [3, 2, 1]]), { training: true });
    expect(y.dtype).toBe('float64');
    expect([next.mean.dtype, next.var.dtype]).toEqual(['float32', 'float32']);
    expect(values(next.mean)).toEqual([2, 2, 2].map((m) => Math.fround(m * (1 - 0.99))));
  });
});
