/**
 * Whole Jacobians and Hessians, for functions from one tensor to one tensor.
 * `jacfwd` pushes one basis tangent per input element (cheap for few inputs),
 * `jacrev` pulls one basis cotangent per output element through a single
 * linearization (cheap for few outputs). Both give shape out.shape ++ in.shape.
 * `hessian` is `jacfwd(jacrev(f))`, forward over reverse.
 */

import { concatenate } from '../primitives/indexing.ts';
import { reshape, transpose } from '../primitives/linear.ts';
import { PuregradError } from '../tensor/errors.ts';
import { filled, fromStorage, Tensor } from '../tensor/tensor.ts';
import { allocate } from '../tensor/dtype.ts';
import { jvp, vjp } from './api.ts';

function basis(like: { readonly shape: readonly number[]; readonly dtype: Tensor['dtype'] }, i: number): Tensor {
  const n = like.shape.reduce((a, b) => a * b, 1);
  const data = allocate(like.dtype, n);
  data[i] = 1;
  return fromStorage(like.shape, like.dtype, data);
}

function argOf(op: string, args: readonly unknown[], argnums: number): Tensor {
  const x = args[argnums];
  if (!(x instanceof Tensor)) {
    throw new PuregradError(op, `argument ${argnums} must be a tensor (trees are not supported here yet); got ${typeof x}`);
  }
  return x;
}

function checkOut(op: string, y: unknown): Tensor {
  if (!(y instanceof Tensor)) throw new PuregradError(op, `the function must return a tensor, got ${typeof y}`);
  return y;
}

/** Stack same-shape tensors along a new leading axis and reshape to `shape`. */
function stackTo(parts: readonly Tensor[], shape: readonly number[]): Tensor {
  const flat = parts.map((p) => reshape(p, [1, p.size]));
  return reshape(flat.length === 1 ? flat[0]! : concatenate(flat, 0), shape);
}

export interface JacOptions {
  readonly argnums?: number;
}

/** The Jacobian by forward mode: one jvp per input element. */
export function jacfwd<A extends readonly unknown[]>(f: (...args: A) => Tensor, options: JacOptions = {}): (...args: A) => Tensor {
  const argnums = options.argnums ?? 0;
  return (...args: A) => {
    const x = argOf('jacfwd', args, argnums);
    const g = (xi: Tensor): Tensor => checkOut('jacfwd', f(...(args.map((a, i) => (i === argnums ? xi : a)) as unknown as A)));
    const columns: Tensor[] = [];
    let outShape: readonly number[] = [];
    for (let i = 0; i < x.size; i++) {
      const [y, dy] = jvp(g, [x], [basis(x, i)]);
      outShape = y.shape;
      columns.push(dy);
    }
    if (x.size === 0) return filled([...g(x).shape, ...x.shape], x.dtype, 0);
    // columns[i] is ∂y/∂x_i; the Jacobian wants the input index last.
    const m = outShape.reduce((a, b) => a * b, 1);
    const stacked = stackTo(columns, [x.size, m]);
    return reshape(transpose(stacked, [1, 0]), [...outShape, ...x.shape]);
  };
}

/** The Jacobian by reverse mode: one linearization, one transpose per output element. */
export function jacrev<A extends readonly unknown[]>(f: (...args: A) => Tensor, options: JacOptions = {}): (...args: A) => Tensor {
  const argnums = options.argnums ?? 0;
  return (...args: A) => {
    const x = argOf('jacrev', args, argnums);
    const g = (xi: Tensor): Tensor => checkOut('jacrev', f(...(args.map((a, i) => (i === argnums ? xi : a)) as unknown as A)));
    const [y, back] = vjp(g, x);
    const rows: Tensor[] = [];
    for (let j = 0; j < y.size; j++) rows.push(back(basis(y, j))[0]);
    if (rows.length === 0) return filled([...y.shape, ...x.shape], x.dtype, 0);
    return stackTo(rows, [...y.shape, ...x.shape]);
  };
}

/**
 * Second derivatives: for a scalar function, shape x.shape ++ x.shape.
 * @example
 * hessian((x: Tensor) => sum(pow(x, 3)))(tensor([1, 2])) // => [[6, 0], [0, 12]]
 */
export function hessian<A extends readonly unknown[]>(f: (...args: A) => Tensor, options: JacOptions = {}): (...args: A) => Tensor {
  return jacfwd(jacrev(f, options), options);
}
