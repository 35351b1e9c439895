/**
 * Automatic differentiation on flat lists of tensors.
 *
 * - `jvpFlat` pushes tangents forward alongside the primal computation.
 * - `linearizeFlat` runs the jvp with *traced* tangents: every primal value is
 *   computed once, at the enclosing level (concretely, when the inputs are
 *   concrete), and only the tangent half is recorded, as a linear program whose
 *   consts are those primal values (the residuals).
 * - reverse mode is that linear program transposed (`transpose.ts`).
 *
 * The tree-aware user API lives in `api.ts`.
 */

import type { Program } from '../ir/program.ts';
import { isFloat } from '../tensor/dtype.ts';
import { Tensor } from '../tensor/tensor.ts';
import { BuilderTrace } from '../trace/builder.ts';
import type { BuilderTracer } from '../trace/builder.ts';
import { withMain } from '../trace/core.ts';
import { JvpTrace, JvpTracer } from '../trace/jvp.ts';

/** What a traced function returns: its tensor outputs and anything else (aux), returned as primal values. */
export interface FlatResult {
  readonly outs: readonly Tensor[];
  readonly aux?: unknown;
}

export type FlatFn = (xs: readonly Tensor[]) => FlatResult;

/** Forward mode: outputs, their tangents (`null` = zero) and the aux with tracers replaced by primals. */
export function jvpFlat(
  f: FlatFn,
  primals: readonly Tensor[],
  tangents: readonly (Tensor | null)[],
): { outs: Tensor[]; tangents: (Tensor | null)[]; aux: unknown } {
  return withMain(
    (m) => new JvpTrace(m),
    (main) => {
      const trace = main.trace as JvpTrace;
      const result = f(primals.map((p, i) => new JvpTracer(trace, p, tangents[i] ?? null)));
      const own = (x: unknown): x is JvpTracer => x instanceof JvpTracer && x.trace.main === main;
      return {
        outs: result.outs.map((o) => (own(o) ? o.primal : o)),
        tangents: result.outs.map((o) => (own(o) ? o.tangent : null)),
        aux: lowerAux(result.aux, (x) => (own(x) ? x.primal : x)),
      };
    },
  );
}

/** Replace tracers inside an aux value (any nesting of arrays and plain objects). */
function lowerAux(aux: unknown, lower: (x: Tensor) => Tensor): unknown {
  if (aux instanceof Tensor) return lower(aux);
  if (Array.isArray(aux)) return aux.map((a) => lowerAux(a, lower));
  if (typeof aux === 'object' && aux !== null && Object.getPrototypeOf(aux) === Object.prototype) {
    return Object.fromEntries(Object.entries(aux).map(([k, v]) => [k, lowerAux(v, lower)]));
  }
  return aux;
}

export interface Linearized {
  readonly outs: Tensor[];
  readonly aux: unknown;
  /** Linear map from the tangents of the float inputs to the tangents of the outputs. */
  readonly linear: Program;
  /** For each input, whether it is an input of `linear` (float inputs are; int and bool are not). */
  readonly differentiable: readonly boolean[];
}

/**
 * Evaluate `f` once and record its derivative at `primals` as a linear
 * program. Float inputs are differentiated, or those `mask` marks.
 */
export function linearizeFlat(f: FlatFn, primals: readonly Tensor[], mask?: readonly boolean[]): Linearized {
  return withMain(
    (m) => new BuilderTrace(m, false),
    (main) => {
      const builder = main.trace as BuilderTrace;
      const differentiable = primals.map((p, i) => isFloat(p.dtype) && (mask?.[i] ?? true));
      const tangentIns: BuilderTracer[] = [];
      const tangents = primals.map((p, i) => {
        if (!differentiable[i]) return null;
        const t = builder.newArg(p);
        tangentIns.push(t);
        return t;
      });
      const r = jvpFlat(f, primals, tangents);
      return { outs: r.outs, aux: r.aux, linear: builder.build(tangentIns, r.tangents), differentiable };
    },
  );
}
