/**
 * The derivatives we choose at kinks, pinned. Each is a documented decision:
 * relu'(0) = 0 (as JAX and TF.js; jax-js gives 1), abs'(0) = 0, and a maximum
 * shared by several entries splits the gradient evenly among them.
 */

import { describe, expect, it } from 'vitest';
import type { Tensor } from '../src/index.ts';
import { abs, grad, max, maximum, min, minimum, nn, pow, scalar, sum, tensor } from '../src/index.ts';

const g = (f: (x: Tensor) => Tensor, x: Tensor) => grad(f)(x).toArray();

describe('kinks', () => {
  it("relu'(0) = 0, relu' is 1 for x > 0 and 0 for x < 0", () => {
    expect(g((x) => sum(nn.relu(x)), tensor([-1, 0, 2]))).toEqual([0, 0, 1]);
  });

  it("abs'(0) = 0", () => {
    expect(g((x) => sum(abs(x)), tensor([-3, 0, 3]))).toEqual([-1, 0, 1]);
  });

  it('max over a tie splits the gradient evenly among the tied entries', () => {
    expect(g((x) => max(x), tensor([1, 3, 3, 0]))).toEqual([0, 0.5, 0.5, 0]);
    expect(g((x) => max(x), tensor([2, 2, 2, 2]))).toEqual([0.25, 0.25, 0.25, 0.25]);
    expect(g((x) => min(x), tensor([1, 1, 5]))).toEqual([0.5, 0.5, 0]);
  });

  it('max along an axis splits within each row only', () => {
    expect(g((x) => sum(max(x, { axis: 1 })), tensor([[1, 1], [0, 2]]))).toEqual([[0.5, 0.5], [0, 1]]);
  });

  it('elementwise maximum and minimum split a tie ½ and ½', () => {
    const [gx, gy] = grad((x: Tensor, y: Tensor) => sum(maximum(x, y)), { argnums: [0, 1] })(tensor([1, 2, 3]), tensor([1, 5, 0]));
    expect(gx.toArray()).toEqual([0.5, 0, 1]);
    expect(gy.toArray()).toEqual([0.5, 1, 0]);
    expect(grad((x: Tensor) => minimum(x, scalar(2)))(scalar(2)).item()).toBe(0.5);
  });

  it('heaviside has zero derivative everywhere, including 0', () => {
    expect(g((x) => sum(nn.heaviside(x)), tensor([-1, 0, 1]))).toEqual([0, 0, 0]);
  });

  it("leakyRelu'(0) is the negative slope", () => {
    expect(g((x) => sum(nn.leakyRelu(x, 0.1)), tensor([0]))[0 as never]).toBeCloseTo(0.1, 7);
  });
});

describe('stability at ±1e4', () => {
  const big = tensor([-1e4, 0, 1e4], { dtype: 'float64' });
  const finite = (t: Tensor) => Array.from(t.toTypedArray()).every(Number.isFinite);

  it('sigmoid, softplus, softmax, logSoftmax, logsumexp and their gradients stay finite', () => {
    for (const f of [nn.sigmoid, nn.softplus, nn.softmax, nn.logSoftmax, (x: Tensor) => x.logsumexp()]) {
      expect(finite(f(big))).toBe(true);
      expect(finite(grad((x: Tensor) => sum(f(x)))(big))).toBe(true);
    }
  });

  it('losses on logits stay finite', () => {
    const y = tensor([0, 1, 1], { dtype: 'float64' });
    expect(finite(nn.sigmoidBinaryCrossEntropy(big, y))).toBe(true);
    expect(finite(grad((z: Tensor) => nn.sigmoidBinaryCrossEntropy(z, y))(big))).toBe(true);
    const logits = tensor([[-1e4, 0, 1e4]], { dtype: 'float64' });
    const target = tensor([[1, 0, 0]], { dtype: 'float64' });
    expect(finite(nn.softmaxCrossEntropy(logits, target))).toBe(true);
    expect(finite(grad((z: Tensor) => nn.softmaxCrossEntropy(z, target))(logits))).toBe(true);
  });
});

describe('pow at 0', () => {
  it('derivatives of xⁿ at 0 stay finite to any order', () => {
    const at0 = scalar(0, 'float64');
    const cube = (x: Tensor) => pow(x, scalar(3, 'float64'));
    expect(grad(grad(grad(cube)))(at0).item()).toBe(6);
    expect(grad(grad(grad(grad(cube))))(at0).item()).toBe(0);
    expect(grad(grad(grad((x: Tensor) => pow(x, scalar(1, 'float64')))))(at0).item()).toBe(0);
  });
});
