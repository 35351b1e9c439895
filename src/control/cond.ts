/**
 * `cond(pred, trueFn, falseFn, ...operands)`: differentiable branching on a
 * traced value. Both branches are traced into closed programs (so both must
 * return the same structure, shapes and dtypes); the `cond` primitive runs the
 * one `pred` selects. Its rules transform the branch programs:
 *
 * - JVP: each branch's derivative is split (`splitDerivative`). The primal
 *   `cond` returns the outputs and the taken branch's residuals (zeros in the
 *   other's slots); a second `cond` runs the taken branch's linear half on
 *   them. Under `grad` the first runs at once and the second is recorded, and
 *   nothing in the branch is computed twice.
 * - transpose: a `cond` over transposed branches.
 * - batching: with an unbatched predicate, a `cond` over batched branches;
 *   with a batched one, both branches run on the batch and `where` picks.
 */

import { planOf } from '../compile/plan.ts';
import type { Aval, Primitive } from '../ir/primitive.ts';
import { UndefinedPrimal } from '../ir/primitive.ts';
import { Program } from '../ir/program.ts';
import { broadcast, moveAxis, reshape, select } from '../primitives/linear.ts';
import { isFloat } from '../tensor/dtype.ts';
import { PuregradError } from '../tensor/errors.ts';
import { shapeEq, showShape } from '../tensor/shape.ts';
import { Tensor } from '../tensor/tensor.ts';
import type { TreeDef } from '../tree/tree.ts';
import { sameStructure, showStructure, unflatten } from '../tree/tree.ts';
import { bindMulti } from '../trace/core.ts';
import { tensorLeaves } from '../transforms/api.ts';
import type { Closed } from '../transforms/closed.ts';
import { joinConsts, traceClosed, zerosOf } from '../transforms/closed.ts';
import { evalProgram } from '../transforms/eval.ts';
import { splitDerivative } from '../transforms/partial.ts';
import { backwardPass } from '../transforms/transpose.ts';
import { vmapFlat } from '../transforms/vmap.ts';

export interface CondParams {
  /** Index 0 runs when the predicate is false, 1 when it is true; all take the same inputs. */
  readonly branches: readonly Program[];
}

const outAvals = (p: Program): Aval[] => p.outputs.map((o) => o!.aval);
const run = (p: Program, ins: readonly Tensor[]): Tensor[] => evalProgram(p, ins) as Tensor[];

export const Cond: Primitive<CondParams> = {
  name: 'cond',
  multipleResults: true,
  abstractEval: ([pred], { branches }) => {
    if (pred!.shape.length !== 0 || pred!.dtype !== 'bool') {
      throw new PuregradError('cond', `the predicate must be a bool scalar, got ${pred!.dtype}${showShape(pred!.shape)}; reduce it (e.g. greater(sum(x), 0)) or use where() for elementwise choices`);
    }
    return outAvals(branches[0]!);
  },
  // Both branches are planned once; the kernel runs the one the predicate picks, writing the results in place.
  lower: (_avals, { branches }) => {
    const plans = branches.map(planOf);
    return ([pred, ...ins], outs) => plans[pred![0] !== 0 ? 1 : 0]!.runInto(ins, outs);
  },
  jvp: ([pred, ...ins], [, ...tangents], { branches }) => {
    const mask = ins.map((x, i) => isFloat(x.dtype) && tangents[i] !== null && tangents[i] !== undefined);
    const splits = branches.map((b) => splitDerivative(b, mask, () => true));
    // 1. The primal cond: each branch returns its outputs, its own residuals and zeros for the other's.
    const resAvals = splits.flatMap((sp) => sp.computedAvals);
    const starts = splits.map((_, k) => splits.slice(0, k).reduce((n, sp) => n + sp.computedAvals.length, 0));
    const nOut = outAvals(branches[0]!).length;
    const primalBranches = splits.map((sp, k) =>
      traceClosed((xs) => {
        const r = run(sp.primal.program, [...sp.primal.consts, ...xs]);
        const mine = r.slice(nOut);
        return [...r.slice(0, nOut), ...resAvals.map((a, j) => (j >= starts[k]! && j < starts[k]! + mine.length ? mine[j - starts[k]!]! : zerosOf(a)))];
      }, ins),
    );
    const all = condOfClosed(pred!, primalBranches, ins);
    const outs = all.slice(0, nOut);
    const residuals = all.slice(nOut);
    // 2. The tangent cond: each branch's linear half, reading its residuals.
    const tIns = ins.flatMap((_, i) => (mask[i] ? [tangents[i]!] : []));
    const tangentBranches = splits.map((sp, k) =>
      traceClosed((xs) => {
        const [operands, res, ts] = [xs.slice(0, ins.length), xs.slice(ins.length, ins.length + residuals.length), xs.slice(ins.length + residuals.length)];
        const own = res.slice(starts[k]!, starts[k]! + sp.computedAvals.length);
        return sp.tangent(operands, own, ts).map((t, i) => t ?? zerosOf(outs[i]!));
      }, [...ins, ...residuals, ...tIns]),
    );
    const touts = condOfClosed(pred!, tangentBranches, [...ins, ...residuals, ...tIns]);
    return [outs, touts.map((t, i) => (isFloat(outs[i]!.dtype) ? t : null))];
  },
  transpose: (cts, [pred, ...ins], { branches }) => {
    if (pred instanceof UndefinedPrimal) throw new Error('internal: cond is not linear in its predicate');
    const linear = ins.map((x) => x instanceof UndefinedPrimal);
    const known = ins.filter((x): x is Tensor => !(x instanceof UndefinedPrimal));
    const avals = outAvals(branches[0]!);
    const ctIns = cts.map((c, i) => c ?? zerosOf(avals[i]!));
    const closed = branches.map((b) =>
      traceClosed((xs) => {
        let k = 0;
        const args = ins.map((x) => (x instanceof UndefinedPrimal ? x : xs[k++]!));
        const inCts = backwardPass(b, args, xs.slice(known.length));
        return ins.flatMap((x, i) => (linear[i] ? [inCts[i] ?? zerosOf((x as UndefinedPrimal).aval)] : []));
      }, [...known, ...ctIns]),
    );
    const results = condOfClosed(pred as Tensor, closed, [...known, ...ctIns]);
    let k = 0;
    return [null, ...ins.map((_, i) => (linear[i] ? results[k++]! : null))];
  },
  pruneResults: ({ branches }, used) => ({
    params: { branches: branches.map((b) => new Program(b.inputs, b.consts, b.eqns, b.outputs.filter((_, i) => used[i]))) },
    keep: used,
  }),
  batch: ([pred, ...ins], [pdim, ...dims], { branches }) => {
    const size = [pred!, ...ins].map((x, i) => ({ x, d: [pdim, ...dims][i] })).find((e) => e.d !== null && e.d !== undefined)!;
    const n = size.x.shape[size.d!]!;
    if (pdim !== null && pdim !== undefined) {
      // A batched predicate: run both branches on the batch, pick per example.
      const [f, t] = branches.map((b) => vmapFlat((xs) => run(b, xs), ins, dims, n));
      const p = moveAxis(pred!, pdim, 0);
      const outs = f!.map((fo, i) => {
        const to = t![i]!;
        const pb = fo.rank > 1 ? broadcast(reshape(p, [n, ...new Array<number>(fo.rank - 1).fill(1)]), fo.shape) : p;
        return select(pb, to, fo);
      });
      return [outs, outs.map(() => 0)];
    }
    const avals: Aval[] = ins.map((x, i) => (dims[i] === null || dims[i] === undefined ? x : { shape: moveAxis(x, dims[i]!, 0).shape, dtype: x.dtype }));
    const moved = ins.map((x, i) => (dims[i] === null || dims[i] === undefined ? x : moveAxis(x, dims[i]!, 0)));
    const inDims = dims.map((d) => (d === null || d === undefined ? null : 0));
    const closed = branches.map((b) => traceClosed((xs) => vmapFlat((a) => run(b, a), xs, inDims, n), avals));
    const outs = condOfClosed(pred!, closed, moved);
    return [outs, outs.map(() => 0)];
  },
};

