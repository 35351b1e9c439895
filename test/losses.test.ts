/**
 * Losses and metrics: values against float64 references written here in plain
 * JavaScript (from the textbook definitions, and optax's for `huber`), the
 * three reductions, stability at logits of ±1e4 (finite values and gradients,
 * accurate to the dtype), the gradient laws, and sparseSoftmaxCrossEntropy's
 * label range: an error wherever the labels are known, NaN rows under jit/vmap.
 */

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { tensorOf } from '../laws/arbitraries.ts';
import { checkGradientLaws } from '../laws/harness.ts';
import type { Tensor } from '../src/index.ts';
import { grad, jit, nn, sum, tensor, vmap, zeros } from '../src/index.ts';

type Dt = 'float32' | 'float64';
const values = (t: Tensor): number[] => Array.from(t.toTypedArray() as Float32Array | Float64Array);
const i32 = (xs: number[]) => tensor(Int32Array.from(xs), { dtype: 'int32' });
const round = (dtype: Dt) => (v: number) => (dtype === 'float32' ? Math.fround(v) : v);
/** |a − b| ≤ atol + rtol·|b| elementwise. */
function expectClose(actual: number[], expected: number[], rtol: number, atol = 0): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((a, i) => {
    const b = expected[i]!;
    if (!(Math.abs(a - b) <= atol + rtol * Math.abs(b))) throw new Error(`entry ${i}: ${a} but expected ${b} (rtol ${rtol}, atol ${atol})`);
  });
}

// float64 references
const sigma = (x: number) => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)));
const softplus = (x: number) => Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
const sigmoidBce = (z: number, y: number) => (1 - y) * softplus(z) + y * softplus(-z);
const logSoftmax = (row: number[]) => {
  const m = Math.max(...row);
  const logSum = Math.log(row.reduce((s, v) => s + Math.exp(v - m), 0));
  return row.map((v) => v - m - logSum);
};
const softmaxCe = (row: number[], target: number[]) => -logSoftmax(row).reduce((s, l, j) => s + target[j]! * l, 0);
// optax.huber_loss: 0.5·min(|e|, δ)² + δ·(|e| − min(|e|, δ))
const huberRef = (e: number, delta: number) => {
  const q = Math.min(Math.abs(e), delta);
  return 0.5 * q * q + delta * (Math.abs(e) - q);
};
const rows = (flat: number[], c: number) => Array.from({ length: flat.length / c }, (_, i) => flat.slice(i * c, i * c + c));

const bigLogits = [[1e4, -1e4, 0], [-1e4, -1e4 + 1, 3], [1e4, 1e4, -1e4], [-2.5, 0.5, 20]];
const soft = [[0, 1, 0], [0.2, 0.3, 0.5], [0.5, 0.5, 0], [1, 0, 0]];

describe('stability at logits of ±1e4: finite and accurate against float64 references', () => {
  for (const dtype of ['float32', 'float64'] as const) {
    const r = round(dtype);
    const rtol = dtype === 'float32' ? 2e-6 : 1e-14;

    it(`softmaxCrossEntropy and its gradient p − y (${dtype})`, () => {
      const z = tensor(bigLogits, { dtype }), y = tensor(soft, { dtype });
      const zs = bigLogits.map((row) => row.map(r)), ys = soft.map((row) => row.map(r));
      const ref = zs.map((row, i) => softmaxCe(row, ys[i]!));
      expectClose(values(nn.softmaxCrossEntropy(z, y, { reduction: 'none' })), ref, rtol, 1e-300);
      const g = grad((l: Tensor) => nn.softmaxCrossEntropy(l, y, { reduction: 'sum' }))(z);
      const refGrad = zs.flatMap((row, i) => logSoftmax(row).map((l, j) => Math.exp(l) - ys[i]![j]!));
      expectClose(values(g), refGrad, rtol, dtype === 'float32' ? 1e-7 : 1e-16);
    });

    it(`sparseSoftmaxCrossEntropy (${dtype})`, () => {
      const labels = [1, 1, 2, 0];
      const z = tensor(bigLogits, { dtype });
      const ref = bigLogits.map((row, i) => -logSoftmax(row.map(r))[labels[i]!]!);
      expectClose(values(nn.sparseSoftmaxCrossEntropy(z, i32(labels), { reduction: 'none' })), ref, rtol, 1e-300);
      expect(values(grad((l: Tensor) => nn.sparseSoftmaxCrossEntropy(l, i32(labels)))(z)).every(Number.isFinite)).toBe(true);
    });

    it(`sigmoidBinaryCrossEntropy and its gradient σ(z) − y, relative accuracy for small losses (${dtype})`, () => {
      const zs = [1e4, -1e4, 1e4, -1e4, 20, -20, 0, 3.5, -0.25, 40];
      const ys = [1, 0, 0, 1, 1, 0, 0.5, 0.3, 1, 1];
      const z = tensor(zs, { dtype }), y = tensor(ys, { dtype });
      const ref = zs.map((v, i) => sigmoidBce(r(v), r(ys[i]!)));
      // loss(20, 1) = e⁻²⁰ ≈ 2.06e-9 to full relative accuracy, where softplus(z) − y·z rounds to 0 in float32
      expectClose(values(nn.sigmoidBinaryCrossEntropy(z, y, { reduction: 'none' })), ref, rtol, 1e-300);
      const g = grad((l: Tensor) => nn.sigmoidBinaryCrossEntropy(l, y, { reduction: 'sum' }))(z);
      expectClose(values(g), zs.map((v, i) => sigma(r(v)) - r(ys[i]!)), rtol, dtype === 'float32' ? 1e-7 : 1e-16);
    });
  }

  it('hinge, huber, mse and binaryCrossEntropy stay finite with huge inputs', () => {
    const big = tensor([1e4, -1e4, 0]), y = tensor([1, -1, 1]);
    for (const f of [nn.hinge, nn.huber, nn.mse]) {
      expect(values(grad((p: Tensor) => f(p, y))(big)).every(Number.isFinite)).toBe(true);
      expect(Number.isFinite(f(big, y).item())).toBe(true);
    }
    const p = tensor([0, 1, 0.5]), t = tensor([1, 0, 1]);
    expect(Number.isFinite(nn.binaryCrossEntropy(p, t).item())).toBe(true);
    expect(values(grad((q: Tensor) => nn.binaryCrossEntropy(q, t))(p)).every(Number.isFinite)).toBe(true);
  });
});

