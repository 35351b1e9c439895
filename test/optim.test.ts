/**
 * `optim` by example: state as trees of tensors, options and errors, masks,
 * schedules under `jit`, and a whole train step (loss, `grad`, update,
 * `applyUpdates`) inside one `jit` and under `vmap` over a batch of models.
 */

import { concatAll } from 'fp-ts/Monoid';
import { describe, expect, it } from 'vitest';
import { add, Tensor, grad, jit, mean, mul, optim, scalar, slice, square, squeeze, stack, sub, sum, tensor, tree, vmap } from '../src/index.ts';
import { expectOpError } from './support.ts';

const f64 = (x: number[] | number[][]) => tensor(x, { dtype: 'float64' });
const raises = expectOpError;

describe('state', () => {
  it('is a frozen tree of tensors; step counts are int32 scalars', () => {
    const opt = optim.adam(0.1);
    const params = { w: f64([1, 2]), b: f64([0]) };
    const s0 = opt.init(params);
    const [, s1] = opt.update({ w: f64([1, 1]), b: f64([1]) }, s0, params);
    expect(Object.isFrozen(s1) && Object.isFrozen(s1[0])).toBe(true);
    expect(s1[0].count.dtype).toBe('int32');
    expect(s1[0].count.shape).toEqual([]);
    expect(s1[0].count.item()).toBe(1);
    expect(tree.leaves(s1 as never).every((l: unknown) => l instanceof Tensor)).toBe(true);
    expect(tree.showStructure(tree.structure(s1 as never))).toBe('[{count: *, mu: {b: *, w: *}, nu: {b: *, w: *}}, {}]');
  });

  it('the count saturates at 2³¹ − 1 instead of wrapping', () => {
    const opt = optim.scaleByAdam();
    const params = { w: f64([1]) };
    const s = { ...opt.init(params), count: scalar(2 ** 31 - 1, 'int32') };
    const [u, next] = opt.update({ w: f64([2]) }, s, params);
    expect(next.count.item()).toBe(2 ** 31 - 1);
    expect(Number.isFinite(tree.leaves(u)[0]!.item())).toBe(true);
  });

  it('float32 parameters keep float32 updates and state; the schedule is rounded once', () => {
    const opt = optim.adam(optim.constantSchedule(0.1));
    const params = { w: tensor([1, 2]) };
    const [u, s] = opt.update({ w: tensor([0.5, -1]) }, opt.init(params), params);
    expect(u.w.dtype).toBe('float32');
    expect(tree.leaves(s[0] as never).map((l: Tensor) => l.dtype)).toEqual(['int32', 'float32', 'float32']);
    // the schedule is computed in float64 and rounded to float32 once, when it scales the update
    const sgd = optim.sgd(optim.exponentialDecay({ initValue: 0.1, transitionSteps: 1, decayRate: 1 / 3 }));
    const [, s1] = sgd.update({ w: tensor([1]) }, sgd.init({ w: tensor([0]) }));
    expect(sgd.update({ w: tensor([1]) }, s1)[0].w.item()).toBe(Math.fround(-(0.1 * (1 / 3) ** 1)));
  });
});

