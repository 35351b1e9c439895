/**
 * Custom derivative rules: `customJvp(f, rule)` and `customVjp(f, fwd, bwd)`.
 * `f` is traced into a closed program and bound as a primitive whose
 * derivative comes from the user's rule instead of from `f`'s own equations.
 * Use them where the textbook rule is more stable or cheaper than what the
 * chain rule would build from `f` (puregrad's own `logsumexp` and `softplus`
 * do).
 *
 * - `customJvp`: the rule gives the output tangent; it must be linear in the
 *   tangents (written with ops), so reverse mode is its transpose, and it
 *   batches by batching the rule.
 * - `customVjp`: under `grad`, `fwd` runs forward and saves residuals, and the
 *   tangent is a `customVjpBackward` equation whose transpose calls `bwd`.
 *   Forward mode (`jvp`, `jacfwd`) of such a function is an error, as in JAX:
 *   use `customJvp` when both modes are needed.
 *
 * If `f` closes over a value that is itself being differentiated, the rule
 * could not account for it, so the derivative falls back to `f`'s equations.
 */

import type { Aval, MultiPrimitiveDef } from '../ir/primitive.ts';
import { UndefinedPrimal } from '../ir/primitive.ts';
import type { Program } from '../ir/program.ts';
import { PuregradError } from '../tensor/errors.ts';
import { shapeEq, showShape } from '../tensor/shape.ts';
import type { Tensor } from '../tensor/tensor.ts';
import type { TreeDef } from '../tree/tree.ts';
import { unflatten } from '../tree/tree.ts';
import { bindMulti } from '../trace/core.ts';
import { jvpFlat } from '../transforms/ad.ts';
import { tensorLeaves } from '../transforms/api.ts';
import { traceClosed, zerosOf } from '../transforms/closed.ts';
import { evalProgram } from '../transforms/eval.ts';
import { vmapFlat } from '../transforms/vmap.ts';

type FlatRule = (primals: readonly Tensor[], tangents: readonly Tensor[]) => readonly [readonly Tensor[], readonly Tensor[]];
type FlatFwd = (args: readonly Tensor[]) => readonly [readonly Tensor[], readonly Tensor[]];
type FlatBwd = (residuals: readonly Tensor[], cts: readonly Tensor[]) => readonly Tensor[];

export interface CustomJvpParams {
  /** Inputs: captured values, then the arguments. */
  readonly fun: Program;
  readonly numConsts: number;
  readonly rule: FlatRule;
}

export interface CustomVjpParams {
  readonly fun: Program;
  readonly numConsts: number;
  readonly fwd: FlatFwd;
  readonly bwd: FlatBwd;
}

export interface CustomVjpBackwardParams {
  readonly numResiduals: number;
  readonly outs: readonly Aval[];
  readonly bwd: FlatBwd;
}

const run = (p: Program, ins: readonly Tensor[]): Tensor[] => evalProgram(p, ins) as Tensor[];
const outAvals = (p: Program): Aval[] => p.outputs.map((o) => o!.aval);
const batchSizeOf = (ins: readonly Tensor[], dims: readonly (number | null)[]): number => {
  const i = dims.findIndex((d) => d !== null && d !== undefined);
  return ins[i]!.shape[dims[i]!]!;
};

/** Differentiate `fun` by its own equations (when a captured value has a tangent). */
const ordinaryJvp = (fun: Program, primals: readonly Tensor[], tangents: readonly (Tensor | null)[]) => {
  const r = jvpFlat((a) => ({ outs: run(fun, a) }), primals, tangents);
  return [r.outs, r.tangents] as const;
};

function checkLike(op: string, what: string, got: readonly Tensor[], want: readonly Aval[]): void {
  if (got.length !== want.length) throw new PuregradError(op, `${what} has ${got.length} tensors, expected ${want.length}`);
  got.forEach((g, i) => {
    const w = want[i]!;
    if (!shapeEq(g.shape, w.shape) || g.dtype !== w.dtype) {
      throw new PuregradError(op, `${what} ${i} is ${g.dtype}${showShape(g.shape)}, expected ${w.dtype}${showShape(w.shape)}`);
    }
  });
}

