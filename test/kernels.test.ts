/**
 * Kernel tests: property tests against slow references written with explicit
 * index arithmetic (unravel / ravel), algebraic round-trips and adjointness,
 * and a few hand-checked edge cases. Random data are small integers stored as
 * doubles, so sums are exact and results compare with strict equality
 * whatever the summation order. Seeds are fixed so CI is deterministic.
 */

import { describe, it, expect } from 'vitest';
import { uniforms } from './support.ts';
import fc from 'fast-check';
import type { Storage } from '../src/tensor/dtype.ts';
import type { Shape } from '../src/tensor/shape.ts';
import { sizeOf } from '../src/tensor/shape.ts';
import {
  argmax,
  binary,
  broadcastTo,
  cast,
  concatenate,
  gather,
  matmul,
  pad,
  reduceMax,
  reduceSum,
  scatterAdd,
  select,
  slice,
  transpose,
  unary,
} from '../src/kernels/index.ts';
import type { BinaryKernel } from '../src/kernels/index.ts';

const RUNS = { seed: 42, numRuns: 100 };

// ---- reference index arithmetic -------------------------------------------

function unravel(flat: number, shape: Shape): number[] {
  const idx = new Array<number>(shape.length);
  for (let ax = shape.length - 1; ax >= 0; ax--) {
    idx[ax] = flat % shape[ax];
    flat = Math.floor(flat / shape[ax]);
  }
  return idx;
}

const ravel = (idx: readonly number[], shape: Shape): number =>
  idx.reduce((acc, i, ax) => acc * shape[ax] + i, 0);

/** The element of `x` (of `shape`) that output index `outIdx` reads under broadcasting. */
function broadcastRead(x: Storage, shape: Shape, outIdx: readonly number[]): number {
  const offset = outIdx.length - shape.length;
  return x[ravel(shape.map((d, ax) => (d === 1 ? 0 : outIdx[offset + ax])), shape)];
}

const list = (x: Storage): number[] => Array.from(x);
function dot(a: Storage, b: Storage): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

// ---- arbitraries ------------------------------------------------------------

const shapeArb = (minDim = 0, maxRank = 4): fc.Arbitrary<number[]> =>
  fc.array(fc.integer({ min: minDim, max: 3 }), { maxLength: maxRank });

const dataArb = (size: number, min = -5, max = 5): fc.Arbitrary<Float64Array> =>
  fc.array(fc.integer({ min, max }), { minLength: size, maxLength: size }).map((a) => Float64Array.from(a));

/** A shape that broadcasts to `out`: some leading axes dropped, some axes set to 1. */
const broadcastableArb = (out: Shape): fc.Arbitrary<number[]> =>
  fc
    .tuple(
      fc.integer({ min: 0, max: out.length }),
      fc.array(fc.boolean(), { minLength: out.length, maxLength: out.length }),
    )
    .map(([drop, ones]) => out.slice(drop).map((d, ax) => (ones[drop + ax] ? 1 : d)));

const withData = (shape: Shape) => dataArb(sizeOf(shape)).map((x) => ({ shape, x }));

// ---- elementwise --------------------------------------------------------------

const BINARY_REF: Record<BinaryKernel, (a: number, b: number) => number> = {
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  div: (a, b) => a / b,
  pow: (a, b) => a ** b,
  maximum: (a, b) => Math.max(a, b),
  greater: (a, b) => (a > b ? 1 : 0),
  greaterEqual: (a, b) => (a >= b ? 1 : 0),
  equal: (a, b) => (a === b ? 1 : 0),
  notEqual: (a, b) => (a !== b ? 1 : 0),
};
const BINARY_OPS = Object.keys(BINARY_REF) as BinaryKernel[];

