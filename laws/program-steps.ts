/**
 * The step families of the random programs in `programs.ts`: each builder
 * draws one step — an op kind applied to earlier values, with its axes,
 * permutations or index tensors decided now — and returns a closure that
 * replays it on any values of the same shapes, its printed form, its shape
 * and a bound on its magnitude.
 */

import type { Tensor } from '../src/index.ts';
import { tensor } from '../src/index.ts';
import * as A from '../src/primitives/arith.ts';
import * as I from '../src/primitives/indexing.ts';
import * as L from '../src/primitives/linear.ts';
import * as M from '../src/primitives/matmul.ts';
import * as U from '../src/primitives/unary.ts';
import { broadcastShapes } from '../src/tensor/shape.ts';

/** The families a step is drawn from. */
export const stepKinds = [
  'unary', 'binary', 'compareSelect', 'reduce', 'reshape', 'transpose', 'slicePad',
  'concatSlice', 'gatherScatter', 'gatherArgmax', 'matmul', 'castFloat32', 'stopGradient',
] as const;
export type StepKind = (typeof stepKinds)[number];

/** Steps whose derivative is not that of the function evaluated in float64 (finite differences see through them). */
export const nonSmoothKinds: readonly StepKind[] = ['castFloat32', 'stopGradient'];

export type Shape = readonly number[];
export type Env = readonly Tensor[];
export interface Step {
  readonly run: (env: Env) => Tensor;
  readonly text: string;
  readonly shape: Shape;
  readonly bound: number;
}
export interface Ctx {
  readonly base: Shape;
  readonly shapes: Shape[];
  readonly bounds: number[];
  readonly next: () => number;
}

// ---------------------------------------------------------------- tensor helpers

const f64 = (v: number): Tensor => tensor(v, { dtype: 'float64' });
const [c01, c05] = [f64(0.1), f64(0.5)];
export const size = (s: Shape): number => s.reduce((a, b) => a * b, 1);
export const same = (a: Shape, b: Shape): boolean => a.length === b.length && a.every((d, i) => d === b[i]);
export const show = (s: Shape): string => `[${s.join(',')}]`;
export const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);
const to = (x: Tensor, s: Shape): Tensor => (same(x.shape, s) ? x : L.broadcast(x, s));
/** Reduced axes kept with length 1, so the result broadcasts against the input. */
const keepDims = (r: Tensor, s: Shape, axes: readonly number[]): Tensor => L.reshape(r, s.map((d, i) => (axes.includes(i) ? 1 : d)));
/** x − max over `axis` (kept): makes the axis' meaning matter. */
const centerMax = (x: Tensor, axis: number): Tensor => L.sub(x, to(keepDims(A.reduceMax(x, [axis]), x.shape, [axis]), x.shape));
/** Rank-0 values get a length-1 axis for the ops that need one, and lose it after. */
const lift = (s: Shape): Shape => (s.length === 0 ? [1] : s);

// ---------------------------------------------------------------- the step families

const pickInt = (ctx: Ctx, n: number): number => Math.floor(ctx.next() * n);
const pickFrom = <T>(ctx: Ctx, xs: readonly T[]): T => xs[pickInt(ctx, xs.length)]!;
/** An operand index, biased to the latest value so programs compose deeply; never `avoid` when there is a choice. */
function operand(ctx: Ctx, avoid?: number): number {
  const n = ctx.shapes.length;
  let i = ctx.next() < 0.4 ? n - 1 : pickInt(ctx, n);
  if (i === avoid && n > 1) i = (i + 1 + pickInt(ctx, n - 1)) % n;
  return i;
}
const common = (ctx: Ctx, ...ids: number[]): Shape => broadcastShapes(...ids.map((i) => ctx.shapes[i]!))!;

