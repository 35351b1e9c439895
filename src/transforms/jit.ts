/**
 * `jit`: trace once per argument signature, then run a compiled closure.
 *
 * The signature (src/transforms/signature.ts) is the tree structure of the
 * arguments, each tensor leaf's shape and dtype, whether each number is an
 * integer, and the value of each string, boolean and static argument. Numbers
 * are traced, as JAX traces Python scalars: each becomes a float64 scalar input
 * of the program, marked weak so that it takes the dtype of the tensor it meets
 * exactly as the number would (src/tensor/weak.ts), and a new value runs the
 * same program. Arguments listed in `staticArgnums`/`staticArgnames` are fixed
 * in the program instead, and a new value traces anew. The function is always
 * traced, so reading a value inside it is a `ConcretizationError`.
 *
 * A call first compares its arguments with the last signature that ran (one
 * walk, no strings), then with the other cached ones, most recent first; the
 * cache keeps 64 and warns once when a function keeps tracing. With concrete
 * arguments the compiled closure runs. Under another transformation
 * (`grad(jit(f))`, `vmap(jit(f))`) the program is interpreted with
 * `evalProgram`, binding each equation at that transformation's level, so
 * `jit` composes with everything. A program that captured a traced value of an
 * enclosing transformation is used once and not cached.
 *
 * Arguments listed in `donateArgnums` lend their tensors' buffers to the
 * results (`compile.ts`, `plan.ts`): the donated tensors are unreadable after
 * the call, as JAX deletes donated arrays. Under another transformation
 * (an enclosing jit's trace included) nothing is donated.
 */

import type { Program } from '../ir/program.ts';
import { debugNansOn } from '../trace/debug.ts';
import { checkFunction, PuregradError } from '../tensor/errors.ts';
import { filled, Tensor } from '../tensor/tensor.ts';
import type { TreeDef } from '../tree/tree.ts';
import { unflatten } from '../tree/tree.ts';
import { Tracer, transforming } from '../trace/core.ts';
import { evalProgram } from './eval.ts';
import type { JitOptions } from './jit-options.ts';
import { jitOptions } from './jit-options.ts';
import type { Sig } from './signature.ts';
import { describeCall, differences, matches } from './signature.ts';
import { traceEntry } from './jit-trace.ts';
import type { Entry } from './jit-trace.ts';

export type { JitOptions } from './jit-options.ts';

/** How many signatures a jitted function keeps; the least recently used is dropped first. @internal */
export const CACHE_LIMIT = 64;
/** After this many traces of one function, `jit` warns (once) that it keeps retracing. @internal */
export const RETRACE_WARNING = 8;

/** A compiled function fixed to one signature, as `jit(f).lower(...args)` returns it. */
export type Lowered<A extends readonly unknown[], R> = ((...args: A) => R) & {
  /** The optimized program it runs. */
  readonly program: Program;
};

/** A jitted function: the function itself, plus a look at what it runs. */
export type Jitted<A extends readonly unknown[], R> = ((...args: A) => R) & {
  /** The optimized program traced for these arguments, as the closure runs it. */
  readonly program: (...args: A) => Program;
  /** How many signatures are cached now (at most 64). */
  readonly cacheSize: () => number;
  /** The compiled function for the signature of these arguments, for hot loops: no cache probe, no retracing. */
  readonly lower: (...args: A) => Lowered<A, R>;
};

/**
 * Compile `f`: trace once per signature, then run the optimized program.
 * Numbers are traced (a new value does not retrace); `options.staticArgnums`
 * lists arguments fixed by value instead, and `options.staticArgnames` keys
 * of a trailing plain-object argument; `options.donateArgnums` lists
 * arguments whose buffers the results may take (see `JitOptions`).
 * @example
 * const f = jit((x: Tensor, lr: number) => sum(mul(x, lr)))
 * f(tensor([1, 2]), 0.5) // => 1.5
 * f(tensor([3, 4]), 0.25) // => 1.75
 * f.cacheSize() // => 1
 * const g = jit((x: Tensor, n: number) => reshape(x, [n, -1]), { staticArgnums: [1] })
 * g(tensor([1, 2, 3, 4]), 2).shape // => [2, 2]
 */