describe('binary', () => {
  const caseArb = shapeArb().chain((out) =>
    fc.record({
      out: fc.constant(out),
      a: broadcastableArb(out).chain(withData),
      b: broadcastableArb(out).chain(withData),
      op: fc.constantFrom(...BINARY_OPS),
    }),
  );

  it('matches an index-arithmetic reference under broadcasting (float64 and float32)', () => {
    fc.assert(
      fc.property(caseArb, ({ out, a, b, op }) => {
        const want = Array.from({ length: sizeOf(out) }, (_, f) => {
          const idx = unravel(f, out);
          return BINARY_REF[op](broadcastRead(a.x, a.shape, idx), broadcastRead(b.x, b.shape, idx));
        });
        expect(list(binary(op, a.x, a.shape, b.x, b.shape, out, 'float64'))).toEqual(want);
        const f32 = binary(op, a.x, a.shape, b.x, b.shape, out, 'float32');
        expect(f32).toBeInstanceOf(Float32Array);
        expect(list(f32)).toEqual(want.map(Math.fround));
      }),
      RUNS,
    );
  });

  it('never writes its inputs', () => {
    fc.assert(
      fc.property(caseArb, ({ out, a, b, op }) => {
        const [a0, b0] = [list(a.x), list(b.x)];
        binary(op, a.x, a.shape, b.x, b.shape, out, 'float64');
        expect([list(a.x), list(b.x)]).toEqual([a0, b0]);
      }),
      { ...RUNS, numRuns: 30 },
    );
  });

  it('maximum propagates NaN from either side', () => {
    const a = Float64Array.of(NaN, 1, 2);
    const b = Float64Array.of(0, NaN, 3);
    expect(list(binary('maximum', a, [3], b, [3], [3], 'float64'))).toEqual([NaN, NaN, 3]);
  });

  it('comparisons write 1/0 into a bool buffer', () => {
    const out = binary('greater', Float64Array.of(1, 2, 3), [3], Float64Array.of(2), [], [3], 'bool');
    expect(out).toBeInstanceOf(Uint8Array);
    expect(list(out)).toEqual([0, 0, 1]);
    expect(list(binary('equal', Float64Array.of(NaN), [], Float64Array.of(NaN), [], [], 'bool'))).toEqual([0]);
  });

  it('arithmetic into bool uses truthiness, and into int32 truncates', () => {
    const t = Uint8Array.of(0, 1, 1);
    const u = Uint8Array.of(0, 0, 1);
    expect(list(binary('add', t, [3], u, [3], [3], 'bool'))).toEqual([0, 1, 1]);
    expect(list(binary('div', Float64Array.of(1), [1], Float64Array.of(0), [1], [1], 'bool'))).toEqual([1]);
    const q = binary('div', Int32Array.of(7, -7, 1), [3], Int32Array.of(2, 2, 0), [3], [3], 'int32');
    expect(list(q)).toEqual([3, -3, 0]);
  });
});

describe('unary, select, cast', () => {
  it('unary applies the Math function; int32 output truncates', () => {
    const x = Float64Array.of(-1.5, 0, 2.25);
    expect(list(unary('sqrt', x, 'float64'))).toEqual([NaN, 0, 1.5]);
    expect(list(unary('sign', x, 'float64'))).toEqual([-1, 0, 1]);
    expect(list(unary('neg', x, 'int32'))).toEqual([1, 0, -2]);
    expect(list(unary('exp', x, 'float32'))).toEqual(list(x).map((v) => Math.fround(Math.exp(v))));
  });

  it('select matches a reference under broadcasting', () => {
    const arb = shapeArb().chain((out) =>
      fc.record({
        out: fc.constant(out),
        c: broadcastableArb(out).chain((s) =>
          fc.array(fc.boolean(), { minLength: sizeOf(s), maxLength: sizeOf(s) }).map((bs) => ({
            shape: s,
            x: Uint8Array.from(bs, Number),
          })),
        ),
        x: broadcastableArb(out).chain(withData),
        y: broadcastableArb(out).chain(withData),
      }),
    );
    fc.assert(
      fc.property(arb, ({ out, c, x, y }) => {
        const want = Array.from({ length: sizeOf(out) }, (_, f) => {
          const idx = unravel(f, out);
          return broadcastRead(c.x, c.shape, idx) ? broadcastRead(x.x, x.shape, idx) : broadcastRead(y.x, y.shape, idx);
        });
        expect(list(select(c.x, c.shape, x.x, x.shape, y.x, y.shape, out, 'float64'))).toEqual(want);
      }),
      RUNS,
    );
  });

  it('cast truncates toward zero, and bool is nonzero (NaN is true, as in NumPy)', () => {
    const x = Float64Array.of(-1.7, -0.5, 0, 2.9, NaN, Infinity);
    expect(list(cast(x, 'int32'))).toEqual([-1, 0, 0, 2, 0, 0]);
    const b = cast(x, 'bool');
    expect(b).toBeInstanceOf(Uint8Array);
    expect(list(b)).toEqual([1, 1, 0, 1, 1, 1]);
    expect(list(cast(Uint8Array.of(0, 1), 'float32'))).toEqual([0, 1]);
    expect(list(cast(Float64Array.of(0.1), 'float32'))).toEqual([Math.fround(0.1)]);
  });
});

