/**
 * The batching law: `vmap(f)` on stacked examples equals stacking `f` applied
 * to each example. Inputs given `null` as their in-axis are shared by all
 * examples; the others are stacked along their in-axis.
 */

import type { Tensor } from '../src/index.ts';
import { stack, tensor, vmap } from '../src/index.ts';
import type { Tolerance, Verdict } from './numeric.ts';
import { all, allClose, rng } from './numeric.ts';

/**
 * `variants[k]` holds the inputs of example k; shared inputs (in-axis `null`) are read from example 0.
 * @example
 * const f = (w: Tensor, x: Tensor) => sum(mul(w, x))
 * const w = tensor([1, 2])
 * vmapMatchesLoop(f, { atol: 0, rtol: 0 })([[w, tensor([3, 4])], [w, tensor([5, 6])]], [null, 0]).ok // => true
 */
export const vmapMatchesLoop =
  (f: (...xs: Tensor[]) => Tensor | readonly Tensor[], tol: Tolerance) =>
  (variants: readonly (readonly Tensor[])[], inAxes: readonly (number | null)[]): Verdict => {
    const asList = (y: Tensor | readonly Tensor[]): readonly Tensor[] => (Array.isArray(y) ? y : [y as Tensor]);
    const stacked = inAxes.map((axis, i) => (axis === null ? variants[0]![i]! : stack(variants.map((v) => v[i]!), axis)));
    const batched = asList(vmap((...xs: Tensor[]) => f(...xs), { inAxes })(...stacked));
    const looped = variants.map((v) => asList(f(...v.map((x, i) => (inAxes[i] === null ? variants[0]![i]! : x)))));
    return all(...batched.map((b, j) => allClose(`vmap output ${j} vs stacked per-example outputs`, b, stack(looped.map((l) => l[j]!), 0), tol)));
  };

/**
 * `count` variants of `inputs` with the same shapes and dtypes: floats get
 * noise added, integers and booleans are shuffled (so indices stay in range).
 * Variant 0 is `inputs` itself.
 * @example
 * const vs = variantsOf([tensor([1, 2], { dtype: 'float64' }), tensor([0, 1, 2], { dtype: 'int32' })], 3, 0)
 * [vs.length, vs[0]![1]!] // => [3, [0, 1, 2]]
 * Array.from(vs[2]![1]!.toTypedArray()).sort() // => [0, 1, 2]
 */
export function variantsOf(inputs: readonly Tensor[], count: number, seed: number): Tensor[][] {
  const next = rng(seed);
  return Array.from({ length: count }, (_, k) =>
    inputs.map((x) => {
      if (k === 0) return x;
      const data = Array.from(x.toTypedArray());
      if (x.dtype === 'float32' || x.dtype === 'float64') {
        return tensor(Float64Array.from(data, (v) => v + (next() - 0.5) * 0.5), { shape: x.shape, dtype: x.dtype });
      }
      for (let i = data.length - 1; i > 0; i--) {
        const j = Math.floor(next() * (i + 1));
        [data[i], data[j]] = [data[j]!, data[i]!];
      }
      return tensor(Int32Array.from(data), { shape: x.shape, dtype: x.dtype });
    }),
  );
}
