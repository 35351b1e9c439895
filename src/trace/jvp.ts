/**
 * Forward mode. A jvp tracer carries a primal and its tangent (`null` is a
 * symbolic zero, so inputs that are not differentiated cost nothing). Each
 * primitive's JVP rule computes its primal results (one level down) and maps
 * the input tangents to the result tangents.
 */

import type { Primitive } from '../ir/primitive.ts';
import type { Tensor } from '../tensor/tensor.ts';
import { bindMulti, Trace, Tracer } from './core.ts';

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
  /** All tangents zero: the primal op one level down. Otherwise the rule gives primal results and tangents. */
  process(prim: Primitive, inputs: readonly Tracer[], params: object): readonly Tensor[] {
    const tracers = inputs as readonly JvpTracer[];
    const primals = tracers.map((t) => t.primal);
    if (tracers.every((t) => t.tangent === null)) return bindMulti(prim, primals, params).map((o) => new JvpTracer(this, o, null));
    const [outs, tangents] = prim.jvp(primals, tracers.map((t) => t.tangent), params);
    return outs.map((o, i) => new JvpTracer(this, o, tangents[i] ?? null));
  }
}
