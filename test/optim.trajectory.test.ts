/**
 * Every optimizer and schedule, 100 steps, against a plain reference written
 * out here with JavaScript numbers (Float64Array per parameter leaf), not with
 * puregrad's ops. Each reference follows the optax 0.2 function named in its
 * comment (optax/_src/alias.py, transform.py, transforms/_accumulation.py,
 * _adding.py, _clipping.py, schedules/_schedule.py), in float64, and the
 * trajectories must agree to 1e-12.
 *
 * The problem: f(θ) = Σᵢ ½hᵢ(θᵢ − cᵢ)² over a tree { a: [3], b: [2, 2] }, so
 * the gradient hᵢ(θᵢ − cᵢ) is computed from the current parameters by the same
 * plain function on both sides; only the optimizer differs.
 */

import { describe, expect, it } from 'vitest';
import type { Tensor } from '../src/index.ts';
import { optim, tensor, tree } from '../src/index.ts';

type Leaves = Float64Array[];
type Reference = (g: Leaves, theta: Leaves) => Leaves;

const SIZES = [3, 4];
const H = [1.3, 0.7, 2.1, 0.5, 1.0, 1.7, 0.9];
const C = [0.5, -1.2, 2.0, 0.3, -0.7, 1.1, -2.4];
const THETA0 = [1.0, 2.0, -1.5, 0.25, 3.0, -2.0, 0.1];

const split = (xs: readonly number[]): Leaves => [Float64Array.from(xs.slice(0, 3)), Float64Array.from(xs.slice(3))];
const gradient = (theta: Leaves): Leaves => {
  let k = 0;
  return theta.map((leaf) => leaf.map((x) => { const i = k++; return H[i]! * (x - C[i]!); }));
};
const asTree = (leaves: Leaves) => ({ a: tensor(leaves[0]!), b: tensor(leaves[1]!, { shape: [2, 2] }) });
const leavesOf = (t: object): Leaves => tree.leaves(t as optim.Params).map((x) => Float64Array.from((x as Tensor).toTypedArray()));

/** Run both for `steps` steps; the largest relative difference of the parameters over the run. */
function compare(opt: optim.GradientTransformation, reference: Reference, steps = 100): number {
  let params = asTree(split(THETA0));
  let state = opt.init(params);
  let theta = split(THETA0);
  let worst = 0;
  for (let t = 0; t < steps; t++) {
    const [u, s] = opt.update(asTree(gradient(leavesOf(params))), state, params);
    params = optim.applyUpdates(params, u);
    state = s;
    const d = reference(gradient(theta), theta);
    theta = theta.map((leaf, l) => leaf.map((x, i) => x + d[l]![i]!));
    leavesOf(params).forEach((leaf, l) => leaf.forEach((x, i) => {
      const want = theta[l]![i]!;
      worst = Math.max(worst, Math.abs(x - want) / Math.max(1e-12, Math.abs(want)));
    }));
  }
  return worst;
}

/** A reference keeping one Float64Array of state per leaf, initialised to `init`. */
const stateLike = (init: number) => SIZES.map((n) => new Float64Array(n).fill(init));
const map2 = (a: Leaves, f: (x: number, l: number, i: number) => number): Leaves => a.map((leaf, l) => leaf.map((x, i) => f(x, l, i)));

// optax.sgd = chain(trace(decay=momentum, nesterov) | identity, scale_by_learning_rate)
function sgdRef(lr: number | ((t: number) => number), momentum?: number, nesterov = false): Reference {
  const tr = stateLike(0);
  let t = 0;
  return (g) => {
    const rate = typeof lr === 'number' ? lr : lr(t);
    t += 1;
    let u = g;
    if (momentum !== undefined) {
      u = map2(g, (x, l, i) => (tr[l]![i] = x + momentum * tr[l]![i]!)); // trace: g + decay * t
      if (nesterov) u = map2(g, (x, l, i) => x + momentum * tr[l]![i]!);
    }
    // scale(-lr): step_size * g; scale_by_schedule: array(m * lr(count), dtype) * g
    return map2(u, (x) => -rate * x);
  };
}

