/**
 * Laws of optimizers (`optim.GradientTransformation`s). Pure predicates that
 * roll a transformation over a case — initial parameters and one gradient per
 * step, the parameters moving by `applyUpdates` — and return a `Verdict`:
 *
 * - `chain` with `identity` is a monoid: associative, identity on both sides,
 *   compared on the updates and on the states' leaves (the states differ only
 *   in how they are bracketed);
 * - `init` and `update` are deterministic and leave their (frozen) inputs as
 *   they were, by checksums taken before and after;
 * - the updates have the structure, shapes and dtypes of the gradients, and
 *   the state keeps the structure, shapes and dtypes `init` gave it;
 * - two transformations agree (e.g. `sgd(lr) ≡ chain(scale(−lr))`);
 * - an update is invariant to scaling the gradients (Adam with ε = 0);
 * - strict descent on a convex quadratic, f(x) = ½xᵀAx − bᵀx;
 * - `jit(update) ≡ update`.
 *
 * The arbitraries and fast-check harnesses that run them on generated cases
 * are in `optim-harness.ts`.
 */

import type { Tensor } from '../src/index.ts';
import { grad, jit, mul, optim, sub, sum, tree } from '../src/index.ts';
import type { Tolerance, Verdict } from './numeric.ts';
import { all, allClose, fail, pass, values } from './numeric.ts';

type Params = optim.Params;
/** Any gradient transformation, whatever its state. */
export type Transformation = optim.GradientTransformation;

/** Initial parameters and the gradient of each step (each of the parameters' structure). */
export interface OptimizerCase {
  readonly params: Params;
  readonly gradients: readonly Params[];
}

type Update = Transformation['update'];

interface Rollout {
  readonly updates: readonly Params[];
  readonly states: readonly unknown[];
}

/** Run `t` over the case: the updates and the states (the initial one first), the parameters moving each step. */
function rollout(t: Transformation, c: OptimizerCase, update: Update = (u, s, p) => t.update(u, s, p)): Rollout {
  let params = c.params;
  let state = t.init(params);
  const updates: Params[] = [];
  const states: unknown[] = [state];
  for (const g of c.gradients) {
    const [u, s] = update(g, state, params);
    updates.push(u);
    states.push((state = s));
    params = optim.applyUpdates(params, u);
  }
  return { updates, states };
}

/** The tensor leaves of two trees agree, in order (their bracketing may differ). */
function leavesClose(what: string, a: unknown, b: unknown, tol: Tolerance): Verdict {
  const [la, lb] = [tree.leaves(a as Params), tree.leaves(b as Params)];
  if (la.length !== lb.length) return fail(`${what}: ${la.length} leaves but expected ${lb.length}`);
  return all(...la.map((x, i) => {
    const y = lb[i]!;
    if (x.dtype !== y.dtype) return fail(`${what} (leaf ${i}): dtype ${x.dtype} but expected ${y.dtype}`);
    return allClose(`${what} (leaf ${i})`, x, y, tol);
  }));
}

/** Two rollouts agree step by step: updates, and states too unless `statesToo` is false. */
function rolloutsAgree(a: Rollout, b: Rollout, tol: Tolerance, statesToo = true): Verdict {
  return all(
    ...a.updates.map((u, k) => leavesClose(`updates at step ${k}`, u, b.updates[k], tol)),
    ...(statesToo ? a.states.map((s, k) => leavesClose(`state after step ${k}`, s, b.states[k], tol)) : []),
  );
}

const guarded = (run: () => Verdict): Verdict => {
  try {
    return run();
  } catch (e) {
    return fail(`threw ${e instanceof Error ? e.message : String(e)}`);
  }
};

/**
 * chain(chain(a, b), c) ≡ chain(a, chain(b, c)), on updates and state leaves.
 * @example
 * const c = { params: { w: tensor([1, 2]) }, gradients: [{ w: tensor([3, -1]) }, { w: tensor([0.5, 2]) }] }
 * const [a, b, d] = [optim.clip(1), optim.trace({ decay: 0.9 }), optim.scale(-0.1)]
 * chainIsAssociative(a, b, d, { atol: 0, rtol: 0 })(c).ok // => true
 */
export const chainIsAssociative =
  (a: Transformation, b: Transformation, c: Transformation, tol: Tolerance) =>
  (cs: OptimizerCase): Verdict =>
    guarded(() => {
      const [left, right] = [optim.chain(optim.chain(a, b), c), optim.chain(a, optim.chain(b, c))];
      return rolloutsAgree(rollout(left, cs), rollout(right, cs), tol);
    });