type Unary = readonly [string, (x: Tensor) => Tensor, (b: number) => number];
const unaries: readonly Unary[] = [
  ['exp(tanh %)', (x) => U.exp(U.tanh(x)), () => Math.E],
  ['sin %', U.sin, () => 1],
  ['cos %', U.cos, () => 1],
  ['tanh %', U.tanh, () => 1],
  ['neg %', L.neg, (b) => b],
  ['abs %', U.abs, (b) => b],
  ['sign %', U.sign, () => 1],
  ['sqrt(|%| + 0.1)', (x) => U.sqrt(L.add(U.abs(x), c01)), (b) => Math.sqrt(b + 0.1)],
  ['log(|%| + 0.5)', (x) => U.log(L.add(U.abs(x), c05)), (b) => Math.max(0.7, Math.log(b + 0.5))],
  ['log1p |%|', (x) => U.log1p(U.abs(x)), (b) => Math.log1p(b)],
  ['expm1(tanh %)', (x) => U.expm1(U.tanh(x)), () => Math.E - 1],
];

type Binary = readonly [string, (x: Tensor, y: Tensor) => Tensor, (a: number, b: number) => number];
const binaries: readonly Binary[] = [
  ['% + %', L.add, (a, b) => a + b],
  ['% - %', L.sub, (a, b) => a + b],
  ['% * %', A.mul, (a, b) => a * b],
  ['% / (|%| + 0.5)', (x, y) => A.div(x, L.add(U.abs(y), c05)), (a) => 2 * a],
  ['maximum(%, %)', A.maximum, (a, b) => Math.max(a, b)],
  ['pow(|%| + 0.5, tanh %)', (x, y) => U.pow(L.add(U.abs(x), c05), U.tanh(y)), (a) => Math.max(2, a + 0.5)],
];

const fill = (template: string, ids: readonly number[]): string => {
  let k = 0;
  return template.replace(/%/g, () => `v${ids[k++]}`);
};

export function unaryStep(ctx: Ctx): Step {
  const a = operand(ctx);
  const [text, f, bound] = pickFrom(ctx, unaries);
  return { run: (e) => f(e[a]!), text: fill(text, [a]), shape: ctx.shapes[a]!, bound: bound(ctx.bounds[a]!) };
}

function binaryStep(ctx: Ctx): Step {
  const a = operand(ctx);
  const b = operand(ctx, a);
  const [text, f, bound] = pickFrom(ctx, binaries);
  return { run: (e) => f(e[a]!, e[b]!), text: fill(text, [a, b]), shape: common(ctx, a, b), bound: bound(ctx.bounds[a]!, ctx.bounds[b]!) };
}

/** select(a > b, x, y) and friends; equal/notEqual compare a with maximum(a, b), i.e. test a ≥ b. */
function compareSelectStep(ctx: Ctx): Step {
  const [a, x] = [operand(ctx), operand(ctx)];
  const [b, y] = [operand(ctx, a), operand(ctx, x)];
  const cmp = pickFrom(ctx, ['greater', 'greaterEqual', 'equal', 'notEqual'] as const);
  const cond = (e: Env): Tensor =>
    cmp === 'greater' ? A.greater(e[a]!, e[b]!)
      : cmp === 'greaterEqual' ? A.greaterEqual(e[a]!, e[b]!)
        : A[cmp](e[a]!, A.maximum(e[a]!, e[b]!));
  const test = cmp.startsWith('greater') ? `v${a}, v${b}` : `v${a}, maximum(v${a}, v${b})`;
  return {
    run: (e) => L.select(cond(e), e[x]!, e[y]!),
    text: `select(${cmp}(${test}), v${x}, v${y})`,
    shape: common(ctx, a, b, x, y),
    bound: Math.max(ctx.bounds[x]!, ctx.bounds[y]!),
  };
}

/** reduceSum or reduceMax over random axes, kept with length 1, sometimes broadcast back to the base shape. */
function reduceStep(ctx: Ctx): Step {
  const a = operand(ctx);
  const s = ctx.shapes[a]!;
  const axes = range(s.length).filter(() => ctx.next() < 0.5);
  const op = pickFrom(ctx, ['reduceSum', 'reduceMax'] as const);
  const back = ctx.next() < 0.5;
  const kept = s.map((d, i) => (axes.includes(i) ? 1 : d));
  return {
    run: (e) => {
      const k = keepDims(op === 'reduceSum' ? L.reduceSum(e[a]!, axes) : A.reduceMax(e[a]!, axes), s, axes);
      return back ? to(k, ctx.base) : k;
    },
    text: `${op}(v${a}, axes=[${axes}]) kept${back ? `, broadcast to ${show(ctx.base)}` : ''}`,
    shape: back ? ctx.base : kept,
    bound: ctx.bounds[a]! * (op === 'reduceSum' ? size(axes.map((i) => s[i]!)) : 1),
  };
}

