/**
 * The input domain of every primitive, for the laws: how to generate valid
 * operands and params, kept away from the kinks and poles where a finite
 * difference is not a derivative. The table's type is total over the
 * registry, so a new primitive does not compile until it has a domain here.
 */

import fc from 'fast-check';
import { tensorOf } from '../laws/arbitraries.ts';
import type { ValueConstraints } from '../laws/arbitraries.ts';
import type { Tolerance } from '../laws/numeric.ts';
import type { PrimName } from '../src/primitives/registry.ts';
import type { Tensor } from '../src/index.ts';
import { add, cos, log1p, exp, mul, nn, sin, tanh, tensor } from '../src/index.ts';
import { joinConsts, traceClosed } from '../src/transforms/closed.ts';
import { convOutputSize } from '../src/kernels/conv.ts';

export interface Case {
  readonly inputs: readonly Tensor[];
  readonly params: object;
}

export interface Domain {
  readonly cases: fc.Arbitrary<Case>;
  /** Tolerance of the finite-difference laws; default atol 1e-6, rtol 1e-5. */
  readonly tol?: Tolerance;
  /** Why the finite-difference laws do not apply, when they do not. */
  readonly noFiniteDifferences?: string;
  /** Only reverse mode is defined (customVjp): the jvp-based laws give way to a vjp-based one. */
  readonly reverseOnly?: boolean;
  /** A primitive that cannot run on its own, and the primitive whose laws exercise it. */
  readonly coveredBy?: PrimName;
}

type Shape = number[];
const dims = (min = 1, max = 3) => fc.integer({ min, max });
const shapeArb = (minRank = 0, maxRank = 3): fc.Arbitrary<Shape> => fc.array(dims(), { minLength: minRank, maxLength: maxRank });

/** A shape that broadcasts to `s`: leading axes dropped, some axes set to 1. */
const broadcastableTo = (s: Shape): fc.Arbitrary<Shape> =>
  fc.tuple(fc.integer({ min: 0, max: s.length }), fc.array(fc.boolean(), { minLength: s.length, maxLength: s.length }))
    .map(([drop, ones]) => s.slice(drop).map((d, i) => (ones[i + drop] ? 1 : d)));

const floats = (s: Shape, c: ValueConstraints = {}) => tensorOf(s, c);
const ints = (s: Shape, max: number) => tensorOf(s, { dtype: 'int32', min: 0, max });
const uint32Bits = (s: Shape) => tensorOf(s, { dtype: 'int32', min: -(2 ** 31), max: 2 ** 31 - 1 });

/** Values that are pairwise at least 1/8 apart, so maxima are unique. */
const distinct = (s: Shape): fc.Arbitrary<Tensor> => {
  const size = s.reduce((a, b) => a * b, 1);
  return fc.uniqueArray(fc.integer({ min: -40, max: 40 }), { minLength: size, maxLength: size })
    .map((v) => tensor(Float64Array.from(v, (k) => k / 8), { shape: s, dtype: 'float64' }));
};

const unary = (c: ValueConstraints = {}): Domain => ({
  cases: shapeArb().chain((s) => floats(s, c)).map((x) => ({ inputs: [x], params: {} })),
});

/** Two operands whose shapes broadcast together (either side may be the smaller). */
const binary = (cx: ValueConstraints = {}, cy: ValueConstraints = {}): Domain => ({
  cases: shapeArb()
    .chain((s) => fc.tuple(broadcastableTo(s), fc.boolean()).map(([t, swap]) => (swap ? [t, s] : [s, t])))
    .chain(([a, b]) => fc.tuple(floats(a!, cx), floats(b!, cy)))
    .map(([x, y]) => ({ inputs: [x, y], params: {} })),
});

const subsetOfAxes = (rank: number): fc.Arbitrary<number[]> =>
  fc.subarray(Array.from({ length: rank }, (_, i) => i)).map((a) => [...a].sort((x, y) => x - y));