export const CustomJvp: MultiPrimitiveDef<CustomJvpParams> = {
  name: 'customJvp',
  multipleResults: true,
  abstractEval: (_avals, { fun }) => outAvals(fun),
  impl: (ins, { fun }) => run(fun, ins),
  jvp: (primals, tangents, { fun, numConsts, rule }) => {
    if (tangents.slice(0, numConsts).some((t) => t !== null && t !== undefined)) return ordinaryJvp(fun, primals, tangents);
    const args = primals.slice(numConsts);
    const [outs, touts] = rule(args, args.map((a, i) => tangents[numConsts + i] ?? zerosOf(a)));
    checkLike('customJvp', 'the rule\'s primal output', outs, outAvals(fun));
    checkLike('customJvp', 'the rule\'s tangent output', touts, outAvals(fun));
    return [outs, touts];
  },
  transpose: 'notLinear',
  pruneResults: () => undefined, // the rule computes every result
  batch: (ins, dims, { fun, numConsts, rule }) => {
    const size = batchSizeOf(ins, dims);
    const args = ins.slice(numConsts).map((x, i) => vmapFlat((a) => a, [x], [dims[numConsts + i] ?? null], size)[0]!);
    const consts = ins.slice(0, numConsts);
    const constDims = dims.slice(0, numConsts);
    const batchedFun = traceClosed((a) => vmapFlat((p) => run(fun, p), a, [...constDims, ...args.map(() => 0)], size), [...consts, ...args]);
    const n = args.length;
    const batchedRule: FlatRule = (ps, ts) => {
      const both = vmapFlat((a) => {
        const [o, t] = rule(a.slice(0, n), a.slice(n));
        return [...o, ...t];
      }, [...ps, ...ts], [...ps, ...ts].map(() => 0), size);
      return [both.slice(0, both.length / 2), both.slice(both.length / 2)];
    };
    const outs = bindMulti(CustomJvp, [...batchedFun.consts, ...consts, ...args], {
      fun: batchedFun.program,
      numConsts: batchedFun.consts.length + numConsts,
      rule: batchedRule,
    });
    return [outs, outs.map(() => 0)];
  },
};

export const CustomVjp: MultiPrimitiveDef<CustomVjpParams> = {
  name: 'customVjp',
  multipleResults: true,
  abstractEval: (_avals, { fun }) => outAvals(fun),
  impl: (ins, { fun }) => run(fun, ins),
  jvp: (primals, tangents, { fun, numConsts, fwd, bwd }) => {
    if (tangents.slice(0, numConsts).some((t) => t !== null && t !== undefined)) return ordinaryJvp(fun, primals, tangents);
    const args = primals.slice(numConsts);
    const [outs, residuals] = fwd(args);
    checkLike('customVjp', 'fwd\'s output', outs, outAvals(fun));
    const ts = args.map((a, i) => tangents[numConsts + i] ?? zerosOf(a));
    const touts = bindMulti(CustomVjpBackward, [...residuals, ...ts], { numResiduals: residuals.length, outs: outAvals(fun), bwd });
    return [outs, touts];
  },
  transpose: 'notLinear',
  pruneResults: () => undefined, // fwd and bwd see every result
  batch: (ins, dims, { fun, numConsts, fwd, bwd }) => {
    const size = batchSizeOf(ins, dims);
    const consts = ins.slice(0, numConsts);
    const args = ins.slice(numConsts).map((x, i) => vmapFlat((a) => a, [x], [dims[numConsts + i] ?? null], size)[0]!);
    const batchedFun = traceClosed((a) => vmapFlat((p) => run(fun, p), a, [...dims.slice(0, numConsts), ...args.map(() => 0)], size), [...consts, ...args]);
    let numOuts = 0;
    const batchedFwd: FlatFwd = (as) => {
      const both = vmapFlat((a) => {
        const [o, r] = fwd(a);
        numOuts = o.length;
        return [...o, ...r];
      }, as, as.map(() => 0), size);
      return [both.slice(0, numOuts), both.slice(numOuts)];
    };
    const outs = bindMulti(CustomVjp, [...batchedFun.consts, ...consts, ...args], {
      fun: batchedFun.program,
      numConsts: batchedFun.consts.length + numConsts,
      fwd: batchedFwd,
      bwd: batchBwd(bwd, size),
    });
    return [outs, outs.map(() => 0)];
  },
};

const batchBwd = (bwd: FlatBwd, size: number): FlatBwd => (res, cts) =>
  vmapFlat((a) => bwd(a.slice(0, res.length), a.slice(res.length)), [...res, ...cts], [...res, ...cts].map(() => 0), size);