// optax.adagrad = chain(scale_by_rss(initial_accumulator_value, eps), scale_by_learning_rate)
function adagradRef(lr: number, init = 0.1, eps = 1e-7): Reference {
  const sos = stateLike(init);
  return (g) =>
    map2(g, (x, l, i) => {
      const s = (sos[l]![i] = x * x + sos[l]![i]!); // abs_sq(g) + t
      const inv = s > 0 ? 1 / Math.sqrt(s + eps) : 0; // where(t > 0, rsqrt(t + eps), 0)
      return -lr * (inv * x);
    });
}

// optax.rmsprop = chain(scale_by_rms | scale_by_stddev (centered), scale_by_learning_rate, trace | identity)
function rmspropRef(lr: number, o: { decay?: number; eps?: number; initialScale?: number; epsInSqrt?: boolean; centered?: boolean; momentum?: number; nesterov?: boolean; biasCorrection?: boolean } = {}): Reference {
  const [d, eps, inSqrt] = [o.decay ?? 0.9, o.eps ?? 1e-8, o.epsInSqrt ?? true];
  const mu = stateLike(0);
  const nu = stateLike(o.initialScale ?? 0);
  const tr = stateLike(0);
  let count = 0;
  return (g) => {
    count += 1;
    const u = map2(g, (x, l, i) => {
      nu[l]![i] = (1 - d) * (x * x) + d * nu[l]![i]!; // update_moment_per_elem_norm(order 2)
      if (o.centered) mu[l]![i] = (1 - d) * x + d * mu[l]![i]!; // update_moment(order 1)
      const bc = o.biasCorrection ? 1 - d ** count : 1;
      const nh = o.biasCorrection ? nu[l]![i]! / bc : nu[l]![i]!;
      const mh = o.biasCorrection ? mu[l]![i]! / bc : mu[l]![i]!;
      const v = o.centered ? nh - mh * mh : nh;
      const scaling = inSqrt ? 1 / Math.sqrt(v + eps) : 1 / (Math.sqrt(v) + eps);
      return -lr * (scaling * x);
    });
    if (o.momentum === undefined) return u;
    const m = o.momentum;
    const t = map2(u, (x, l, i) => (tr[l]![i] = x + m * tr[l]![i]!));
    return o.nesterov ? map2(u, (x, l, i) => x + m * t[l]![i]!) : t;
  };
}

interface AdamRefOptions { b1?: number; b2?: number; eps?: number; epsRoot?: number; nesterov?: boolean }

// optax.scale_by_adam: moments, count incremented first, bias correction, m̂ / (√(v̂ + eps_root) + eps)
function scaleByAdamRef(o: AdamRefOptions = {}): (g: Leaves) => Leaves {
  const [b1, b2, eps, er] = [o.b1 ?? 0.9, o.b2 ?? 0.999, o.eps ?? 1e-8, o.epsRoot ?? 0];
  const [mu, nu] = [stateLike(0), stateLike(0)];
  let count = 0;
  return (g) => {
    count += 1;
    return map2(g, (x, l, i) => {
      const m = (mu[l]![i] = (1 - b1) * x + b1 * mu[l]![i]!);
      const v = (nu[l]![i] = (1 - b2) * (x * x) + b2 * nu[l]![i]!);
      const mh = o.nesterov ? b1 * (m / (1 - b1 ** (count + 1))) + (1 - b1) * (x / (1 - b1 ** count)) : m / (1 - b1 ** count);
      const vh = v / (1 - b2 ** count);
      return mh / (Math.sqrt(vh + er) + eps);
    });
  };
}

// optax.adam = chain(scale_by_adam, scale_by_learning_rate); adamw adds add_decayed_weights(weight_decay, mask) between
function adamwRef(lr: number | ((t: number) => number), o: AdamRefOptions & { weightDecay?: number; decays?: readonly boolean[] } = {}): Reference {
  const adam = scaleByAdamRef(o);
  const wd = o.weightDecay ?? 0;
  let t = 0;
  return (g, theta) => {
    const rate = typeof lr === 'number' ? lr : lr(t++);
    return map2(adam(g), (x, l, i) => -rate * ((o.decays?.[l] ?? true) ? x + wd * theta[l]![i]! : x));
  };
}

