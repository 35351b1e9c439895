/**
 * Matrix products. `matmul` follows NumPy: vectors are promoted to matrices
 * (and the added axis removed afterwards) and batch axes broadcast.
 */

import * as L from '../primitives/linear.ts';
import * as M from '../primitives/matmul.ts';
import * as A from '../primitives/arith.ts';
import { PuregradError } from '../tensor/errors.ts';
import { broadcastShapes, showShape } from '../tensor/shape.ts';
import type { Tensor } from '../tensor/tensor.ts';
import { tensorArg } from './args.ts';
import { unify } from './operand.ts';

/**
 * Matrix product with NumPy's rules: [..., m, k] @ [..., k, n] → [..., m, n].
 * @example
 * matmul(ones([2, 3]), ones([3, 4])).shape // => [2, 4]
 * matmul(tensor([[1, 2], [3, 4]]), tensor([1, 1])) // => [3, 7]
 */
export function matmul(a: Tensor, b: Tensor): Tensor {
  tensorArg('matmul', a, 'a');
  tensorArg('matmul', b, 'b');
  if (a.rank === 0 || b.rank === 0) {
    throw new PuregradError('matmul', `operands must have at least one axis, got ${showShape(a.shape)} and ${showShape(b.shape)}; use mul for scalars`);
  }
  let [x, y] = unify([a, b]) as [Tensor, Tensor];
  if (x.rank === 1) x = L.reshape(x, [1, x.shape[0]!]);
  if (y.rank === 1) y = L.reshape(y, [y.shape[0]!, 1]);
  const k1 = x.shape[x.rank - 1]!;
  const k2 = y.shape[y.rank - 2]!;
  const batch = broadcastShapes(x.shape.slice(0, -2), y.shape.slice(0, -2));
  if (k1 !== k2 || batch === undefined) {
    throw new PuregradError('matmul', `shapes ${showShape(a.shape)} and ${showShape(b.shape)} do not multiply: ` +
      (k1 !== k2 ? `inner dimensions ${k1} and ${k2} differ` : 'batch axes do not broadcast'));
  }
  const bx = [...batch, ...x.shape.slice(-2)];
  const by = [...batch, ...y.shape.slice(-2)];
  if (x.rank !== bx.length || x.shape.some((d, i) => d !== bx[i])) x = L.broadcast(x, bx);
  if (y.rank !== by.length || y.shape.some((d, i) => d !== by[i])) y = L.broadcast(y, by);
  let out = M.matmul(x, y);
  if (a.rank === 1) out = L.reshape(out, [...out.shape.slice(0, -2), out.shape[out.rank - 1]!]);
  if (b.rank === 1) out = L.reshape(out, out.shape.slice(0, -1));
  return out;
}

/**
 * Inner product of two vectors; a product with a scalar; `matmul` otherwise (as NumPy's `dot`).
 * @example
 * dot(tensor([1, 2, 3]), tensor([4, 5, 6])) // => 32
 * dot(scalar(2), tensor([1, 2])) // => [2, 4]
 * grad((w: Tensor) => dot(w, tensor([4, 5])))(tensor([1, 2])) // => [4, 5]
 */
export function dot(a: Tensor, b: Tensor): Tensor {
  tensorArg('dot', a, 'a');
  tensorArg('dot', b, 'b');
  if (a.rank === 0 || b.rank === 0) {
    const [x, y] = unify([a, b]) as [Tensor, Tensor];
    return A.mul(x, y);
  }
  if (a.rank === 1 && b.rank === 1) {
    if (a.shape[0] !== b.shape[0]) throw new PuregradError('dot', `vectors of lengths ${a.shape[0]} and ${b.shape[0]} differ`);
    const [x, y] = unify([a, b]) as [Tensor, Tensor];
    return L.reduceSum(A.mul(x, y), [0]);
  }
  return matmul(a, b);
}
