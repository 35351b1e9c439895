/**
 * Random programs: straight-line functions over float64 tensors made of
 * registry primitives, with concrete inputs, for the laws that must hold of
 * every program — `jit ≡ evalProgram ≡ eager`, `vmap(f) ≡ stack ∘ map f`, and
 * the differentiation laws of `ad.ts` applied to whole compositions.
 *
 * The arbitrary decides a plan — op kinds, operands, axes, permutations, index
 * tensors — and bakes it into a closure, so `fn` recomputes the same steps on
 * any inputs of the same shapes, under any tracer. Every value's shape
 * broadcasts to one base shape, so any two values can meet in a broadcasting
 * op. Magnitudes are tracked by a static bound, and a result whose bound grows
 * past 8 is scaled by a power of two (exact in floating point), so values stay
 * moderate. Domains are guarded (log(|x| + ½), x / (|y| + ½), …), and inputs are
 * kept off 0 and (with probability 1) off each other, so kinks (abs, sign,
 * maximum, select, argmax) are met only where every tangent involved is zero
 * (the zeros of pad and scatterAdd, x − max x at its maximum).
 */

import fc from './fc.ts';
import type { Tensor } from '../src/index.ts';
import { evalProgram, makeProgram, tensor } from '../src/index.ts';
import * as L from '../src/primitives/linear.ts';
import { vmapMatchesLoop } from './batching.ts';
import type { Tolerance, Verdict } from './numeric.ts';
import { all, fail, pass, rng } from './numeric.ts';
import type { Ctx, Shape, Step, StepKind } from './program-steps.ts';
import { bounded, builders, range, same, show, size, stepKinds, unaryStep } from './program-steps.ts';

export { nonSmoothKinds, stepKinds } from './program-steps.ts';
export type { StepKind } from './program-steps.ts';

/** A random straight-line function with inputs for it; prints as its step listing. */
export interface RandomProgram {
  readonly inputs: readonly Tensor[];
  readonly fn: (...xs: Tensor[]) => Tensor[];
  readonly description: string;
}

export interface ProgramOptions {
  /** At most this many steps (default 8). */
  readonly maxSteps?: number;
  /** Exactly this many inputs (default 1–3). */
  readonly numInputs?: number;
  /** Draw steps only from these kinds (default all of `stepKinds`). */
  readonly kinds?: readonly StepKind[];
}

// ---------------------------------------------------------------- the arbitrary

class Drawn implements RandomProgram {
  constructor(readonly inputs: readonly Tensor[], readonly fn: (...xs: Tensor[]) => Tensor[], readonly description: string) {}
  toString(): string {
    return this.description;
  }
  [fc.toStringMethod](): string {
    return `RandomProgram:\n${this.description}`;
  }
}

/**
 * Input values: uniform magnitudes in [0.1, 2] with random signs. Drawn from a
 * seed rather than `tensorOf`, whose doubles cluster at 0 (clamped to the
 * guard) and at the bounds, which puts ties where maximum, select and argmax
 * have kinks. Here ties have probability 0 and no value is near 0.
 */
function spread(s: Shape, seed: number): Tensor {
  const next = rng(seed);
  const data = Float64Array.from(range(size(s)), () => (next() < 0.5 ? -1 : 1) * (0.1 + 1.9 * next()));
  return tensor(data, { shape: s, dtype: 'float64' });
}

/** Rank 0–3 (2 or 3 two times in three, where the structural ops have room), axes uniform in 1–4. */
const baseShape: fc.Arbitrary<number[]> = fc
  .noBias(fc.tuple(fc.constantFrom(0, 1, 2, 2, 3, 3), fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 3, maxLength: 3 })))
  .map(([rank, dims]) => dims.slice(0, rank));

/** A shape that broadcasts to `s`: some leading axes dropped, some axes set to 1. */
const broadcastableTo = (s: Shape): fc.Arbitrary<number[]> =>
  fc.tuple(fc.integer({ min: 0, max: s.length }), fc.array(fc.boolean(), { minLength: s.length, maxLength: s.length }))
    .map(([drop, ones]) => s.slice(drop).map((d, i) => (ones[i + drop] ? 1 : d)));