// optax.lion = chain(scale_by_lion(b1, b2), add_decayed_weights(weight_decay), scale_by_learning_rate)
function lionRef(lr: number, b1 = 0.9, b2 = 0.99, wd = 1e-3): Reference {
  const mu = stateLike(0);
  return (g, theta) =>
    map2(g, (x, l, i) => {
      const c = (1 - b1) * x + b1 * mu[l]![i]!;
      mu[l]![i] = (1 - b2) * x + b2 * mu[l]![i]!;
      return -lr * (Math.sign(c) + wd * theta[l]![i]!);
    });
}

// optax.lamb = chain(scale_by_adam(eps=1e-6), add_decayed_weights, scale_by_trust_ratio(), scale_by_learning_rate)
function lambRef(lr: number, wd = 0): Reference {
  const adam = scaleByAdamRef({ eps: 1e-6 });
  const norm = (xs: Float64Array) => Math.sqrt(xs.reduce((s, x) => s + x * x, 0));
  return (g, theta) => {
    const r = map2(adam(g), (x, l, i) => x + wd * theta[l]![i]!);
    return r.map((leaf, l) => {
      const [pn, rn] = [norm(theta[l]!), norm(leaf)];
      const ratio = pn === 0 || rn === 0 ? 1 : (1 * pn) / (rn + 0); // trust_coefficient * ‖θ‖ / (‖u‖ + eps)
      return leaf.map((x) => -lr * (x * ratio));
    });
  };
}

// optax.clip_by_global_norm then another reference
function clipByGlobalNormRef(maxNorm: number, then: Reference): Reference {
  return (g, theta) => {
    const n = Math.sqrt(g.map((leaf) => leaf.reduce((s, x) => s + x * x, 0)).reduce((a, b) => a + b));
    return then(n < maxNorm ? g : map2(g, (x) => (x / n) * maxNorm), theta);
  };
}

// optax.clip: jnp.clip(g, -max_delta, max_delta)
const clipRef = (maxDelta: number, then: Reference): Reference => (g, theta) => then(map2(g, (x) => Math.min(Math.max(x, -maxDelta), maxDelta)), theta);

const optimizers: [string, optim.GradientTransformation, () => Reference][] = [
  ['sgd', optim.sgd(0.1), () => sgdRef(0.1)],
  ['sgd, momentum', optim.sgd(0.05, { momentum: 0.9 }), () => sgdRef(0.05, 0.9)],
  ['sgd, Nesterov', optim.sgd(0.05, { momentum: 0.9, nesterov: true }), () => sgdRef(0.05, 0.9, true)],
  ['adagrad', optim.adagrad(0.3), () => adagradRef(0.3)],
  ['rmsprop', optim.rmsprop(0.01), () => rmspropRef(0.01)],
  ['rmsprop, centered, momentum', optim.rmsprop(0.01, { centered: true, momentum: 0.5 }), () => rmspropRef(0.01, { centered: true, momentum: 0.5 })],
  ['rmsprop, Nesterov, ε outside, bias-corrected', optim.rmsprop(0.01, { momentum: 0.8, nesterov: true, epsInSqrt: false, biasCorrection: true, initialScale: 0.5 }),
    () => rmspropRef(0.01, { momentum: 0.8, nesterov: true, epsInSqrt: false, biasCorrection: true, initialScale: 0.5 })],
  ['rmsprop, centered, bias-corrected', optim.rmsprop(0.02, { centered: true, biasCorrection: true, decay: 0.8 }), () => rmspropRef(0.02, { centered: true, biasCorrection: true, decay: 0.8 })],
  ['adam', optim.adam(0.05), () => adamwRef(0.05)],
  ['adam, NAdam, eps_root', optim.adam(0.05, { nesterov: true, epsRoot: 1e-6, b2: 0.99 }), () => adamwRef(0.05, { nesterov: true, epsRoot: 1e-6, b2: 0.99 })],
  ['adamw', optim.adamw(0.05), () => adamwRef(0.05, { weightDecay: 1e-4 })],
  ['adamw, masked', optim.adamw(0.05, { weightDecay: 0.1, mask: { a: false, b: true } }), () => adamwRef(0.05, { weightDecay: 0.1, decays: [false, true] })],
  ['lion', optim.lion(0.01), () => lionRef(0.01)],
  ['lion, b1 0.5', optim.lion(0.02, { b1: 0.5, b2: 0.9, weightDecay: 0.1 }), () => lionRef(0.02, 0.5, 0.9, 0.1)],
  ['lamb', optim.lamb(0.05), () => lambRef(0.05)],
  ['lamb, weight decay', optim.lamb(0.05, { weightDecay: 0.01 }), () => lambRef(0.05, 0.01)],
  ['clipByGlobalNorm + sgd', optim.chain(optim.clipByGlobalNorm(1), optim.sgd(0.1)), () => clipByGlobalNormRef(1, sgdRef(0.1))],
  ['clip + adam', optim.chain(optim.clip(0.5), optim.adam(0.05)), () => clipRef(0.5, adamwRef(0.05))],
];

