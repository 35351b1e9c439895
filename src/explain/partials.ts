/**
 * Local derivatives as numbers: the Jacobian of one forward equation, read
 * off the backward pass itself. The tangent equations a forward equation
 * recorded form a small linear program; transposing it with a one-hot
 * cotangent for each element of the equation's result — the same transpose
 * rules the gradient program was built from — gives one row of the Jacobian
 * at a time. A learner (or a test) can compare it with finite differences of
 * the forward equation alone.
 */

import type { ConstBinding, Eqn } from '../ir/program.ts';
import { Program, Var } from '../ir/program.ts';
import { UndefinedPrimal } from '../ir/primitive.ts';
import { allocate } from '../tensor/dtype.ts';
import { sizeOf } from '../tensor/shape.ts';
import { filled, fromStorage, storageOf } from '../tensor/tensor.ts';
import type { Tensor } from '../tensor/tensor.ts';
import { backwardPass } from '../transforms/transpose.ts';
import type { Labels } from './labels.ts';
import type { Trail } from './trail.ts';

/** ∂(result `output`)/∂(operands `inputs`) of one forward equation, at the values the forward pass computed. */
export interface PartialDerivative {
  /** Which result of the equation. */
  readonly output: number;
  /**
   * Which inputs of the row's one-equation program: usually one; several when
   * they carry the same tangent (one value reached the equation along several
   * paths that add nothing to it), and the Jacobian is then the derivative
   * along all of them at once.
   */
  readonly inputs: readonly number[];
  /** Names in the gradient program: `c` and `b` for ∂c/∂b. */
  readonly of: string;
  readonly wrt: string;
  /**
   * Whose cotangent receives `ct · jacobian`: the first of `wrt`. (Inputs
   * that share a tangent share their cotangent too; a row that passes a
   * tangent on unchanged, like `s = sub o y` with `y` constant, has the
   * identity as its Jacobian and hands `s̄` on to `ō`.)
   */
  readonly into: string;
  /** Shape `[...result shape, ...input shape]`. */
  readonly jacobian: Tensor;
}

/**
 * The Jacobians of row `row`; `operands` are the variables of the row's
 * one-equation program, in order (each is a distinct variable operand of the
 * forward equation).
 */
export function partialsOf(labels: Labels, trail: Trail, row: number, operands: readonly Var[]): PartialDerivative[] {
  const r = trail.rows[row]!;
  // Group the operands by the tangent they carry.
  const groups = new Map<Var, number[]>();
  operands.forEach((u, q) => {
    const port = r.ins[r.source.inputs.indexOf(u)]!;
    if (port.tangent !== null) groups.set(port.tangent, [...(groups.get(port.tangent) ?? []), q]);
  });
  if (groups.size === 0) return [];
  const program = linearPiece(labels, trail, r.linear, [...groups.keys()]);
  const wrtName = (qs: readonly number[]): string => qs.map((q) => labels.show(labels.keyOf(r.ins[r.source.inputs.indexOf(operands[q]!)]!.primal))).join(',');

  return r.outs.flatMap((port, output) => {
    if (port.tangent === null) return [];
    const outAval = port.tangent.aval;
    const n = sizeOf(outAval.shape);
    const cts = program.outputs.map(() => null as Tensor | null);
    const blocks = [...groups.values()].map(() => [] as Tensor[]);
    for (let e = 0; e < n; e++) {
      const data = allocate(outAval.dtype, n);
      data[e] = 1;
      cts[output] = fromStorage(outAval.shape, outAval.dtype, data);
      const ins = backwardPass(program, program.inputs.map((v) => new UndefinedPrimal(v.aval)), cts);
      blocks.forEach((b, g) => b.push(ins[g] ?? filled(program.inputs[g]!.aval.shape, program.inputs[g]!.aval.dtype, 0)));
    }
    return [...groups.values()].map((qs, g) => {
      const inShape = program.inputs[g]!.aval.shape;
      const m = sizeOf(inShape);
      const data = allocate(outAval.dtype, n * m);
      blocks[g]!.forEach((ct, e) => data.set(storageOf(ct), e * m));
      const jacobian = fromStorage([...outAval.shape, ...inShape], outAval.dtype, data);
      const into = wrtName(qs.slice(0, 1));
      return { output, inputs: qs, of: labels.show(labels.keyOf(port.primal)), wrt: wrtName(qs), into, jacobian };
    });
  });
}

/**
 * One row's tangent equations as a program of its own: the input tangents
 * first (then any other tangent they read, held at zero), residuals as consts
 * with their computed values, every result's tangent as an output.
 */
function linearPiece(labels: Labels, trail: Trail, eqns: readonly Eqn[], tangents: readonly Var[]): Program {
  const r = trail.rows.find((x) => x.linear === eqns)!;
  const defined = new Set<Var>(eqns.flatMap((e) => e.outs));
  const residuals = new Map(trail.linear.consts.map((c) => [c.v, c.value]));
  const consts: ConstBinding[] = [];
  const extra: Var[] = [];
  const seen = new Set<Var>(tangents);
  for (const e of eqns) {
    for (const a of e.inputs) {
      if (!(a instanceof Var) || defined.has(a) || seen.has(a)) continue;
      seen.add(a);
      const value = residuals.get(a);
      if (value !== undefined) consts.push({ v: a, value: labels.valueOf(labels.keyOf(value)) });
      else extra.push(a);
    }
  }
  const outputs = r.outs.map((p) => p.tangent);
  return new Program([...tangents, ...extra], consts, eqns, outputs);
}
