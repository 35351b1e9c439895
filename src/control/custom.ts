/**
 * Custom derivative rules: `customJvp(f, rule)` and `customVjp(f, fwd, bwd)`.
 * `f` is traced into a closed program and bound as a primitive whose
 * derivative comes from the user's rule instead of from `f`'s own equations.
 * Use them where the textbook rule is more stable or cheaper than what the
 * chain rule would build from `f` (puregrad's own `logsumexp` and `softplus`
 * do).
 *
 * The rules are traced too, when the function is called, into closed
 * programs: whatever they capture becomes an operand of the equation, so an
 * equation differentiated later (under `grad(jit(f))`, in a `scan` body) never
 * holds a tracer whose transformation has ended. Called outside every
 * transformation, the function just runs `f`: no rule could be consulted,
 * and tracing and planning `f` on every eager call cost ~50× the ops.
 * (Under `jit` the equation's plan runs `f`'s equations, so the bits agree.)
 * So, as in JAX, a rule is checked only when something differentiates, and
 * `f` may read values eagerly (not under `jit`). Under `debugNans` the call
 * stays one equation, so only its results are checked, not `f`'s insides
 * (a guarded `where(x > 0, log(x), 0)` is not an error).
 *
 * - `customJvp`: the rule gives the output tangent; it must be linear in the
 *   tangents (written with ops), so reverse mode is its transpose, and it
 *   batches by batching the rule.
 * - `customVjp`: under `grad`, `fwd` runs forward and saves residuals, and the
 *   tangent is a `customVjpBackward` equation whose transpose runs `bwd`.
 *   Forward mode (`jvp`, `jacfwd`) of such a function is an error, as in JAX:
 *   use `customJvp` when both modes are needed.
 *
 * If `f` or a rule closes over a value that is itself being differentiated,
 * the rule could not account for it, so the derivative falls back to `f`'s
 * equations.
 */

import { planOf } from '../compile/plan.ts';
import type { Kernel } from '../ir/lowering.ts';
import type { Aval, Primitive } from '../ir/primitive.ts';
import { UndefinedPrimal } from '../ir/primitive.ts';
import type { Program } from '../ir/program.ts';
import { PuregradError } from '../tensor/errors.ts';
import { shapeEq, showShape } from '../tensor/shape.ts';
import type { Tensor } from '../tensor/tensor.ts';
import type { TreeDef } from '../tree/tree.ts';
import { unflatten } from '../tree/tree.ts';
import { bindMulti, transforming } from '../trace/core.ts';
import { debugNansOn } from '../trace/debug.ts';
import { jvpFlat } from '../transforms/ad.ts';
import { tensorLeaves } from '../transforms/api.ts';
import type { Closed } from '../transforms/closed.ts';
import { traceClosed, zerosOf } from '../transforms/closed.ts';
import { evalProgram } from '../transforms/eval.ts';
import { vmapFlat } from '../transforms/vmap.ts';

export interface CustomJvpParams {
  /** Inputs: its captured values, then the arguments. */
  readonly fun: Program;
  readonly numConsts: number;
  /** Inputs: its captured values, the arguments, their tangents; outputs: the results, then their tangents. */
  readonly rule: Program;
  readonly numRuleConsts: number;
}

export interface CustomVjpParams {
  readonly fun: Program;
  readonly numConsts: number;
  /** Inputs: captured values, arguments; outputs: the results, then the residuals. */
  readonly fwd: Program;
  readonly numFwdConsts: number;
  /** Inputs: captured values, residuals, result cotangents; outputs: argument cotangents. */
  readonly bwd: Program;
  readonly numBwdConsts: number;
}

export interface CustomVjpBackwardParams {
  readonly bwd: Program;
  readonly numBwdConsts: number;
  readonly numResiduals: number;
}