/** Bind `cond` over closed branches taking `operands`, joining their consts. */
function condOfClosed(pred: Tensor, closed: readonly Closed[], operands: readonly Tensor[]): readonly Tensor[] {
  const { programs, consts } = joinConsts(closed);
  return bindMulti(Cond, [pred, ...consts, ...operands], { branches: programs });
}

/**
 * Run `trueFn(...operands)` if `pred` is true, else `falseFn(...operands)`.
 * Works under `jit`, `vmap`, `grad` and `jvp`; both functions are traced, so
 * they must return trees of the same structure, shapes and dtypes.
 * @example
 * const f = jit((x: Tensor) => cond(greater(sum(x), 0), (v: Tensor) => mul(v, 2), (v: Tensor) => neg(v), x))
 * f(tensor([1, 2])) // => [2, 4]
 * f(tensor([-1, -2])) // => [1, 2]
 */
export function cond<A extends readonly unknown[], R>(
  pred: Tensor | boolean,
  trueFn: (...operands: A) => R,
  falseFn: (...operands: A) => R,
  ...operands: A
): R {
  const p = pred instanceof Tensor ? pred : new Tensor([], 'bool', Uint8Array.of(pred ? 1 : 0));
  const [leaves, inDef] = tensorLeaves('cond', operands, 'the operands');
  const traced: { closed: Closed; outDef: TreeDef }[] = [falseFn, trueFn].map((fn) => {
    let outDef: TreeDef | undefined;
    const closed = traceClosed((xs) => {
      const [outs, def] = tensorLeaves('cond', fn(...(unflatten(inDef, xs) as unknown as A)), "a branch's result");
      outDef = def;
      return outs;
    }, leaves);
    return { closed, outDef: outDef! };
  });
  const [f, t] = traced as [{ closed: Closed; outDef: TreeDef }, { closed: Closed; outDef: TreeDef }];
  if (!sameStructure(f.outDef, t.outDef)) {
    throw new PuregradError('cond', `the branches return different structures: ${showStructure(t.outDef)} (true) and ${showStructure(f.outDef)} (false)`);
  }
  const [fa, ta] = [outAvals(f.closed.program), outAvals(t.closed.program)];
  fa.forEach((a, i) => {
    const b = ta[i]!;
    if (!shapeEq(a.shape, b.shape) || a.dtype !== b.dtype) {
      throw new PuregradError('cond', `output ${i} is ${b.dtype}${showShape(b.shape)} in the true branch but ${a.dtype}${showShape(a.shape)} in the false branch`);
    }
  });
  const outs = condOfClosed(p, [f.closed, t.closed], leaves);
  return unflatten(f.outDef, [...outs]) as R;
}