describe('100-step trajectories against plain references (float64, 1e-12)', () => {
  it.each(optimizers)('%s', (_name, opt, reference) => {
    expect(compare(opt, reference())).toBeLessThanOrEqual(1e-12);
  });

  it('the comparison can fail: adam with another b2 drifts away', () => {
    expect(compare(optim.adam(0.05, { b2: 0.99 }), adamwRef(0.05))).toBeGreaterThan(1e-6);
  });
});

// Schedules, written out from optax/schedules/_schedule.py in float64.
const linear = (i: number, e: number, steps: number, begin = 0) => (t: number) =>
  steps <= 0 ? i : (i - e) * (1 - Math.min(Math.max(t - begin, 0), steps) / steps) + e;
const cosine = (i: number, steps: number, alpha = 0, p = 1) => (t: number) =>
  i * ((1 - alpha) * (0.5 * (1 + Math.cos((Math.PI * Math.min(t, steps)) / steps))) ** p + alpha);
const schedules: [string, (t: Tensor) => Tensor, (t: number) => number][] = [
  ['constantSchedule', optim.constantSchedule(0.07), () => 0.07],
  ['linearSchedule', optim.linearSchedule({ initValue: 0.2, endValue: 0.01, transitionSteps: 60, transitionBegin: 10 }), linear(0.2, 0.01, 60, 10)],
  ['exponentialDecay', optim.exponentialDecay({ initValue: 0.2, transitionSteps: 7, decayRate: 0.8, transitionBegin: 5 }),
    (t) => (t - 5 <= 0 ? 0.2 : 0.2 * 0.8 ** ((t - 5) / 7))],
  ['exponentialDecay, staircase, end value', optim.exponentialDecay({ initValue: 0.2, transitionSteps: 7, decayRate: 0.5, staircase: true, endValue: 0.02 }),
    (t) => Math.max(t <= 0 ? 0.2 : 0.2 * 0.5 ** Math.floor(t / 7), 0.02)],
  ['cosineDecaySchedule', optim.cosineDecaySchedule({ initValue: 0.2, decaySteps: 80, alpha: 0.1, exponent: 2 }), cosine(0.2, 80, 0.1, 2)],
  ['warmupCosineDecaySchedule', optim.warmupCosineDecaySchedule({ initValue: 0.01, peakValue: 0.2, warmupSteps: 15, decaySteps: 90, endValue: 0.005 }),
    (t) => (t < 15 ? linear(0.01, 0.2, 15)(t) : cosine(0.2, 75, 0.005 / 0.2)(t - 15))],
  ['piecewiseConstantSchedule', optim.piecewiseConstantSchedule({ initValue: 0.2, boundariesAndScales: { 30: 0.5, 60: 0.2 } }),
    (t) => 0.2 * (t >= 30 ? 0.5 : 1) * (t >= 60 ? 0.2 : 1)],
];

describe('schedules: 100 steps of sgd and of adam with the schedule as learning rate', () => {
  it.each(schedules)('%s', (_name, schedule, reference) => {
    expect(compare(optim.sgd(schedule), sgdRef(reference))).toBeLessThanOrEqual(1e-12);
    expect(compare(optim.adam(schedule), adamwRef(reference))).toBeLessThanOrEqual(1e-12);
    for (let t = 0; t < 100; t++) expect(schedule(tensor(t, { dtype: 'int32' })).item()).toBeCloseTo(reference(t), 14);
  });
});