// ---- reductions -----------------------------------------------------------------

describe('reductions', () => {
  const caseArb = shapeArb().chain((shape) =>
    fc.record({
      shape: fc.constant(shape),
      x: dataArb(sizeOf(shape)),
      axes: fc.subarray(shape.map((_, ax) => ax)),
    }),
  );

  /** Reference: fold every element into the slot of its kept index. */
  function reduceRef(x: Storage, shape: Shape, axes: readonly number[], init: number, f: (m: number, v: number) => number) {
    const kept = shape.filter((_, ax) => !axes.includes(ax));
    const acc = new Array<number>(sizeOf(kept)).fill(init);
    for (let i = 0; i < x.length; i++) {
      const o = ravel(unravel(i, shape).filter((_, ax) => !axes.includes(ax)), kept);
      acc[o] = f(acc[o], x[i]);
    }
    return acc;
  }

  it('reduceSum and reduceMax match a naive reference', () => {
    fc.assert(
      fc.property(caseArb, ({ shape, x, axes }) => {
        expect(list(reduceSum(x, shape, axes, 'float64'))).toEqual(reduceRef(x, shape, axes, 0, (m, v) => m + v));
        expect(list(reduceMax(x, shape, axes, 'float64'))).toEqual(reduceRef(x, shape, axes, -Infinity, Math.max));
        expect(list(reduceSum(x, shape, axes, 'int32'))).toEqual(reduceRef(x, shape, axes, 0, (m, v) => m + v));
      }),
      RUNS,
    );
  });

  it('empty axes copy; empty reductions give 0 and -Infinity; NaN propagates', () => {
    expect(list(reduceSum(Float64Array.of(1, 2), [2], [], 'float64'))).toEqual([1, 2]);
    expect(list(reduceSum(new Float64Array(0), [2, 0], [1], 'float64'))).toEqual([0, 0]);
    expect(list(reduceMax(new Float64Array(0), [2, 0], [1], 'float64'))).toEqual([-Infinity, -Infinity]);
    expect(list(reduceMax(Float64Array.of(1, NaN, 3, 4), [2, 2], [1], 'float64'))).toEqual([NaN, 4]);
    expect(list(reduceMax(Float64Array.of(1, NaN, 3, 4), [2, 2], [0], 'float64'))).toEqual([3, NaN]);
  });

  it('column sums (WebAssembly past 2048 elements) add each column in row order in doubles, bit for bit', () => {
    // Values of mixed magnitude, so a different order or a float32 accumulator would change the bits.
    const arb = fc.record({
      rows: fc.integer({ min: 1, max: 300 }),
      n: fc.integer({ min: 1, max: 67 }),
      seed: fc.integer(),
      wide: fc.boolean(),
    });
    fc.assert(
      fc.property(arb, ({ rows, n, seed, wide }) => {
        const next = uniforms(seed); // in [-1, 1)
        const values = Array.from({ length: rows * n }, () => next() * 2 ** Math.floor(next() * 15));
        const x = wide ? Float64Array.from(values) : Float32Array.from(values);
        const want = new Float64Array(n);
        for (let r = 0; r < rows; r++) for (let j = 0; j < n; j++) want[j]! += x[r * n + j]!;
        const got = reduceSum(x, [rows, n], [0], wide ? 'float64' : 'float32');
        expect(Array.from(got)).toEqual(Array.from(wide ? want : Float32Array.from(want)));
      }),
      { ...RUNS, numRuns: 60 },
    );
  });

  it('argmax takes the first of ties and the first NaN', () => {
    // shape [2, 3]: along axis 1 and along axis 0
    const x = Float64Array.of(1, 5, 5, 7, NaN, NaN);
    expect(list(argmax(x, [2, 3], 1))).toEqual([1, 1]);
    expect(list(argmax(x, [2, 3], 0))).toEqual([1, 1, 1]);
    expect(list(argmax(Float64Array.of(2, 2, 2), [3], 0))).toEqual([0]);
    expect(list(argmax(Float64Array.of(NaN, 9), [2], 0))).toEqual([0]);
  });

  it('argmax matches a reference', () => {
    const arb = shapeArb(1).filter((s) => s.length > 0).chain((shape) =>
      fc.record({ shape: fc.constant(shape), x: dataArb(sizeOf(shape), -2, 2), axis: fc.integer({ min: 0, max: shape.length - 1 }) }),
    );
    fc.assert(
      fc.property(arb, ({ shape, x, axis }) => {
        const outShape = shape.filter((_, ax) => ax !== axis);
        const want = Array.from({ length: sizeOf(outShape) }, (_, f) => {
          const idx = unravel(f, outShape);
          let best = 0;
          for (let k = 1; k < shape[axis]; k++) {
            const at = (j: number) => x[ravel([...idx.slice(0, axis), j, ...idx.slice(axis)], shape)];
            if (at(k) > at(best)) best = k;
          }
          return best;
        });
        expect(list(argmax(x, shape, axis))).toEqual(want);
      }),
      RUNS,
    );
  });
});

