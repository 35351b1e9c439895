/**
 * Laws about the primitive table itself (internal: they read the registry and
 * the linearizer, so they are for puregrad's own tests, not for users).
 *
 * - the shape rule (`abstractEval`) predicts the shape and dtype the kernel
 *   produces;
 * - every primitive that a JVP rule puts on a tangent path has a transpose
 *   rule, so reverse mode never meets an untransposable equation.
 */

import type { PrimitiveDef } from '../src/ir/primitive.ts';
import type { Tensor } from '../src/index.ts';
import { linearizeFlat } from '../src/transforms/ad.ts';
import type { Verdict } from './numeric.ts';
import { fail, pass } from './numeric.ts';

/** Evaluating the kernel gives exactly the shape and dtype the shape rule promised. */
export const shapeRuleMatchesKernel =
  (prim: PrimitiveDef) =>
  (xs: readonly Tensor[], params: object): Verdict => {
    const predicted = prim.abstractEval(xs, params);
    const actual = prim.impl(xs, params, predicted);
    const same = actual.dtype === predicted.dtype && actual.shape.length === predicted.shape.length &&
      actual.shape.every((d, i) => d === predicted.shape[i]) && actual.toTypedArray().length === actual.size;
    return same ? pass : fail(`${prim.name}: shape rule says ${predicted.dtype}[${predicted.shape}] but the kernel gave ${actual.dtype}[${actual.shape}]`);
  };

/** Every equation of the linearized program of `f` can be transposed. */
export const tangentPathIsTransposable =
  (f: (...xs: Tensor[]) => Tensor) =>
  (xs: readonly Tensor[]): Verdict => {
    const lin = linearizeFlat((a) => ({ outs: [f(...a)] }), xs);
    const missing = lin.linear.eqns.filter((e) => e.prim.transpose === 'notLinear').map((e) => e.prim.name);
    return missing.length === 0 ? pass : fail(`tangent program uses ${missing.join(', ')}, which have no transpose rule`);
  };
