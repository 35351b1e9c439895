/**
 * `tensor` as users call it: from data it builds a concrete tensor, and from
 * a tensor it is a differentiable conversion (`cast`, then `reshape` if a shape
 * is given), so `tensor(x, { dtype: 'float64' })` inside `grad` keeps the
 * gradient, as `jnp.asarray` does.
 */

import * as L from '../primitives/linear.ts';
import type { TensorLike, TensorOptions } from '../tensor/create.ts';
import { tensor as fromData } from '../tensor/create.ts';
import type { TensorJSON } from '../tensor/json.ts';
import { Tensor } from '../tensor/tensor.ts';

/**
 * A tensor from nested arrays, a typed array, a scalar, another tensor, or the
 * JSON form `{dtype, shape, data}` that `toJSON()` gives.
 * @example
 * tensor([[1, 2], [3, 4]]).shape // => [2, 2]
 * tensor(new Float64Array([1, 2, 3]), { shape: [3] }).dtype // => "float64"
 * grad((x: Tensor) => sum(tensor(x, { dtype: 'float64' })))(tensor([1, 2])) // => [1, 1]
 * tensor({ dtype: 'int32', shape: [2, 1], data: [5, 6] }) // => [[5], [6]]
 */
export function tensor(data: TensorLike | TensorJSON | Tensor, options: TensorOptions = {}): Tensor {
  if (!(data instanceof Tensor)) return fromData(data, options);
  const converted = options.dtype === undefined ? data : L.cast(data, options.dtype);
  return options.shape === undefined ? converted : L.reshape(converted, options.shape);
}
