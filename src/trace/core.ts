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
import { ConcretizationError, PuregradError } from '../tensor/errors.ts';
import { checkSize } from '../tensor/shape.ts';
import { Tensor } from '../tensor/tensor.ts';
import { checkFinite, debugNansOn } from './debug.ts';
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

  /** Whether the transformation that made this tracer has finished (the tracer leaked out of it). */
  get escaped(): boolean {
    return stack[this.level] !== this.trace.main;
  }

  /** As `Tensor.concrete`, but an unknown value that leaked out of its transformation says so. @internal */
  override concrete(reader = 'reading a value'): Tensor {
    const v = this.knownValue();
    if (v !== undefined) return v;
    if (this.escaped) {
      throw new ConcretizationError(reader, 'it is a traced value that escaped the transformation that made it ' +
        '(was it stored in a variable outside the function given to jit, makeProgram, cond or scan?)', 'Return it from the function instead.');
    }
    throw new ConcretizationError(reader, this.unknownBecause());
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
    return evaluate(prim, inputs, params, outs);
  }
}

const stack: MainTrace[] = [new MainTrace(0, (m) => new EvalTrace(m))];
/** The innermost staging trace on the stack, if any (the dynamic trace). */
let dynamic: MainTrace | undefined;

/** Whether any transformation is running (tracing, differentiating, batching): the stack holds more than plain evaluation. */
export const transforming = (): boolean => stack.length > 1;

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

const isPlain = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && (Object.getPrototypeOf(v) === Object.prototype || Object.getPrototypeOf(v) === null);

const deepFrozen = (v: unknown): boolean =>
  Array.isArray(v) ? Object.isFrozen(v) && v.every(deepFrozen) : isPlain(v) ? Object.isFrozen(v) && Object.values(v).every(deepFrozen) : true;

const frozenCopy = (v: unknown): unknown => {
  if (Array.isArray(v)) return Object.freeze(v.map(frozenCopy));
  if (!isPlain(v)) return v;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(v)) {
    // Assignment would set the prototype for a key named __proto__; define that one.
    if (k === '__proto__') Object.defineProperty(out, k, { value: frozenCopy(v[k]), enumerable: true });
    else out[k] = frozenCopy(v[k]);
  }
  return Object.freeze(out);
};

/**
 * The params an equation keeps: deeply frozen. An op may pass a caller's array
 * along (`reshape(x, shape)` passes `shape`); the copy means that changing the
 * array after the call cannot change the recorded program or its gradient.
 */
function ownParams<P extends object>(params: P): P {
  // Most ops have no params: they all share one frozen empty object.
  for (const _ in params) return deepFrozen(params) ? params : (frozenCopy(params) as P);
  return isPlain(params) ? (NO_PARAMS as P) : params;
}

const NO_PARAMS = Object.freeze({});

/** Evaluate on concrete inputs; under `debugNans`, check the results. */
function evaluate(prim: Primitive, inputs: readonly Tensor[], params: object, outs: readonly Aval[]): readonly Tensor[] {
  const results = evalEager(prim, inputs, params, outs);
  if (debugNansOn()) checkFinite(prim, inputs, results);
  return results;
}

/**
 * Apply a primitive, getting every result: check shapes, pick the trace,
 * interpret. Every op ends here.
 */
export function bindMulti<P extends object>(prim: Primitive<P>, inputs: readonly Tensor[], given: P): readonly Tensor[] {
  const params = ownParams(given);
  const outs = prim.abstractEval(inputs, params);
  for (const o of outs) checkSize(prim.name, o.shape);
  const trace = traceFor(inputs, outs);
  if (trace === undefined) return evaluate(prim, inputs, params, outs);
  return trace.process(prim, inputs.map((x) => fullRaise(trace, x)), params, outs);
}

/** `bindMulti` for a primitive with one result. */
export const bind = <P extends object>(prim: Primitive<P>, inputs: readonly Tensor[], params: P): Tensor => bindMulti(prim, inputs, params)[0]!;
