/**
 * The user-facing transformations on trees of tensors: `jvp`, `vjp`, `grad`,
 * `valueAndGrad`, `makeProgram`. Each flattens its arguments, runs the flat
 * machinery of `ad.ts`, and rebuilds trees of the caller's structure, so the
 * gradient of a `{w, b}` parameter object is a `{w, b}` object.
 */

import type { Program } from '../ir/program.ts';
import { isFloat } from '../tensor/dtype.ts';
import { describeValue } from '../tensor/describe.ts';
import { checkFunction, PuregradError } from '../tensor/errors.ts';
import { shapeEq, showShape } from '../tensor/shape.ts';
import { filled, Tensor } from '../tensor/tensor.ts';
import type { Tree, TreeDef } from '../tree/tree.ts';
import { leafPath } from '../tree/path.ts';
import { flatten, sameStructure, showStructure, unflatten } from '../tree/tree.ts';
import { BuilderTrace, BuilderTracer } from '../trace/builder.ts';
import { withMain } from '../trace/core.ts';
import { jvpFlat, linearizeFlat } from './ad.ts';
import { resolveArgnums } from './argnums.ts';
import { compiledTranspose } from './backward.ts';
import { transposeProgram } from './transpose.ts';

/**
 * Flatten a tree whose leaves must all be tensors; `what` names the tree in errors, which name a bad
 * leaf by its path (`args[0].layers[1].w`; `root` is the name the path starts from).
 */
export function tensorLeaves(op: string, tree: unknown, what = 'the arguments', root = what === 'the arguments' ? 'args' : ''): [Tensor[], TreeDef] {
  const [leaves, def] = flatten(tree as Tree<unknown>);
  leaves.forEach((l, i) => {
    if (!(l instanceof Tensor)) {
      const path = leafPath(def, i, root);
      const where = path === '' ? `${what} is ${describeValue(l)}` : `found ${describeValue(l)} at ${path} in ${what}`;
      throw new PuregradError(op, `${where}, not a tensor; ` +
        (typeof l === 'number' ? 'wrap numbers with scalar(x) or tensor([...])' : 'trees are plain objects and arrays with tensors at the leaves'));
    }
  });
  return [leaves as Tensor[], def];
}


const zerosLike = (x: Tensor): Tensor => filled(x.shape, x.dtype, 0);

/**
 * Forward mode: the value of `f` at `primals` and its derivative along `tangents`.
 * @example
 * const [y, dy] = jvp((x: Tensor) => sin(x), [scalar(0)], [scalar(1)])
 * y // => 0
 * dy // => 1
 */
export function jvp<A extends readonly unknown[], R>(f: (...args: A) => R, primals: A, tangents: A): [R, R] {
  checkFunction('jvp', f);
  const [xs, inDef] = tensorLeaves('jvp', primals);
  const [ts, tDef] = tensorLeaves('jvp', tangents, 'the tangents');
  if (!sameStructure(inDef, tDef)) {
    throw new PuregradError('jvp', `tangents have structure ${showStructure(tDef)} but primals have ${showStructure(inDef)}`);
  }
  xs.forEach((x, i) => {
    const t = ts[i]!;
    if (!shapeEq(x.shape, t.shape) || x.dtype !== t.dtype) {
      throw new PuregradError('jvp', `tangent ${i} is ${t.dtype}${showShape(t.shape)} but its primal is ${x.dtype}${showShape(x.shape)}`);
    }
  });
  let outDef: TreeDef | undefined;
  const r = jvpFlat(
    (leaves) => {
      const [outs, def] = tensorLeaves('jvp', f(...(unflatten(inDef, leaves) as unknown as A)), "the function's result");
      outDef = def;
      return { outs };
    },
    xs,
    ts.map((t, i) => (isFloat(xs[i]!.dtype) ? t : null)),
  );
  return Object.freeze([unflatten(outDef!, r.outs) as R, unflatten(outDef!, r.tangents.map((t, i) => t ?? zerosLike(r.outs[i]!))) as R]) as [R, R];
}

/**
 * Reverse mode: the value of `f` at `primals` and a function that maps an output
 * cotangent to the cotangents of every argument. `f` runs once; the returned
 * function only runs the transposed linear program.
 * @example
 * const [y, back] = vjp((x: Tensor) => mul(x, x), scalar(3))
 * y // => 9
 * back(scalar(1)) // => [6]
 */
