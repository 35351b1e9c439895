/**
 * Transposition: from a linear program (tangents in → tangents out) to the
 * map from output cotangents to input cotangents. Equations are walked
 * backwards; each hands the cotangents of its outputs to its transpose rule,
 * and a variable used several times receives the sum of what its uses send
 * back — which is why shared weights get the sum of their gradients.
 *
 * `backwardPass` also takes programs with some known inputs (residuals), as
 * the bodies of `cond` and `scan` are: equations that read only known values
 * are run forwards first, and only the rest are transposed.
 */

import type { Atom, Eqn, Program } from '../ir/program.ts';
import { Literal, Var } from '../ir/program.ts';
import { UndefinedPrimal } from '../ir/primitive.ts';
import { add } from '../primitives/linear.ts';
import { enterSite, leaveSite } from '../trace/debug.ts';
import type { Tensor } from '../tensor/tensor.ts';
import { bindMulti } from '../trace/core.ts';

/** One equation transposed, as `backwardPass` reports it to an observer (`explain` pairs it with its forward equation). */
export interface TransposeStep {
  readonly eqn: Eqn;
  /** The cotangents its outputs had (`null`: zero). */
  readonly outCts: readonly (Tensor | null)[];
  /** What its transpose rule sent to each input (`null`: nothing, or a known input). */
  readonly inCts: readonly (Tensor | null)[];
  /** Each input's cotangent after adding what was sent: the sum over its uses so far (`null` for known inputs). */
  readonly totals: readonly (Tensor | null)[];
}

/**
 * Cotangents of the inputs of `program` given as `UndefinedPrimal` (the linear
 * ones), from cotangents of its outputs; `null` where no path leads (a zero).
 * Known inputs get `null`. `onStep`, if given, hears of each equation right
 * after it is transposed.
 */
export function backwardPass(
  program: Program,
  args: readonly (Tensor | UndefinedPrimal)[],
  cts: readonly (Tensor | null)[],
  onStep?: (step: TransposeStep) => void,
): (Tensor | null)[] {
  const known = new Map<Var, Tensor>();
  const linear = new Set<Var>();
  program.consts.forEach((c) => known.set(c.v, c.value));
  program.inputs.forEach((v, i) => {
    const a = args[i]!;
    if (a instanceof UndefinedPrimal) linear.add(v);
    else known.set(v, a);
  });
  const read = (a: Atom): Tensor => (a instanceof Literal ? a.value : known.get(a)!);

  // Equations that read no linear variable compute residuals: run them forwards first.
  const backward = [];
  for (const eqn of program.eqns) {
    if (eqn.inputs.some((a) => a instanceof Var && linear.has(a))) {
      eqn.outs.forEach((v) => linear.add(v));
      backward.push(eqn);
    } else {
      const outer = enterSite(eqn.site);
      try {
        const outs = bindMulti(eqn.prim, eqn.inputs.map(read), eqn.params);
        eqn.outs.forEach((v, i) => known.set(v, outs[i]!));
      } finally {
        leaveSite(outer);
      }
    }
  }

  const ctEnv = new Map<Var, Tensor>();
  const accumulate = (v: Var, ct: Tensor | null): void => {
    if (ct === null || !linear.has(v)) return;
    const prev = ctEnv.get(v);
    ctEnv.set(v, prev === undefined ? ct : add(prev, ct));
  };
  program.outputs.forEach((o, i) => {
    if (o instanceof Var) accumulate(o, cts[i] ?? null);
  });

  for (let k = backward.length - 1; k >= 0; k--) {
    const eqn = backward[k]!;
    const outCts = eqn.outs.map((v) => ctEnv.get(v) ?? null);
    if (outCts.every((c) => c === null)) continue;
    eqn.outs.forEach((v) => ctEnv.delete(v));
    const prim = eqn.prim;
    if (prim.transpose === 'notLinear') {
      throw new Error(`internal: ${prim.name} appeared on a tangent path but has no transpose rule`);
    }
    const inputs = eqn.inputs.map((a) => (a instanceof Var && linear.has(a) ? new UndefinedPrimal(a.aval) : read(a)));
    const outer = enterSite(eqn.site);
    let inCts: readonly (Tensor | null)[];
    try {
      inCts = prim.transpose(outCts, inputs, eqn.params);
    } finally {
      leaveSite(outer);
    }
    eqn.inputs.forEach((a, i) => {
      if (a instanceof Var) accumulate(a, inCts[i] ?? null);
    });
    onStep?.({ eqn, outCts, inCts, totals: eqn.inputs.map((a) => (a instanceof Var && linear.has(a) ? ctEnv.get(a) ?? null : null)) });
  }
  return program.inputs.map((v) => (linear.has(v) ? ctEnv.get(v) ?? null : null));
}

/** Transpose a program that is linear in all its inputs. */
export const transposeProgram = (program: Program, cts: readonly (Tensor | null)[]): (Tensor | null)[] =>
  backwardPass(program, program.inputs.map((v) => new UndefinedPrimal(v.aval)), cts);