/** The tangent of a customVjp call: linear in the argument tangents, transposed by `bwd`. */
export const CustomVjpBackward: MultiPrimitiveDef<CustomVjpBackwardParams> = {
  name: 'customVjpBackward',
  multipleResults: true,
  abstractEval: (_avals, { outs }) => outs,
  impl: () => {
    throw new PuregradError('customVjp', 'forward-mode differentiation (jvp, jacfwd) of a customVjp function is not supported; ' +
      'give the function a customJvp rule instead, which serves both modes');
  },
  jvp: () => {
    throw new PuregradError('customVjp', 'forward-mode differentiation of a customVjp function is not supported; use customJvp');
  },
  transpose: (cts, ins, { numResiduals, outs, bwd }) => {
    const residuals = ins.slice(0, numResiduals) as Tensor[];
    const args = ins.slice(numResiduals);
    const inCts = bwd(residuals, cts.map((c, i) => c ?? zerosOf(outs[i]!)));
    checkLike('customVjp', 'bwd\'s output', inCts, args.map((a) => (a instanceof UndefinedPrimal ? a.aval : a)));
    return [...residuals.map(() => null), ...args.map((a, i) => (a instanceof UndefinedPrimal ? inCts[i]! : null))];
  },
  pruneResults: () => undefined, // bwd takes every cotangent
  batch: (ins, dims, { numResiduals, outs, bwd }) => {
    const size = batchSizeOf(ins, dims);
    const all = ins.map((x, i) => vmapFlat((a) => a, [x], [dims[i] ?? null], size)[0]!);
    const batchedOuts = outs.map((a) => ({ shape: [size, ...a.shape], dtype: a.dtype }));
    const r = bindMulti(CustomVjpBackward, all, { numResiduals, outs: batchedOuts, bwd: batchBwd(bwd, size) });
    return [r, r.map(() => 0)];
  },
};

// ---------------------------------------------------------------- user API

function flatFunction<A extends readonly unknown[], R>(op: string, f: (...args: A) => R, args: A) {
  const [leaves, inDef] = tensorLeaves(op, args);
  let outDef: TreeDef | undefined;
  const closed = traceClosed((xs) => {
    const [outs, def] = tensorLeaves(op, f(...(unflatten(inDef, xs) as unknown as A)), "the function's result");
    outDef = def;
    return outs;
  }, leaves);
  return { leaves, inDef, outDef: outDef!, closed };
}

/**
 * `f` with a custom forward-mode rule `jvpRule(primals, tangents) → [out, tangentOut]`,
 * which also defines its gradient (the rule must be linear in the tangents).
 * @example
 * const cube = customJvp((x: Tensor) => mul(x, mul(x, x)), ([x], [t]) => [mul(x, mul(x, x)), mul(mul(3, mul(x, x)), t)])
 * grad((x: Tensor) => cube(x))(scalar(2)) // => 12
 */
export function customJvp<A extends readonly unknown[], R>(
  f: (...args: A) => R,
  jvpRule: (primals: A, tangents: A) => readonly [R, R],
): (...args: A) => R {
  return (...args: A) => {
    const { leaves, inDef, outDef, closed } = flatFunction('customJvp', f, args);
    const rule: FlatRule = (ps, ts) => {
      const [out, tout] = jvpRule(unflatten(inDef, ps) as unknown as A, unflatten(inDef, ts) as unknown as A);
      return [tensorLeaves('customJvp', out, "the rule's primal result")[0], tensorLeaves('customJvp', tout, "the rule's tangent result")[0]];
    };
    const outs = bindMulti(CustomJvp, [...closed.consts, ...leaves], { fun: closed.program, numConsts: closed.consts.length, rule });
    return unflatten(outDef, [...outs]) as R;
  };
}

/**
 * `f` with a custom reverse-mode rule: `fwd(...args) → [out, residuals]` runs
 * forward, `bwd(residuals, cotangent) → [cotangent of each argument]` runs backward.
 * @example
 * const clipGrad = customVjp((x: Tensor) => x, (x: Tensor) => [x, null], (_r, g: Tensor) => [minimum(maximum(g, -1), 1)])
 * grad((x: Tensor) => mul(clipGrad(x), 5))(scalar(2)) // => 1
 */
export function customVjp<A extends readonly unknown[], R, Res>(
  f: (...args: A) => R,
  fwd: (...args: A) => readonly [R, Res],
  bwd: (residuals: Res, cotangent: R) => readonly [...A],
): (...args: A) => R {
  return (...args: A) => {
    const { leaves, inDef, outDef, closed } = flatFunction('customVjp', f, args);
    let resDef: TreeDef | undefined;
    const flatFwd: FlatFwd = (xs) => {
      const [out, res] = fwd(...(unflatten(inDef, xs) as unknown as A));
      const [rs, rdef] = tensorLeaves('customVjp', res, "fwd's residuals");
      resDef = rdef;
      return [tensorLeaves('customVjp', out, "fwd's result")[0], rs];
    };
    const flatBwd: FlatBwd = (rs, cts) => {
      const cotangents = bwd(unflatten(resDef!, rs) as Res, unflatten(outDef, cts) as R);
      return tensorLeaves('customVjp', cotangents, "bwd's result")[0];
    };
    const outs = bindMulti(CustomVjp, [...closed.consts, ...leaves], { fun: closed.program, numConsts: closed.consts.length, fwd: flatFwd, bwd: flatBwd });
    return unflatten(outDef, [...outs]) as R;
  };
}