export function vjp<A extends readonly unknown[], R>(f: (...args: A) => R, ...primals: A): [R, (cotangent: R) => A] {
  checkFunction('vjp', f);
  const [xs, inDef] = tensorLeaves('vjp', primals);
  let outDef: TreeDef | undefined;
  const lin = linearizeFlat((leaves) => {
    const [outs, def] = tensorLeaves('vjp', f(...(unflatten(inDef, leaves) as unknown as A)), "the function's result");
    outDef = def;
    return { outs };
  }, xs);
  const out = unflatten(outDef!, lin.outs) as R;
  const back = (cotangent: R): A => {
    const [cts, ctDef] = tensorLeaves('vjp', cotangent, 'the cotangent');
    if (!sameStructure(ctDef, outDef!)) {
      throw new PuregradError('vjp', `the cotangent has structure ${showStructure(ctDef)} but the output has ${showStructure(outDef!)}`);
    }
    cts.forEach((c, i) => {
      const o = lin.outs[i]!;
      if (!shapeEq(c.shape, o.shape) || c.dtype !== o.dtype) {
        throw new PuregradError('vjp', `cotangent ${i} is ${c.dtype}${showShape(c.shape)} but the output is ${o.dtype}${showShape(o.shape)}; they must match`);
      }
    });
    return unflatten(inDef, inputCotangents(lin.linear, lin.differentiable, xs, cts)) as unknown as A;
  };
  return Object.freeze([out, back]) as [R, (cotangent: R) => A];
}

function inputCotangents(linear: Program, differentiable: readonly boolean[], xs: readonly Tensor[], cts: readonly (Tensor | null)[]): Tensor[] {
  const inCts = compiledTranspose(linear, cts) ?? transposeProgram(linear, cts);
  let k = 0;
  return xs.map((x, i) => (differentiable[i] ? inCts[k++] ?? zerosLike(x) : zerosLike(x)));
}

type Argnums = number | readonly number[];
/** The gradient's type: the differentiated argument's type, or a tuple of them. */
export type GradOf<A extends readonly unknown[], N> = N extends number
  ? A[N]
  : N extends readonly number[]
    ? { -readonly [K in keyof N]: A[N[K] & number] }
    : never;

export interface GradOptions<N extends Argnums> {
  /** Which positional argument(s) to differentiate; default 0. */
  readonly argnums?: N;
}

/**
 * Differentiate a scalar-valued function of trees with respect to the
 * `argnums` argument(s), returning gradients with the arguments' structure.
 * @example
 * const loss = (p: { w: Tensor }) => sum(mul(p.w, p.w))
 * grad(loss)({ w: tensor([1, 2]) }) // => { "w": [2, 4] }
 */
// The hasAux overload comes first: TypeScript fixes a callback's return type at the
// first overload it tries, and only a tuple context makes `[loss, aux]` a pair.
export function grad<A extends readonly unknown[], Aux, const N extends Argnums = 0>(
  f: (...args: A) => readonly [Tensor, Aux],
  options: GradOptions<N> & { readonly hasAux: true },
): (...args: A) => [GradOf<A, N>, Aux];
export function grad<A extends readonly unknown[], const N extends Argnums = 0>(
  f: (...args: A) => Tensor,
  options?: GradOptions<N> & { readonly hasAux?: false },
): (...args: A) => GradOf<A, N>;
export function grad(f: (...args: never[]) => unknown, options: GradOptions<Argnums> & { readonly hasAux?: boolean } = {}) {
  checkFunction('grad', f);
  const vg = valueAndGradImpl('grad', f, options);
  return (...args: unknown[]) => {
    const [value, g] = vg(args);
    return options.hasAux ? [g, (value as [Tensor, unknown])[1]] : g;
  };
}

/**
 * Like `grad`, also returning the value: `[value, grad]`, or with `hasAux`
 * `[[value, aux], grad]`. `f` runs once for both.
 * @example
 * valueAndGrad((x: Tensor) => sum(mul(x, x)))(tensor([1, 2])) // => [5, [2, 4]]
 * valueAndGrad((x: Tensor) => [sum(x), 'aux'] as const, { hasAux: true })(tensor([1, 2])) // => [[3, "aux"], [1, 1]]
 */
