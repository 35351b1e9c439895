/**
 * `jit`: trace once per argument signature, then run a compiled closure.
 *
 * The signature is the tree structure of the arguments, each tensor leaf's
 * shape and dtype, and the value of every non-tensor leaf (numbers, strings and
 * booleans are static: a new value traces anew). The function is always
 * traced, so reading a value inside it is a `ConcretizationError` whether or
 * not the program is cached.
 *
 * With concrete arguments the compiled closure runs. Under another
 * transformation (`grad(jit(f))`, `vmap(jit(f))`) the program is interpreted
 * with `evalProgram`, binding each equation at that transformation's level,
 * so `jit` composes with everything. A program that captured a traced value
 * of an enclosing transformation is used once and not cached.
 */

import type { Compiled } from '../compile/compile.ts';
import { compile } from '../compile/compile.ts';
import { optimize } from '../compile/optimize.ts';
import type { Program } from '../ir/program.ts';
import { SHORT_NAME } from '../tensor/dtype.ts';
import { PuregradError } from '../tensor/errors.ts';
import { Tensor } from '../tensor/tensor.ts';
import type { Tree, TreeDef } from '../tree/tree.ts';
import { flatten, unflatten } from '../tree/tree.ts';
import { BuilderTrace } from '../trace/builder.ts';
import { Tracer, withMain } from '../trace/core.ts';
import { evalProgram } from './eval.ts';

interface Entry {
  readonly program: Program;
  readonly outDef: TreeDef;
  /** Where each output leaf comes from: a program output, or a static (non-tensor) value. */
  readonly outLeaves: readonly ({ readonly output: number } | { readonly value: unknown })[];
  readonly compiled: Compiled | undefined;
}

/** A jitted function: the function itself, plus a look at what it runs. */
export type Jitted<A extends readonly unknown[], R> = ((...args: A) => R) & {
  /** The optimized program traced for these arguments, as the closure runs it. */
  readonly program: (...args: A) => Program;
  /** How many distinct signatures have been traced and cached so far. */
  readonly cacheSize: () => number;
};

/** A tensor leaf by its aval; a static leaf by type and exact value (NaN, ±Infinity and −0 kept apart). */
const signatureOf = (l: unknown): string =>
  l instanceof Tensor
    ? `${SHORT_NAME[l.dtype]}[${l.shape.join(',')}]`
    : `${typeof l}:${typeof l === 'number' && Object.is(l, -0) ? '-0' : typeof l === 'string' ? JSON.stringify(l) : String(l)}`;

const isStatic = (x: unknown): boolean => typeof x === 'number' || typeof x === 'string' || typeof x === 'boolean';

/**
 * Compile `f`: trace once per signature, then run the optimized program.
 * @example
 * const f = jit((x: Tensor) => sum(mul(x, x)))
 * f(tensor([1, 2])) // => 5
 * f(tensor([3, 4])) // => 25
 * f.cacheSize() // => 1
 */
export function jit<A extends readonly unknown[], R>(f: (...args: A) => R): Jitted<A, R> {
  const cache = new Map<string, Entry>();

  const lookup = (args: readonly unknown[]): [Entry, Tensor[]] => {
    const [leaves, inDef] = flatten(args as Tree<unknown>);
    leaves.forEach((l, i) => {
      if (!(l instanceof Tensor) && !isStatic(l)) {
        throw new PuregradError('jit', `leaf ${i} of the arguments is a ${typeof l}; arguments must be trees of tensors, numbers, strings or booleans`);
      }
    });
    const tensors = leaves.filter((l): l is Tensor => l instanceof Tensor);
    const key = `${JSON.stringify(inDef)}|${leaves.map(signatureOf).join(';')}`;
    const hit = cache.get(key);
    if (hit !== undefined) return [hit, tensors];
    const entry = trace(f as (...args: never) => unknown, leaves, inDef);
    if (entry.compiled !== undefined) cache.set(key, entry);
    return [entry, tensors];
  };

  const run = (...args: A): R => {
    const [entry, tensors] = lookup(args);
    const concrete = tensors.every((t) => !(t instanceof Tracer));
    const outs = concrete && entry.compiled !== undefined ? entry.compiled(tensors) : evalProgram(entry.program, tensors);
    const leaves = entry.outLeaves.map((o) => ('output' in o ? outs[o.output] : o.value));
    return unflatten(entry.outDef, leaves) as R;
  };

  return Object.assign(run, {
    program: (...args: A) => lookup(args)[0].program,
    cacheSize: () => cache.size,
  });
}

function trace(f: (...args: never) => unknown, leaves: readonly unknown[], inDef: TreeDef): Entry {
  return withMain(
    (m) => new BuilderTrace(m),
    (main) => {
      const builder = main.trace as BuilderTrace;
      const ins: Tensor[] = [];
      const traced = leaves.map((l) => {
        if (!(l instanceof Tensor)) return l;
        const t = builder.newArg(l);
        ins.push(t);
        return t;
      });
      const result = f(...(unflatten(inDef, traced) as never));
      const [outLeaves, outDef] = flatten(result as Tree<unknown>);
      const tensorOuts: Tensor[] = [];
      const where = outLeaves.map((o) => {
        if (o instanceof Tensor) {
          tensorOuts.push(o);
          return { output: tensorOuts.length - 1 };
        }
        return { value: o };
      });
      const program = optimize(builder.build(ins as never, tensorOuts));
      const capturesTracer = program.consts.some((c) => c.value instanceof Tracer);
      return { program, outDef, outLeaves: where, compiled: capturesTracer ? undefined : compile(program) };
    },
  );
}
