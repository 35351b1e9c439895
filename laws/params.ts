/**
 * fast-check arbitraries for what a model is made of: parameter trees of
 * nested objects and arrays, the parameters of an `nn.mlp` of given layer
 * sizes, and random keys. Values are bounded and never NaN, float64 unless a
 * `dtype` is given, as for `tensorOf`.
 */

import fc from './fc.ts';
import type { nn, Tensor, Tree } from '../src/index.ts';
import { random } from '../src/index.ts';
import type { ShapeConstraints, ValueConstraints } from './arbitraries.ts';
import { shape as shapeArb, tensorOf } from './arbitraries.ts';

export interface TreeConstraints {
  /** Containers nest at most this deep below the root object (default 2). */
  readonly maxDepth?: number;
  /** Each object or array holds 1 to this many children (default 3). */
  readonly maxChildren?: number;
  /** The keys objects draw from (default a few names parameters have, and one that is not an identifier). */
  readonly keys?: readonly string[];
  /** Shapes of the leaves (default rank 0–2, axes 1–3). */
  readonly shape?: ShapeConstraints;
  /** Values of the leaves, as for `tensorOf`. */
  readonly values?: ValueConstraints;
}

const KEYS = ['w', 'b', 'kernel', 'bias', 'scale', 'layers', 'encoder', 'head', 'hidden size'] as const;

/**
 * Parameter trees: a root object whose children are tensors, arrays and
 * objects nested up to `maxDepth`; every container is non-empty, so every
 * path ends at a tensor.
 * @example
 * const [t] = fc.sample(parameterTree({ maxDepth: 1 }), { seed: 3, numRuns: 1 })
 * tree.leaves(t).every((l) => l instanceof Tensor && l.dtype === 'float64') // => true
 * fc.sample(parameterTree(), { seed: 1, numRuns: 10 }).every((p) => tree.leaves(p).length >= 1) // => true
 */
export function parameterTree(c: TreeConstraints = {}): fc.Arbitrary<{ readonly [key: string]: Tree<Tensor> }> {
  const leaf: fc.Arbitrary<Tree<Tensor>> = shapeArb({ maxRank: 2, maxDim: 3, ...c.shape }).chain((s) => tensorOf(s, c.values));
  const children = { minLength: 1, maxLength: c.maxChildren ?? 3 };
  const keys = fc.constantFrom(...(c.keys ?? KEYS));
  const object = (child: fc.Arbitrary<Tree<Tensor>>) =>
    fc.uniqueArray(fc.tuple(keys, child), { ...children, selector: ([k]) => k }).map((kv) => Object.fromEntries(kv));
  const node = (depth: number): fc.Arbitrary<Tree<Tensor>> =>
    depth <= 0 ? leaf : fc.oneof({ arbitrary: leaf, weight: 2 }, fc.array(node(depth - 1), children), object(node(depth - 1)));
  return object(node(c.maxDepth ?? 2)) as fc.Arbitrary<{ readonly [key: string]: Tree<Tensor> }>;
}

/**
 * Parameters of `nn.mlp(sizes)`: one `{ w: [in, out], b: [out] }` per pair of
 * consecutive sizes, with values as in `tensorOf(…, values)` (default in [−1, 1]).
 * @example
 * const [p] = fc.sample(mlpParams([3, 4, 2]), { seed: 1, numRuns: 1 })
 * p.map((l) => [l.w.shape, l.b.shape]) // => [[[3, 4], [4]], [[4, 2], [2]]]
 * nn.mlp([3, 4, 2]).apply(p, tensor([[1, 2, 3]], { dtype: 'float64' })).shape // => [1, 2]
 */
export function mlpParams(sizes: readonly number[], values: ValueConstraints = {}): fc.Arbitrary<nn.MlpParams> {
  const v = { min: -1, max: 1, ...values };
  const layers = sizes.slice(1).map((out, i) => fc.record({ w: tensorOf([sizes[i]!, out], v), b: tensorOf([out], v) }));
  return fc.tuple(...layers).map((ls) => Object.freeze(ls));
}

/**
 * Random keys: `random.key(n)` for n drawn from all safe non-negative integers,
 * so both words of the key vary.
 * @example
 * const keys = fc.sample(randomKey(), { seed: 1, numRuns: 5 })
 * keys.every((k) => k.dtype === 'int32' && k.shape.length === 1 && k.shape[0] === 2) // => true
 * random.uniform(keys[0]!, [2]).shape // => [2]
 */
export const randomKey = (): fc.Arbitrary<Tensor> => fc.maxSafeNat().map((n) => random.key(n));
