/**
 * The optimizer laws (laws/optim.ts) over every optimizer and building block:
 * purity, structure, the chain monoid, jit ≡ eager, documented equivalences,
 * Adam's scale invariance, and strict descent on random convex quadratics
 * where a theorem promises it.
 */

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assertLaw } from '../laws/harness.ts';
import type { Quadratic, Transformation } from '../laws/optim.ts';
import {
  chainIsAssociative, descendsOnQuadratic, jitUpdateMatchesEager, transformationsAgree, updateIsPure, updateIsScaleInvariant, updatePreservesStructure,
} from '../laws/optim.ts';
import { checkOptimizerLaws, convexQuadratic, optimizerCase } from '../laws/optim-harness.ts';
import type { Tensor } from '../src/index.ts';
import { mul, optim, sign, tensor, tree } from '../src/index.ts';

const cosine = optim.cosineDecaySchedule({ initValue: 0.1, decaySteps: 3, alpha: 0.2 });

const everything: [string, Transformation][] = [
  ['sgd', optim.sgd(0.1)],
  ['sgd, momentum', optim.sgd(0.1, { momentum: 0.9 })],
  ['sgd, Nesterov, schedule', optim.sgd(optim.linearSchedule({ initValue: 0.1, endValue: 0.01, transitionSteps: 3 }), { momentum: 0.9, nesterov: true })],
  ['adagrad', optim.adagrad(0.1)],
  ['rmsprop', optim.rmsprop(0.01)],
  ['rmsprop, centered, momentum, bias-corrected', optim.rmsprop(0.01, { centered: true, momentum: 0.9, biasCorrection: true, epsInSqrt: false })],
  ['adam', optim.adam(0.01)],
  ['adam, NAdam, schedule', optim.adam(optim.warmupCosineDecaySchedule({ initValue: 0, peakValue: 0.1, warmupSteps: 2, decaySteps: 5 }), { nesterov: true })],
  ['adamw, masked by a function', optim.adamw(0.01, { mask: () => ({ w: true, rest: false }) })],
  ['lion', optim.lion(0.01)],
  ['lamb', optim.lamb(0.01, { weightDecay: 0.01 })],
  ['identity', optim.identity()],
  ['scale', optim.scale(-0.5)],
  ['scaleByLearningRate, schedule', optim.scaleByLearningRate(cosine, { flipSign: false })],
  ['scaleBySchedule', optim.scaleBySchedule(optim.piecewiseConstantSchedule({ initValue: 1, boundariesAndScales: { 1: 0.5, 3: 0.1 } }))],
  ['exponentialDecay schedule', optim.scaleBySchedule(optim.exponentialDecay({ initValue: 1, transitionSteps: 2, decayRate: 0.5, staircase: true }))],
  ['trace', optim.trace({ decay: 0.5 })],
  ['scaleByAdam', optim.scaleByAdam({ epsRoot: 1e-8 })],
  ['scaleByRms', optim.scaleByRms({ initialScale: 1 })],
  ['scaleByStddev', optim.scaleByStddev()],
  ['scaleByRss', optim.scaleByRss()],
  ['scaleByLion', optim.scaleByLion()],
  ['scaleByTrustRatio', optim.scaleByTrustRatio({ eps: 1e-6 })],
  ['addDecayedWeights', optim.addDecayedWeights(0.1)],
  ['clip', optim.clip(0.5)],
  ['clipByGlobalNorm', optim.clipByGlobalNorm(1)],
  ['a long chain', optim.chain(optim.clipByGlobalNorm(2), optim.trace({ decay: 0.5 }), optim.adamw(0.01))],
];

describe('every transformation: pure, structure-preserving, chain identity, jit ≡ eager', () => {
  it.each(everything)('%s', (_name, t) => {
    checkOptimizerLaws(t, { numRuns: 12 });
  });
});

describe('the laws catch bad transformations', () => {
  const c = { params: { w: tensor([1, 2], { dtype: 'float64' }) }, gradients: [{ w: tensor([0.5, -1], { dtype: 'float64' }) }, { w: tensor([1, 1], { dtype: 'float64' }) }] };
  const bad = (update: (u: { w: Tensor }, s: { seen: Tensor[] }) => readonly [unknown, unknown]): Transformation =>
    ({ init: () => ({ seen: [] as Tensor[] }), update: update as never });
  it('one that mutates its state, one that is random, one that changes dtypes, one that cannot be traced', () => {
    const mutates = bad((u, s) => (s.seen.push(u.w), [u, s]));
    const random = bad((u, s) => [{ w: mul(Math.random(), u.w) }, s]);
    const recasts = bad((u, s) => [{ w: tensor(u.w, { dtype: 'float32' }) }, s]);
    const reads = bad((u, s) => [u.w.item() > 0 ? u : u, s]);
    expect(updateIsPure(mutates)(c).message).toContain('threw');
    expect(updateIsPure(random)(c).message).toContain('update run twice');
    expect(updatePreservesStructure(recasts)(c).message).toContain('float32[2]');
    expect(jitUpdateMatchesEager(reads, { atol: 0, rtol: 0 })(c).message).toContain('threw');
  });
});

describe('chain is associative', () => {
  const triples = fc.tuple(...[0, 1, 2].map(() => fc.integer({ min: 0, max: everything.length - 1 })));
  it('on random triples of transformations, updates and state leaves agree exactly', () => {
    assertLaw(fc.tuple(triples, optimizerCase()), ([[i, j, k], c]) =>
      chainIsAssociative(everything[i]![1], everything[j]![1], everything[k]![1], { atol: 0, rtol: 0 })(c), { numRuns: 40 });
  });
});

