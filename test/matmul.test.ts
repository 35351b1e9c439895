/**
 * The matrix-product kernels: the generated WebAssembly SIMD kernel and the
 * TypeScript loop, each against a float64 triple loop at odd sizes (1, 7, 33,
 * 257, non-square, batched, all four transpose flag pairs, shared operands),
 * against each other bit for bit, and against the error bound the kernel
 * header documents. Then the `matmul` primitive's flags in programs: its
 * transpose and batching rules emit flags and folds, never a transpose or a
 * broadcast of the unbatched operand.
 */

import { afterEach, describe, expect, it } from 'vitest';
import { grad, makeProgram, matmul, sum, tensor, vmap } from '../src/index.ts';
import type { Tensor } from '../src/index.ts';
import type { MatmulKernel, MatmulSpec } from '../src/kernels/index.ts';
import { matmul as kernelMatmul, matmulInto, setMatmulKernel, wasmMatmulAvailable } from '../src/kernels/index.ts';
import { gemmModuleSize } from '../src/kernels/wasm/runtime.ts';
import type { MatmulCase } from './support.ts';
import { uniforms } from './support.ts';

afterEach(() => setMatmulKernel('auto'));

type Case = MatmulCase;

/** Element (i, p) of matrix t of A and (p, j) of B through the flags and batch strides of `c`. */
const at = (c: Case) => ({
  a: (x: ArrayLike<number>, t: number, i: number, p: number) =>
    x[(c.aShared ? 0 : t * c.m * c.k) + (c.transA ? p * c.m + i : i * c.k + p)]!,
  b: (y: ArrayLike<number>, t: number, p: number, j: number) =>
    y[(c.bShared ? 0 : t * c.k * c.n) + (c.transB ? j * c.k + p : p * c.n + j)]!,
});

/** The float64 triple loop: exact-ish products, the sum of |a||b| for the bound, and the sequentially rounded float32 sum. */
function reference(c: Case, x: ArrayLike<number>, y: ArrayLike<number>) {
  const { a, b } = at(c);
  const size = c.batch * c.m * c.n;
  const [exact, magnitude, seq32, seq64] = [new Float64Array(size), new Float64Array(size), new Float64Array(size), new Float64Array(size)];
  for (let t = 0; t < c.batch; t++)
    for (let i = 0; i < c.m; i++)
      for (let j = 0; j < c.n; j++) {
        let [e, mag, s32, s64] = [0, 0, 0, 0];
        for (let p = 0; p < c.k; p++) {
          const prod = a(x, t, i, p) * b(y, t, p, j);
          e += prod;
          mag += Math.abs(prod);
          s32 = Math.fround(s32 + Math.fround(prod));
          s64 += prod;
        }
        const o = (t * c.m + i) * c.n + j;
        [exact[o], magnitude[o], seq32[o], seq64[o]] = [e, mag, s32, s64];
      }
  return { exact, magnitude, seq32, seq64 };
}

const spec = (c: Case, dtype: MatmulSpec['dtype']): MatmulSpec => ({
  ...c, dtype, aBatchStride: c.aShared ? 0 : c.m * c.k, bBatchStride: c.bShared ? 0 : c.k * c.n,
});

function run(c: Case, dtype: 'float32' | 'float64', x: Float32Array | Float64Array, y: Float32Array | Float64Array, which: MatmulKernel) {
  setMatmulKernel(which);
  const out = dtype === 'float32' ? new Float32Array(c.batch * c.m * c.n).fill(NaN) : new Float64Array(c.batch * c.m * c.n).fill(NaN);
  return matmulInto(out, x, y, spec(c, dtype)) as Float32Array | Float64Array;
}

function operands(c: Case, seed: number) {
  const next = uniforms(seed);
  const values = (len: number) => Float64Array.from({ length: len }, () => next() * 2 ** Math.round(next() * 4));
  return {
    x: values((c.aShared ? 1 : c.batch) * c.m * c.k),
    y: values((c.bShared ? 1 : c.batch) * c.k * c.n),
  };
}

const γ = (k: number, u: number): number => (k * u) / (1 - k * u);