describe('values and reductions', () => {
  const p = [0.5, -3, 1.25, 2, 0, -0.75];
  const t = [0, 0, 1, -1, 1, -1];
  const cases: [string, (a: Tensor, b: Tensor, o: { reduction?: nn.Reduction }) => Tensor, (a: number, b: number) => number][] = [
    ['mse', nn.mse, (a, b) => (a - b) ** 2],
    ['hinge', nn.hinge, (a, b) => Math.max(0, 1 - a * b)],
    ['huber', nn.huber, (a, b) => huberRef(a - b, 1)],
    ['sigmoidBinaryCrossEntropy', nn.sigmoidBinaryCrossEntropy, (a, b) => sigmoidBce(a, (b + 1) / 2)],
  ];
  for (const [name, loss, ref] of cases) {
    it(`${name}: 'none' per entry, 'sum' and 'mean' (the default) of those`, () => {
      const targets = name === 'sigmoidBinaryCrossEntropy' ? t.map((v) => (v + 1) / 2) : t;
      const [a, b] = [tensor(Float64Array.from(p), { shape: [2, 3] }), tensor(Float64Array.from(targets), { shape: [2, 3] })];
      const each = p.map((v, i) => ref(v, t[i]!));
      const none = loss(a, b, { reduction: 'none' });
      expect(none.shape).toEqual([2, 3]);
      expectClose(values(none), each, 1e-14, 1e-15);
      expectClose([loss(a, b, { reduction: 'sum' }).item()], [each.reduce((s, v) => s + v, 0)], 1e-14);
      expectClose([loss(a, b, {}).item()], [each.reduce((s, v) => s + v, 0) / each.length], 1e-14);
    });
  }

  it("huber: δ moves the seam; the gradient is the error clipped to [−δ, δ] (optax's huber_loss)", () => {
    const e = [-5, -2, -0.5, 0, 0.5, 2, 5];
    for (const delta of [0.5, 1, 3]) {
      const x = tensor(Float64Array.from(e));
      expectClose(values(nn.huber(x, zeros([7], 'float64'), { delta, reduction: 'none' })), e.map((v) => huberRef(v, delta)), 1e-15);
      const g = grad((q: Tensor) => nn.huber(q, zeros([7], 'float64'), { delta, reduction: 'sum' }))(x);
      expect(values(g)).toEqual(e.map((v) => Math.min(delta, Math.max(-delta, v))));
    }
  });

  it('binaryCrossEntropy on probabilities, with its epsilon clip', () => {
    const q = [0.1, 0.5, 0.9, 0.999], y = [0, 1, 1, 0.25];
    const ref = q.map((v, i) => -(y[i]! * Math.log(v) + (1 - y[i]!) * Math.log1p(-v)));
    expectClose(values(nn.binaryCrossEntropy(tensor(Float64Array.from(q)), tensor(Float64Array.from(y)), { reduction: 'none' })), ref, 1e-14);
    expectClose([nn.binaryCrossEntropy(tensor([0], { dtype: 'float64' }), tensor([1], { dtype: 'float64' }), { epsilon: 1e-3 }).item()], [-Math.log(1e-3)], 1e-14);
  });

  it('softmax cross-entropies give one value per row and average over rows', () => {
    const z = tensor(Float64Array.from([1, 2, 3, 0, 0, 0, -1, 5, 2, 2, 2, 1]), { shape: [2, 2, 3] });
    const labels = [2, 0, 1, 2];
    const none = nn.sparseSoftmaxCrossEntropy(z, i32(labels).reshape([2, 2]), { reduction: 'none' });
    expect(none.shape).toEqual([2, 2]);
    const ref = rows(values(z), 3).map((row, i) => -logSoftmax(row)[labels[i]!]!);
    expectClose(values(none), ref, 1e-15);
    expectClose([nn.sparseSoftmaxCrossEntropy(z, i32(labels).reshape([2, 2]), { reduction: 'sum' }).item()], [ref.reduce((a, b) => a + b)], 1e-15);
    const hot = nn.softmaxCrossEntropy(z, tensor(Float64Array.from(labels.flatMap((l) => [0, 1, 2].map((c) => (c === l ? 1 : 0)))), { shape: [2, 2, 3] }));
    expectClose([hot.item()], [ref.reduce((a, b) => a + b) / 4], 1e-15);
  });

  it('bad input is refused with the loss named', () => {
    expect(() => nn.mse(zeros([2]), zeros([3]))).toThrow(/mse: predictions \[2\] and targets \[3\] must have the same shape/);
    expect(() => nn.mse(zeros([2]), zeros([2]), { reduction: 'avg' as nn.Reduction })).toThrow(/mse: reduction must be 'mean', 'sum' or 'none', got "avg"/);
    expect(() => nn.huber(zeros([2]), zeros([2]), { delta: 0 })).toThrow(/huber: delta must be positive/);
    expect(() => nn.sigmoidBinaryCrossEntropy(i32([1]), i32([1]))).toThrow(/logits must be float32 or float64, got int32/);
    expect(() => nn.sparseSoftmaxCrossEntropy(zeros([2, 3]), tensor([1, 0]))).toThrow(/labels must be int32 of shape \[2\]/);
    expect(() => nn.binaryCrossEntropy(zeros([1]), zeros([1]), { epsilon: 0.7 })).toThrow(/epsilon must be in \[0, 0.5\)/);
  });
});