/**
 * chain(identity(), t) ≡ t ≡ chain(t, identity()), on updates and state leaves.
 * @example
 * const c = { params: { w: tensor([1]) }, gradients: [{ w: tensor([2]) }] }
 * chainHasIdentity(optim.adam(0.1), { atol: 0, rtol: 0 })(c).ok // => true
 */
export const chainHasIdentity =
  (t: Transformation, tol: Tolerance) =>
  (cs: OptimizerCase): Verdict =>
    guarded(() => {
      const alone = rollout(t, cs);
      const [left, right] = [optim.chain(optim.identity(), t), optim.chain(t, optim.identity())];
      return all(rolloutsAgree(rollout(left, cs), alone, tol), rolloutsAgree(rollout(right, cs), alone, tol));
    });

/** A checksum of a tree: its structure, and each leaf's dtype, shape and bits. */
function checksum(x: unknown): string {
  const [ls, def] = tree.flatten(x as Params);
  let h = 0x811c9dc5;
  for (const l of ls) {
    const bytes = new Uint8Array(Float64Array.from(values(l)).buffer);
    for (const byte of bytes) h = Math.imul(h ^ byte, 0x01000193) >>> 0;
  }
  return `${tree.showStructure(def)}|${ls.map((l) => `${l.dtype}[${l.shape}]`).join(';')}|${h.toString(16)}`;
}

const frozen = <T>(x: T): T => tree.unflatten(tree.structure(x as Params), tree.leaves(x as Params)) as T;

/**
 * `init` and `update` are deterministic (same inputs, same bits) and leave
 * their inputs unchanged: the inputs are frozen, and checksummed before and after.
 * @example
 * const c = { params: { w: tensor([1, 2]) }, gradients: [{ w: tensor([3, -1]) }] }
 * updateIsPure(optim.adamw(0.1))(c).ok // => true
 */
export const updateIsPure =
  (t: Transformation) =>
  (cs: OptimizerCase): Verdict =>
    guarded(() => {
      const exact = { atol: 0, rtol: 0 };
      let params = frozen(cs.params);
      let state = frozen(t.init(params));
      const verdicts: Verdict[] = [leavesClose('init run twice', t.init(params), state, exact)];
      for (const [k, g0] of cs.gradients.entries()) {
        const g = frozen(g0);
        const before = [checksum(g), checksum(state), checksum(params)];
        const [u1, s1] = t.update(g, state, params);
        const [u2, s2] = t.update(g, state, params);
        const after = [checksum(g), checksum(state), checksum(params)];
        ['updates', 'state', 'params'].forEach((what, i) => {
          if (before[i] !== after[i]) verdicts.push(fail(`update at step ${k} changed its ${what} argument`));
        });
        verdicts.push(
          leavesClose(`update run twice, updates at step ${k}`, u1, u2, exact),
          leavesClose(`update run twice, state at step ${k}`, s1, s2, exact),
        );
        params = frozen(optim.applyUpdates(params, u1));
        state = frozen(s1);
      }
      return all(...verdicts);
    });

const avals = (x: unknown): string => {
  const [ls, def] = tree.flatten(x as Params);
  return `${tree.showStructure(def)} with leaves ${ls.map((l) => `${l.dtype}[${l.shape}]`).join(', ')}`;
};

/**
 * The updates have the gradients' structure, shapes and dtypes, and every
 * state has the structure, shapes and dtypes of the initial one (so a train
 * step can be a `scan` body or a jitted function called in a loop).
 * @example
 * const c = { params: { w: tensor([1, 2]), b: [tensor(0)] }, gradients: [{ w: tensor([3, -1]), b: [tensor(1)] }] }
 * updatePreservesStructure(optim.sgd(0.1, { momentum: 0.9 }))(c).ok // => true
 */
export const updatePreservesStructure =
  (t: Transformation) =>
  (cs: OptimizerCase): Verdict =>
    guarded(() => {
      const { updates, states } = rollout(t, cs);
      const same = (what: string, got: unknown, want: unknown, wanted: string): Verdict =>
        avals(got) === avals(want) ? pass : fail(`${what}: ${avals(got)}, but ${wanted} ${avals(want)}`);
      return all(
        ...updates.map((u, k) => same(`updates at step ${k}`, u, cs.gradients[k], 'the gradients are')),
        ...states.map((s, k) => same(`state after step ${k}`, s, states[0], 'init gave')),
      );
    });

/**
 * Two transformations give the same updates, step by step (states may differ).
 * @example
 * const c = { params: { w: tensor([1, 2]) }, gradients: [{ w: tensor([3, -1]) }, { w: tensor([1, 1]) }] }
 * transformationsAgree(optim.sgd(0.1), optim.chain(optim.scale(-0.1)), { atol: 0, rtol: 0 })(c).ok // => true
 */
