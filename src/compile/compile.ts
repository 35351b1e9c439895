/**
 * Program → function over tensors. The program is lowered once into a plan
 * over buffers (`plan.ts`): every equation's kernel is resolved for its
 * shapes, intermediate values live in an arena reused by liveness, and
 * tensors are made only for the outputs. No tracing, no shape checks, no
 * trace stack at run time: those happened once, when the program was built.
 *
 * The compiled function is only for concrete inputs; under another
 * transformation the program is interpreted with `evalProgram` instead (see
 * `jit.ts`).
 */

import type { Program } from '../ir/program.ts';
import { Literal, Var } from '../ir/program.ts';
import type { Tensor } from '../tensor/tensor.ts';
import type { Storage } from '../tensor/dtype.ts';
import { donate, fromStorage, holdsSharedBuffer, markShared, storageOf } from '../tensor/tensor.ts';
import { borrowedOutputs, planProgram } from './plan.ts';
import type { Plan } from './plan.ts';

/**
 * The compiled function. `donated` lists argument tensors whose buffers it may
 * take for its results (`jit`'s `donateArgnums`). A donated tensor gives up
 * its buffer (`donate`), whether or not a result was written into it, so
 * that the caller's view does not depend on the plan — unless the buffer may
 * be another tensor's too: one that another argument also holds, a view's
 * or a const's (`markShared`), or one that a result shows (the argument
 * itself, or a view of it, handed back). Those are left alone.
 */
export type Compiled = ((args: readonly Tensor[], donated?: ReadonlySet<Tensor>) => Tensor[]) & {
  /** The plan the function runs; print it with `toString()`. */
  readonly plan: Plan;
};

/** Compile `program` as it is; callers run `optimize` first (as `jit` does). */
export function compile(program: Program): Compiled {
  const plan = planProgram(program);
  // An output that is an input, a const or a literal is handed back as that very tensor.
  const passThrough = program.outputs.map((o): ((args: readonly Tensor[]) => Tensor) | undefined => {
    if (o instanceof Literal) return () => o.value;
    if (!(o instanceof Var)) return undefined;
    const k = program.inputs.indexOf(o);
    if (k >= 0) return (args) => args[k]!;
    const c = program.consts.find((b) => b.v === o);
    return c === undefined ? undefined : () => c.value;
  });
  const avals = program.outputs.map((o) => o?.aval);
  // Buffers the plan reads as they are may be handed back inside results: never donate them.
  for (const c of program.consts) markShared(storageOf(c.value));
  for (const e of program.eqns) for (const a of e.inputs) if (a instanceof Literal) markShared(storageOf(a.value));
  // Results whose buffer is not a fresh one of their own: an input's, a const's, a literal's, or another result's.
  const sharing = borrowedOutputs(plan);
  /** Per input position, whether its tensor gives up its buffer; undefined when none does. */
  const donatedInputs = (args: readonly Tensor[], storages: readonly Storage[], donated: ReadonlySet<Tensor>): boolean[] | undefined => {
    let flags: boolean[] | undefined;
    args.forEach((t, k) => {
      if (!donated.has(t) || plan.shownInputs.has(k) || holdsSharedBuffer(t)) return;
      if (storages.indexOf(storages[k]!) !== k || storages.lastIndexOf(storages[k]!) !== k) return;
      (flags ??= new Array<boolean>(args.length).fill(false))[k] = true;
    });
    return flags;
  };
  const run = (args: readonly Tensor[], donated?: ReadonlySet<Tensor>): Tensor[] => {
    const storages = args.map(storageOf);
    const flags = donated === undefined || donated.size === 0 ? undefined : donatedInputs(args, storages, donated);
    let outs: Storage[];
    try {
      outs = plan.run(storages, flags);
    } finally {
      flags?.forEach((d, k) => d && donate(args[k]!));
    }
    return outs.map((s, i) => {
      const through = passThrough[i];
      if (through !== undefined) return through(args);
      const a = avals[i]!;
      if (sharing[i]) markShared(s);
      return fromStorage(a.shape, a.dtype, s);
    });
  };
  return Object.assign(run, { plan });
}