describe('hyper-parameters and inputs are checked', () => {
  it('bad hyper-parameters name the optimizer', () => {
    raises(() => optim.adam(-0.1), 'optim.adam', 'the learning rate must be a finite number >= 0, got -0.1');
    raises(() => optim.sgd(Number.NaN), 'optim.sgd', 'got NaN');
    raises(() => optim.adam(0.1, { b1: 1 }), 'optim.adam', 'b1 must be a number in [0, 1), got 1');
    raises(() => optim.adamw(0.1, { b2: -0.5 }), 'optim.adamw', 'b2');
    raises(() => optim.sgd(0.1, { momentum: 1.5 }), 'optim.sgd', 'momentum');
    raises(() => optim.rmsprop(0.1, { eps: -1 }), 'optim.rmsprop', 'eps must be a finite number >= 0');
    raises(() => optim.lion(0.1, { weightDecay: Number.POSITIVE_INFINITY }), 'optim.lion', 'weightDecay');
    raises(() => optim.trace({} as never), 'optim.trace', 'decay must be a number in [0, 1), got undefined');
    raises(() => optim.clipByGlobalNorm(-1), 'optim.clipByGlobalNorm', 'maxNorm');
    // 0 too: optax accepts it and turns a zero gradient into 0/0 = NaN (review)
    raises(() => optim.clipByGlobalNorm(0), 'optim.clipByGlobalNorm', 'maxNorm must be a finite number > 0, got 0');
    raises(() => optim.scale(Number.NaN), 'optim.scale', 'step');
  });

  it('a misspelled option is an error, not silently ignored', () => {
    raises(() => optim.adam(0.1, { beta1: 0.9 } as never), 'optim.adam', "unknown option 'beta1'; the options are b1, b2, eps, epsRoot, nesterov");
    raises(() => optim.linearSchedule({ initValue: 1, endValue: 0, transitionSteps: 10, begin: 3 } as never), 'optim.linearSchedule', "unknown option 'begin'");
  });

  it('schedules check their arguments', () => {
    raises(() => optim.cosineDecaySchedule({ initValue: 1, decaySteps: 0 }), 'optim.cosineDecaySchedule', 'decaySteps must be positive');
    raises(() => optim.warmupCosineDecaySchedule({ initValue: 0, peakValue: 1, warmupSteps: 10, decaySteps: 10 }), 'optim.warmupCosineDecaySchedule', 'must exceed warmupSteps');
    raises(() => optim.linearSchedule({ initValue: 1, endValue: 0, transitionSteps: 10, transitionBegin: -1 }), 'optim.linearSchedule', 'transitionBegin');
    raises(() => optim.piecewiseConstantSchedule({ initValue: 1, boundariesAndScales: { 10: -0.5 } }), 'optim.piecewiseConstantSchedule', 'the scale at step 10');
    raises(() => optim.exponentialDecay({ initValue: 1, transitionSteps: 2.5, decayRate: 0.5 }), 'optim.exponentialDecay', 'transitionSteps must be an integer');
  });

  it('as in optax, a transition of at most 0 steps (or a decay rate of 0) holds the initial value', () => {
    expect(optim.linearSchedule({ initValue: 3, endValue: 0, transitionSteps: 0 })(50).item()).toBe(3);
    expect(optim.exponentialDecay({ initValue: 3, transitionSteps: 5, decayRate: 0 })(50).item()).toBe(3);
  });

  it('gradients of another structure than the state, integer parameters, and missing params are errors', () => {
    const opt = optim.adam(0.1);
    const state = opt.init({ w: f64([1, 2]) });
    raises(() => opt.update({ v: f64([1, 2]) }, state), 'optim.scaleByAdam', 'the updates have structure {v: *} but the state has {w: *}');
    raises(() => opt.init({ w: tensor([1, 2], { dtype: 'int32' }) }), 'optim.scaleByAdam', 'dtype int32');
    const adamw = optim.adamw(0.1);
    raises(() => adamw.update({ w: f64([1, 2]) }, adamw.init({ w: f64([1, 2]) })), 'optim.addDecayedWeights', 'needs the parameters');
    raises(() => optim.sgd(0.1).update({ w: f64([1]) }, [] as never), 'optim.chain', 'should hold 2 states');
    raises(() => optim.applyUpdates({ w: f64([1]) }, { w: f64([1]), b: f64([1]) }), 'optim.applyUpdates', 'structure');
  });

  it('an update of another shape than its parameter or state is an error naming the optimizer, not a broadcast (review)', () => {
    // params.w [2] + an update [2, 2] used to broadcast, and the parameter silently became [2, 2]
    raises(() => optim.applyUpdates({ w: f64([1, 2]) }, { w: f64([[1, 2], [3, 4]]) }), 'optim.applyUpdates',
      'leaf updates.w has shape [2,2] but in the params it has [2]');
    const opt = optim.adam(0.1);
    const params = { b: f64([0]), w: f64([1, 2]) };
    raises(() => opt.update({ b: f64([0]), w: f64([1, 2, 3]) }, opt.init(params), params), 'optim.scaleByAdam',
      'has shape [3] but in the state it has [2]');
    const decay = optim.addDecayedWeights(0.1);
    raises(() => decay.update({ w: f64([1]) }, decay.init(params), { w: f64([1, 2]) }), 'optim.addDecayedWeights', 'in the params it has [2]');
  });

  it("another optimizer's state is named as such, not 'the state has undefined' (review)", () => {
    const params = { w: f64([1, 2]) };
    raises(() => optim.adam(0.1).update(params, optim.sgd(0.1).init(params) as never, params), 'optim.scaleByAdam',
      "the state is missing: pass the state this transformation's init or update returned");
  });

  it('a mask must be a tree of booleans shaped like the params (or a prefix)', () => {
    raises(() => optim.adamw(0.1, { mask: { w: 1 } as never }), 'optim.adamw', 'mask.w is a number');
    const opt = optim.addDecayedWeights(0.1, { x: true });
    const params = { w: f64([1]) };
    raises(() => opt.update(params, opt.init(params), params), 'optim.addDecayedWeights', 'neither the updates\' structure');
    // a mask function's result is checked too: a number (or a tensor) is not a boolean (review)
    const byFunction = optim.addDecayedWeights(0.1, () => ({ w: 1 }) as never);
    raises(() => byFunction.update(params, byFunction.init(params), params), 'optim.addDecayedWeights', 'is a number');
  });
});

