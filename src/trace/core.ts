/**
 * The trace stack: the only global mutable state in puregrad.
 *
 * Every transformation in progress owns one `MainTrace` on the stack; its
 * position is its level. Each op goes through `bindMulti` (or `bind`, its
 * single-result form), which picks the trace that interprets the op, lifts
 * the inputs into it, and lets it evaluate the op (level 0), push tangents
 * through it (jvp), batch it (vmap) or record it as an equation (program
 * building). Nesting transforms nests levels, which keeps the tangents of
 * `grad(grad(f))` apart.
 *
 * Omnistaging: a trace that stages a program (`jit`, `makeProgram`, the
 * bodies of `cond` and `scan`) is the *dynamic* trace while it is innermost.
 * An op whose inputs come from below it — concrete tensors included — is
 * recorded there rather than evaluated at trace time, as JAX does; only ops
 * among small scalars (inputs of one element, scalar results) fold on the spot.
 */

import type { Aval, Primitive } from '../ir/primitive.ts';
import { PuregradError } from '../tensor/errors.ts';
import { Tensor } from '../tensor/tensor.ts';
import { evalEager } from './eager.ts';

export abstract class Trace {
  constructor(readonly main: MainTrace) {}
  /** Whether this trace stages a program, so that ops on values from below it are recorded (omnistaging). */
  get staging(): boolean {
    return false;
  }
  /** Bring a value from a lower level (or a concrete one) into this trace. */
  abstract lift(x: Tensor): Tracer;
  /** Interpret `prim` on inputs of this trace; `outs` is what `abstractEval` said. */
  abstract process(prim: Primitive, inputs: readonly Tracer[], params: object, outs: readonly Aval[]): readonly Tensor[];
}

export class MainTrace {
  constructor(
    readonly level: number,
    readonly makeTrace: (main: MainTrace) => Trace,
  ) {}
  private cached: Trace | undefined;
  get trace(): Trace {
    return (this.cached ??= this.makeTrace(this));
  }
}

/** A tensor that stands for a value inside a transformation. */
export abstract class Tracer extends Tensor {
  abstract readonly trace: Trace;
  constructor(aval: Aval) {
    super(aval.shape, aval.dtype);
  }
  get level(): number {
    return this.trace.main.level;
  }
}

/**
 * Level 0 is plain evaluation. `bindMulti` evaluates directly when no trace
 * takes the op, so this trace only marks the bottom of the stack.
 */
class EvalTrace extends Trace {
  lift(x: Tensor): Tracer {
    throw new Error(`internal: the eval trace cannot lift ${String(x)}`);
  }
  process(prim: Primitive, inputs: readonly Tensor[], params: object, outs: readonly Aval[]): readonly Tensor[] {
    return evalEager(prim, inputs, params, outs);
  }
}

const stack: MainTrace[] = [new MainTrace(0, (m) => new EvalTrace(m))];
/** The innermost staging trace on the stack, if any (the dynamic trace). */
let dynamic: MainTrace | undefined;

/** Run `fn` with a new transformation on top of the stack, popping it afterwards whatever happens. */
export function withMain<T>(makeTrace: (main: MainTrace) => Trace, fn: (main: MainTrace) => T): T {
  const main = new MainTrace(stack.length, makeTrace);
  const outer = dynamic;
  stack.push(main);
  if (main.trace.staging) dynamic = main;
  try {
    return fn(main);
  } finally {
    stack.pop();
    dynamic = outer;
  }
}

function checkLive(t: Tracer): void {
  if (stack[t.level] !== t.trace.main) {
    throw new PuregradError(
      'tracer',
      'a traced value escaped the transformation that made it (was it stored outside the function being transformed?). ' +
        'Return it from the function instead.',
    );
  }
}

/** Raise `x` into `trace`: the identity for its own tracers, a lift for lower ones. */
export function fullRaise(trace: Trace, x: Tensor): Tracer {
  if (!(x instanceof Tracer)) return trace.lift(x);
  if (x.trace.main === trace.main) return x;
  if (x.level < trace.main.level) return trace.lift(x);
  throw new Error(`internal: tracer of level ${x.level} cannot be raised into level ${trace.main.level}`);
}

/** The tracer of the highest level among `inputs`, or `undefined` when all are concrete. */
function topTracer(inputs: readonly Tensor[]): Tracer | undefined {
  let top: Tracer | undefined;
  for (const x of inputs) {
    if (x instanceof Tracer) {
      checkLive(x);
      if (top === undefined || x.level > top.level) top = x;
    }
  }
  return top;
}

/** Every input has one element and every result is a scalar: folding such an op while tracing is cheap and gives a literal. */
function smallScalars(inputs: readonly Tensor[], outs: readonly Aval[]): boolean {
  for (const x of inputs) if (x.size !== 1) return false;
  for (const a of outs) if (a.shape.length !== 0) return false;
  return true;
}

/** The trace that interprets an op on `inputs`: the highest of theirs, or the dynamic one above it; none to evaluate. */
function traceFor(inputs: readonly Tensor[], outs: readonly Aval[]): Trace | undefined {
  const top = topTracer(inputs);
  if (dynamic !== undefined && (top === undefined || top.level < dynamic.level) && !smallScalars(inputs, outs)) return dynamic.trace;
  return top?.trace;
}

/**
 * Apply a primitive, getting every result: check shapes, pick the trace,
 * interpret. Every op ends here.
 */
export function bindMulti<P extends object>(prim: Primitive<P>, inputs: readonly Tensor[], params: P): readonly Tensor[] {
  const outs = prim.abstractEval(inputs, params);
  const trace = traceFor(inputs, outs);
  if (trace === undefined) return evalEager(prim, inputs, params, outs);
  return trace.process(prim, inputs.map((x) => fullRaise(trace, x)), params, outs);
}

/** `bindMulti` for a primitive with one result. */
export const bind = <P extends object>(prim: Primitive<P>, inputs: readonly Tensor[], params: P): Tensor => bindMulti(prim, inputs, params)[0]!;