describe('gradient laws (float64, against finite differences, to second order)', () => {
  const y = tensor(Float64Array.from([0.2, 1, 0, 0.7, 0.5, 0.1]), { shape: [2, 3] });
  const labels = i32([2, 0]);
  const laws: [string, (z: Tensor) => Tensor][] = [
    ['softmaxCrossEntropy', (z) => nn.softmaxCrossEntropy(z, y)],
    ['sparseSoftmaxCrossEntropy', (z) => nn.sparseSoftmaxCrossEntropy(z, labels, { reduction: 'sum' })],
    ['sigmoidBinaryCrossEntropy', (z) => nn.sigmoidBinaryCrossEntropy(z, y)],
    ['mse', (z) => nn.mse(z, y)],
    ['binaryCrossEntropy', (z) => nn.binaryCrossEntropy(nn.sigmoid(z), y)],
  ];
  for (const [name, f] of laws) {
    it(name, () => checkGradientLaws(f, fc.tuple(tensorOf([2, 3], { min: -4, max: 4 })), { numRuns: 10 }));
  }
  // hinge and huber have kinks (at y·s = 1, at |e| = δ): away from them, the laws hold
  it('hinge and huber away from their kinks', () => {
    checkGradientLaws((s) => nn.hinge(s, tensor(Float64Array.from([1, -1, 1]))), fc.tuple(tensorOf([3], { min: 1.2, max: 3 })), { numRuns: 10 });
    checkGradientLaws((p) => nn.huber(p, zeros([3], 'float64'), { delta: 0.5 }), fc.tuple(tensorOf([3], { min: 0.6, max: 3 })), { numRuns: 10 });
  });
});