/** Reshape to a random factorisation, centre by the max along one of its axes, reshape back. */
function reshapeStep(ctx: Ctx): Step {
  const a = operand(ctx);
  const s = ctx.shapes[a]!;
  const dims = new Array<number>(1 + pickInt(ctx, 3)).fill(1);
  let n = size(s);
  for (let f = 2; n > 1; f++) {
    for (; n % f === 0; n /= f) dims[pickInt(ctx, dims.length)]! *= f; // each prime factor to a random axis
  }
  const axis = pickInt(ctx, dims.length);
  return {
    run: (e) => L.reshape(centerMax(L.reshape(e[a]!, dims), axis), s),
    text: `reshape(centerMax(reshape(v${a}, ${show(dims)}), axis=${axis}), ${show(s)})`,
    shape: s,
    bound: 2 * ctx.bounds[a]!,
  };
}

/** A random permutation: kept when it preserves the shape, else centred along the last axis and undone. */
function transposeStep(ctx: Ctx): Step | undefined {
  const a = operand(ctx);
  const s = ctx.shapes[a]!;
  if (s.length === 0) return undefined;
  const perm = range(s.length).map((i) => [ctx.next(), i] as const).sort((p, q) => p[0] - q[0]).map(([, i]) => i);
  if (same(perm.map((p) => s[p]!), s)) {
    return { run: (e) => L.transpose(e[a]!, perm), text: `transpose(v${a}, [${perm}])`, shape: s, bound: ctx.bounds[a]! };
  }
  const inv = L.inversePermutation(perm);
  return {
    run: (e) => L.transpose(centerMax(L.transpose(e[a]!, perm), s.length - 1), inv),
    text: `transpose(centerMax(transpose(v${a}, [${perm}]), axis=${s.length - 1}), [${inv}])`,
    shape: s,
    bound: 2 * ctx.bounds[a]!,
  };
}

/** A random non-empty block, zero-padded back to the value's shape. */
function slicePadStep(ctx: Ctx): Step {
  const a = operand(ctx);
  const s = ctx.shapes[a]!;
  const starts = s.map((d) => pickInt(ctx, d));
  const limits = s.map((d, i) => starts[i]! + 1 + pickInt(ctx, d - starts[i]!));
  const hi = s.map((d, i) => d - limits[i]!);
  return {
    run: (e) => I.pad(I.slice(e[a]!, starts, limits), starts, hi),
    text: `pad(slice(v${a}, [${starts}], [${limits}]), lo=[${starts}], hi=[${hi}])`,
    shape: s,
    bound: ctx.bounds[a]!,
  };
}

/** Concatenate two values along an axis and slice a window of the original length. */
function concatSliceStep(ctx: Ctx): Step {
  const a = operand(ctx);
  const b = operand(ctx, a);
  const s = common(ctx, a, b);
  const t = lift(s);
  const axis = pickInt(ctx, t.length);
  const offset = pickInt(ctx, t[axis]! + 1);
  const starts = t.map((_, i) => (i === axis ? offset : 0));
  const limits = t.map((d, i) => (i === axis ? offset + d : d));
  return {
    run: (e) => L.reshape(I.slice(I.concatenate([L.reshape(to(e[a]!, s), t), L.reshape(to(e[b]!, s), t)], axis), starts, limits), s),
    text: `slice(concatenate([v${a}, v${b}] as ${show(t)}, axis=${axis}), [${starts}], [${limits}])`,
    shape: s,
    bound: Math.max(ctx.bounds[a]!, ctx.bounds[b]!),
  };
}