const SIZES: readonly (readonly [number, number, number, number])[] = [
  [1, 1, 1, 1], [1, 7, 7, 7], [1, 33, 33, 33], [1, 257, 9, 257], [1, 5, 300, 13], [1, 130, 260, 20],
  [3, 7, 33, 5], [2, 33, 257, 9], [1, 257, 257, 3],
];
const FLAGS = [[false, false], [true, false], [false, true], [true, true]] as const;
const CASES: Case[] = SIZES.flatMap(([batch, m, k, n]) =>
  FLAGS.flatMap(([transA, transB]) =>
    (batch > 1 ? [[false, false], [true, false], [false, true]] as const : [[false, false]] as const).map(([aShared, bShared]) =>
      ({ batch, m, k, n, transA, transB, aShared, bShared }))));
const name = (c: Case) =>
  `${c.batch}×[${c.m},${c.k}]·[${c.k},${c.n}] transA=${c.transA} transB=${c.transB}${c.aShared ? ' shared A' : ''}${c.bShared ? ' shared B' : ''}`;

describe('matmul kernels', () => {
  it('the WebAssembly SIMD kernel compiles in Node, and its module stays small', () => {
    expect(wasmMatmulAvailable()).toBe(true);
    expect(gemmModuleSize()).toBeLessThan(4096);
  });

  it.each(CASES.map((c, i) => [name(c), c, i] as const))('%s: wasm ≡ TypeScript ≡ the sequential sum, within the bound', (_n, c, i) => {
    const { x, y } = operands(c, 1000 + i);
    const ref = reference(c, x, y);
    for (const dtype of ['float32', 'float64'] as const) {
      const T = dtype === 'float32' ? Float32Array : Float64Array;
      const [xs, ys] = [T.from(x), T.from(y)];
      const ref2 = dtype === 'float32' ? reference(c, xs, ys) : ref;
      const wasm = run(c, dtype, xs, ys, 'wasm');
      const compact = run(c, dtype, xs, ys, 'wasm-compact');
      const js = run(c, dtype, xs, ys, 'js');
      // Bit for bit: the same values in the same storage type, whichever module packed the operands.
      expect(wasm).toBeInstanceOf(T);
      expect(Buffer.from(wasm.buffer).equals(Buffer.from(js.buffer))).toBe(true);
      expect(Buffer.from(compact.buffer).equals(Buffer.from(js.buffer))).toBe(true);
      // Exactly the sum in order p = 0 … k−1, rounded each step.
      const seq = dtype === 'float32' ? ref2.seq32 : ref2.seq64;
      expect(wasm.findIndex((v, o) => v !== seq[o])).toBe(-1);
      // The documented bound against the float64 product of the same inputs.
      const u = dtype === 'float32' ? 2 ** -24 : 2 ** -53;
      const slack = 2 * c.k * 2 ** -53; // the float64 reference's own rounding
      const outside: number[] = [];
      for (let o = 0; o < wasm.length; o++) {
        if (!(Math.abs(wasm[o]! - ref2.exact[o]!) <= (γ(c.k, u) + slack) * ref2.magnitude[o]!)) outside.push(o);
      }
      expect(outside).toEqual([]);
    }
  });

  it('float32 accumulates in float32: 1 + 2⁻³⁰ − 1 loses the small term in both kernels', () => {
    for (const which of ['wasm', 'js'] as const) {
      setMatmulKernel(which);
      const out = kernelMatmul(Float32Array.of(1, 2 ** -30, -1), [1, 3], Float32Array.of(1, 1, 1), [3, 1], 'float32');
      expect(Array.from(out)).toEqual([0]);
    }
  });

  it('the bound is attained in order: a long sum of equal terms drifts as the bound allows, identically in both kernels', () => {
    const k = 4097;
    const x = new Float32Array(k).fill(0.1);
    const y = new Float32Array(k).fill(1);
    const exact = k * Math.fround(0.1);
    const results = (['wasm', 'js'] as const).map((which) => {
      setMatmulKernel(which);
      return kernelMatmul(x, [1, k], y, [k, 1], 'float32')[0]!;
    });
    expect(results[0]).toBe(results[1]);
    expect(results[0]).not.toBe(Math.fround(exact)); // the float32 sum differs from the rounded exact sum …
    expect(Math.abs(results[0]! - exact)).toBeLessThanOrEqual(γ(k, 2 ** -24) * exact); // … within the bound
  });

  it('int32 products wrap exactly (products and sums modulo 2³²), in any layout', () => {
    const next = uniforms(7);
    const c: Case = { batch: 2, m: 5, k: 9, n: 4, transA: true, transB: true, aShared: false, bShared: true };
    const x = Int32Array.from({ length: 2 * 5 * 9 }, () => Math.floor(next() * 2 ** 31));
    const y = Int32Array.from({ length: 9 * 4 }, () => Math.floor(next() * 2 ** 31));
    const out = matmulInto(new Int32Array(2 * 5 * 4), x, y, spec(c, 'int32'));
    const { a, b } = at(c);
    for (let t = 0; t < 2; t++)
      for (let i = 0; i < 5; i++)
        for (let j = 0; j < 4; j++) {
          let s = 0n;
          for (let p = 0; p < 9; p++) s += BigInt(a(x, t, i, p)) * BigInt(b(y, t, p, j));
          expect(out[(t * 5 + i) * 4 + j]).toBe(Number(BigInt.asIntN(32, s)));
        }
  });

  it('a bool product is the or of ands', () => {
    const out = kernelMatmul(Uint8Array.of(1, 0, 0, 0), [2, 2], Uint8Array.of(0, 1, 1, 1), [2, 2], 'bool');
    expect(Array.from(out)).toEqual([0, 1, 0, 0]);
  });

  it('the allocating kernel reads stored shapes through the flags and shares a rank-2 operand', () => {
    // A stored [k, m] = [3, 2] used transposed, B [2, 3, 4] batched: out [2, 2, 4].
    const a = Float64Array.of(1, 2, 3, 4, 5, 6);
    const b = Float64Array.from({ length: 24 }, (_, i) => i);
    const out = kernelMatmul(a, [3, 2], b, [2, 3, 4], 'float64', true, false);
    const c: Case = { batch: 2, m: 2, k: 3, n: 4, transA: true, transB: false, aShared: true, bShared: false };
    expect(Array.from(out)).toEqual(Array.from(reference(c, a, b).seq64));
  });

  it('writes every element of a stale destination, including when k = 0', () => {
    const out = new Float32Array(4).fill(7);
    matmulInto(out, new Float32Array(0), new Float32Array(0), { batch: 1, m: 2, k: 0, n: 2, dtype: 'float32' });
    expect(Array.from(out)).toEqual([0, 0, 0, 0]);
  });
});