const run = (p: Program, ins: readonly Tensor[]): Tensor[] => evalProgram(p, ins) as Tensor[];
const outAvals = (p: Program): Aval[] => p.outputs.map((o) => o!.aval);
/** The kernel evaluating a custom-rule call: `fun`'s plan, on the fun's captured values and the arguments (from `args` on). */
const runFun = (fun: Program, numConsts: number, args: number): Kernel => {
  const plan = planOf(fun);
  return (ins, outs) => plan.runInto([...ins.slice(0, numConsts), ...ins.slice(args)], outs);
};
const inAvals = (p: Program): Aval[] => p.inputs.map((v) => v.aval);
const has = (t: Tensor | null | undefined): boolean => t !== null && t !== undefined;
const batchSizeOf = (ins: readonly Tensor[], dims: readonly (number | null)[]): number => {
  const i = dims.findIndex((d) => d !== null && d !== undefined);
  return ins[i]!.shape[dims[i]!]!;
};
/** Every input with its batch axis first (unbatched ones repeated). */
const atFront = (ins: readonly Tensor[], dims: readonly (number | null)[], size: number): Tensor[] =>
  ins.map((x, i) => vmapFlat((a) => a, [x], [dims[i] ?? null], size)[0]!);
const batched = (a: Aval, size: number): Aval => ({ shape: [size, ...a.shape], dtype: a.dtype });
/** A closed program batched along axis 0 of every input and output. */
const batchProgram = (p: Program, size: number): Closed =>
  traceClosed((xs) => vmapFlat((a) => run(p, a), xs, xs.map(() => 0), size), inAvals(p).map((a) => batched(a, size)));

/** Differentiate `fun` by its own equations (when a captured value has a tangent). */
const ordinaryJvp = (fun: Program, primals: readonly Tensor[], tangents: readonly (Tensor | null)[]) => {
  const r = jvpFlat((a) => ({ outs: run(fun, a) }), primals, tangents);
  return [r.outs, r.tangents] as const;
};

function checkLike(op: string, what: string, got: readonly Aval[], want: readonly Aval[]): void {
  if (got.length !== want.length) throw new PuregradError(op, `${what} has ${got.length} tensors, expected ${want.length}`);
  got.forEach((g, i) => {
    const w = want[i]!;
    if (!shapeEq(g.shape, w.shape) || g.dtype !== w.dtype) {
      throw new PuregradError(op, `${what} ${i} is ${g.dtype}${showShape(g.shape)}, expected ${w.dtype}${showShape(w.shape)}`);
    }
  });
}

export const CustomJvp: Primitive<CustomJvpParams> = {
  name: 'customJvp',
  multipleResults: true,
  abstractEval: (_avals, { fun }) => outAvals(fun),
  lower: (_avals, { fun, numConsts, numRuleConsts }) => runFun(fun, numConsts, numConsts + numRuleConsts),
  jvp: (primals, tangents, { fun, numConsts, rule, numRuleConsts }) => {
    const nc = numConsts + numRuleConsts;
    const funIns = [...primals.slice(0, numConsts), ...primals.slice(nc)];
    if (tangents.slice(0, nc).some(has)) {
      return ordinaryJvp(fun, funIns, [...tangents.slice(0, numConsts), ...tangents.slice(nc)].map((t) => t ?? null));
    }
    const args = primals.slice(nc);
    const r = run(rule, [...primals.slice(numConsts, nc), ...args, ...args.map((a, i) => tangents[nc + i] ?? zerosOf(a))]);
    const n = fun.outputs.length;
    return [r.slice(0, n), r.slice(n)];
  },
  transpose: 'notLinear',
  pruneResults: () => undefined, // the rule computes every result
  batch: (ins, dims, { fun, numConsts, rule, numRuleConsts }) => {
    const size = batchSizeOf(ins, dims);
    const all = atFront(ins, dims, size);
    const nc = numConsts + numRuleConsts;
    const f = batchProgram(fun, size);
    const r = batchProgram(rule, size);
    const outs = bindMulti(CustomJvp, [...f.consts, ...all.slice(0, numConsts), ...r.consts, ...all.slice(numConsts, nc), ...all.slice(nc)], {
      fun: f.program,
      numConsts: f.consts.length + numConsts,
      rule: r.program,
      numRuleConsts: r.consts.length + numRuleConsts,
    });
    return [outs, outs.map(() => 0)];
  },
};