/** Gather two values at constant random indices, combine, scatter-add back. */
function gatherScatterStep(ctx: Ctx): Step {
  const a = operand(ctx);
  const b = operand(ctx, a);
  const s = common(ctx, a, b);
  const t = lift(s);
  const axis = pickInt(ctx, t.length);
  const idxShape = range(pickInt(ctx, 3)).map(() => 1 + pickInt(ctx, 3));
  const idx = tensor(Int32Array.from(range(size(idxShape)), () => pickInt(ctx, t[axis]!)), { shape: idxShape, dtype: 'int32' });
  return {
    run: (e) => {
      const [x, y] = [L.reshape(to(e[a]!, s), t), L.reshape(to(e[b]!, s), t)];
      return L.reshape(I.scatterAdd(A.mul(I.gather(x, idx, axis), U.tanh(I.gather(y, idx, axis))), idx, axis, t), s);
    },
    text: `scatterAdd(gather(v${a}, i) * tanh(gather(v${b}, i)), i) with i = ${JSON.stringify(Array.from(idx.toTypedArray()))}:${show(idxShape)}, axis=${axis}`,
    shape: s,
    bound: ctx.bounds[a]! * idx.size,
  };
}

/** Data-dependent indices: argmax of one value along an axis picks entries of another, scatter-added back. */
function gatherArgmaxStep(ctx: Ctx): Step {
  const a = operand(ctx);
  const v = operand(ctx, a);
  const t = lift(ctx.base);
  const axis = pickInt(ctx, t.length);
  return {
    run: (e) => {
      const idx = A.argmax(L.reshape(to(e[v]!, ctx.base), t), axis);
      return L.reshape(I.scatterAdd(I.gather(L.reshape(to(e[a]!, ctx.base), t), idx, axis), idx, axis, t), ctx.base);
    },
    text: `scatterAdd(gather(v${a}, i), i) with i = argmax(v${v}, axis=${axis})`,
    shape: ctx.base,
    bound: ctx.bounds[a]! * size(t.filter((_, i) => i !== axis)),
  };
}

/** (x @ yᵀ) @ z over the base shape's last two axes: back to [..., m, k]. */
function matmulStep(ctx: Ctx): Step | undefined {
  const r = ctx.base.length;
  if (r < 2) return undefined;
  const [x, y, z] = [operand(ctx), operand(ctx), operand(ctx)];
  const b = ctx.base;
  return {
    run: (e) => M.matmul(M.matmul(to(e[x]!, b), M.swapLast(to(e[y]!, b))), to(e[z]!, b)),
    text: `(v${x} @ v${y}ᵀ) @ v${z}`,
    shape: b,
    bound: ctx.bounds[x]! * ctx.bounds[y]! * ctx.bounds[z]! * b[r - 1]! * b[r - 2]!,
  };
}

function castStep(ctx: Ctx): Step {
  const a = operand(ctx);
  return { run: (e) => L.cast(L.cast(e[a]!, 'float32'), 'float64'), text: `cast(cast(v${a}, float32), float64)`, shape: ctx.shapes[a]!, bound: ctx.bounds[a]! };
}

function stopGradientStep(ctx: Ctx): Step {
  const a = operand(ctx);
  return { run: (e) => L.stopGradient(e[a]!), text: `stopGradient(v${a})`, shape: ctx.shapes[a]!, bound: ctx.bounds[a]! };
}

export const builders: { readonly [K in StepKind]: (ctx: Ctx) => Step | undefined } = {
  unary: unaryStep,
  binary: binaryStep,
  compareSelect: compareSelectStep,
  reduce: reduceStep,
  reshape: reshapeStep,
  transpose: transposeStep,
  slicePad: slicePadStep,
  concatSlice: concatSliceStep,
  gatherScatter: gatherScatterStep,
  gatherArgmax: gatherArgmaxStep,
  matmul: matmulStep,
  castFloat32: castStep,
  stopGradient: stopGradientStep,
};

/** Scale a step whose bound passed 8 by a power of two, which is exact. */
export function bounded(step: Step): Step {
  if (step.bound <= 8) return step;
  const scale = 2 ** -Math.ceil(Math.log2(step.bound / 8));
  const c = f64(scale);
  return { run: (e) => A.mul(step.run(e), c), text: `(${step.text}) * 2^${Math.log2(scale)}`, shape: step.shape, bound: step.bound * scale };
}
