/**
 * The trace stack: the only global mutable state in puregrad.
 *
 * Every transformation in progress owns one `MainTrace` on the stack; its
 * position is its level. Each op goes through `bind`, which finds the highest
 * level among the op's inputs, lifts the other inputs into that trace, and lets
 * the trace interpret the op: evaluate it (level 0), push tangents through it
 * (jvp) or record it as an equation (program building). Nesting transforms
 * nests levels, which keeps the tangents of `grad(grad(f))` apart.
 */

import type { Aval, MultiPrimitiveDef, PrimitiveDef } from '../ir/primitive.ts';
import { PuregradError } from '../tensor/errors.ts';
import { Tensor } from '../tensor/tensor.ts';

export abstract class Trace {
  constructor(readonly main: MainTrace) {}
  /** Bring a value from a lower level (or a concrete one) into this trace. */
  abstract lift(x: Tensor): Tracer;
  abstract process(prim: PrimitiveDef, inputs: readonly Tracer[], params: object, out: Aval): Tensor;
  abstract processMulti(prim: MultiPrimitiveDef, inputs: readonly Tracer[], params: object, outs: readonly Aval[]): readonly Tensor[];
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
 * Level 0 is plain evaluation. `bind` calls a primitive's kernel directly when
 * no input is a tracer, so this trace only marks the bottom of the stack.
 */
class EvalTrace extends Trace {
  lift(x: Tensor): Tracer {
    throw new Error(`internal: the eval trace cannot lift ${String(x)}`);
  }
  process(prim: PrimitiveDef, inputs: readonly Tensor[], params: object, out: Aval): Tensor {
    return prim.impl(inputs, params, out);
  }
  processMulti(prim: MultiPrimitiveDef, inputs: readonly Tensor[], params: object): readonly Tensor[] {
    return prim.impl(inputs, params);
  }
}

const stack: MainTrace[] = [new MainTrace(0, (m) => new EvalTrace(m))];

/** Run `fn` with a new transformation on top of the stack, popping it afterwards whatever happens. */
export function withMain<T>(makeTrace: (main: MainTrace) => Trace, fn: (main: MainTrace) => T): T {
  const main = new MainTrace(stack.length, makeTrace);
  stack.push(main);
  try {
    return fn(main);
  } finally {
    stack.pop();
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

/** Apply a primitive: check shapes, pick the trace, interpret. Every op ends here. */
export function bind<P extends object>(prim: PrimitiveDef<P>, inputs: readonly Tensor[], params: P): Tensor {
  const out = prim.abstractEval(inputs, params);
  const top = topTracer(inputs);
  if (top === undefined) return prim.impl(inputs, params, out);
  const trace = top.trace;
  return trace.process(prim, inputs.map((x) => fullRaise(trace, x)), params, out);
}

/** `bind` for primitives with several results. */
export function bindMulti<P extends object>(prim: MultiPrimitiveDef<P>, inputs: readonly Tensor[], params: P): readonly Tensor[] {
  const outs = prim.abstractEval(inputs, params);
  const top = topTracer(inputs);
  if (top === undefined) return prim.impl(inputs, params);
  const trace = top.trace;
  return trace.processMulti(prim, inputs.map((x) => fullRaise(trace, x)), params, outs);
}

/** Bind any primitive, always returning a list of results. */
export const bindAny = (prim: PrimitiveDef | MultiPrimitiveDef, inputs: readonly Tensor[], params: object): readonly Tensor[] =>
  prim.multipleResults ? bindMulti(prim, inputs, params) : [bind(prim, inputs, params)];
