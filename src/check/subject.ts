/**
 * What `check.grad` differentiates: the arguments flattened into leaves with
 * their paths, which leaves are differentiated (float leaves of the chosen
 * arguments; integer and bool leaves are held fixed), the elements checked
 * (all, or a seeded sample that visits every leaf), and the cotangent that
 * reduces the output to a scalar h(x) = ⟨u, f(x)⟩.
 */

import { isFloat } from '../tensor/dtype.ts';
import { PuregradError } from '../tensor/errors.ts';
import { showShape } from '../tensor/shape.ts';
import { filled, type Tensor } from '../tensor/tensor.ts';
import { tensorLeaves } from '../transforms/api.ts';
import { leafPaths } from '../tree/path.ts';
import type { TreeDef } from '../tree/tree.ts';
import { countLeaves, unflatten } from '../tree/tree.ts';
import { asFloat64, nudge, randomLike, values } from './numeric.ts';

const OP = 'check.grad';

/** A function of trees of tensors, returning a tensor or a tree of them. */
export type TreeFn = (...args: never[]) => unknown;

/** The arguments, flattened. */
export interface Subject {
  readonly def: TreeDef;
  readonly leaves: readonly Tensor[];
  /** The path of each leaf, from `args`. */
  readonly paths: readonly string[];
  /** The leaves differentiated, by position in `leaves`. */
  readonly differentiated: readonly number[];
}

/** One element of one differentiated leaf. */
export interface Coordinate {
  readonly leaf: number;
  /** Flat (row-major) position in the leaf. */
  readonly index: number;
}

/** Flatten `args` (an array of trees of tensors) and pick the leaves to differentiate. */
export function subjectOf(args: unknown, argnums: readonly number[] | undefined): Subject {
  if (!Array.isArray(args)) {
    const got = args === null ? 'null' : typeof args;
    throw new PuregradError(OP, `args must be the array of arguments f is called with (e.g. [params, x]), got ${got}`);
  }
  const [leaves, def] = tensorLeaves(OP, args);
  const argOf: number[] = [];
  if (def.kind === 'array') def.children.forEach((c, i) => argOf.push(...new Array<number>(countLeaves(c)).fill(i)));
  const chosen = new Set(argnums ?? args.map((_, i) => i));
  const differentiated = leaves.flatMap((l, i) => (chosen.has(argOf[i]!) && isFloat(l.dtype) && l.size > 0 ? [i] : []));
  if (differentiated.length === 0) {
    const which = argnums === undefined ? 'the arguments hold' : `argument(s) ${argnums.join(', ')} hold`;
    throw new PuregradError(OP, `nothing to differentiate: ${which} no non-empty float tensor; ` +
      'check.grad perturbs float32 and float64 leaves only');
  }
  return Object.freeze({
    def,
    leaves: Object.freeze([...leaves]),
    paths: Object.freeze(leafPaths(def, 'args')),
    differentiated: Object.freeze(differentiated),
  });
}

/** The total number of elements of the differentiated leaves. */
export const totalElements = (s: Subject): number => s.differentiated.reduce((n, j) => n + s.leaves[j]!.size, 0);

/**
 * The elements to check: all of them if there are at most `max`, else `max`
 * distinct ones drawn with `next` — first one in each leaf (so every leaf is
 * visited while `max` allows), then uniformly — in leaf order.
 */
export function coordinates(s: Subject, max: number, next: () => number): Coordinate[] {
  const all: Coordinate[] = s.differentiated.flatMap((leaf) =>
    Array.from({ length: s.leaves[leaf]!.size }, (_, index) => ({ leaf, index })));
  if (all.length <= max) return all;
  const offsets: number[] = [];
  let offset = 0;
  for (const leaf of s.differentiated) {
    offsets.push(offset);
    offset += s.leaves[leaf]!.size;
  }
  const picked = new Set<number>();
  const draw = (from: number, count: number): number => from + Math.min(count - 1, Math.floor(next() * count));
  s.differentiated.forEach((leaf, k) => {
    if (picked.size < max) picked.add(draw(offsets[k]!, s.leaves[leaf]!.size));
  });
  while (picked.size < max) picked.add(draw(0, all.length));
  return [...picked].sort((a, b) => a - b).map((p) => all[p]!);
}

/** Call `f` on the arguments rebuilt from `leaves`. */
export const callWith = (f: TreeFn, s: Subject, leaves: readonly Tensor[]): unknown =>
  (f as (...a: unknown[]) => unknown)(...(unflatten(s.def, leaves) as unknown[]));

/** The arguments rebuilt from `leaves`, as an array to spread into `f`. */
export const argsOf = (s: Subject, leaves: readonly Tensor[]): unknown[] => unflatten(s.def, leaves) as unknown[];

/** The leaves with every float leaf widened to float64 (the reference's inputs). */
export const upcast = (leaves: readonly Tensor[]): Tensor[] => leaves.map((l) => (isFloat(l.dtype) ? asFloat64(l) : l));

/** The leaves with element `c` moved by `delta`. */
export const nudged = (leaves: readonly Tensor[], c: Coordinate, delta: number): Tensor[] =>
  leaves.map((l, j) => (j === c.leaf ? nudge(l, c.index, delta) : l));

/** Zeros like every leaf, except ones at the leaves and directions given. */
export const zerosLike = (leaves: readonly Tensor[]): Tensor[] => leaves.map((l) => filled(l.shape, l.dtype, 0));

/** The basis direction of element `c`, in the leaves' dtypes. */
export const basis = (leaves: readonly Tensor[], c: Coordinate): Tensor[] => nudged(zerosLike(leaves), c, 1);

/** A random direction on the differentiated leaves (uniform in [−1, 1)), zeros elsewhere. */
export const direction = (s: Subject, next: () => number): Tensor[] =>
  s.leaves.map((l, j) => (s.differentiated.includes(j) ? randomLike(l, next) : filled(l.shape, l.dtype, 0)));

/** The output of `f`, flattened; at least one leaf must be a float tensor. */
export interface Output {
  readonly def: TreeDef;
  readonly leaves: readonly Tensor[];
}

export function outputOf(y: unknown): Output {
  const [leaves, def] = tensorLeaves(OP, y, "f's result", 'result');
  if (!leaves.some((l) => isFloat(l.dtype))) {
    const shown = leaves.map((l) => `${l.dtype}${showShape(l.shape)}`).join(', ');
    const got = shown === '' ? 'no tensor' : shown;
    throw new PuregradError(OP, `f must return a float tensor (or a tree holding one) to have a derivative, got ${got}`);
  }
  return { def, leaves };
}

/**
 * The cotangent u: 1 for a single scalar output (so the derivatives checked are
 * the gradient's own entries), else uniform in [−1, 1) on the float outputs,
 * zeros on the others.
 */
export function cotangentOf(out: Output, next: () => number): Tensor[] {
  const only = out.leaves.length === 1 ? out.leaves[0]! : undefined;
  if (only !== undefined && only.size === 1) return [filled(only.shape, only.dtype, 1)];
  return out.leaves.map((l) => (isFloat(l.dtype) ? randomLike(l, next) : filled(l.shape, l.dtype, 0)));
}

/** ⟨u, y⟩ over the leaves, in float64. */
export function pairing(ys: readonly Tensor[], us: readonly Tensor[]): number {
  let s = 0;
  ys.forEach((y, k) => {
    const [a, b] = [values(y), values(us[k]!)];
    for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  });
  return s;
}
