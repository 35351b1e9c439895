/**
 * Whole Jacobians and Hessians, of functions of trees to trees.
 *
 * `jacfwd` pushes one basis tangent per input element through `jvp`, all at
 * once under `vmap` (cheap for few inputs); `jacrev` pulls one basis cotangent
 * per output element back through a single linearization, again under `vmap`
 * (cheap for few outputs). For an input leaf x and an output leaf y the block
 * ∂y/∂x has shape y.shape ++ x.shape. With a single tensor in and out the
 * result is that tensor; with trees it is the output's tree whose leaves are
 * input-shaped trees of blocks, as in JAX. `hessian` is `jacfwd(jacrev(f))`.
 */

import { reshape } from '../primitives/linear.ts';
import { slice } from '../primitives/indexing.ts';
import { allocate } from '../tensor/dtype.ts';
import { checkFunction, PuregradError } from '../tensor/errors.ts';
import type { Tensor } from '../tensor/tensor.ts';
import { fromStorage } from '../tensor/tensor.ts';
import type { Tree, TreeDef } from '../tree/tree.ts';
import { flatten, unflatten } from '../tree/tree.ts';
import { jvp, tensorLeaves, vjp } from './api.ts';
import { vmap } from './vmap.ts';

export interface JacOptions {
  /** Which positional argument(s) to differentiate; default 0. An array gives a tuple of Jacobians. */
  readonly argnums?: number | readonly number[];
}

const sizeOf = (t: Tensor): number => t.size;

function requireFloatInputs(op: string, xs: readonly Tensor[]): void {
  const bad = xs.find((x) => x.dtype !== 'float32' && x.dtype !== 'float64');
  if (bad !== undefined) throw new PuregradError(op, `can only differentiate float inputs, got ${bad.dtype}[${bad.shape.join(',')}]; cast it to float32 or float64`);
}

/**
 * One-hot rows for a list of leaves: row k is 1 at flat position k of the
 * concatenated leaves. Leaf j gets a [N, ...leaf.shape] tensor.
 */
function basis(leaves: readonly Tensor[]): Tensor[] {
  const total = leaves.reduce((n, l) => n + sizeOf(l), 0);
  let offset = 0;
  return leaves.map((l) => {
    const data = allocate(l.dtype, total * l.size);
    for (let k = 0; k < l.size; k++) data[(offset + k) * l.size + k] = 1;
    offset += l.size;
    return fromStorage([total, ...l.shape], l.dtype, data);
  });
}

/** Split axis `axis` (of length Σ sizes) of `t` into the blocks of each leaf, shaped like the leaf there. */
function splitAxis(t: Tensor, axis: number, leaves: readonly Tensor[]): Tensor[] {
  let offset = 0;
  return leaves.map((l) => {
    const starts = t.shape.map((_, i) => (i === axis ? offset : 0));
    const limits = t.shape.map((d, i) => (i === axis ? offset + l.size : d));
    offset += l.size;
    const block = slice(t, starts, limits);
    return reshape(block, [...t.shape.slice(0, axis), ...l.shape, ...t.shape.slice(axis + 1)]);
  });
}

/** Blocks indexed [output leaf][input leaf] as the output tree of input-shaped trees (single tensors collapse). */
function assemble(blocks: readonly (readonly Tensor[])[], outDef: TreeDef, inDef: TreeDef): unknown {
  const inner = blocks.map((row) => (inDef.kind === 'leaf' ? row[0]! : unflatten(inDef, row)));
  return outDef.kind === 'leaf' ? inner[0] : unflatten(outDef, inner as Tree<unknown>[]);
}

/**
 * Reduce to one differentiated value `x` and `g(x)`: the argument `argnums`
 * names, or with an array of argnums the tuple of those arguments — so the
 * Jacobian's blocks nest output first, then argument, as in JAX.
 */
function withArgnums<A extends readonly unknown[]>(op: string, f: (...args: A) => unknown, options: JacOptions, one: (g: (x: unknown) => unknown, x: unknown) => unknown) {
  return (...args: A): unknown => {
    const nums = options.argnums ?? 0;
    const list = typeof nums === 'number' ? [nums] : nums;
    list.forEach((n) => {
      if (!(Number.isInteger(n) && n >= 0 && n < args.length)) throw new PuregradError(op, `argnums ${n} is out of range for a call with ${args.length} argument(s)`);
    });
    if (new Set(list).size !== list.length) throw new PuregradError(op, `argnums (${list.join(',')}) names an argument twice`);
    const substitute = (values: readonly unknown[]) => f(...(args.map((a, i) => (list.includes(i) ? values[list.indexOf(i)] : a)) as unknown as A));
    return typeof nums === 'number'
      ? one((x) => substitute([x]), args[nums])
      : one((x) => substitute(x as unknown[]), list.map((n) => args[n]));
  };
}

