/**
 * The trail `explain` follows: the gradient program of `f`, built exactly as
 * `makeProgram(grad(f))` builds it, with a note of where every equation came
 * from.
 *
 * `f` is first traced into its forward program. That program is then replayed
 * one equation at a time under `linearize`, inside a program builder, so the
 * replay of forward equation k is what records (a) its primal equation and
 * the residuals its JVP rule asks for, in the gradient program, and (b) the
 * tangent equations of its JVP rule, in the linear program. The linear program
 * is then transposed; `backwardPass` reports each tangent equation as it is
 * transposed, and the equations recorded meanwhile are the backward equations
 * that tangent equation — hence forward equation k — gave rise to.
 */

import type { Atom, Eqn } from '../ir/program.ts';
import type { Program } from '../ir/program.ts';
import { Literal, Var } from '../ir/program.ts';
import { UndefinedPrimal } from '../ir/primitive.ts';
import { isFloat } from '../tensor/dtype.ts';
import { PuregradError } from '../tensor/errors.ts';
import { showShape } from '../tensor/shape.ts';
import { filled, Tensor } from '../tensor/tensor.ts';
import { BuilderTrace, BuilderTracer } from '../trace/builder.ts';
import { bindMulti, Tracer, withMain } from '../trace/core.ts';
import { JvpTracer } from '../trace/jvp.ts';
import { linearizeFlat } from '../transforms/ad.ts';
import { makeProgram } from '../transforms/api.ts';
import { backwardPass } from '../transforms/transpose.ts';
import { resolveArgnums } from '../transforms/argnums.ts';
import type { TransposeStep } from '../transforms/transpose.ts';
import { flatten } from '../tree/tree.ts';
import type { Tree } from '../tree/tree.ts';

/** A value as one forward equation saw it: its primal, and its tangent's variable in the linear program (`null`: zero). */
export interface Port {
  readonly primal: Tensor;
  readonly tangent: Var | null;
}

/** What replaying one equation of the forward program recorded. */
export interface RowTrail {
  /** The equation of `f`'s forward program. */
  readonly source: Eqn;
  /** Its equations in the gradient program: the primal one and the residuals its JVP rule computes. */
  readonly forward: readonly Eqn[];
  /** Its equations in the linear program: the JVP rule's tangent half. */
  readonly linear: readonly Eqn[];
  readonly ins: readonly Port[];
  readonly outs: readonly Port[];
}

/** One tangent equation transposed, and the backward equations that recorded. */
export interface StepTrail {
  readonly row: number;
  readonly step: TransposeStep;
  readonly eqns: readonly Eqn[];
}

export interface Trail {
  /** `f` traced: one row per equation. */
  readonly source: Program;
  /** The gradient program, equal to `makeProgram(grad(f, options))(...args)`. */
  readonly program: Program;
  readonly rows: readonly RowTrail[];
  /** In the order they ran (last forward equation first). */
  readonly steps: readonly StepTrail[];
  /** The linear program (tangents of the differentiated leaves in, the output tangent out). */
  readonly linear: Program;
  /** For each input of `program`, its tangent in the linear program (`null`: not differentiated). */
  readonly inputTangents: readonly (Var | null)[];
  /** The output's primal in the gradient program, and the seed cotangent 1. */
  readonly output: Tensor;
  readonly seed: Tensor;
  /** Leaf indices (among the tensor leaves of all arguments) that are differentiated, in `argnums` order. */
  readonly differentiated: readonly number[];
}

/** The equations a builder has recorded so far (`build` copies them; recording goes on). */
const recorded = (b: BuilderTrace): readonly Eqn[] => b.build([], []).eqns;

/** Which tensor leaves `argnums` picks, in `argnums` order, as `grad` differentiates them. */
export function pickLeaves(op: string, args: readonly unknown[], nums: readonly number[]): number[] {
  resolveArgnums(op, nums, args.length);
  const perArg = args.map((a) => flatten(a as Tree<unknown>)[0]);
  const starts: number[] = [];
  let tensors = 0;
  perArg.forEach((ls) => {
    starts.push(tensors);
    tensors += ls.filter((l) => l instanceof Tensor).length;
  });
  return nums.flatMap((n) => {
    const ls = perArg[n]!;
    ls.forEach((l, i) => {
      if (!(l instanceof Tensor)) {
        throw new PuregradError(op, `leaf ${i} of argument ${n} is ${typeof l}, not a tensor; only tensors can be differentiated`);
      }
      if (!isFloat(l.dtype)) {
        throw new PuregradError(op, `can only differentiate float inputs, got ${l.dtype}${showShape(l.shape)} in argument ${n}; ` +
          'cast it to float32 or float64, or leave it out of argnums');
      }
    });
    return ls.map((_, i) => starts[n]! + i);
  });
}