describe('masks, options and purity', () => {
  it('a mask may be a prefix of the params, or a function of them', () => {
    const params = { enc: { w: f64([1, 1]), b: f64([1]) }, dec: f64([2]) };
    const g = { enc: { w: f64([0, 0]), b: f64([0]) }, dec: f64([0]) };
    const byPrefix = optim.addDecayedWeights(0.5, { enc: true, dec: false });
    expect(tree.leaves(byPrefix.update(g, byPrefix.init(params), params)[0]).map((t) => t.toArray())).toEqual([[0], [0.5], [0.5, 0.5]]);
    const byRank = optim.addDecayedWeights(0.5, (p) => tree.map((x: Tensor) => x.rank > 0 && x.size > 1, p as never) as never);
    expect(tree.leaves(byRank.update(g, byRank.init(params), params)[0]).map((t) => t.toArray())).toEqual([[0], [0], [0.5, 0.5]]);
  });

  it('options are copied: changing the caller\'s object afterwards changes nothing', () => {
    const options = { momentum: 0.9 };
    const mask = { w: true };
    const opt = optim.sgd(0.1, options);
    const adamw = optim.adamw(0.1, { weightDecay: 1, mask });
    options.momentum = 0;
    mask.w = false;
    const params = { w: f64([1]) };
    const [, s1] = opt.update({ w: f64([1]) }, opt.init(params));
    expect(opt.update({ w: f64([1]) }, s1)[0].w.item()).toBeCloseTo(-0.19, 12);
    const [u] = adamw.update({ w: f64([1]) }, adamw.init(params), params);
    expect(u.w.item()).toBeCloseTo(-0.2, 6);
  });

  it('inputs are untouched: the same update twice gives the same bits', () => {
    const opt = optim.lamb(0.1, { weightDecay: 0.01 });
    const params = { w: f64([[1, 2], [3, 4]]) };
    const g = { w: f64([[0.1, -0.2], [0.3, 0]]) };
    const state = opt.init(params);
    const a = opt.update(g, state, params);
    const b = opt.update(g, state, params);
    expect(tree.leaves(a as never).map((t: Tensor) => t.toArray())).toEqual(tree.leaves(b as never).map((t: Tensor) => t.toArray()));
    expect(params.w.toArray()).toEqual([[1, 2], [3, 4]]);
  });
});

describe('the monoid of transformations', () => {
  it('concat is chain, empty is identity, and folding a list chains it', () => {
    const list = [optim.clip(1), optim.trace({ decay: 0.5 }), optim.scale(-0.1)];
    const folded = concatAll(optim.monoid)(list); // fp-ts's own fold over a Monoid
    const direct = optim.chain(...list);
    const params = { w: f64([0, 0]) };
    let [sf, sd] = [folded.init(params), direct.init(params)];
    for (const g of [f64([3, -0.2]), f64([0.5, 0.5])]) {
      const [uf, nf] = folded.update({ w: g }, sf);
      const [ud, nd] = direct.update({ w: g }, sd);
      expect(uf.w.toArray()).toEqual(ud.w.toArray());
      expect(tree.leaves(nf as never).map((t: Tensor) => t.toArray())).toEqual(tree.leaves(nd as never).map((t: Tensor) => t.toArray()));
      [sf, sd] = [nf, nd];
    }
  });
});

