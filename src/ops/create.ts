/**
 * `tensor` as users call it: from data it builds a concrete tensor, and from
 * a tensor it is a differentiable conversion (`cast`, then `reshape` if a shape
 * is given), so `tensor(x, { dtype: 'float64' })` inside `grad` keeps the
 * gradient, as `jnp.asarray` does.
 */

import * as L from '../primitives/linear.ts';
import type { TensorLike, TensorOptions } from '../tensor/create.ts';
import { tensor as fromData } from '../tensor/create.ts';
import { Tensor } from '../tensor/tensor.ts';

/**
 * A tensor from nested arrays, a typed array, a scalar, or another tensor.
 * @example
 * tensor([[1, 2], [3, 4]]).shape // => [2, 2]
 * tensor(new Float64Array([1, 2, 3]), { shape: [3] }).dtype // => "float64"
 * grad((x: Tensor) => sum(tensor(x, { dtype: 'float64' })))(tensor([1, 2])) // => [1, 1]
 */
export function tensor(data: TensorLike | Tensor, options: TensorOptions = {}): Tensor {
  if (!(data instanceof Tensor)) return fromData(data, options);
  const converted = options.dtype === undefined ? data : L.cast(data, options.dtype);
  return options.shape === undefined ? converted : L.reshape(converted, options.shape);
}