export const CustomVjp: Primitive<CustomVjpParams> = {
  name: 'customVjp',
  multipleResults: true,
  abstractEval: (_avals, { fun }) => outAvals(fun),
  lower: (_avals, { fun, numConsts, numFwdConsts, numBwdConsts }) => runFun(fun, numConsts, numConsts + numFwdConsts + numBwdConsts),
  jvp: (primals, tangents, { fun, numConsts, fwd, numFwdConsts, bwd, numBwdConsts }) => {
    const nc = numConsts + numFwdConsts + numBwdConsts;
    const funIns = [...primals.slice(0, numConsts), ...primals.slice(nc)];
    if (tangents.slice(0, nc).some(has)) {
      return ordinaryJvp(fun, funIns, [...tangents.slice(0, numConsts), ...tangents.slice(nc)].map((t) => t ?? null));
    }
    const args = primals.slice(nc);
    const r = run(fwd, [...primals.slice(numConsts, numConsts + numFwdConsts), ...args]);
    const n = fun.outputs.length;
    const residuals = r.slice(n);
    const ts = args.map((a, i) => tangents[nc + i] ?? zerosOf(a));
    const bwdConsts = primals.slice(numConsts + numFwdConsts, nc);
    const touts = bindMulti(CustomVjpBackward, [...bwdConsts, ...residuals, ...ts], { bwd, numBwdConsts, numResiduals: residuals.length });
    return [r.slice(0, n), touts];
  },
  transpose: 'notLinear',
  pruneResults: () => undefined, // fwd and bwd see every result
  batch: (ins, dims, { fun, numConsts, fwd, numFwdConsts, bwd, numBwdConsts }) => {
    const size = batchSizeOf(ins, dims);
    const all = atFront(ins, dims, size);
    const [a, b] = [numConsts, numConsts + numFwdConsts];
    const c = b + numBwdConsts;
    const [f, fw, bw] = [batchProgram(fun, size), batchProgram(fwd, size), batchProgram(bwd, size)];
    const outs = bindMulti(CustomVjp, [...f.consts, ...all.slice(0, a), ...fw.consts, ...all.slice(a, b), ...bw.consts, ...all.slice(b, c), ...all.slice(c)], {
      fun: f.program,
      numConsts: f.consts.length + numConsts,
      fwd: fw.program,
      numFwdConsts: fw.consts.length + numFwdConsts,
      bwd: bw.program,
      numBwdConsts: bw.consts.length + numBwdConsts,
    });
    return [outs, outs.map(() => 0)];
  },
};

/** The tangent of a customVjp call: linear in the argument tangents, transposed by running `bwd`. */
export const CustomVjpBackward: Primitive<CustomVjpBackwardParams> = {
  name: 'customVjpBackward',
  multipleResults: true,
  // The result tangents have the avals of the cotangents `bwd` takes.
  abstractEval: (_avals, { bwd, numBwdConsts, numResiduals }) => inAvals(bwd).slice(numBwdConsts + numResiduals),
  lower: () => () => {
    throw new PuregradError('customVjp', 'forward-mode differentiation (jvp, jacfwd) of a customVjp function is not supported; ' +
      'give the function a customJvp rule instead, which serves both modes');
  },
  jvp: () => {
    throw new PuregradError('customVjp', 'forward-mode differentiation of a customVjp function is not supported; use customJvp');
  },
  transpose: (cts, ins, { bwd, numBwdConsts, numResiduals }) => {
    const known = ins.slice(0, numBwdConsts + numResiduals) as Tensor[];
    const resultAvals = inAvals(bwd).slice(numBwdConsts + numResiduals);
    const inCts = run(bwd, [...known, ...cts.map((c, i) => c ?? zerosOf(resultAvals[i]!))]);
    const args = ins.slice(numBwdConsts + numResiduals);
    return [...known.map(() => null), ...args.map((x, i) => (x instanceof UndefinedPrimal ? inCts[i]! : null))];
  },
  pruneResults: () => undefined, // bwd takes every cotangent
  batch: (ins, dims, { bwd, numBwdConsts, numResiduals }) => {
    const size = batchSizeOf(ins, dims);
    const b = batchProgram(bwd, size);
    const all = atFront(ins, dims, size);
    const r = bindMulti(CustomVjpBackward, [...b.consts, ...all], { bwd: b.program, numBwdConsts: b.consts.length + numBwdConsts, numResiduals });
    return [r, r.map(() => 0)];
  },
};