describe('the matmul primitive carries transpose flags', () => {
  const x = tensor([[1, 2, 3], [4, 5, 6]]);
  const w = tensor([[1, 0], [0, 1], [1, 1]]);

  it('reverse mode emits flags instead of transposes', () => {
    const loss = (wt: Tensor, xt: Tensor) => sum(matmul(xt, wt));
    const text = makeProgram(grad(loss))(w, x).toString();
    expect(text).toContain('matmul[transA=true]');
    expect(text).not.toContain('transpose');
    const twice = makeProgram(grad((xt: Tensor) => sum(grad(loss)(w, xt))))(x).toString();
    expect(twice).not.toContain('transpose');
  });

  it('vmap with only x batched folds the batch into the rows: no broadcast of W', () => {
    const xs = tensor([[[1, 2, 3]], [[4, 5, 6]], [[7, 8, 9]]]); // [3, 1, 3]
    const f = (xi: Tensor) => matmul(xi, w);
    const text = makeProgram(vmap(f))(xs).toString();
    expect(text).not.toContain('broadcast');
    expect(vmap(f)(xs).toArray()).toEqual([0, 1, 2].map((i) => f(tensor([[1, 2, 3].map((v) => v + 3 * i)])).toArray()));
  });

  it('vmap with only W batched folds the batch into the columns', () => {
    const ws = tensor([[[1, 0], [0, 1], [1, 1]], [[2, 0], [0, 2], [2, 2]]]); // [2, 3, 2]
    const f = (wi: Tensor) => matmul(x, wi);
    expect(makeProgram(vmap(f))(ws).toString()).not.toContain('broadcast');
    expect(vmap(f)(ws).toArray()).toEqual([f(w).toArray(), f(w.mul(2)).toArray()]);
  });
});