const reduction = (values: (s: Shape) => fc.Arbitrary<Tensor>): Domain => ({
  cases: shapeArb().chain((s) => fc.tuple(values(s), subsetOfAxes(s.length))).map(([x, axes]) => ({ inputs: [x], params: { axes } })),
});

export const domains: { readonly [P in PrimName]: Domain } = {
  neg: unary(),
  exp: unary(),
  log: unary({ min: 0.2, max: 3 }),
  log1p: unary({ min: -0.5, max: 2 }),
  expm1: unary(),
  sin: unary(),
  cos: unary(),
  tanh: unary(),
  sqrt: unary({ min: 0.2, max: 3 }),
  abs: unary({ awayFromZero: 0.1 }),
  sign: unary({ awayFromZero: 0.1 }),
  add: binary(),
  sub: binary(),
  mul: binary(),
  div: binary({}, { awayFromZero: 0.5 }),
  pow: binary({ min: 0.5, max: 2 }, { min: -2, max: 2 }),
  maximum: {
    // same shape, and y differs from x by at least 0.1 everywhere: no ties
    cases: shapeArb().chain((s) => fc.tuple(floats(s), floats(s, { min: -1, max: 1, awayFromZero: 0.1 })))
      .map(([x, d]) => ({ inputs: [x, x.add(d)], params: {} })),
  },
  greater: binary(),
  greaterEqual: binary(),
  equal: binary(),
  notEqual: binary(),
  select: {
    cases: shapeArb()
      .chain((s) => fc.tuple(broadcastableTo(s), broadcastableTo(s), fc.constant(s)))
      .chain(([c, x, s]) => fc.tuple(tensorOf(c, { dtype: 'bool' }), floats(x), floats(s)))
      .map(([c, x, y]) => ({ inputs: [c, x, y], params: {} })),
  },
  cast: {
    cases: shapeArb().chain((s) => fc.tuple(floats(s, { awayFromZero: 0.1 }), fc.constantFrom('float64', 'int32', 'bool')))
      .map(([x, dtype]) => ({ inputs: [x], params: { dtype } })),
  },
  stopGradient: { ...unary(), noFiniteDifferences: 'its derivative is zero by definition' },
  reshape: {
    cases: shapeArb().chain((s) => {
      const size = s.reduce((a, b) => a * b, 1);
      return fc.tuple(floats(s), fc.constantFrom([size], [...s].reverse(), [1, ...s], [size, 1]));
    }).map(([x, shape]) => ({ inputs: [x], params: { shape } })),
  },
  transpose: {
    cases: shapeArb().chain((s) => fc.tuple(floats(s), fc.shuffledSubarray(s.map((_, i) => i), { minLength: s.length, maxLength: s.length })))
      .map(([x, perm]) => ({ inputs: [x], params: { perm } })),
  },
  broadcast: {
    cases: shapeArb().chain((s) => broadcastableTo(s).chain((t) => floats(t)).map((x) => ({ inputs: [x], params: { shape: s } }))),
  },
  reduceSum: reduction((s) => floats(s)),
  reduceMax: reduction(distinct),
  argmax: {
    cases: shapeArb(1).chain((s) => fc.tuple(distinct(s), fc.integer({ min: 0, max: s.length - 1 })))
      .map(([x, axis]) => ({ inputs: [x], params: { axis } })),
  },
  slice: {
    cases: shapeArb().chain((s) =>
      fc.tuple(floats(s), fc.tuple(...s.map((d) => fc.tuple(fc.integer({ min: 0, max: d }), fc.integer({ min: 0, max: d })))))
        .map(([x, bounds]) => ({
          inputs: [x],
          params: { starts: bounds.map(([a, b]) => Math.min(a, b)), limits: bounds.map(([a, b]) => Math.max(a, b)) },
        }))),
  },
  pad: {
    cases: shapeArb().chain((s) =>
      fc.tuple(floats(s), fc.array(dims(0, 2), { minLength: s.length, maxLength: s.length }), fc.array(dims(0, 2), { minLength: s.length, maxLength: s.length })))
      .map(([x, lo, hi]) => ({ inputs: [x], params: { lo, hi } })),
  },
  concatenate: {
    cases: shapeArb(1).chain((s) =>
      fc.integer({ min: 0, max: s.length - 1 }).chain((axis) =>
        fc.array(dims(1, 3), { minLength: 1, maxLength: 3 })
          .chain((lengths) => fc.tuple(...lengths.map((n) => floats(s.map((d, i) => (i === axis ? n : d))))))
          .map((xs) => ({ inputs: xs, params: { axis } })))),
  },
  gather: {
    cases: shapeArb(1).chain((s) =>
      fc.tuple(floats(s), fc.integer({ min: 0, max: s.length - 1 }), shapeArb(0, 2)).chain(([x, axis, is]) =>
        ints(is, s[axis]! - 1).map((idx) => ({ inputs: [x, idx], params: { axis } })))),
  },
  scatterAdd: {
    cases: shapeArb(1).chain((s) =>
      fc.tuple(fc.integer({ min: 0, max: s.length - 1 }), shapeArb(0, 2)).chain(([axis, is]) =>
        fc.tuple(floats([...s.slice(0, axis), ...is, ...s.slice(axis + 1)]), ints(is, s[axis]! - 1))
          .map(([u, idx]) => ({ inputs: [u, idx], params: { axis, shape: s } })))),
  },
  matmul: {
    // Random transpose flags: a transposed operand is stored with its last two axes swapped.
    cases: fc.tuple(shapeArb(0, 2), dims(1, 4), dims(1, 4), dims(1, 4), fc.boolean(), fc.boolean()).chain(([b, m, k, n, ta, tb]) =>
      fc.tuple(floats([...b, ...(ta ? [k, m] : [m, k])]), floats([...b, ...(tb ? [n, k] : [k, n])])).map(([x, y]) => ({
        inputs: [x, y],
        params: { ...(ta ? { transA: true } : {}), ...(tb ? { transB: true } : {}) },
      }))),
  },
  conv: {
    // 1-, 2- and 3-D; per axis: length, kernel, stride, [lo, hi] padding, input and kernel dilation;
    // then batch, input and output channels per group, and 1 or 2 feature groups. Outputs are non-empty.
    cases: fc.integer({ min: 1, max: 3 }).chain((nd) => {
      const axis = fc.record({
        n: dims(1, nd === 3 ? 3 : 5), k: dims(1, nd === 3 ? 2 : 3), stride: dims(1, 2),
        lo: dims(0, 2), hi: dims(0, 2), ld: fc.constantFrom(1, 1, 2), rd: dims(1, 2),
      });
      return fc.tuple(fc.array(axis, { minLength: nd, maxLength: nd }), dims(1, 2), dims(1, 3), dims(1, 3), dims(1, 2));
    }).filter(([axes]) => axes.every((a) => convOutputSize(a.n, a.k, a.stride, [a.lo, a.hi], a.ld, a.rd) >= 1))
      .chain(([axes, batch, inC, outC, groups]) =>
        fc.tuple(floats([batch, ...axes.map((a) => a.n), inC * groups]), floats([...axes.map((a) => a.k), inC, outC * groups]))
          .map(([x, w]) => ({
            inputs: [x, w],
            params: {
              strides: axes.map((a) => a.stride), padding: axes.map((a) => [a.lo, a.hi]),
              lhsDilation: axes.map((a) => a.ld), rhsDilation: axes.map((a) => a.rd), featureGroupCount: groups,
            },
          }))),
  },
  threefry2x32: {
    // keys and counters over the whole uint32 range (as int32 bits), broadcasting together
    cases: shapeArb().chain((s) => fc.tuple(...[0, 1, 2, 3].map(() => broadcastableTo(s).chain((t) => uint32Bits(t)))))
      .map((xs) => ({ inputs: xs, params: {} })),
    noFiniteDifferences: 'integer-valued (random bits): no float input or output to perturb',
  },
  uint32Binary: {
    // shift counts cover 0–40, so the 'shift of 32 or more gives 0' rule is exercised; rem by 0 too
    cases: shapeArb()
      .chain((s) => fc.tuple(broadcastableTo(s), fc.constant(s), fc.constantFrom('xor', 'shiftRightLogical', 'rem')))
      .chain(([a, b, op]) => fc.tuple(uint32Bits(a), op === 'shiftRightLogical' ? ints(b, 40) : uint32Bits(b), fc.constant(op)))
      .map(([x, y, op]) => ({ inputs: [x, y], params: { op } })),
    noFiniteDifferences: 'integer-valued: no float input or output to perturb',
  },
  erfInv: unary({ min: -0.9, max: 0.9 }),
  argsort: {
    // ties included (values on a grid of eighths), so stability is exercised; float64 and int32
    cases: shapeArb(1).chain((s) => fc.oneof(
      tensorOf(s, { min: -2, max: 2 }).map((x) => x.mul(4).cast('int32').cast('float64')),
      tensorOf(s, { dtype: 'int32', min: -3, max: 3 }),
    )).map((x) => ({ inputs: [x], params: {} })),
    noFiniteDifferences: 'piecewise constant (indices): zero derivative',
  },
  cond: {
    // Two branches over (x, y) returning two results each; either branch may be taken.
    cases: shapeArb().chain((s) => fc.tuple(fc.boolean(), floats(s), floats(s))).map(([p, x, y]) => {
      const whenFalse = traceClosed(([a, b]) => [add(a!, cos(b!)), mul(a!, a!)], [x, y]);
      const whenTrue = traceClosed(([a, b]) => [mul(sin(a!), b!), tanh(b!)], [x, y]);
      const { programs, consts } = joinConsts([whenFalse, whenTrue]);
      return { inputs: [tensor(p), ...consts, x, y], params: { branches: programs } };
    }),
  },
  scan: {
    // carry c ↦ tanh(c/2 + x), y = sin(c)·x, over 1–4 steps, forwards or backwards.
    cases: fc.tuple(shapeArb(0, 2), dims(1, 4), fc.boolean()).chain(([s, steps, reverse]) =>
      fc.tuple(floats(s), floats([steps, ...s])).map(([c, xs]) => {
        const body = traceClosed(([h, x]) => [tanh(add(mul(h!, 0.5), x!)), mul(sin(h!), x!)], [c, { shape: s, dtype: 'float64' }]);
        return {
          inputs: [...body.consts, c, xs],
          params: { body: body.program, numConsts: body.consts.length, numCarry: 1, length: steps, reverse },
        };
      })),
  },
  customJvp: {
    // softplus with its textbook rule d softplus = σ(x) dx
    cases: shapeArb().chain((s) => floats(s)).map((x) => {
      const fun = traceClosed(([a]) => [log1p(exp(a!))], [x]);
      const rule = traceClosed(([p, t]) => [log1p(exp(p!)), mul(t!, nn.sigmoid(p!))], [x, x]);
      return {
        inputs: [...fun.consts, ...rule.consts, x],
        params: { fun: fun.program, numConsts: fun.consts.length, rule: rule.program, numRuleConsts: rule.consts.length },
      };
    }),
  },
  customVjp: {
    // x·sin x with a hand-written backward pass ct·(sin x + x cos x)
    cases: shapeArb().chain((s) => floats(s)).map((x) => {
      const fun = traceClosed(([a]) => [mul(a!, sin(a!))], [x]);
      const fwd = traceClosed(([a]) => [mul(a!, sin(a!)), a!], [x]);
      const bwd = traceClosed(([r, ct]) => [mul(ct!, add(sin(r!), mul(r!, cos(r!))))], [x, x]);
      return {
        inputs: [...fun.consts, ...fwd.consts, ...bwd.consts, x],
        params: {
          fun: fun.program, numConsts: fun.consts.length, fwd: fwd.program, numFwdConsts: fwd.consts.length,
          bwd: bwd.program, numBwdConsts: bwd.consts.length,
        },
      };
    }),
    reverseOnly: true,
  },
  customVjpBackward: {
    cases: fc.constant({ inputs: [], params: {} }),
    coveredBy: 'customVjp',
  },
};
