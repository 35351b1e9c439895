/**
 * Forward mode. A jvp tracer carries a primal and its tangent (`null` is a
 * symbolic zero, so inputs that are not differentiated cost nothing). Each
 * primitive computes its primal output one level down, then its JVP rule maps
 * the input tangents to the output tangent.
 */

import type { MultiPrimitiveDef, PrimitiveDef } from '../ir/primitive.ts';
import type { Tensor } from '../tensor/tensor.ts';
import { bind, bindMulti, Trace, Tracer } from './core.ts';

export class JvpTracer extends Tracer {
  constructor(
    readonly trace: JvpTrace,
    readonly primal: Tensor,
    readonly tangent: Tensor | null,
  ) {
    super(primal);
    Object.freeze(this);
  }
  override knownValue(): Tensor | undefined {
    return this.primal.knownValue();
  }
  override unknownBecause(): string | undefined {
    return this.primal.unknownBecause();
  }
}

export class JvpTrace extends Trace {
  lift(x: Tensor): JvpTracer {
    return new JvpTracer(this, x, null);
  }
  process(prim: PrimitiveDef, inputs: readonly Tracer[], params: object): Tensor {
    const tracers = inputs as readonly JvpTracer[];
    const primals = tracers.map((t) => t.primal);
    const tangents = tracers.map((t) => t.tangent);
    const out = bind(prim, primals, params);
    const tangent = tangents.every((t) => t === null) ? null : prim.jvp(primals, tangents, params, out);
    return new JvpTracer(this, out, tangent);
  }
  processMulti(prim: MultiPrimitiveDef, inputs: readonly Tracer[], params: object): readonly Tensor[] {
    const tracers = inputs as readonly JvpTracer[];
    const primals = tracers.map((t) => t.primal);
    if (tracers.every((t) => t.tangent === null)) return bindMulti(prim, primals, params).map((o) => new JvpTracer(this, o, null));
    const [outs, tangents] = prim.jvp(primals, tracers.map((t) => t.tangent), params);
    return outs.map((o, i) => new JvpTracer(this, o, tangents[i] ?? null));
  }
}
