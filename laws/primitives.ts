/**
 * Laws about the primitive table itself (internal: they read the registry and
 * the linearizer, so they are for puregrad's own tests, not for users).
 *
 * - the shape rule (`abstractEval`) predicts the shape and dtype the kernel
 *   produces;
 * - every primitive that a JVP rule puts on a tangent path has a transpose
 *   rule, so reverse mode never meets an untransposable equation.
 */

import { evalLowered } from '../src/ir/lowering.ts';
import type { AnyPrimitive } from '../src/ir/primitive.ts';
import type { Tensor } from '../src/index.ts';
import { linearizeFlat } from '../src/transforms/ad.ts';
import type { Verdict } from './numeric.ts';
import { fail, pass } from './numeric.ts';

/** Evaluating the kernel gives exactly the shape and dtype the shape rule promised. */
export const shapeRuleMatchesKernel =
  (prim: AnyPrimitive) =>
  (xs: readonly Tensor[], params: object): Verdict => {
    const predicted = prim.abstractEval(xs, params);
    const actual = evalLowered(prim, xs, params, predicted);
    if (actual.length !== predicted.length) return fail(`${prim.name}: shape rule promises ${predicted.length} results, the kernel gave ${actual.length}`);
    const bad = predicted.findIndex((p, i) => {
      const a = actual[i]!;
      return a.dtype !== p.dtype || a.shape.length !== p.shape.length || a.shape.some((d, j) => d !== p.shape[j]) || a.toTypedArray().length !== a.size;
    });
    if (bad < 0) return pass;
    const [p, a] = [predicted[bad]!, actual[bad]!];
    return fail(`${prim.name}: shape rule says ${p.dtype}[${p.shape}] for result ${bad} but the kernel gave ${a.dtype}[${a.shape}]`);
  };

/** Every equation of the linearized program of `f` can be transposed. */
export const tangentPathIsTransposable =
  (f: (...xs: Tensor[]) => Tensor) =>
  (xs: readonly Tensor[]): Verdict => {
    const lin = linearizeFlat((a) => ({ outs: [f(...a)] }), xs);
    const missing = lin.linear.eqns.filter((e) => e.prim.transpose === 'notLinear').map((e) => e.prim.name);
    return missing.length === 0 ? pass : fail(`tangent program uses ${missing.join(', ')}, which have no transpose rule`);
  };