describe('documented equivalences', () => {
  const exact = { atol: 0, rtol: 0 };
  it('sgd(lr) ≡ chain(scale(−lr))', () => {
    assertLaw(fc.tuple(fc.double({ min: 1e-4, max: 10, noNaN: true }), optimizerCase()), ([lr, c]) => transformationsAgree(optim.sgd(lr), optim.chain(optim.scale(-lr)), exact)(c));
  });

  it('sgd(schedule) ≡ chain(scaleBySchedule(−schedule))', () => {
    const neg = (t: Tensor) => mul(-1, cosine(t));
    assertLaw(optimizerCase({ maxSteps: 5 }), transformationsAgree(optim.sgd(cosine), optim.chain(optim.scaleBySchedule(neg)), exact));
  });

  it('rmsprop(ε outside the root, bias-corrected, decay β₂) ≡ adam(b1 = 0, b2 = β₂), as optax notes', () => {
    const rms = optim.rmsprop(0.1, { decay: 0.99, epsInSqrt: false, biasCorrection: true });
    assertLaw(optimizerCase(), transformationsAgree(rms, optim.adam(0.1, { b1: 0, b2: 0.99 }), { atol: 1e-15, rtol: 1e-14 }));
  });

  it('adamw with weightDecay 0 ≡ adam; lion with b1 = b2 = 0 ≡ sign descent', () => {
    assertLaw(optimizerCase(), transformationsAgree(optim.adamw(0.1, { weightDecay: 0 }), optim.adam(0.1), exact));
    const signDescent: Transformation = {
      init: () => ({}),
      update: <P>(u: P, state: unknown) => [tree.map((g: Tensor) => mul(-0.1, sign(g)), u), state] as const,
    };
    assertLaw(optimizerCase(), transformationsAgree(optim.lion(0.1, { b1: 0, b2: 0, weightDecay: 0 }), signDescent, exact));
  });
});

describe('scale invariance (ε = 0): the update does not change when the gradients are scaled by c > 0', () => {
  const cases = fc.tuple(optimizerCase({ awayFromZero: 1e-3 }), fc.double({ min: 1e-3, max: 1e3, noNaN: true }));
  const invariant: [string, Transformation][] = [
    ['adam', optim.adam(0.1, { eps: 0 })],
    ['adam, Nesterov', optim.adam(0.1, { eps: 0, nesterov: true })],
    ['rmsprop', optim.rmsprop(0.1, { eps: 0 })],
    ['adagrad (no initial accumulator)', optim.adagrad(0.1, { initialAccumulatorValue: 0, eps: 0 })],
    ['lion', optim.lion(0.1)],
  ];
  it.each(invariant)('%s', (_name, t) => {
    assertLaw(cases, ([c, factor]) => updateIsScaleInvariant(t, { atol: 1e-14, rtol: 1e-12 })(c, factor));
  });

  it('the law can fail: adam with the default ε is not invariant for tiny gradients', () => {
    const c = { params: { w: tensor([1, 1], { dtype: 'float64' }) }, gradients: [{ w: tensor([1e-9, -2e-9], { dtype: 'float64' }) }] };
    if (updateIsScaleInvariant(optim.adam(0.1), { atol: 1e-14, rtol: 1e-12 })(c, 1e6).ok) throw new Error('expected a failure');
  });
});

describe('strict descent on random convex quadratics f(x) = ½xᵀAx − bᵀx', () => {
  const quadratics = fc.tuple(convexQuadratic(), fc.double({ min: 0.05, max: 0.99, noNaN: true }));
  const gradientAt = (q: Quadratic) => {
    const [a, b, x] = [q.a, q.b, q.x0].map((t) => Array.from(t.toTypedArray()));
    return b!.map((bi, i) => x!.reduce((s, xj, j) => s + a![i * b!.length + j]! * xj, 0) - bi);
  };

  it('sgd with lr = f·2/L, f < 1: every one of 20 steps lowers f (gradient descent theorem)', () => {
    assertLaw(quadratics, ([q, f]) => descendsOnQuadratic((q) => optim.sgd((f * 2) / q.lipschitz), 20)(q), { numRuns: 100 });
  });

  it('adagrad with lr < 2√(G₀ + ε)/L: every one of 20 steps lowers f (a preconditioner D ≤ 1/√(G₀ + ε))', () => {
    assertLaw(quadratics, ([q, f]) => descendsOnQuadratic((q) => optim.adagrad((f * 2 * Math.sqrt(0.1 + 1e-7)) / q.lipschitz), 20)(q), { numRuns: 100 });
  });

  it('adam, first step, with lr < 2·Σg²/(|g| + ε) / (n·L): the step ≈ −lr·sign(g) lowers f', () => {
    assertLaw(quadratics, ([q, f]) => {
      const g = gradientAt(q);
      const along = g.reduce((s, gi) => s + (gi * gi) / (Math.abs(gi) + 1e-8), 0);
      return descendsOnQuadratic((q) => optim.adam((f * 2 * along) / (g.length * q.lipschitz)), 1)(q);
    }, { numRuns: 100 });
  });

  it('the law can fail: sgd with lr = 2.2/L climbs on some quadratic', () => {
    const climbs = fc.sample(convexQuadratic(), { seed: 5, numRuns: 20 }).some((q) => !descendsOnQuadratic((q) => optim.sgd(2.2 / q.lipschitz), 20)(q).ok);
    if (!climbs) throw new Error('expected sgd above 2/L to climb on some quadratic');
  });
});