/** Trace `f` and its gradient program with provenance; `leaves` are the tensor leaves of `args`. */
export function followTrail(op: string, f: (...args: never[]) => unknown, args: readonly unknown[], nums: readonly number[]): Trail {
  const differentiated = pickLeaves(op, args, nums);
  const source = makeProgram((...a: unknown[]) => {
    const out = f(...(a as never[]));
    if (!(out instanceof Tensor) || out.rank !== 0 || !isFloat(out.dtype)) {
      const what = out instanceof Tensor ? `a ${out.dtype} tensor of shape ${showShape(out.shape)}` : typeof out;
      throw new PuregradError(op, `the function must return a float scalar (shape []), got ${what}; ` +
        'explain shows the gradient of a loss: reduce the output first (sum, mean)');
    }
    return out;
  })(...args);
  const leaves = flatten(args as Tree<unknown>)[0].filter((l): l is Tensor => l instanceof Tensor);

  return withMain(
    (m) => new BuilderTrace(m),
    (main) => {
      const outer = main.trace as BuilderTrace;
      const ins = leaves.map((l) => outer.newArg(l));
      const rows: RowTrail[] = [];
      let linearBuilder: BuilderTrace | undefined;
      const replay = (diff: readonly Tensor[]) => {
        const env = new Map<Var, Tensor>();
        source.consts.forEach((c) => env.set(c.v, c.value));
        source.inputs.forEach((v, i) => env.set(v, ins[i]!));
        differentiated.forEach((leaf, j) => env.set(source.inputs[leaf]!, diff[j]!));
        for (const t of diff) if (t instanceof JvpTracer && t.tangent instanceof BuilderTracer) linearBuilder = t.tangent.trace;
        const read = (a: Atom): Tensor => (a instanceof Literal ? a.value : env.get(a)!);
        const port = (t: Tensor): Port => {
          if (!(t instanceof JvpTracer)) return { primal: t, tangent: null };
          const tangent = t.tangent instanceof BuilderTracer && t.tangent.atom instanceof Var ? t.tangent.atom : null;
          return { primal: t.primal, tangent };
        };
        for (const eqn of source.eqns) {
          const [o0, l0] = [recorded(outer).length, linearBuilder ? recorded(linearBuilder).length : 0];
          const inputs = eqn.inputs.map(read);
          const outs = bindMulti(eqn.prim, inputs, eqn.params);
          eqn.outs.forEach((v, i) => env.set(v, outs[i]!));
          rows.push({
            source: eqn,
            forward: recorded(outer).slice(o0),
            linear: linearBuilder ? recorded(linearBuilder).slice(l0) : [],
            ins: inputs.map(port),
            outs: outs.map(port),
          });
        }
        return { outs: [read(source.outputs[0]!)] };
      };
      const lin = linearizeFlat(replay, differentiated.map((leaf) => ins[leaf]!));

      const rowOf = new Map<Eqn, number>();
      rows.forEach((r, k) => r.linear.forEach((e) => rowOf.set(e, k)));
      // Each step's equations are those recorded since the previous step. (backwardPass first runs forwards any
      // equation that reads no tangent; a linear program from linearize has none, its builder records only
      // what depends on a tangent.)
      const steps: StepTrail[] = [];
      let mark = recorded(outer).length;
      const seed = filled([], lin.outs[0]!.dtype, 1);
      const cts = backwardPass(lin.linear, lin.linear.inputs.map((v) => new UndefinedPrimal(v.aval)), [seed], (step) => {
        const all = recorded(outer);
        const row = rowOf.get(step.eqn);
        if (row === undefined) throw new Error('internal: explain met a tangent equation that no forward equation recorded');
        steps.push({ row, step, eqns: all.slice(mark) });
        mark = all.length;
      });
      if (recorded(outer).length !== mark) throw new Error('internal: explain met backward equations outside any transposed equation');
      // As grad does: a leaf no path reaches gets zeros.
      const grads = differentiated.map((leaf, j) => cts[j] ?? filled(leaves[leaf]!.shape, leaves[leaf]!.dtype, 0));
      const program = outer.build(ins, grads);
      const inputTangents = leaves.map((_, i) => {
        const j = differentiated.indexOf(i);
        return j < 0 ? null : lin.linear.inputs[j]!;
      });
      return { source, program, rows, steps, linear: lin.linear, inputTangents, output: lin.outs[0]!, seed, differentiated };
    },
  );
}

/** The gradient program's atom for a tensor seen while building it (a tracer of its builder, or a concrete value). */
export function atomOf(program: Program, t: Tensor): Atom | Tensor {
  if (t instanceof BuilderTracer) return t.atom;
  if (t instanceof Tracer) return t;
  return program.consts.find((c) => c.value === t)?.v ?? t;
}
