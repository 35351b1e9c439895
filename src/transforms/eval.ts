/**
 * `evalProgram`: the slow, obviously correct interpreter of a program. Each
 * equation is bound again, so evaluating under an enclosing transformation
 * (grad of a printed program, say) records or differentiates it as usual.
 */

import type { Atom, Program } from '../ir/program.ts';
import { Literal, Var } from '../ir/program.ts';
import { PuregradError } from '../tensor/errors.ts';
import { shapeEq, showShape } from '../tensor/shape.ts';
import type { Tensor } from '../tensor/tensor.ts';
import { bindMulti } from '../trace/core.ts';
import { enterSite, leaveSite } from '../trace/debug.ts';

/**
 * Run `program` on `args` (one tensor per input, of the traced shape and
 * dtype) and return its outputs; a `null` output (a symbolic zero) stays
 * `null`. Differentiable, like any other function of tensors.
 * @example
 * const p = makeProgram((x: Tensor, y: Tensor) => add(mul(x, y), y))(scalar(0), scalar(0))
 * evalProgram(p, [scalar(2), scalar(3)]) // => [9]
 * grad((x: Tensor) => evalProgram(p, [x, scalar(3)])[0]!)(scalar(2)) // => 3
 */
export function evalProgram(program: Program, args: readonly Tensor[]): (Tensor | null)[] {
  if (args.length !== program.inputs.length) {
    throw new PuregradError('evalProgram', `the program takes ${program.inputs.length} inputs, got ${args.length}`);
  }
  program.inputs.forEach((v, i) => {
    const a = args[i]!;
    if (a.dtype !== v.aval.dtype || !shapeEq(a.shape, v.aval.shape)) {
      throw new PuregradError('evalProgram', `input ${i} is ${a.dtype}${showShape(a.shape)} but the program takes ${v.aval.dtype}${showShape(v.aval.shape)}`);
    }
  });
  const env = new Map<Var, Tensor>();
  program.consts.forEach((c) => env.set(c.v, c.value));
  program.inputs.forEach((v, i) => env.set(v, args[i]!));
  const read = (a: Atom): Tensor => {
    if (a instanceof Literal) return a.value;
    const x = env.get(a);
    if (x === undefined) throw new Error('internal: program reads a variable before it is written');
    return x;
  };
  for (const eqn of program.eqns) {
    const outer = enterSite(eqn.site);
    try {
      const outs = bindMulti(eqn.prim, eqn.inputs.map(read), eqn.params);
      eqn.outs.forEach((v, i) => env.set(v, outs[i]!));
    } finally {
      leaveSite(outer);
    }
  }
  return program.outputs.map((o) => (o === null ? null : o instanceof Var || o instanceof Literal ? read(o) : null));
}