// ---- matmul -----------------------------------------------------------------------

describe('matmul', () => {
  it('matches a naive triple loop', () => {
    const arb = fc
      .tuple(shapeArb(1, 2), fc.integer({ min: 0, max: 5 }), fc.integer({ min: 0, max: 5 }), fc.integer({ min: 0, max: 5 }))
      .chain(([batch, m, k, n]) =>
        fc.record({
          batch: fc.constant(batch),
          m: fc.constant(m),
          k: fc.constant(k),
          n: fc.constant(n),
          a: dataArb(sizeOf(batch) * m * k),
          b: dataArb(sizeOf(batch) * k * n),
        }),
      );
    fc.assert(
      fc.property(arb, ({ batch, m, k, n, a, b }) => {
        const want: number[] = [];
        for (let t = 0; t < sizeOf(batch); t++)
          for (let i = 0; i < m; i++)
            for (let j = 0; j < n; j++) {
              let s = 0;
              for (let p = 0; p < k; p++) s += a[t * m * k + i * k + p] * b[t * k * n + p * n + j];
              want.push(s);
            }
        const got = matmul(a, [...batch, m, k], b, [...batch, k, n], 'float64');
        expect(list(got)).toEqual(want);
        const got32 = matmul(Float32Array.from(a), [...batch, m, k], Float32Array.from(b), [...batch, k, n], 'float32');
        expect(got32).toBeInstanceOf(Float32Array);
        expect(list(got32)).toEqual(want);
      }),
      RUNS,
    );
  });

  it('accumulates float32 in float32, in order, within the documented bound', () => {
    // Each partial sum is rounded to float32 (as BLAS and every peer do), so 1 + 2^-30 - 1 loses the small term;
    // the error stays within γ_k·Σ|a||b| (γ_k = k·u/(1 − k·u), u = 2^-24), the bound src/kernels/matmul.ts states.
    const a = Float32Array.of(1, 2 ** -30, -1);
    const b = Float32Array.of(1, 1, 1);
    const got = list(matmul(a, [1, 3], b, [3, 1], 'float32'))[0]!;
    expect(got).toBe(0);
    const k = 3;
    expect(Math.abs(got - 2 ** -30)).toBeLessThanOrEqual(((k * 2 ** -24) / (1 - k * 2 ** -24)) * (1 + 2 ** -30 + 1));
  });
});