// ---------------------------------------------------------------- user API

/**
 * `f` applied as it is, when no transformation is active: the rule would
 * never be consulted, and `f`'s own equations give the same bits as the plan
 * of its traced program (jit ≡ eager), without tracing `f` and the rules and
 * planning the program on every call. The arguments and the result are
 * checked as the traced path checks them.
 */
function applyPlain<A extends readonly unknown[], R>(op: string, f: (...args: A) => R, args: A): R {
  tensorLeaves(op, args);
  const out = f(...args);
  tensorLeaves(op, out, "the function's result");
  return out;
}

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
    if (!transforming() && !debugNansOn()) return applyPlain('customJvp', f, args);
    const { leaves, inDef, outDef, closed } = flatFunction('customJvp', f, args);
    const n = leaves.length;
    const want = outAvals(closed.program);
    const rule = traceClosed((xs) => {
      const [out, tout] = jvpRule(unflatten(inDef, xs.slice(0, n)) as unknown as A, unflatten(inDef, xs.slice(n)) as unknown as A);
      const outs = tensorLeaves('customJvp', out, "the rule's primal result")[0];
      const touts = tensorLeaves('customJvp', tout, "the rule's tangent result")[0];
      checkLike('customJvp', "the rule's primal output", outs, want);
      checkLike('customJvp', "the rule's tangent output", touts, want);
      return [...outs, ...touts];
    }, [...leaves, ...leaves]);
    const outs = bindMulti(CustomJvp, [...closed.consts, ...rule.consts, ...leaves], {
      fun: closed.program,
      numConsts: closed.consts.length,
      rule: rule.program,
      numRuleConsts: rule.consts.length,
    });
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
    if (!transforming() && !debugNansOn()) return applyPlain('customVjp', f, args);
    const { leaves, inDef, outDef, closed } = flatFunction('customVjp', f, args);
    const want = outAvals(closed.program);
    let resDef: TreeDef | undefined;
    const fwdClosed = traceClosed((xs) => {
      const [out, res] = fwd(...(unflatten(inDef, xs) as unknown as A));
      const outs = tensorLeaves('customVjp', out, "fwd's result")[0];
      checkLike('customVjp', "fwd's output", outs, want);
      const [rs, rdef] = tensorLeaves('customVjp', res, "fwd's residuals");
      resDef = rdef;
      return [...outs, ...rs];
    }, leaves);
    const resAvals = outAvals(fwdClosed.program).slice(want.length);
    const bwdClosed = traceClosed((xs) => {
      const res = unflatten(resDef!, xs.slice(0, resAvals.length)) as Res;
      const cts = unflatten(outDef, xs.slice(resAvals.length)) as R;
      const argCts = tensorLeaves('customVjp', bwd(res, cts), "bwd's result")[0];
      checkLike('customVjp', "bwd's output", argCts, leaves);
      return argCts;
    }, [...resAvals, ...want]);
    const outs = bindMulti(CustomVjp, [...closed.consts, ...fwdClosed.consts, ...bwdClosed.consts, ...leaves], {
      fun: closed.program,
      numConsts: closed.consts.length,
      fwd: fwdClosed.program,
      numFwdConsts: fwdClosed.consts.length,
      bwd: bwdClosed.program,
      numBwdConsts: bwdClosed.consts.length,
    });
    return unflatten(outDef, [...outs]) as R;
  };
}