export function valueAndGrad<A extends readonly unknown[], Aux, const N extends Argnums = 0>(
  f: (...args: A) => readonly [Tensor, Aux],
  options: GradOptions<N> & { readonly hasAux: true },
): (...args: A) => [[Tensor, Aux], GradOf<A, N>];
export function valueAndGrad<A extends readonly unknown[], const N extends Argnums = 0>(
  f: (...args: A) => Tensor,
  options?: GradOptions<N> & { readonly hasAux?: false },
): (...args: A) => [Tensor, GradOf<A, N>];
export function valueAndGrad(f: (...args: never[]) => unknown, options: GradOptions<Argnums> & { readonly hasAux?: boolean } = {}) {
  checkFunction('valueAndGrad', f);
  const vg = valueAndGradImpl('valueAndGrad', f, options);
  return (...args: unknown[]) => vg(args);
}

function valueAndGradImpl(op: string, f: (...args: never[]) => unknown, options: GradOptions<Argnums> & { readonly hasAux?: boolean }) {
  const argnums = options.argnums ?? 0;
  return (args: readonly unknown[]): readonly [unknown, unknown] => {
    const nums = resolveArgnums(op, argnums, args.length);
    const diffArgs = nums.map((n) => args[n]);
    const [xs, inDef] = tensorLeaves(op, diffArgs);
    xs.forEach((x) => {
      if (!isFloat(x.dtype)) {
        throw new PuregradError(op, `can only differentiate float inputs, got ${x.dtype}${showShape(x.shape)}; cast it to float32 or float64, or leave it out of argnums`);
      }
    });
    const lin = linearizeFlat((leaves) => {
      const full = [...args];
      (unflatten(inDef, leaves) as unknown[]).forEach((a, j) => (full[nums[j]!] = a));
      const result = f(...(full as never[]));
      const [out, aux] = options.hasAux ? unpackAux(op, result) : [result, undefined];
      if (!(out instanceof Tensor) || out.rank !== 0 || !isFloat(out.dtype)) {
        const what = out instanceof Tensor ? `a ${out.dtype} tensor of shape ${showShape(out.shape)}` : typeof out;
        throw new PuregradError(op, `the function must return a float scalar (shape []), got ${what}. ` +
          'Reduce it first (sum, mean), or use vjp / jacrev for non-scalar outputs' +
          (options.hasAux ? '' : '; if it returns [loss, aux], pass { hasAux: true }'));
      }
      return { outs: [out], aux };
    }, xs);
    const value = lin.outs[0]!;
    const grads = unflatten(inDef, inputCotangents(lin.linear, lin.differentiable, xs, [filled([], value.dtype, 1)])) as unknown[];
    return Object.freeze([options.hasAux ? Object.freeze([value, lin.aux]) : value, typeof argnums === 'number' ? grads[0] : grads]);
  };
}

function unpackAux(op: string, result: unknown): [unknown, unknown] {
  if (!Array.isArray(result) || result.length !== 2) {
    throw new PuregradError(op, 'with { hasAux: true } the function must return a pair [loss, aux]');
  }
  return [result[0], result[1]];
}

/**
 * Trace `f` on arguments of the given shapes and dtypes (values are not used)
 * and return the program, printable with `toString()`.
 * @example
 * const program = makeProgram((x: Tensor) => sin(mul(x, x)))(scalar(1))
 * program.eqns.map((e) => e.prim.name) // => ["mul", "sin"]
 */
export function makeProgram<A extends readonly unknown[]>(f: (...args: A) => unknown): (...args: A) => Program {
  checkFunction('makeProgram', f);
  return (...args: A) => {
    // Tensor leaves become program inputs; other leaves (numbers, strings, …) are static, as under jit.
    const [xs, inDef] = flatten(args as unknown as Tree<unknown>);
    return withMain(
      (m) => new BuilderTrace(m),
      (main) => {
        const builder = main.trace as BuilderTrace;
        const ins = xs.map((x) => (x instanceof Tensor ? builder.newArg(x) : x));
        const [outs] = tensorLeaves('makeProgram', f(...(unflatten(inDef, ins) as unknown as A)), "the function's result");
        return builder.build(ins.filter((x): x is BuilderTracer => x instanceof BuilderTracer), outs);
      },
    );
  };
}