function build(base: Shape, inputs: readonly Tensor[], steps: readonly { kind: StepKind; seed: number }[], extra: number | null): RandomProgram {
  const ctx: Ctx = { base, shapes: inputs.map((x) => x.shape), bounds: inputs.map(() => 2), next: () => 0 };
  const plan: Step[] = [];
  for (const { kind, seed } of steps) {
    const next = rng(seed);
    const c = { ...ctx, next };
    const step = bounded(builders[kind](c) ?? unaryStep(c));
    plan.push(step);
    ctx.shapes.push(step.shape);
    ctx.bounds.push(step.bound);
  }
  const last = ctx.shapes.length - 1;
  const outs = extra === null ? [last] : [last, extra % last];
  const fn = (...xs: Tensor[]): Tensor[] => {
    const env: Tensor[] = [...xs];
    for (const step of plan) env.push(step.run(env));
    return outs.map((i) => env[i]!);
  };
  const lines = [
    ...inputs.map((x, i) => `  v${i}: f64${show(x.shape)} = input ${i}`),
    ...plan.map((s, j) => `  v${inputs.length + j}: f64${show(s.shape)} = ${s.text}`),
    `  return (${outs.map((i) => `v${i}`).join(', ')})`,
  ];
  return new Drawn(inputs, fn, lines.join('\n'));
}

/**
 * Random straight-line programs over float64 tensors: a base shape (rank 0–3,
 * axes 1–4), 1–3 inputs of it or of shapes broadcasting to it, then 1–maxSteps
 * steps drawn from the primitive families, returning the last value and
 * sometimes an earlier one.
 * @example
 * const [p] = fc.sample(randomProgram({ numInputs: 2, maxSteps: 4 }), { seed: 1, numRuns: 1 })
 * p!.inputs.length // => 2
 * p!.inputs.every((x) => x.dtype === 'float64') // => true
 */
export function randomProgram(options: ProgramOptions = {}): fc.Arbitrary<RandomProgram> {
  const kinds = options.kinds ?? stepKinds;
  const count = fc.integer({ min: options.numInputs ?? 1, max: options.numInputs ?? 3 });
  return fc.tuple(baseShape, count).chain(([base, n]) => {
    const shapes = fc.tuple(fc.constant(base), ...range(n - 1).map(() => fc.oneof({ arbitrary: fc.constant(base), weight: 2 }, { arbitrary: broadcastableTo(base), weight: 1 })));
    const inputs = shapes.chain((ss) => fc.tuple(...ss.map((s) => fc.nat().map((seed) => spread(s, seed)))));
    const steps = fc.array(fc.record({ kind: fc.constantFrom(...kinds), seed: fc.nat() }), { minLength: 1, maxLength: options.maxSteps ?? 8 });
    return fc.tuple(inputs, steps, fc.option(fc.nat(), { nil: null }))
      .map(([xs, ss, extra]) => build(base, xs, ss, extra));
  });
}

/** `size` variants of the program's inputs, same shapes: variant 0 is the inputs themselves, the others add noise in [−¼, ¼). */
export function batchOf(p: RandomProgram, size: number, seed: number): Tensor[][] {
  const next = rng(seed);
  return range(size).map((k) =>
    p.inputs.map((x) => (k === 0 ? x : tensor(Float64Array.from(x.toTypedArray(), (v) => v + (next() - 0.5) * 0.5), { shape: x.shape, dtype: 'float64' }))),
  );
}

/** The same inputs with `fn` replaced (by `jit(p.fn)`, a gradient, …); the listing says by what. */
export const withFn = (p: RandomProgram, note: string, fn: (...xs: Tensor[]) => Tensor[]): RandomProgram =>
  new Drawn(p.inputs, fn, `${note} of\n${p.description}`);