// ---- structural ---------------------------------------------------------------------

describe('structural', () => {
  const permutedArb = shapeArb().chain((shape) =>
    fc.record({
      shape: fc.constant(shape),
      x: dataArb(sizeOf(shape)),
      perm: fc.shuffledSubarray(shape.map((_, ax) => ax), { minLength: shape.length, maxLength: shape.length }),
    }),
  );

  it('transpose matches index math, and the inverse permutation undoes it', () => {
    fc.assert(
      fc.property(permutedArb, ({ shape, x, perm }) => {
        const outShape = perm.map((p) => shape[p]);
        const y = transpose(x, shape, perm);
        const want = Array.from({ length: x.length }, (_, f) => {
          const o = unravel(f, outShape);
          const i = new Array<number>(shape.length);
          perm.forEach((p, ax) => (i[p] = o[ax]));
          return x[ravel(i, shape)];
        });
        expect(list(y)).toEqual(want);
        const inverse = perm.map((_, ax) => perm.indexOf(ax));
        expect(list(transpose(y, outShape, inverse))).toEqual(list(x));
      }),
      RUNS,
    );
  });

  it('broadcastTo matches index math', () => {
    const arb = shapeArb().chain((out) => fc.record({ out: fc.constant(out), a: broadcastableArb(out).chain(withData) }));
    fc.assert(
      fc.property(arb, ({ out, a }) => {
        const want = Array.from({ length: sizeOf(out) }, (_, f) => broadcastRead(a.x, a.shape, unravel(f, out)));
        expect(list(broadcastTo(a.x, a.shape, out))).toEqual(want);
      }),
      RUNS,
    );
  });

  it('slice of pad recovers the input, and the border is zero', () => {
    const arb = shapeArb().chain((shape) =>
      fc.record({
        shape: fc.constant(shape),
        x: dataArb(sizeOf(shape), 1, 5),
        lo: fc.array(fc.nat(2), { minLength: shape.length, maxLength: shape.length }),
        hi: fc.array(fc.nat(2), { minLength: shape.length, maxLength: shape.length }),
      }),
    );
    fc.assert(
      fc.property(arb, ({ shape, x, lo, hi }) => {
        const padded = pad(x, shape, lo, hi);
        const limits = shape.map((d, ax) => lo[ax] + d);
        // Every x[i] lands at its index shifted by lo; x has no zeros, so the
        // zeros of the padded tensor are exactly the border.
        const outShape = shape.map((d, ax) => lo[ax] + d + hi[ax]);
        for (let f = 0; f < x.length; f++) {
          expect(padded[ravel(unravel(f, shape).map((i, ax) => i + lo[ax]), outShape)]).toBe(x[f]);
        }
        expect(padded.length - list(padded).filter((v) => v === 0).length).toBe(x.length);
        expect(list(slice(padded, outShape, lo, limits))).toEqual(list(x));
      }),
      RUNS,
    );
  });

  it('concatenate then slice recovers each part', () => {
    const arb = fc
      .tuple(shapeArb(0, 3), fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 3 }))
      .chain(([rest, widths]) => fc.integer({ min: 0, max: rest.length }).map((axis) => ({ rest, widths, axis })))
      .chain(({ rest, widths, axis }) => {
        const shapes = widths.map((w) => [...rest.slice(0, axis), w, ...rest.slice(axis)]);
        return fc.tuple(...shapes.map(withData)).map((parts) => ({ axis, parts }));
      });
    fc.assert(
      fc.property(arb, ({ axis, parts }) => {
        const shapes = parts.map((p) => p.shape);
        const out = concatenate(parts.map((p) => p.x), shapes, axis, 'float64');
        const outShape = shapes[0].map((d, ax) => (ax === axis ? shapes.reduce((s, sh) => s + sh[axis], 0) : d));
        let start = 0;
        for (const p of parts) {
          const starts = outShape.map((_, ax) => (ax === axis ? start : 0));
          const limits = outShape.map((d, ax) => (ax === axis ? start + p.shape[axis] : d));
          expect(list(slice(out, outShape, starts, limits))).toEqual(list(p.x));
          start += p.shape[axis];
        }
      }),
      RUNS,
    );
  });

  const gatherArb = shapeArb(1, 3)
    .filter((s) => s.length > 0)
    .chain((shape) => fc.record({ shape: fc.constant(shape), axis: fc.integer({ min: 0, max: shape.length - 1 }) }))
    .chain(({ shape, axis }) =>
      shapeArb(0, 2).chain((idxShape) =>
        fc.record({
          shape: fc.constant(shape),
          axis: fc.constant(axis),
          idxShape: fc.constant(idxShape),
          idx: fc
            .array(fc.integer({ min: -shape[axis], max: shape[axis] - 1 }), {
              minLength: sizeOf(idxShape),
              maxLength: sizeOf(idxShape),
            })
            .map((a) => Int32Array.from(a)),
          x: dataArb(sizeOf(shape)),
          u: dataArb(sizeOf([...shape.slice(0, axis), ...idxShape, ...shape.slice(axis + 1)])),
        }),
      ),
    );

  it('gather matches index math (negative indices wrap once)', () => {
    fc.assert(
      fc.property(gatherArb, ({ shape, axis, idxShape, idx, x }) => {
        const outShape = [...shape.slice(0, axis), ...idxShape, ...shape.slice(axis + 1)];
        const want = Array.from({ length: sizeOf(outShape) }, (_, f) => {
          const o = unravel(f, outShape);
          const j = idx[ravel(o.slice(axis, axis + idxShape.length), idxShape)];
          const i = j < 0 ? j + shape[axis] : j;
          return x[ravel([...o.slice(0, axis), i, ...o.slice(axis + idxShape.length)], shape)];
        });
        expect(list(gather(x, shape, idx, idxShape, axis))).toEqual(want);
      }),
      RUNS,
    );
  });

  it('scatterAdd is the adjoint of gather: <scatterAdd(u), x> = <u, gather(x)>', () => {
    fc.assert(
      fc.property(gatherArb, ({ shape, axis, idxShape, idx, x, u }) => {
        const uShape = [...shape.slice(0, axis), ...idxShape, ...shape.slice(axis + 1)];
        const lhs = dot(scatterAdd(u, uShape, idx, idxShape, axis, shape), x);
        expect(lhs).toBe(dot(u, gather(x, shape, idx, idxShape, axis)));
      }),
      RUNS,
    );
  });

  it('scatterAdd accumulates repeated indices; out-of-range indices throw', () => {
    const u = Float32Array.of(1, 2, 3);
    const out = scatterAdd(u, [3], Int32Array.of(0, -1, 0), [3], 0, [2]);
    expect(out).toBeInstanceOf(Float32Array);
    expect(list(out)).toEqual([4, 2]);
    expect(() => gather(Float64Array.of(1, 2), [2], Int32Array.of(2), [1], 0)).toThrow(RangeError);
    expect(() => gather(Float64Array.of(1, 2), [2], Int32Array.of(-3), [1], 0)).toThrow(RangeError);
  });

  it('keeps the storage type of the input', () => {
    expect(transpose(Int32Array.of(1, 2), [1, 2], [1, 0])).toBeInstanceOf(Int32Array);
    expect(slice(Uint8Array.of(1, 0), [2], [1], [2])).toBeInstanceOf(Uint8Array);
    expect(list(pad(Float32Array.of(7), [], [], []))).toEqual([7]);
  });
});

describe('int32 arithmetic', () => {
  it('multiplication wraps exactly, as 32-bit integer hardware does', () => {
    expect(list(binary('mul', Int32Array.of(123456789), [1], Int32Array.of(987654321), [1], [1], 'int32'))).toEqual([Math.imul(123456789, 987654321)]);
  });
});