describe('sparseSoftmaxCrossEntropy: labels out of range', () => {
  const z = tensor([[1, 2, 3], [0, 0, 0], [3, 1, 0]]);
  const loss = (l: Tensor, labels: Tensor) => nn.sparseSoftmaxCrossEntropy(l, labels, { reduction: 'none' });

  it('are an error wherever their values are known: eagerly and under grad', () => {
    for (const bad of [3, -1, 7]) {
      expect(() => loss(z, i32([0, bad, 1]))).toThrow(new RegExp(`label ${bad} is not a class index in \\[0, 3\\)`));
      expect(() => grad((l: Tensor) => nn.sparseSoftmaxCrossEntropy(l, i32([bad, 0, 1])))(z)).toThrow(/is not a class index/);
    }
  });

  it('give NaN for their row under jit and vmap (never a silent 0 or a clamped class), and no gradient', () => {
    const labels = i32([0, 3, -1]);
    const jitted = values(jit(loss)(z, labels));
    expect(jitted[0]).toBe(values(loss(z, i32([0, 0, 0])))[0]);
    expect(jitted.slice(1).every(Number.isNaN)).toBe(true);
    expect(Number.isNaN(jit((l: Tensor, y: Tensor) => nn.sparseSoftmaxCrossEntropy(l, y))(z, labels).item())).toBe(true);
    const perExample = values(vmap(loss)(z, labels));
    expect(perExample[0]).toBe(jitted[0]);
    expect(perExample.slice(1).every(Number.isNaN)).toBe(true);
    const g = jit(grad((l: Tensor, y: Tensor) => sum(nn.sparseSoftmaxCrossEntropy(l, y, { reduction: 'none' }))))(z, labels);
    expect(values(g).slice(3).every((v) => v === 0)).toBe(true);
  });

  it('in range, jit and vmap agree with eager bit for bit', () => {
    const labels = i32([2, 0, 1]);
    expect(jit(loss)(z, labels).toArray()).toEqual(loss(z, labels).toArray());
    expect(vmap(loss)(z, labels).toArray()).toEqual(loss(z, labels).toArray());
    const g = (l: Tensor, y: Tensor) => grad((q: Tensor) => nn.sparseSoftmaxCrossEntropy(q, y))(l);
    expect(jit(g)(z, labels).toArray()).toEqual(g(z, labels).toArray());
  });
});

describe('accuracy', () => {
  const z = tensor([[2, 1, 0], [0, 3, 1], [1, 0, 5], [4, 4, 0]]);

  it('int32 labels or one-hot rows; ties go to the first class', () => {
    expect(nn.accuracy(z, i32([0, 1, 2, 0])).item()).toBe(1);
    expect(nn.accuracy(z, i32([0, 1, 0, 1])).item()).toBe(0.5);
    expect(nn.accuracy(nn.softmax(z), i32([1, 1, 2, 0])).item()).toBe(0.75);
    const hot = tensor([[1, 0, 0], [0, 0, 1], [0, 0, 1], [1, 0, 0]]);
    expect(nn.accuracy(z, hot).item()).toBe(0.75);
    const batched = nn.accuracy(z.reshape([2, 2, 3]), i32([0, 1, 2, 2]).reshape([2, 2]));
    expect([batched.dtype, batched.item()]).toEqual(['float32', 0.75]);
  });

  it('runs under jit and vmap, and refuses mismatched labels', () => {
    expect(jit(nn.accuracy)(z, i32([0, 1, 2, 1])).item()).toBe(0.75);
    expect(vmap(nn.accuracy)(z.reshape([2, 2, 3]), i32([0, 1, 2, 2]).reshape([2, 2])).toArray()).toEqual([1, 0.5]);
    expect(() => nn.accuracy(z, i32([0, 1]))).toThrow(/accuracy: labels must be int32 class indices of shape \[4\] or one-hot of shape \[4,3\]/);
    expect(() => nn.accuracy(z, tensor([0, 1, 2, 3]))).toThrow(/accuracy: labels/);
  });

  it('one column (one logit per example) is an error, not an accuracy that ignores the model (review)', () => {
    // argmax over a single column is always 0, so one-hot-shaped 0/1 targets would give the share of zeros
    const logits = tensor([[-3], [2], [5]]);
    expect(() => nn.accuracy(logits, tensor([[0], [1], [1]]))).toThrow(/accuracy: predictions \[3,1\] have one column, whose argmax is always 0/);
    expect(() => nn.accuracy(logits, i32([0, 1, 1]))).toThrow(/compare signs/);
  });

  it('is the fraction of rows whose first maximal entry is at the label (random cases)', () => {
    fc.assert(fc.property(fc.array(fc.tuple(fc.array(fc.integer({ min: -3, max: 3 }), { minLength: 4, maxLength: 4 }), fc.integer({ min: 0, max: 3 })), { minLength: 1, maxLength: 6 }), (cases) => {
      const hits = cases.filter(([row, label]) => row.indexOf(Math.max(...row)) === label).length;
      const got = nn.accuracy(tensor(cases.map(([row]) => row)), i32(cases.map(([, label]) => label))).item();
      expect(got).toBe(Math.fround(hits / cases.length));
    }), { numRuns: 50, seed: 7 });
  });
});
