/**
 * Laws for a user's own function of parameter trees, as pure predicates:
 * reverse mode is the adjoint of forward mode on the tree's leaves, and
 * `jit(f)` computes what `f` computes. (Agreement with finite differences on
 * trees is `gradMatchesFiniteDifferences`, `check.grad` as a law, in `ad.ts`.)
 */

import type { Tensor } from '../src/index.ts';
import { jit, tree } from '../src/index.ts';
import { vjpIsAdjointOfJvp } from './ad.ts';
import type { Tolerance, Verdict } from './numeric.ts';
import { all, allClose, fail } from './numeric.ts';

/** A function of trees of tensors returning a tensor. */
export type TreeFn = (...args: never[]) => Tensor;

/**
 * ⟨u, J v⟩ = ⟨Jᵀu, v⟩ for random u and v (from `seed`), with `args` trees of
 * tensors: `vjpIsAdjointOfJvp` on their leaves. No step size, so tight tolerances hold.
 * @example
 * const loss = (p: { w: Tensor; b: Tensor }, x: Tensor) => tanh(add(matmul(x, p.w), p.b))
 * const f64 = (v: number[][] | number[]) => tensor(v, { dtype: 'float64' })
 * const args = [{ w: f64([[1, 2], [3, 4]]), b: f64([0.5, -0.5]) }, f64([[0.1, 0.2]])]
 * adjointHoldsOnTrees(loss, { atol: 1e-12, rtol: 1e-10 })(args, 7).ok // => true
 */
export const adjointHoldsOnTrees =
  (f: TreeFn, tol: Tolerance) =>
  (args: readonly unknown[], seed: number): Verdict => {
    const [leaves, def] = tree.flatten(args as never) as [Tensor[], tree.TreeDef];
    const onLeaves = (...xs: Tensor[]): Tensor => (f as (...a: unknown[]) => Tensor)(...(tree.unflatten(def, xs) as unknown[]));
    return vjpIsAdjointOfJvp(onLeaves, tol)(leaves, seed);
  };

/**
 * `jit(f)` on its first (tracing) and second (cached) call gives what `f`
 * gives — same structure, dtypes and shapes, values within `tol` (default bit
 * for bit, as puregrad promises).
 * @example
 * const f = (p: { w: Tensor }, x: Tensor) => ({ y: sin(mul(p.w, x)), n: sum(x) })
 * const args = [{ w: tensor([1, 2]) }, tensor([3, 4])]
 * jitCallMatchesEager(f)(args).ok // => true
 */
export const jitCallMatchesEager =
  (f: (...args: never[]) => unknown, tol: Tolerance = { atol: 0, rtol: 0 }) =>
  (args: readonly unknown[]): Verdict => {
    const call = f as (...a: unknown[]) => unknown;
    const eager = call(...args);
    const jitted = jit(call);
    const agree = (what: string, got: unknown): Verdict => {
      const [gl, gd] = tree.flatten(got as never) as [Tensor[], tree.TreeDef];
      const [el, ed] = tree.flatten(eager as never) as [Tensor[], tree.TreeDef];
      if (!tree.sameStructure(gd, ed)) {
        return fail(`${what}: structure ${tree.showStructure(gd)} but eager gives ${tree.showStructure(ed)}`);
      }
      const paths = tree.leafPaths(ed, 'result');
      return all(...gl.map((g, i) => {
        const e = el[i]!;
        if (g.dtype !== e.dtype || g.shape.join() !== e.shape.join()) {
          return fail(`${what}: ${paths[i]} is ${g.dtype}[${g.shape}] but eager gives ${e.dtype}[${e.shape}]`);
        }
        return allClose(`${what}: ${paths[i]}`, g, e, tol);
      }));
    };
    return all(agree('jit (first call) vs eager', jitted(...args)), agree('jit (cached call) vs eager', jitted(...args)));
  };