/**
 * The sum of every element of every output: a scalar function for the differentiation laws.
 * @example
 * const p = { inputs: [tensor([1, 2])], fn: (x: Tensor) => [x, mul(x, x)], description: 'x, x²' }
 * scalarized(p)(tensor([1, 2])) // => 8
 */
export const scalarized = (p: RandomProgram) => (...xs: Tensor[]): Tensor =>
  p.fn(...xs).map((y) => L.reduceSum(y, range(y.rank))).reduce((acc, y) => L.add(acc, y));

// ---------------------------------------------------------------- the laws

/** `jit` as `src/transforms/jit.ts` exports it, taken as a parameter so this module does not depend on it. */
export type Jit = <F extends (...a: Tensor[]) => Tensor[]>(f: F) => F;

/** Same shapes, dtypes and bits (Object.is: NaN equals NaN, −0 differs from 0). */
function sameBits(what: string, actual: readonly (Tensor | null)[], expected: readonly Tensor[]): Verdict {
  if (actual.length !== expected.length) return fail(`${what}: ${actual.length} outputs but expected ${expected.length}`);
  for (let k = 0; k < expected.length; k++) {
    const [a, b] = [actual[k], expected[k]!];
    if (a === null || a === undefined) return fail(`${what}: output ${k} is missing`);
    if (a.dtype !== b.dtype || !same(a.shape, b.shape)) return fail(`${what}: output ${k} is ${a.dtype}${show(a.shape)} but expected ${b.dtype}${show(b.shape)}`);
    const [x, y] = [a.toTypedArray(), b.toTypedArray()];
    for (let i = 0; i < y.length; i++) {
      if (!Object.is(x[i], y[i])) return fail(`${what}: output ${k}, element ${i} is ${x[i]} but expected ${y[i]} (bit for bit)`);
    }
  }
  return pass;
}

/**
 * `jit(f)(xs)`, on its first (tracing) and second (cached) call, and
 * `evalProgram(makeProgram(f)(xs), xs)` all equal `f(xs)` bit for bit; a third
 * call on new inputs of the same shapes equals `f` on those.
 * @example
 * const p = { inputs: [tensor([1, 2], { dtype: 'float64' })], fn: (x: Tensor) => [sin(mul(x, x))], description: 'sin(x²)' }
 * jitMatchesEager(jit)(p).ok // => true
 * fc.sample(randomProgram(), { seed: 3, numRuns: 5 }).every((q) => jitMatchesEager(jit)(q).ok) // => true
 */
export const jitMatchesEager =
  (jit: Jit) =>
  (p: RandomProgram): Verdict => {
    const eager = p.fn(...p.inputs);
    const jitted = jit(p.fn);
    const fresh = batchOf(p, 2, 0x9e3779b9)[1]!;
    return all(
      sameBits('evalProgram vs eager', evalProgram(makeProgram(p.fn)(...p.inputs), p.inputs), eager),
      sameBits('jit (first call) vs eager', jitted(...p.inputs), eager),
      sameBits('jit (cached call) vs eager', jitted(...p.inputs), eager),
      sameBits('jit (cached call, new inputs) vs eager', jitted(...fresh), p.fn(...fresh)),
    );
  };

/**
 * The batching law of `batching.ts`, for a random program: `vmap(p.fn)` on stacked variants ≡ stacking `p.fn` of each.
 * @example
 * const [p] = fc.sample(randomProgram({ numInputs: 2 }), { seed: 2, numRuns: 1 })
 * programVmapMatchesLoop({ atol: 1e-12, rtol: 1e-9 })(p!, variantsOf(p!.inputs, 3, 0), [0, null]).ok // => true
 */
export const programVmapMatchesLoop =
  (tol: Tolerance) =>
  (p: RandomProgram, batch: readonly (readonly Tensor[])[], inAxes: readonly (number | null)[]): Verdict =>
    inAxes.every((a) => a === null) ? fail('inAxes must batch at least one input') : vmapMatchesLoop(p.fn, tol)(batch, inAxes);
