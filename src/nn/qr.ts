/**
 * The Q factor of a QR decomposition by Householder reflections, composed from
 * ops, so it runs eagerly, under `jit` (unrolled, one step per column) and
 * under `vmap`, and the orthogonal initializer built on it. Internal:
 * `nn.init.orthogonal` is the user-facing function.
 *
 * Step k reflects the column below the diagonal onto the diagonal with
 * H = I − 2vvᵀ, v ∝ x + sign(x_k)‖x‖e_k (the sign that avoids cancellation),
 * leaving R_kk = −sign(x_k)‖x‖. Q = H₀H₁…H_{n−1} restricted to its first n
 * columns is built by applying the reflections, last first, to the m × n
 * identity. Each column is then multiplied by sign(R_kk): the result is the
 * unique Q whose R has a positive diagonal, whatever algorithm computed the
 * factorization (LAPACK's, as JAX uses, included).
 */

import * as E from '../ops/elementwise.ts';
import * as R from '../ops/reduce.ts';
import { matmul } from '../ops/linalg.ts';
import { cast, expandDims, reshape, slice, stack, transpose } from '../ops/shape.ts';
import { arange, eye } from '../tensor/create.ts';
import { PuregradError } from '../tensor/errors.ts';
import { showShape } from '../tensor/shape.ts';
import type { Tensor } from '../tensor/tensor.ts';

/** x − 2v(vᵀx) for a unit vector v: the reflection H = I − 2vvᵀ applied to each column of x. */
const reflect = (v: Tensor, x: Tensor): Tensor => E.sub(x, E.mul(expandDims(E.mul(v, 2), 1), expandDims(matmul(v, x), 0)));

/**
 * The orthonormal factor Q ([m, n]) of a float matrix `a` ([m, n], m ≥ n), with signs chosen so
 * that R's diagonal is positive (for a matrix of full rank).
 */
export function qrQ(a: Tensor): Tensor {
  const [m, n] = a.shape as [number, number];
  if (a.rank !== 2 || m < n) {
    throw new PuregradError('qr', `needs a matrix with at least as many rows as columns, got ${showShape(a.shape)}`);
  }
  const rows = arange(0, m, 1, 'int32');
  const reflectors: Tensor[] = [];
  const signs: Tensor[] = [];
  let r = a;
  for (let k = 0; k < n; k++) {
    const column = reshape(slice(r, [0, k], [m, k + 1]), [m]);
    const x = E.where(E.greaterEqual(rows, k), column, 0);
    const norm = E.sqrt(R.sum(E.square(x)));
    const nonNegative = E.greaterEqual(reshape(slice(column, [k], [k + 1]), []), 0);
    const s = E.sub(E.mul(cast(nonNegative, a.dtype), 2), 1); // sign(x_k), with +1 at 0
    const u = E.add(x, E.mul(cast(E.equal(rows, k), a.dtype), E.mul(s, norm)));
    const length = E.sqrt(R.sum(E.square(u)));
    const positive = E.greater(length, 0);
    const v = E.where(positive, E.div(u, E.where(positive, length, 1)), 0);
    r = reflect(v, r);
    reflectors.push(v);
    signs.push(E.neg(s)); // sign(R_kk) = −sign(x_k)
  }
  let q = eye(m, n, a.dtype);
  for (let k = n - 1; k >= 0; k--) q = reflect(reflectors[k]!, q);
  return E.mul(q, stack(signs));
}

/**
 * The shape of the normal matrix the orthogonal initializer factors, as JAX's `orthogonal`: the
 * columns are the entries along `axis`, the rows everything else flattened, and the matrix is
 * taken tall (transposed when there are fewer rows than columns).
 */
export function orthogonalSampleShape(shape: readonly number[], axis: number): [number, number] {
  const cols = shape[axis]!;
  const rows = cols === 0 ? 0 : shape.reduce((p, d) => p * d, 1) / cols;
  return rows < cols ? [cols, rows] : [rows, cols];
}

/**
 * An orthogonal tensor of `shape` from a normal `sample` of `orthogonalSampleShape(shape, axis)`:
 * its sign-fixed Q, transposed back if the matrix was wide, with the columns moved to `axis`.
 */
export function orthogonalFromNormal(sample: Tensor, shape: readonly number[], axis: number): Tensor {
  const cols = shape[axis]!;
  const rows = cols === 0 ? 0 : shape.reduce((p, d) => p * d, 1) / cols;
  const wide = rows < cols;
  const q = qrQ(sample);
  const others = shape.filter((_, i) => i !== axis);
  const flat = reshape(wide ? transpose(q) : q, [...others, cols]);
  const order = [...others.keys()];
  order.splice(axis, 0, others.length); // move the last axis back to `axis`
  return transpose(flat, order);
}
