/**
 * Tracing for `jit`: call the function on tracers laid out by a signature,
 * record the program, optimize and compile it. Tensor leaves become program
 * inputs of their shape and dtype; numbers become float64 scalar inputs marked
 * weak (src/tensor/weak.ts); strings, booleans and static arguments are handed
 * to the function as they are.
 */

import type { Compiled } from '../compile/compile.ts';
import { compile } from '../compile/compile.ts';
import { optimize } from '../compile/optimize.ts';
import type { Program } from '../ir/program.ts';
import { Var } from '../ir/program.ts';
import type { Tensor } from '../tensor/tensor.ts';
import { Tensor as TensorClass } from '../tensor/tensor.ts';
import type { WeakKind } from '../tensor/weak.ts';
import { markWeak } from '../tensor/weak.ts';
import type { Tree, TreeDef } from '../tree/tree.ts';
import { flatten } from '../tree/tree.ts';
import { BuilderTrace, BuilderTracer } from '../trace/builder.ts';
import { Tracer, withMain } from '../trace/core.ts';
import type { Sig } from './signature.ts';

/** A traced signature: its program, compiled unless it captured a tracer of an enclosing transformation. */
export interface Entry {
  readonly sig: Sig;
  readonly program: Program;
  readonly outDef: TreeDef;
  /** Each output leaf: a program output, a number argument handed back as it came (by input index), or a static value. */
  readonly outLeaves: readonly ({ readonly output: number } | { readonly input: number } | { readonly value: unknown })[];
  readonly compiled: Compiled | undefined;
  /** The float64 scalar last made for each number input, reused while the number stays the same. */
  readonly scalars: ({ readonly value: number; readonly tensor: Tensor } | undefined)[];
}

/** A number argument while tracing: reading it says how to make it a plain number. */
class WeakScalarTracer extends BuilderTracer {
  override unknownBecause(): string {
    return 'it is a number argument of jit, traced as a weakly typed scalar so that a new value does not trace again ' +
      '(to use it as a plain JavaScript number, list its position in jit\'s staticArgnums)';
  }
}

export function traceEntry(f: (...args: readonly unknown[]) => unknown, sig: Sig, args: readonly unknown[]): Entry {
  return withMain(
    (m) => new BuilderTrace(m),
    (main) => {
      const builder = main.trace as BuilderTrace;
      const ins: BuilderTracer[] = [];
      const weak = (kind: WeakKind): BuilderTracer => {
        const t = new WeakScalarTracer(builder, new Var({ shape: [], dtype: 'float64' }));
        markWeak(t, kind);
        return t;
      };
      const traced = (s: Sig, x: unknown): unknown => {
        switch (s.k) {
          case 'tensor':
            return push(builder.newArg(s));
          case 'number':
          case 'weak':
            return push(weak(s.kind));
          case 'static':
          case 'none':
            return x;
          case 'array':
            return Object.freeze(s.children.map((c, i) => traced(c, (x as readonly unknown[])[i])));
          case 'object': {
            const out: Record<string, unknown> = {};
            s.keys.forEach((k, i) => {
              const value = traced(s.children[i]!, (x as Readonly<Record<string, unknown>>)[k]);
              Object.defineProperty(out, k, { value, enumerable: true, writable: true, configurable: true });
            });
            return Object.freeze(out);
          }
        }
      };
      const push = (t: BuilderTracer): BuilderTracer => (ins.push(t), t);
      const tracedArgs = traced(sig, args) as readonly unknown[];
      const result = f(...tracedArgs);
      const [outLeaves, outDef] = flatten(result as Tree<unknown>);
      const tensorOuts: Tensor[] = [];
      const where = outLeaves.map((o) => {
        const input = o instanceof WeakScalarTracer ? ins.indexOf(o) : -1;
        if (input >= 0) return { input };
        if (o instanceof TensorClass) {
          tensorOuts.push(o);
          return { output: tensorOuts.length - 1 };
        }
        return { value: o };
      });
      const program = optimize(builder.build(ins, tensorOuts));
      const capturesTracer = program.consts.some((c) => c.value instanceof Tracer);
      return {
        sig,
        program,
        outDef,
        outLeaves: where,
        compiled: capturesTracer ? undefined : compile(program),
        scalars: [],
      };
    },
  );
}