export function jit<A extends readonly unknown[], R>(f: (...args: A) => R, options?: JitOptions): Jitted<A, R> {
  checkFunction('jit', f);
  const statics = jitOptions(options);
  const donating = statics.donate.size > 0;
  /** Most recently used first; `cache[0]` is the last signature that ran. */
  const cache: Entry[] = [];
  let traces = 0;
  let previous: Sig | undefined;
  let warned = false;

  const traceNew = (args: readonly unknown[]): Entry => {
    const sig = describeCall(args, statics);
    const entry = traceEntry(f as (...args: readonly unknown[]) => unknown, sig, args);
    if (entry.compiled === undefined) return entry;
    cache.unshift(entry);
    if (cache.length > CACHE_LIMIT) cache.pop();
    traces += 1;
    if (traces > RETRACE_WARNING && !warned && previous !== undefined) {
      warned = true;
      warnRetracing(f.name, traces, differences(previous, sig));
    }
    previous = sig;
    return entry;
  };

  /** The entry for `args` and its inputs, tracing if no cached signature matches. */
  const probe = (args: readonly unknown[]): [Entry, unknown[]] => {
    for (let i = 0; i < cache.length; i++) {
      const entry = cache[i]!;
      const inputs: unknown[] = [];
      if (matches(entry.sig, args, inputs)) {
        if (i > 0) {
          cache.splice(i, 1);
          cache.unshift(entry);
        }
        return [entry, inputs];
      }
    }
    const entry = traceNew(args);
    const inputs: unknown[] = [];
    if (!matches(entry.sig, args, inputs)) throw new Error('internal: jit traced a signature its arguments do not match');
    return [entry, inputs];
  };

  const run = (...args: A): R => {
    // Under debugNans the function runs op by op, so the op that makes a NaN is the one reported.
    if (debugNansOn()) return f(...args);
    const [entry, inputs] = probe(args);
    return runEntry(entry, inputs, donating ? donatedTensors(args, statics.donate) : undefined) as R;
  };

  const lower = (...args: A): Lowered<A, R> => {
    const entry = probe(args)[0];
    const lowered = (...later: A): R => {
      const inputs: unknown[] = [];
      if (!matches(entry.sig, later, inputs)) {
        const changes = differences(entry.sig, describeCall(later, statics));
        throw new PuregradError('jit.lower', `${changes.slice(0, 3).join('; ') || 'the arguments differ'} from the signature ` +
          'this function was lowered for; a lowered function runs only that one: call the jitted function itself to trace others');
      }
      if (debugNansOn()) return f(...later);
      return runEntry(entry, inputs, donating ? donatedTensors(later, statics.donate) : undefined) as R;
    };
    return Object.assign(lowered, { program: entry.program });
  };

  return Object.assign(run, {
    program: (...args: A) => probe(args)[0].program,
    cacheSize: () => cache.length,
    lower,
  });
}

/**
 * The concrete tensors in the donated arguments (`donateArgnums`); tracers of
 * an enclosing transformation are not donated. The arguments already matched
 * a signature, so they are finite trees of arrays and plain objects.
 */
function donatedTensors(args: readonly unknown[], positions: ReadonlySet<number>): Set<Tensor> | undefined {
  for (const n of positions) {
    if (n >= args.length) {
      const passed = `${args.length} argument${args.length === 1 ? '' : 's'}`;
      throw new PuregradError('jit', `donateArgnums lists argument ${n} but the call passed ${passed}`);
    }
  }
  // Inside another transformation (an enclosing jit's trace, grad, vmap) nothing is donated, as in JAX.
  if (transforming()) return undefined;
  const out = new Set<Tensor>();
  const walk = (x: unknown): void => {
    if (x instanceof Tensor) {
      if (!(x instanceof Tracer)) out.add(x);
    } else if (Array.isArray(x)) {
      for (const e of x) walk(e);
    } else if (typeof x === 'object' && x !== null) {
      for (const v of Object.values(x)) walk(v);
    }
  };
  for (const n of positions) walk(args[n]);
  return out;
}

/**
 * Run an entry on the inputs `matches` collected: numbers become float64
 * scalars, outputs go back into their tree. `donated` tensors may give their
 * buffers to the results (see `Compiled`).
 */
function runEntry(entry: Entry, raw: readonly unknown[], donated?: ReadonlySet<Tensor>): unknown {
  let concrete = true;
  const inputs = new Array<Tensor>(raw.length);
  for (let i = 0; i < raw.length; i++) {
    const x = raw[i];
    if (typeof x === 'number') {
      let t = entry.scalars[i];
      if (t === undefined || !Object.is(t.value, x)) entry.scalars[i] = t = { value: x, tensor: filled([], 'float64', x) };
      inputs[i] = t.tensor;
    } else {
      if (x instanceof Tracer) concrete = false;
      inputs[i] = x as Tensor;
    }
  }
  const outs = concrete && entry.compiled !== undefined ? entry.compiled(inputs, donated) : evalProgram(entry.program, inputs);
  const leaves = entry.outLeaves;
  if (entry.outDef.kind === 'leaf') return leafValue(leaves[0]!, outs, raw);
  return unflatten(entry.outDef as TreeDef, leaves.map((o) => leafValue(o, outs, raw)));
}

const leafValue = (o: Entry['outLeaves'][number], outs: readonly (Tensor | null)[], raw: readonly unknown[]): unknown =>
  'output' in o ? outs[o.output] : 'input' in o ? raw[o.input] : o.value;

function warnRetracing(name: string, traces: number, changes: readonly string[]): void {
  const what = changes.length === 0 ? '' : ` The last call differs from the one traced before it: ${changes.slice(0, 3).join('; ')}.`;
  console.warn(
    `puregrad: jit(${name || 'anonymous function'}) has traced ${traces} signatures; ` +
      `each new one traces and compiles again.${what} ` +
      'Keep shapes and dtypes fixed (pad the last batch), pass changing numbers as ordinary (traced) arguments rather than ' +
      'static ones, and create the jitted function once, outside the loop.',
  );
}
