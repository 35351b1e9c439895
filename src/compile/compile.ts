/**
 * Program → closure. Every variable of an (already optimized) program gets a slot in a flat
 * array and every equation becomes a step that calls its primitive's kernel
 * directly — no tracing, no shape checks, no trace stack: those happened once,
 * when the program was built. A slot is cleared after its last read, so
 * intermediate buffers become garbage as early as possible.
 *
 * The closure is only for concrete inputs; under another transformation the
 * program is interpreted with `evalProgram` instead (see `jit.ts`).
 */

import type { Atom, Program } from '../ir/program.ts';
import { Literal, Var } from '../ir/program.ts';
import { numbering } from './numbering.ts';
import type { AnyPrimitive, Aval } from '../ir/primitive.ts';
import type { Tensor } from '../tensor/tensor.ts';

interface Step {
  readonly prim: AnyPrimitive;
  readonly params: object;
  readonly out: Aval;
  /** Slot to read, or a literal's value. */
  readonly inputs: readonly (number | Tensor)[];
  readonly outs: readonly number[];
  /** Slots whose last read is this step. */
  readonly frees: readonly number[];
}

export type Compiled = (args: readonly Tensor[]) => Tensor[];

/** Compile `program` as it is; callers run `optimize` first (as `jit` does). */
export function compile(program: Program): Compiled {
  const slot = numbering<Var>();
  const constSlots = program.consts.map((c) => slot(c.v));
  const constValues = program.consts.map((c) => c.value);
  const inputSlots = program.inputs.map(slot);
  const operand = (a: Atom): number | Tensor => (a instanceof Literal ? a.value : slot(a));

  const lastRead = new Map<number, number>();
  program.eqns.forEach((e, k) => e.inputs.forEach((a) => a instanceof Var && lastRead.set(slot(a), k)));
  const outputSlots = new Set(program.outputs.flatMap((o) => (o instanceof Var ? [slot(o)] : [])));

  const steps: Step[] = program.eqns.map((e, k) => ({
    prim: e.prim,
    params: e.params,
    out: e.outs[0]!.aval,
    inputs: e.inputs.map(operand),
    outs: e.outs.map(slot),
    frees: [...new Set(e.inputs.flatMap((a) => (a instanceof Var && lastRead.get(slot(a)) === k && !outputSlots.has(slot(a)) ? [slot(a)] : [])))],
  }));
  const outputs = program.outputs.map((o) => (o === null ? null : operand(o)));
  const size = program.consts.length + program.inputs.length + program.eqns.reduce((n, e) => n + e.outs.length, 0);

  return (args) => {
    const env = new Array<Tensor | undefined>(size);
    for (let i = 0; i < constSlots.length; i++) env[constSlots[i]!] = constValues[i];
    for (let i = 0; i < inputSlots.length; i++) env[inputSlots[i]!] = args[i];
    for (const step of steps) {
      const ins = step.inputs.map((x) => (typeof x === 'number' ? env[x]! : x));
      if (step.prim.multipleResults) {
        const outs = step.prim.impl(ins, step.params);
        for (let i = 0; i < step.outs.length; i++) env[step.outs[i]!] = outs[i];
      } else {
        env[step.outs[0]!] = step.prim.impl(ins, step.params, step.out);
      }
      for (const s of step.frees) env[s] = undefined;
    }
    return outputs.map((o, i) => (o === null ? symbolicZero(program, i) : typeof o === 'number' ? env[o]! : o));
  };
}

function symbolicZero(program: Program, i: number): never {
  throw new Error(`internal: compiled program output ${i} of ${program.outputs.length} is a symbolic zero`);
}
