/**
 * Transposition: from a linear program (tangents in → tangents out) to the
 * program that maps output cotangents to input cotangents. Equations are
 * walked backwards; each hands the cotangent of its output to its transpose
 * rule, and a variable used several times receives the sum of what its uses
 * send back — which is why shared weights get the sum of their gradients.
 */

import type { Atom, Program } from '../ir/program.ts';
import { Literal, Var } from '../ir/program.ts';
import { UndefinedPrimal } from '../ir/primitive.ts';
import { add } from '../primitives/linear.ts';
import type { Tensor } from '../tensor/tensor.ts';
import { bind } from '../trace/core.ts';

/**
 * Cotangents of the inputs of the linear `program` given cotangents of its
 * outputs; `null` where no path leads (a zero).
 */
export function transposeProgram(program: Program, cts: readonly (Tensor | null)[]): (Tensor | null)[] {
  const known = new Map<Var, Tensor>();
  program.consts.forEach((c) => known.set(c.v, c.value));
  const linear = new Set<Var>(program.inputs);

  // Equations that read no linear variable compute residuals: run them forwards first.
  const backward = [];
  for (const eqn of program.eqns) {
    if (eqn.inputs.some((a) => a instanceof Var && linear.has(a))) {
      linear.add(eqn.out);
      backward.push(eqn);
    } else {
      known.set(eqn.out, bind(eqn.prim, eqn.inputs.map((a) => (a instanceof Literal ? a.value : known.get(a)!)), eqn.params));
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
    const ct = ctEnv.get(eqn.out);
    if (ct === undefined) continue;
    ctEnv.delete(eqn.out);
    const rule = eqn.prim.transpose;
    if (rule === 'notLinear') {
      throw new Error(`internal: ${eqn.prim.name} appeared on a tangent path but has no transpose rule`);
    }
    const inputs = eqn.inputs.map((a: Atom) =>
      a instanceof Literal ? a.value : linear.has(a) ? new UndefinedPrimal(a.aval) : known.get(a)!,
    );
    const inCts = rule(ct, inputs, eqn.params);
    eqn.inputs.forEach((a, i) => {
      if (a instanceof Var) accumulate(a, inCts[i] ?? null);
    });
  }
  return program.inputs.map((v) => ctEnv.get(v) ?? null);
}
