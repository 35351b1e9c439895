/**
 * `vmap`: write a function for one example, run it on a batch. The function is
 * traced once with batch tracers; every primitive's batching rule turns the
 * per-example op into one op over the batch, so nothing loops over examples.
 */

import { broadcast, moveAxis, reshape } from '../primitives/linear.ts';
import { checkFunction, PuregradError } from '../tensor/errors.ts';
import { normalizeAxis, showShape } from '../tensor/shape.ts';
import type { TreeDef } from '../tree/tree.ts';
import { leafPath } from '../tree/path.ts';
import { flatten, unflatten } from '../tree/tree.ts';
import { Tensor } from '../tensor/tensor.ts';
import { BatchTrace, BatchTracer } from '../trace/batch.ts';
import { withMain } from '../trace/core.ts';
import { tensorLeaves } from './api.ts';

/** Where the batch axis is: an axis for every leaf, or `null` for an argument shared by all examples. */
export type Axes = number | null | readonly (number | null)[];

export interface VmapOptions {
  /** Batch axis of each positional argument (one value for all); default 0. */
  readonly inAxes?: Axes;
  /** Where to put the batch axis in the outputs (one value, or one per output leaf); default 0. */
  readonly outAxes?: number | readonly number[];
}

/**
 * Vectorize `f` over a batch axis of its arguments.
 * @example
 * const perExample = (w: Tensor, x: Tensor) => sum(mul(w, x))
 * vmap(perExample, { inAxes: [null, 0] })(tensor([1, 2]), tensor([[1, 1], [2, 3]])) // => [3, 8]
 */
export function vmap<A extends readonly unknown[], R>(f: (...args: A) => R, options: VmapOptions = {}): (...args: A) => R {
  checkFunction('vmap', f);
  return (...args: A) => {
    const inAxes = options.inAxes ?? 0;
    const perArg = typeof inAxes === 'number' || inAxes === null ? args.map(() => inAxes) : inAxes;
    if (perArg.length !== args.length) {
      throw new PuregradError('vmap', `inAxes has ${perArg.length} entries but the function got ${args.length} arguments`);
    }
    const leafAxes: (number | null)[] = [];
    const [leaves, inDef] = flatten(args as never) as [unknown[], TreeDef];
    args.forEach((a, i) => flatten(a as never)[0].forEach(() => leafAxes.push(perArg[i] ?? null)));
    let size: number | undefined;
    // Leaves of unbatched arguments may be anything (numbers, strings, …); batched ones must be tensors.
    const dims = leaves.map((x, i) => {
      const axis = leafAxes[i]!;
      if (axis === null) return null;
      if (!(x instanceof Tensor)) throw new PuregradError('vmap', `leaf ${leafPath(inDef, i, 'args')} is batched (in axis ${axis}) but is not a tensor; give its argument inAxes null`);
      const d = normalizeAxis(axis, x.rank);
      if (d === undefined) throw new PuregradError('vmap', `in axis ${axis} is out of range for an argument of shape ${showShape(x.shape)}`);
      const n = x.shape[d]!;
      if (size !== undefined && n !== size) {
        throw new PuregradError('vmap', `batched arguments disagree on the batch size: ${size} and ${n} (shape ${showShape(x.shape)}, axis ${axis})`);
      }
      size = n;
      return d;
    });
    if (size === undefined) throw new PuregradError('vmap', 'no argument is batched; give at least one a number in inAxes');
    const batch = size;
    let outDef: TreeDef | undefined;
    const outs = withMain(
      (m) => new BatchTrace(m, batch),
      (main) => {
        const trace = main.trace as BatchTrace;
        const ins = leaves.map((x, i) => (x instanceof Tensor ? new BatchTracer(trace, x, dims[i]!) : x));
        const [ys, def] = tensorLeaves('vmap', f(...(unflatten(inDef, ins) as unknown as A)), "the function's result");
        outDef = def;
        return ys.map((y) => (y instanceof BatchTracer && y.trace.main === main ? ([y.val, y.dim] as const) : ([y, null] as const)));
      },
    );
    const outAxes = options.outAxes ?? 0;
    if (typeof outAxes !== 'number' && outAxes.length !== outs.length) {
      throw new PuregradError('vmap', `outAxes has ${outAxes.length} entries but the function returns ${outs.length} tensors`);
    }
    const placed = outs.map(([y, d], i) => {
      const want = typeof outAxes === 'number' ? outAxes : outAxes[i];
      if (want === undefined) throw new PuregradError('vmap', `outAxes has no entry for output ${i}`);
      const batched = d === null ? broadcast(reshape(y, [1, ...y.shape]), [batch, ...y.shape]) : y;
      const to = normalizeAxis(want, batched.rank);
      if (to === undefined) throw new PuregradError('vmap', `out axis ${want} is out of range for an output of rank ${batched.rank - 1}`);
      return moveAxis(batched, d ?? 0, to);
    });
    return unflatten(outDef!, placed) as R;
  };
}

/**
 * Batch a flat function inside a batching rule: `vals` carry their batch axis
 * at `dims` (or none), and every result comes back with its batch axis at 0.
 * Used by the higher-order primitives to batch their sub-programs.
 */
export function vmapFlat(fn: (xs: readonly Tensor[]) => readonly Tensor[], vals: readonly Tensor[], dims: readonly (number | null)[], size: number): Tensor[] {
  return withMain(
    (m) => new BatchTrace(m, size),
    (main) => {
      const trace = main.trace as BatchTrace;
      const outs = fn(vals.map((v, i) => new BatchTracer(trace, v, dims[i] ?? null)));
      return outs.map((y) => {
        const [val, dim] = y instanceof BatchTracer && y.trace.main === main ? [y.val, y.dim] : [y, null];
        return dim === null ? broadcast(reshape(val, [1, ...val.shape]), [size, ...val.shape]) : moveAxis(val, dim, 0);
      });
    },
  );
}