export const transformationsAgree =
  (a: Transformation, b: Transformation, tol: Tolerance) =>
  (cs: OptimizerCase): Verdict =>
    guarded(() => rolloutsAgree(rollout(a, cs), rollout(b, cs), tol, false));

/**
 * Scaling every gradient by `factor` > 0 leaves the updates unchanged, as for
 * Adam with ε = ε_root = 0 (m̂ scales by c, √v̂ by c).
 * @example
 * const f64 = (x: number[]) => tensor(x, { dtype: 'float64' })
 * const c = { params: { w: f64([1, 2]) }, gradients: [{ w: f64([3, -1]) }] }
 * updateIsScaleInvariant(optim.scaleByAdam({ eps: 0 }), { atol: 0, rtol: 1e-12 })(c, 1000).ok // => true
 */
export const updateIsScaleInvariant =
  (t: Transformation, tol: Tolerance) =>
  (cs: OptimizerCase, factor: number): Verdict =>
    guarded(() => {
      const gradients = cs.gradients.map((g) => tree.map((x: Tensor) => mul(x, factor), g));
      const scaled = { params: cs.params, gradients };
      return rolloutsAgree(rollout(t, scaled), rollout(t, cs), tol, false);
    });

/** f(x) = ½xᵀAx − bᵀx with A symmetric positive definite, a start x0, and L = λ_max(A). */
export interface Quadratic {
  readonly a: Tensor;
  readonly b: Tensor;
  readonly x0: Tensor;
  /** The gradient's Lipschitz constant, λ_max(A). */
  readonly lipschitz: number;
}

/** ½xᵀAx − bᵀx, written with ops so that `grad` differentiates it. */
export const quadraticLoss =
  (q: Quadratic) =>
  (x: Tensor): Tensor =>
    sub(mul(0.5, sum(mul(x, sum(mul(q.a, x), { axis: 1 })))), sum(mul(q.b, x)));

/**
 * Each of `steps` updates strictly lowers f, measured without cancellation as
 * f(x + d) − f(x) = gᵀd + ½dᵀAd < 0 (g = ∇f(x) by `grad`, d the update). Gradient
 * descent with 0 < lr < 2/L satisfies it; `make` builds the transformation for the quadratic.
 * @example
 * const f64 = (x: number[] | number[][]) => tensor(x, { dtype: 'float64' })
 * const q = { a: f64([[2, 0], [0, 1]]), b: f64([1, 1]), x0: f64([3, -2]), lipschitz: 2 }
 * descendsOnQuadratic((q) => optim.sgd(1.9 / q.lipschitz), 10)(q).ok // => true
 * descendsOnQuadratic((q) => optim.sgd(2.1 / q.lipschitz), 10)(q).ok // => false
 */
export const descendsOnQuadratic =
  (make: (q: Quadratic) => Transformation, steps: number) =>
  (q: Quadratic): Verdict =>
    guarded(() => {
      const t = make(q);
      const loss = quadraticLoss(q);
      const a = values(q.a);
      const n = q.x0.size;
      let params = { x: q.x0 };
      let state = t.init(params);
      for (let k = 0; k < steps; k++) {
        const g = grad((p: { x: Tensor }) => loss(p.x))(params);
        const [u, s] = t.update(g, state, params);
        const [gv, d] = [values(g.x), values(u.x)];
        let change = 0;
        for (let i = 0; i < n; i++) {
          let ad = 0;
          for (let j = 0; j < n; j++) ad += a[i * n + j]! * d[j]!;
          change += gv[i]! * d[i]! + 0.5 * d[i]! * ad;
        }
        if (!(change < 0) && gv.some((v) => v !== 0)) {
          return fail(`step ${k} changed f by ${change} (not a strict decrease)`);
        }
        [params, state] = [optim.applyUpdates(params, u), s];
      }
      return pass;
    });

/**
 * `jit(update)` gives what `update` gives, step by step (updates and states).
 * @example
 * const c = { params: { w: tensor([1, 2]) }, gradients: [{ w: tensor([3, -1]) }, { w: tensor([1, 1]) }] }
 * jitUpdateMatchesEager(optim.adam(0.1), { atol: 0, rtol: 0 })(c).ok // => true
 */
export const jitUpdateMatchesEager =
  (t: Transformation, tol: Tolerance) =>
  (cs: OptimizerCase): Verdict =>
    guarded(() => {
      const jitted = jit((u: Params, s: unknown, p: Params) => t.update(u, s, p));
      const viaJit: Update = (u, s, p) => jitted(u as Params, s, p as Params) as never;
      return rolloutsAgree(rollout(t, cs, viaJit), rollout(t, cs), tol);
    });
