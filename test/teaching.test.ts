/**
 * The teaching laws, instantiated on small models in float64.
 */

import fc from 'fast-check';
import { describe, it } from 'vitest';
import { tensorOf } from '../laws/arbitraries.ts';
import { assertLaw } from '../laws/harness.ts';
import {
  batchGradientIsMeanOfPerSample, sharedWeightsSumGradients, sigmoidBinaryCrossEntropyGradient, softmaxCrossEntropyGradient,
} from '../laws/teaching.ts';
import type { Tensor } from '../src/index.ts';
import { add, matmul, mean, mul, nn, sum, tanh, tensor } from '../src/index.ts';

const tol = { atol: 1e-10, rtol: 1e-9 };

describe('teaching laws', () => {
  it('a weight used twice (a tied autoencoder) gets the sum of both uses', () => {
    const x = tensor([[0.5, -1, 2], [1, 0.3, -0.2]], { dtype: 'float64' });
    // encode with W, decode with Wᵀ: the same weights used twice
    const g = (enc: Tensor, dec: Tensor) => sum(mul(matmul(tanh(matmul(x, enc)), dec.transpose()), x));
    assertLaw(tensorOf([3, 2]), sharedWeightsSumGradients(g, tol), { numRuns: 30 });
  });

  it('the gradient of a batch-mean loss is the mean of per-sample gradients', () => {
    interface P { readonly w: Tensor; readonly b: Tensor }
    const loss = (p: P, xs: Tensor, ys: Tensor) => mean(mul(add(matmul(xs, p.w), p.b).sub(ys).square(), 0.5));
    const cases = fc.tuple(tensorOf([3, 2]), tensorOf([2]), tensorOf([5, 3]), tensorOf([5, 2]));
    assertLaw(cases, ([w, b, xs, ys]) => batchGradientIsMeanOfPerSample(loss, tol)({ w, b }, xs, ys), { numRuns: 30 });
  });

  it('softmax cross-entropy: gradient w.r.t. logits is (p − y)/N', () => {
    const cases = fc.tuple(tensorOf([4, 3], { min: -5, max: 5 }), fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 4, maxLength: 4 }))
      .map(([z, labels]) => [z, nn.softmax(tensor(labels.map((l) => [0, 1, 2].map((c) => (c === l ? 3 : 0))), { dtype: 'float64' }))] as const);
    assertLaw(cases, ([z, y]) => softmaxCrossEntropyGradient(tol)(z, y), { numRuns: 30 });
  });

  it('sigmoid binary cross-entropy: gradient is (σ(z) − y)/N', () => {
    const cases = fc.tuple(tensorOf([6], { min: -30, max: 30 }), tensorOf([6], { min: 0, max: 1 }));
    assertLaw(cases, ([z, y]) => sigmoidBinaryCrossEntropyGradient(tol)(z, y), { numRuns: 30 });
  });
});