/**
 * The Jacobian by forward mode: a batched jvp over the input's basis.
 * @example
 * jacfwd((x: Tensor) => mul(x, x))(tensor([1, 2])) // => [[2, 0], [0, 4]]
 */
export function jacfwd<R extends readonly unknown[]>(f: (x: Tensor, ...rest: R) => Tensor, options?: { readonly argnums?: 0 }): (x: Tensor, ...rest: R) => Tensor;
export function jacfwd<A extends readonly unknown[]>(f: (...args: A) => unknown, options?: JacOptions): (...args: A) => unknown;
export function jacfwd<A extends readonly unknown[]>(f: (...args: A) => unknown, options: JacOptions = {}): (...args: A) => unknown {
  checkFunction('jacfwd', f);
  return withArgnums<A>('jacfwd', f, options, (g, x) => {
    const [xs, inDef] = tensorLeaves('jacfwd', x);
    requireFloatInputs('jacfwd', xs);
    const y0 = tensorLeaves('jacfwd', g(x), "the function's result");
    const [ys, outDef] = y0;
    if (xs.length === 0 || xs.every((x) => x.size === 0)) {
      return assemble(ys.map((y) => xs.map((x) => reshape(zerosFor(y, x), [...y.shape, ...x.shape]))), outDef, inDef);
    }
    const push = (...ts: Tensor[]) => flatten(jvp(g, [x] as const, [unflatten(inDef, ts)] as const)[1] as Tree<Tensor>)[0];
    const columns = vmap(push, { outAxes: -1 })(...basis(xs)) as Tensor[]; // leaf i: y_i.shape ++ [N]
    return assemble(columns.map((c, i) => splitAxis(c, ys[i]!.rank, xs)), outDef, inDef);
  });
}

/**
 * The Jacobian by reverse mode: one linearization, a batched pullback over the output's basis.
 * @example
 * jacrev((x: Tensor) => mul(x, x))(tensor([1, 2])) // => [[2, 0], [0, 4]]
 */
export function jacrev<R extends readonly unknown[]>(f: (x: Tensor, ...rest: R) => Tensor, options?: { readonly argnums?: 0 }): (x: Tensor, ...rest: R) => Tensor;
export function jacrev<A extends readonly unknown[]>(f: (...args: A) => unknown, options?: JacOptions): (...args: A) => unknown;
export function jacrev<A extends readonly unknown[]>(f: (...args: A) => unknown, options: JacOptions = {}): (...args: A) => unknown {
  checkFunction('jacrev', f);
  return withArgnums<A>('jacrev', f, options, (g, x) => {
    const [xs, inDef] = tensorLeaves('jacrev', x);
    requireFloatInputs('jacrev', xs);
    const [y, back] = vjp(g, x);
    const [ys, outDef] = tensorLeaves('jacrev', y, "the function's result");
    if (ys.length === 0 || ys.every((l) => l.size === 0)) {
      return assemble(ys.map((yl) => xs.map((x) => reshape(zerosFor(yl, x), [...yl.shape, ...x.shape]))), outDef, inDef);
    }
    const pull = (...cts: Tensor[]) => flatten(back(unflatten(outDef, cts) as never)[0] as Tree<Tensor>)[0];
    const rows = vmap(pull)(...basis(ys)) as Tensor[]; // input leaf j: [M, ...x_j.shape]
    const perInput = rows.map((r) => splitAxis(r, 0, ys)); // [input j][output i]: y_i.shape ++ x_j.shape
    return assemble(ys.map((_, i) => xs.map((_, j) => perInput[j]![i]!)), outDef, inDef);
  });
}

const zerosFor = (y: Tensor, x: Tensor): Tensor => fromStorage([y.size * x.size], x.dtype, allocate(x.dtype, y.size * x.size));

/**
 * Second derivatives: for a scalar function of one tensor, shape x.shape ++ x.shape.
 * @example
 * hessian((x: Tensor) => sum(pow(x, 3)))(tensor([1, 2])) // => [[6, 0], [0, 12]]
 */
export function hessian<R extends readonly unknown[]>(f: (x: Tensor, ...rest: R) => Tensor, options?: { readonly argnums?: 0 }): (x: Tensor, ...rest: R) => Tensor;
export function hessian<A extends readonly unknown[]>(f: (...args: A) => unknown, options?: JacOptions): (...args: A) => unknown;
export function hessian<A extends readonly unknown[]>(f: (...args: A) => unknown, options: JacOptions = {}): (...args: A) => unknown {
  checkFunction('hessian', f);
  return jacfwd(jacrev(f, options) as (...args: A) => unknown, options);
}