describe('schedules run traced', () => {
  it('under jit the count is traced and the values match eager ones', () => {
    const s = optim.warmupCosineDecaySchedule({ initValue: 0, peakValue: 1, warmupSteps: 10, decaySteps: 50 });
    const js = jit((t: Tensor) => s(t));
    for (const t of [0, 5, 10, 30, 50, 70]) expect(js(scalar(t, 'int32')).item()).toBe(s(t).item());
    expect(js.cacheSize()).toBe(1);
  });

  it('under vmap a batch of counts gives a batch of values', () => {
    const s = optim.exponentialDecay({ initValue: 1, transitionSteps: 1, decayRate: 0.5, staircase: true });
    expect(vmap((t: Tensor) => s(t))(tensor([0, 1, 2, 3], { dtype: 'int32' })).toArray()).toEqual([1, 0.5, 0.25, 0.125]);
  });
});

describe('a whole train step', () => {
  interface P { readonly w: Tensor; readonly b: Tensor }
  const xs = f64([[1, 2], [0, 1], [-1, 0.5], [2, -1], [0.5, 0.5]]);
  const ys = f64([1, 0, -1, 2, 0.3]);
  const loss = (p: P) => mean(square(sub(add(sum(mul(xs, p.w), { axis: 1 }), p.b), ys)));
  const opt = optim.chain(optim.clipByGlobalNorm(5), optim.adamw(optim.cosineDecaySchedule({ initValue: 0.1, decaySteps: 40 }), { weightDecay: 0.01 }));
  type S = ReturnType<typeof opt.init>;
  const step = (p: P, s: S): readonly [P, S] => {
    const g = grad(loss)(p);
    const [u, next] = opt.update(g, s, p);
    return [optim.applyUpdates(p, u), next];
  };

  it('runs inside one jit with params and optimizer state as arguments, equal to eager', () => {
    const jitted = jit(step);
    let eager: readonly [P, S] = [{ w: f64([0.5, -0.5]), b: scalar(0, 'float64') }, opt.init({ w: f64([0.5, -0.5]), b: scalar(0, 'float64') })];
    let compiled = eager;
    const first = loss(eager[0]).item();
    for (let k = 0; k < 30; k++) {
      eager = step(...eager);
      compiled = jitted(...compiled);
      expect(compiled[0].w.toArray()).toEqual(eager[0].w.toArray());
      expect(compiled[0].b.item()).toBe(eager[0].b.item());
    }
    expect(jitted.cacheSize()).toBe(1);
    expect(loss(compiled[0]).item()).toBeLessThan(first / 2);
  });

  it('runs under vmap over a batch of models (stacked initial params), matching the unbatched loop', () => {
    const starts: P[] = [
      { w: f64([0.5, -0.5]), b: scalar(0, 'float64') },
      { w: f64([-1, 2]), b: scalar(1, 'float64') },
      { w: f64([3, 0]), b: scalar(-2, 'float64') },
    ];
    const stacked: P = { w: stack(starts.map((p) => p.w)), b: stack(starts.map((p) => p.b)) };
    let batch: readonly [P, S] = [stacked, vmap((p: P) => opt.init(p))(stacked)];
    const batched = jit(vmap(step));
    for (let k = 0; k < 20; k++) batch = batched(...batch);
    starts.forEach((start, m) => {
      let one: readonly [P, S] = [start, opt.init(start)];
      for (let k = 0; k < 20; k++) one = step(...one);
      const row = (t: Tensor) => squeeze(slice(t, [m], [m + 1]), 0).toArray() as number[] | number;
      const got = row(batch[0].w) as number[];
      (one[0].w.toArray() as number[]).forEach((v, i) => expect(got[i]).toBeCloseTo(v, 12));
      expect(row(batch[0].b) as number).toBeCloseTo(one[0].b.item(), 12);
    });
    expect(batch[1][1][0].count.toArray()).toEqual([20, 20, 20]);
  });
});
