/**
 * Batching (the interpreter behind `vmap`). A batch tracer carries a value with
 * one extra axis, `dim`, along which the examples are stacked (`null` when the
 * value is the same for every example). Each primitive's batching rule turns
 * an op on one example into one op on the whole batch.
 */

import type { Primitive } from '../ir/primitive.ts';
import type { Tensor } from '../tensor/tensor.ts';
import type { MainTrace } from './core.ts';
import { bindMulti, Trace, Tracer } from './core.ts';

export class BatchTracer extends Tracer {
  constructor(
    readonly trace: BatchTrace,
    readonly val: Tensor,
    readonly dim: number | null,
  ) {
    super({ shape: dim === null ? val.shape : val.shape.filter((_, i) => i !== dim), dtype: val.dtype });
    Object.freeze(this);
  }
  override knownValue(): Tensor | undefined {
    return this.dim === null ? this.val.knownValue() : undefined;
  }
  override unknownBecause(): string | undefined {
    return this.dim === null ? this.val.unknownBecause() : 'it is batched by vmap, so it holds one value per example';
  }
}

export class BatchTrace extends Trace {
  constructor(
    main: MainTrace,
    readonly axisSize: number,
  ) {
    super(main);
  }
  lift(x: Tensor): BatchTracer {
    return new BatchTracer(this, x, null);
  }
  /** No input batched: the op one level down, unbatched. Otherwise the primitive's batching rule. */
  process(prim: Primitive, inputs: readonly Tracer[], params: object): readonly Tensor[] {
    const tracers = inputs as readonly BatchTracer[];
    const vals = tracers.map((t) => t.val);
    const dims = tracers.map((t) => t.dim);
    if (dims.every((d) => d === null)) return bindMulti(prim, vals, params).map((o) => new BatchTracer(this, o, null));
    const [outs, outDims] = prim.batch(vals, dims, params);
    return outs.map((o, i) => new BatchTracer(this, o, outDims[i] ?? null));
  }
}
