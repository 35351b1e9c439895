/**
 * Closed programs: what control-flow and custom-rule primitives carry in their
 * params. Tracing a function may capture outside values — concrete tensors,
 * or tracers of an enclosing transformation. A primitive cannot keep those
 * inside its params (an enclosing `grad` would never see them), so
 * `traceClosed` turns every captured value into a leading program input and
 * hands the values back, to be passed as ordinary operands.
 */

import type { Aval } from '../ir/primitive.ts';
import { Program, Var } from '../ir/program.ts';
import { filled } from '../tensor/tensor.ts';
import type { Tensor } from '../tensor/tensor.ts';
import { BuilderTrace } from '../trace/builder.ts';
import { withMain } from '../trace/core.ts';

export interface Closed {
  /** Inputs: the captured values first, then the function's own arguments. */
  readonly program: Program;
  /** The captured values, in the order of the program's leading inputs. */
  readonly consts: readonly Tensor[];
}

/** Trace `fn` on arguments of the given avals into a closed program. `null` outputs become zeros. */
export function traceClosed(fn: (xs: readonly Tensor[]) => readonly (Tensor | null)[], avals: readonly Aval[]): Closed {
  return withMain(
    (m) => new BuilderTrace(m),
    (main) => {
      const builder = main.trace as BuilderTrace;
      const args = avals.map((a) => builder.newArg(a));
      const outs = fn(args);
      const p = builder.build(args, outs.map((o) => {
        if (o === null) throw new Error('internal: a closed program output is a symbolic zero; instantiate it with zerosOf');
        return o;
      }));
      return {
        program: new Program([...p.consts.map((c) => c.v), ...p.inputs], [], p.eqns, p.outputs),
        consts: p.consts.map((c) => c.value),
      };
    },
  );
}


/**
 * Several closed programs made to take the same inputs: all their consts, one
 * group after another, then the shared arguments. Each program ignores the
 * other groups.
 */
export function joinConsts(closed: readonly Closed[]): { readonly programs: Program[]; readonly consts: Tensor[] } {
  const consts = closed.flatMap((c) => c.consts);
  const programs = closed.map((c, k) => {
    const own = c.consts.length;
    const before = closed.slice(0, k).flatMap((d) => d.consts.map((x) => new Var({ shape: x.shape, dtype: x.dtype })));
    const after = closed.slice(k + 1).flatMap((d) => d.consts.map((x) => new Var({ shape: x.shape, dtype: x.dtype })));
    const inputs = c.program.inputs;
    return new Program([...before, ...inputs.slice(0, own), ...after, ...inputs.slice(own)], [], c.program.eqns, c.program.outputs);
  });
  return { programs, consts };
}

/** A concrete zero tensor of `aval`'s shape and dtype (to instantiate a symbolic zero). */
export const zerosOf = (aval: Aval): Tensor => filled(aval.shape, aval.dtype, 0);
