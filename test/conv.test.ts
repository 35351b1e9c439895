/**
 * Convolution, pooling and the conv2d layer, against naive float64 loops
 * written here from the definitions, hand-checked values, JAX/TF's padding
 * conventions, the teaching law (a conv is one dense layer shared by every
 * patch), gradient laws for pooling, and the errors bad input gets.
 * The primitive's rules (JVP, both transposes, batching, jit) are covered by
 * the registry laws in primitives.test.ts through the `conv` domain.
 */

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jvpMatchesFiniteDifferences, vjpIsAdjointOfJvp } from '../laws/ad.ts';
import { seed, tensorOf } from '../laws/arbitraries.ts';
import { convGradientIsSharedDense } from '../laws/conv.ts';
import { assertLaw } from '../laws/harness.ts';
import { allClose } from '../laws/numeric.ts';
import { sharedWeightsSumGradients } from '../laws/teaching.ts';
import type { Tensor } from '../src/index.ts';
import { conv, grad, jit, mean, nn, ones, random, reshape, stack, sum, tensor, tree, vmap, zeros } from '../src/index.ts';
import { setMatmulKernel } from '../src/kernels/matmul.ts';
import { resolvePadding } from '../src/ops/conv.ts';
import { registry } from '../src/primitives/registry.ts';
import { bind } from '../src/trace/core.ts';
import { domains } from './domains.ts';
import { expectOpError } from './support.ts';

interface Geometry {
  readonly strides: readonly number[];
  readonly padding: readonly (readonly [number, number])[];
  readonly lhsDilation: readonly number[];
  readonly rhsDilation: readonly number[];
  readonly featureGroupCount: number;
}

const f64 = (v: readonly number[], shape: readonly number[]) => tensor(Float64Array.from(v), { shape, dtype: 'float64' });
const strides = (shape: readonly number[]) => shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));

/**
 * The definition, one output element at a time: Σ over taps and input channels of x̃[o·s + j·rd − lo] w[j],
 * summed in float64 — or, with `sequentialFloat32`, in float32 with every product and sum rounded, taps in
 * row-major order and channels in order within a tap (the order matmul documents and conv inherits).
 */
function naiveConv(x: Tensor, w: Tensor, g: Geometry, sequentialFloat32 = false): Tensor {
  const nd = x.rank - 2;
  const [xs, ws] = [Array.from(x.toTypedArray()), Array.from(w.toTypedArray())];
  const [inPer, outC] = [w.shape[nd]!, w.shape[nd + 1]!];
  const outPer = outC / g.featureGroupCount;
  const outSpatial = x.shape.slice(1, nd + 1).map((n, d) => {
    const padded = (n - 1) * g.lhsDilation[d]! + 1 + g.padding[d]![0] + g.padding[d]![1];
    return Math.max(0, Math.floor((padded - ((w.shape[d]! - 1) * g.rhsDilation[d]! + 1)) / g.strides[d]!) + 1);
  });
  const outShape = [x.shape[0]!, ...outSpatial, outC];
  const [xStr, wStr, oStr, kStr] = [strides(x.shape), strides(w.shape), strides(outShape), strides(w.shape.slice(0, nd))];
  const taps = w.shape.slice(0, nd).reduce((a, b) => a * b, 1);
  const out = new Float64Array(outShape.reduce((a, b) => a * b, 1));
  for (let flat = 0; flat < out.length; flat++) {
    const idx = oStr.map((s, i) => Math.floor(flat / s) % outShape[i]!);
    const [n, co] = [idx[0]!, idx[nd + 1]!];
    const group = Math.floor(co / outPer);
    let acc = 0;
    for (let t = 0; t < taps; t++) {
      const k = kStr.map((s, d) => Math.floor(t / s) % w.shape[d]!);
      const pos = k.map((j, d) => idx[d + 1]! * g.strides[d]! + j * g.rhsDilation[d]! - g.padding[d]![0]);
      if (pos.some((q, d) => q < 0 || q % g.lhsDilation[d]! !== 0 || q / g.lhsDilation[d]! >= x.shape[d + 1]!)) continue;
      const i = pos.map((q, d) => q / g.lhsDilation[d]!);
      for (let ci = 0; ci < inPer; ci++) {
        const xi = n * xStr[0]! + i.reduce((a, v, d) => a + v * xStr[d + 1]!, 0) + group * inPer + ci;
        const wi = k.reduce((a, v, d) => a + v * wStr[d]!, 0) + ci * outC + co;
        acc = sequentialFloat32 ? Math.fround(acc + Math.fround(xs[xi]! * ws[wi]!)) : acc + xs[xi]! * ws[wi]!;
      }
    }
    out[flat] = acc;
  }
  return tensor(out, { shape: outShape, dtype: 'float64' });
}

const geometry = (nd: number, o: Partial<Geometry> = {}): Geometry => ({
  strides: new Array<number>(nd).fill(1), padding: new Array<[number, number]>(nd).fill([0, 0]),
  lhsDilation: new Array<number>(nd).fill(1), rhsDilation: new Array<number>(nd).fill(1), featureGroupCount: 1, ...o,
});
const exact = { atol: 1e-12, rtol: 1e-12 };

describe('conv against the definition', () => {
  it('agrees with naive loops on 1-, 2- and 3-D cases with strides, padding, both dilations and groups', () => {
    assertLaw(domains.conv.cases, (c) => {
      const [x, w] = c.inputs as [Tensor, Tensor];
      return allClose('conv vs naive loops', bind(registry.conv, [x, w], c.params as Geometry), naiveConv(x, w, c.params as Geometry), exact);
    }, { numRuns: 300 });
  });

  it('computes a hand-checked 2-D example (cross-correlation, no flip)', () => {
    // x = [[1,2,3],[4,5,6],[7,8,9]], w = [[1,0],[0,-1]]: y[i][j] = x[i][j] − x[i+1][j+1] = −4 everywhere
    const x = reshape(tensor([1, 2, 3, 4, 5, 6, 7, 8, 9]), [1, 3, 3, 1]);
    const w = reshape(tensor([1, 0, 0, -1]), [2, 2, 1, 1]);
    expect(reshape(conv(x, w), [2, 2]).toArray()).toEqual([[-4, -4], [-4, -4]]);
    // padding 1 on every side, stride 2: windows at (−1,−1), (−1,1), (1,−1), (1,1) of the padded grid
    // y[0][0] = 0 − x[0][0] = −1, y[0][1] = 0 − x[0][2] = −3, y[1][0] = 0 − x[2][0] = −7, y[1][1] = x[1][1] − x[2][2] = −4
    expect(reshape(conv(x, w, { padding: 1, strides: 2 }), [2, 2]).toArray()).toEqual([[-1, -3], [-7, -4]]);
    // dilation 2: the taps are two apart, y = x[0][0] − x[2][2] = −8
    expect(reshape(conv(x, w, { dilation: 2 }), [1]).toArray()).toEqual([-8]);
  });

  it('mixes channels as a matrix per tap and keeps groups apart', () => {
    // one pixel, 2 input channels [3, 5], 1×1 kernel [[1, 2], [10, 20]]: y = [3 + 50, 6 + 100]
    const x = reshape(tensor([3, 5]), [1, 1, 2]);
    expect(reshape(conv(x, reshape(tensor([1, 2, 10, 20]), [1, 2, 2])), [2]).toArray()).toEqual([53, 106]);
    // two groups of one channel: y = [3·7, 5·11]
    expect(reshape(conv(x, reshape(tensor([7, 11]), [1, 1, 2]), { featureGroupCount: 2 }), [2]).toArray()).toEqual([21, 55]);
  });

  // float32 accumulates in float32, as matmul does (conv is im2col + matmul; see src/kernels/conv.ts): each
  // output is the sequential float32 sum over taps, then channels, within γ_K·Σ|x||w| of the exact value,
  // γ_K = K·u/(1 − K·u), u = 2⁻²⁴, K = taps · input channels per group (Higham §3.1). It used to sum in
  // float64 and round once; like matmul (issue 8), it no longer does.
  it('runs float32 with float32 accumulation in the documented order, within the matmul bound', () => {
    const x = random.normal(random.key(1), [2, 6, 6, 3]);
    const w = random.normal(random.key(2), [3, 3, 3, 4]);
    const y = conv(x, w, { padding: 'SAME', strides: 2 });
    expect(y.dtype).toBe('float32');
    const g = geometry(2, { strides: [2, 2], padding: [[0, 1], [0, 1]] });
    expect(Array.from(y.toTypedArray())).toEqual(Array.from(naiveConv(x, w, g, true).toTypedArray()));
    expectWithinMatmulBound(y, x, w, g);
  });

  it('float32: equals the sequential float32 sum, and is within the bound, at odd sizes, strides, dilations and groups', () => {
    assertLaw(domains.conv.cases, (c) => {
      const [x, w] = (c.inputs as Tensor[]).map((t) => t.cast('float32')) as [Tensor, Tensor];
      const g = c.params as Geometry;
      const y = bind(registry.conv, [x, w], g);
      const same = Array.from(y.toTypedArray()).every((v, i) => Object.is(v, naiveConv(x, w, g, true).toTypedArray()[i]));
      expectWithinMatmulBound(y, x, w, g);
      return same ? { ok: true, message: 'ok' } : { ok: false, message: 'float32 conv differs from the sequential float32 sum' };
    }, { numRuns: 150 });
  });
});

/**
 * |y − exact| ≤ γ_K · Σ|x||w| + K·2⁻¹⁵⁰ elementwise, with the exact value and Σ|x||w| from float64 loops.
 * The second term is underflow (Higham's bound assumes none): a product below the subnormal range rounds
 * to 0 with an error of at most half the smallest subnormal, 2⁻¹⁵⁰; sums of subnormals are exact.
 */
function expectWithinMatmulBound(y: Tensor, x: Tensor, w: Tensor, g: Geometry): void {
  const nd = x.rank - 2;
  const k = w.shape.slice(0, nd + 1).reduce((a, b) => a * b, 1);
  const u = 2 ** -24;
  const gamma = (k * u) / (1 - k * u);
  const exactValue = naiveConv(x.cast('float64'), w.cast('float64'), g).toTypedArray();
  const magnitude = naiveConv(x.cast('float64').abs(), w.cast('float64').abs(), g).toTypedArray();
  const ys = y.toTypedArray();
  const underflow = k * 2 ** -150;
  for (let i = 0; i < ys.length; i++) {
    expect(Math.abs(ys[i]! - exactValue[i]!)).toBeLessThanOrEqual(gamma * magnitude[i]! + underflow);
  }
}

describe('conv as im2col + matmul', () => {
  // Bigger than the domain's cases: several chunks of patch rows, several groups, 1×1 fast path, depthwise.
  it.each([
    ['2-D, rows in several chunks', [5, 41, 37, 8], [3, 3, 8, 6], geometry(2, { padding: [[1, 1], [1, 1]] })],
    ['2-D strided, dilated, 3 groups, several chunks', [3, 50, 47, 12], [3, 2, 4, 6],
      geometry(2, { strides: [2, 1], rhsDilation: [2, 3], padding: [[2, 0], [1, 3]], featureGroupCount: 3 })],
    ['1×1, stride 1, no padding: no gathering', [3, 7, 9, 5], [1, 1, 5, 4], geometry(2)],
    ['1×1 with 2 groups', [2, 7, 5, 6], [1, 1, 3, 4], geometry(2, { featureGroupCount: 2 })],
    ['depthwise, lhs dilation, negative padding', [2, 13, 11, 4], [3, 3, 1, 8],
      geometry(2, { lhsDilation: [2, 1], padding: [[-1, 2], [0, -1]], featureGroupCount: 4 })],
    ['3-D', [2, 6, 5, 7, 3], [2, 3, 2, 3, 5], geometry(3, { strides: [1, 2, 1], padding: [[1, 0], [0, 1], [1, 1]] })],
  ] as const)('%s', (_name, xShape, wShape, g) => {
    const x = random.normal(random.key(11), xShape, { dtype: 'float64' });
    const w = random.normal(random.key(12), wShape, { dtype: 'float64' });
    expect(allClose('conv vs naive', bind(registry.conv, [x, w], g), naiveConv(x, w, g), exact).ok).toBe(true);
    const [x32, w32] = [x.cast('float32'), w.cast('float32')];
    const y32 = bind(registry.conv, [x32, w32], g);
    expect(Array.from(y32.toTypedArray())).toEqual(Array.from(naiveConv(x32, w32, g, true).toTypedArray()));
    // the TypeScript matmul fallback gives the same bits
    setMatmulKernel('js');
    try {
      expect(Array.from(bind(registry.conv, [x32, w32], g).toTypedArray())).toEqual(Array.from(y32.toTypedArray()));
    } finally {
      setMatmulKernel('auto');
    }
  });
});

describe('padding as JAX and TF compute it', () => {
  // JAX lax.padtype_to_pads (and TF's "SAME"): out = ⌈n / s⌉, total = max(0, (out − 1)·s + window − n),
  // lo = ⌊total / 2⌋, hi = total − lo, the window being the dilated kernel (k − 1)·d + 1.
  it.each([
    // n, k, stride, dilation, SAME pads, SAME out, VALID out
    [5, 3, 1, 1, [1, 1], 5, 3],
    [5, 3, 2, 1, [1, 1], 3, 2],
    [4, 3, 2, 1, [0, 1], 2, 1],
    [6, 2, 2, 1, [0, 0], 3, 3],
    [5, 4, 1, 1, [1, 2], 5, 2],
    [7, 3, 1, 2, [2, 2], 7, 3],
    [2, 5, 1, 1, [2, 2], 2, 0],
  ] as const)('n=%i k=%i stride=%i dilation=%i', (n, k, s, d, pads, same, valid) => {
    expect(resolvePadding('conv', 'SAME', [n], [(k - 1) * d + 1], [s])).toEqual([pads]);
    const x = zeros([1, n, 1]);
    const w = zeros([k, 1, 1]);
    expect(conv(x, w, { padding: 'SAME', strides: s, dilation: d }).shape).toEqual([1, same, 1]);
    expect(conv(x, w, { padding: 'VALID', strides: s, dilation: d }).shape).toEqual([1, valid, 1]);
  });

  it("'SAME' pads exactly as the explicit pairs it stands for, per axis", () => {
    const x = random.normal(random.key(3), [1, 5, 4, 2], { dtype: 'float64' });
    const w = random.normal(random.key(4), [3, 2, 2, 3], { dtype: 'float64' });
    // axis 0: n=5, k=3, s=2 → [1, 1]; axis 1: n=4, k=2, s=2 → out 2, total 0
    const same = conv(x, w, { padding: 'SAME', strides: 2 });
    expect(allClose('SAME vs explicit', same, conv(x, w, { padding: [[1, 1], [0, 0]], strides: 2 }), exact).ok).toBe(true);
    expect(allClose('SAME vs naive', same, naiveConv(x, w, geometry(2, { strides: [2, 2], padding: [[1, 1], [0, 0]] })), exact).ok).toBe(true);
  });
});

describe('convolution is weight sharing', () => {
  const cases = fc.integer({ min: 1, max: 2 }).chain((nd) =>
    fc.tuple(
      fc.array(fc.integer({ min: 2, max: 4 }), { minLength: nd, maxLength: nd }),
      fc.array(fc.integer({ min: 1, max: 2 }), { minLength: nd, maxLength: nd }),
      fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 2 }),
      fc.constantFrom('SAME' as const, 'VALID' as const),
    ).chain(([spatial, kernel, s, d, inC, outC, padding]) =>
      fc.tuple(tensorOf([2, ...spatial, inC]), tensorOf([...kernel, inC, outC]), fc.constant({ strides: s, dilation: d, padding })))
      .filter(([x, w, o]) => o.padding === 'SAME' || x.shape.slice(1, -1).every((n, i) => n >= (w.shape[i]! - 1) * o.dilation + 1)));

  it("the kernel's gradient is the sum over positions of one dense layer's gradients", () => {
    assertLaw(cases, ([x, w, o]) => convGradientIsSharedDense(o, { atol: 1e-10, rtol: 1e-10 })(x, w), { numRuns: 40 });
  });

  it('holds for another loss too (the cotangent differs per position)', () => {
    const x = random.normal(random.key(5), [2, 4, 4, 2], { dtype: 'float64' });
    const w = random.normal(random.key(6), [3, 3, 2, 2], { dtype: 'float64' });
    const loss = (y: Tensor) => sum(y.tanh());
    expect(convGradientIsSharedDense({ padding: 'SAME', loss }, { atol: 1e-10, rtol: 1e-10 })(x, w)).toEqual({ ok: true, message: 'ok' });
  });
});

/** Max or mean over each 2-D window, channels last, from the definition; padding is −∞ (max) or 0 (mean, whole window). */
function naivePool(kind: 'max' | 'avg', x: Tensor, [kh, kw]: readonly number[], [sh, sw]: readonly number[], [[t, b], [l, r]]: readonly (readonly number[])[]): Tensor {
  const [n, h, w, c] = x.shape as [number, number, number, number];
  const v = Array.from(x.toTypedArray());
  const [oh, ow] = [Math.floor((h + t + b! - kh!) / sh!) + 1, Math.floor((w + l! + r! - kw!) / sw!) + 1];
  const out: number[] = [];
  for (let i = 0; i < n; i++) for (let y = 0; y < oh; y++) for (let z = 0; z < ow; z++) for (let ch = 0; ch < c; ch++) {
    let acc = kind === 'max' ? -Infinity : 0;
    for (let a = 0; a < kh!; a++) for (let e = 0; e < kw!; e++) {
      const [p, q] = [y * sh! + a - t!, z * sw! + e - l!];
      const val = p >= 0 && p < h && q >= 0 && q < w ? v[((i * h + p) * w + q) * c + ch]! : kind === 'max' ? -Infinity : 0;
      acc = kind === 'max' ? Math.max(acc, val) : acc + val;
    }
    out.push(kind === 'max' ? acc : acc / (kh! * kw!));
  }
  return f64(out, [n, oh, ow, c]);
}

describe('pooling', () => {
  const x = random.normal(random.key(7), [2, 5, 6, 3], { dtype: 'float64' });

  it.each([
    [[2, 2], [2, 2], 'VALID', [[0, 0], [0, 0]]],
    [[3, 3], [1, 1], 'VALID', [[0, 0], [0, 0]]],
    [[3, 2], [2, 2], 'SAME', [[1, 1], [0, 0]]],
    [[2, 3], [2, 1], 'SAME', [[0, 1], [1, 1]]],
    [[2, 2], [1, 2], [[1, 0], [2, 1]], [[1, 0], [2, 1]]],
  ] as const)('window %j strides %j padding %j equals the definition', (window, s, padding, pads) => {
    const opts = { strides: s, padding: padding as 'SAME' };
    expect(allClose('maxPool', nn.maxPool(x, window, opts), naivePool('max', x, window, s, pads), exact).ok).toBe(true);
    expect(allClose('avgPool', nn.avgPool(x, window, opts), naivePool('avg', x, window, s, pads), exact).ok).toBe(true);
  });

  it('works in 1-D and 3-D, and on unbatched input', () => {
    expect(nn.maxPool(zeros([2, 7, 3]), [2], { strides: 2 }).shape).toEqual([2, 3, 3]);
    expect(nn.avgPool(zeros([1, 4, 4, 4, 2]), [2, 2, 2], { strides: 2 }).shape).toEqual([1, 2, 2, 2, 2]);
    const one = nn.maxPool(x, [2, 2], { strides: 2 });
    expect(nn.maxPool(x.slice([0], [1]).reshape([5, 6, 3]), [2, 2], { strides: 2 }).toArray()).toEqual((one.toArray() as number[][][][])[0]);
  });

  it('has gradients that pass the laws (distinct values, so no ties)', () => {
    const distinct = fc.tuple(fc.uniqueArray(fc.integer({ min: -99, max: 99 }), { minLength: 2 * 4 * 5 * 2, maxLength: 2 * 4 * 5 * 2 }), seed())
      .map(([v, s]) => [f64(v.map((k) => k / 16), [2, 4, 5, 2]), s] as const);
    const pools = [
      (v: Tensor) => nn.maxPool(v, [2, 3], { strides: [1, 2], padding: 'SAME' }),
      (v: Tensor) => nn.avgPool(v, [3, 2], { strides: 2, padding: 'SAME', countIncludePad: false }),
    ];
    for (const pool of pools) {
      assertLaw(distinct, ([v, s]) => jvpMatchesFiniteDifferences(pool, { atol: 1e-6, rtol: 1e-5 })([v], s), { numRuns: 30 });
      assertLaw(distinct, ([v, s]) => vjpIsAdjointOfJvp(pool, { atol: 1e-9, rtol: 1e-9 })([v], s), { numRuns: 30 });
    }
  });

  it('splits the gradient evenly at a tie inside a window, and sums over overlapping windows', () => {
    const v = reshape(tensor([3, 3, 1, 2]), [1, 4, 1]);
    // windows [3,3] [3,1] [1,2]: the first tie sends ½ to each 3, the second window 1 to the second 3, the third 1 to 2
    expect(reshape(grad((u: Tensor) => sum(nn.maxPool(u, [2])))(v), [4]).toArray()).toEqual([0.5, 1.5, 0, 1]);
  });

  it('runs under jit and vmap', () => {
    const f = (v: Tensor) => sum(nn.maxPool(v, [2, 2], { strides: 2, padding: 'SAME' }).mul(nn.avgPool(v, [3, 3], { strides: 2, padding: 'SAME' })));
    expect(allClose('jit(grad)', jit(grad(f))(x), grad(f)(x), exact).ok).toBe(true);
    const batched = vmap((v: Tensor) => nn.maxPool(v, [2, 2]))(x);
    expect(allClose('vmap', batched, nn.maxPool(x, [2, 2]), exact).ok).toBe(true);
  });
});

describe('nn.conv2d', () => {
  it('makes HWIO kernels with lecunNormal variance and zero biases, and maps NHWC to NHWC', () => {
    const layer = nn.conv2d(16, 32, 3);
    const p = layer.init(random.key(0));
    expect([p.w.shape, p.b.shape, p.w.dtype]).toEqual([[3, 3, 16, 32], [32], 'float32']);
    expect(Object.isFrozen(p)).toBe(true);
    const w = Array.from(p.w.toTypedArray());
    const variance = w.reduce((a, v) => a + v * v, 0) / w.length;
    expect(Math.abs(variance * 3 * 3 * 16 - 1)).toBeLessThan(0.1); // Var = 1 / fan_in, fan_in = kh·kw·in
    expect(p.b.toArray()).toEqual(new Array(32).fill(0));
    expect(layer.apply(p, zeros([2, 7, 7, 16])).shape).toEqual([2, 7, 7, 32]);
    expect(nn.conv2d(16, 4, [3, 1], { stride: 2, padding: 'VALID' }).apply(
      nn.conv2d(16, 4, [3, 1]).init(random.key(1)), zeros([7, 7, 16])).shape).toEqual([3, 4, 4]);
    expect(Object.keys(nn.conv2d(2, 2, 1, { useBias: false }).init(random.key(0)))).toEqual(['w']);
  });

  it('is conv plus bias, and grad returns params of the same structure', () => {
    const layer = nn.conv2d(2, 3, 2, { dtype: 'float64', padding: 'VALID' });
    const p = layer.init(random.key(2));
    const x = random.normal(random.key(3), [2, 4, 4, 2], { dtype: 'float64' });
    const y = layer.apply(p, x);
    expect(allClose('conv2d', y, naiveConv(x, p.w, geometry(2)).add(p.b), exact).ok).toBe(true);
    const g = grad((q: typeof p) => mean(layer.apply(q, x).square()))(p);
    expect(tree.leaves(g).map((t) => t.shape)).toEqual(tree.leaves(p).map((t) => t.shape));
    expect(Object.keys(g).sort()).toEqual(['b', 'w']);
  });

  it('shares weights: the same params used twice get the sum of both gradients', () => {
    const layer = nn.conv2d(2, 2, 3, { dtype: 'float64' });
    const x = random.normal(random.key(4), [1, 4, 4, 2], { dtype: 'float64' });
    const twice = (a: { w: Tensor; b: Tensor }, b: { w: Tensor; b: Tensor }) => sum(layer.apply(b, layer.apply(a, x).tanh()).square());
    expect(sharedWeightsSumGradients(twice, { atol: 1e-10, rtol: 1e-10 })(layer.init(random.key(5))).ok).toBe(true);
  });

  it('gives per-example gradients under vmap(grad) equal to a loop, and jit(grad) equal to grad', () => {
    const layer = nn.conv2d(2, 3, 3, { dtype: 'float64', stride: 2 });
    const p = layer.init(random.key(6));
    const xs = random.normal(random.key(7), [3, 5, 5, 2], { dtype: 'float64' });
    const loss = (q: typeof p, x: Tensor) => sum(nn.maxPool(nn.relu(layer.apply(q, x)), [2, 2], { padding: 'SAME' }).square());
    const perExample = vmap(grad(loss), { inAxes: [null, 0] })(p, xs);
    const loop = [0, 1, 2].map((i) => grad(loss)(p, xs.slice([i], [i + 1])));
    expect(allClose('vmap(grad) w', perExample.w, stack(loop.map((g) => g.w)), exact).ok).toBe(true);
    expect(allClose('jit(grad)', jit(grad(loss))(p, xs).w, grad(loss)(p, xs).w, exact).ok).toBe(true);
  });
});

describe('bad input', () => {
  const err = expectOpError;

  it('names conv, the shapes and the fix', () => {
    err(() => conv(zeros([4, 3]), zeros([2, 3, 1])), 'conv', /\[4,3\].*\[batch, \.\.\.spatial, inC\].*expandDims/);
    err(() => conv(zeros([1, 5, 3]), zeros([2, 2, 1])), 'conv', /input channels 3.*kernel's input channels 2/);
    err(() => conv(zeros([1, 5, 4]), zeros([2, 2, 3]), { featureGroupCount: 2 }), 'conv', /output channels 3 must be a multiple/);
    err(() => conv(zeros([1, 5, 1], 'int32'), zeros([2, 1, 1], 'int32')), 'conv', /float tensor.*cast/);
    err(() => conv(zeros([1, 5, 1]), zeros([2, 1, 1]), { strides: 0 }), 'conv', /strides must be a positive integer/);
    err(() => conv(zeros([1, 5, 5, 1]), zeros([2, 2, 1, 1]), { strides: [1, 2, 3] }), 'conv', /2 of them/);
    err(() => conv(zeros([1, 5, 1]), zeros([2, 1, 1]), { padding: 'FULL' as 'SAME' }), 'conv', /'SAME', 'VALID'/);
    err(() => conv(zeros([1, 5, 1]), zeros([2, 1, 1]), { padding: [[1, 1], [1, 1]] }), 'conv', /1 \[lo, hi\] pairs/);
    err(() => conv(zeros([1, 5, 1]), zeros([2, 1, 1]), { padding: 'SAME', lhsDilation: 2 }), 'conv', /explicit \[lo, hi\] pairs/);
    err(() => conv(zeros([1, 5, 1]), zeros([0, 1, 1])), 'conv', /empty spatial axis/);
  });

  it('names the pool or the layer', () => {
    err(() => nn.maxPool(zeros([1, 3, 3, 1]), [4, 4]), 'maxPool', /window 4 does not fit/);
    err(() => nn.avgPool(zeros([3, 3, 1]), [2, 2, 2]), 'avgPool', /\[3,3,1\].*3 axes/);
    err(() => nn.avgPool(zeros([1, 3, 1], 'int32'), [2]), 'avgPool', /float tensor/);
    err(() => nn.maxPool(zeros([1, 3, 1]), [2], { padding: -1 }), 'maxPool', /non-negative/);
    err(() => nn.conv2d(3, 4, [3, 3, 3] as unknown as [number, number]), 'conv2d', /\[kh, kw\]/);
    err(() => nn.conv2d(3, 4, 3, { featureGroupCount: 2 }), 'conv2d', /multiples of featureGroupCount 2/);
    const layer = nn.conv2d(3, 4, 3);
    err(() => layer.apply(layer.init(random.key(0)), zeros([1, 5, 5, 2])), 'conv2d(3 → 4, 3×3)', /\[N, H, W, 3\]/);
    err(() => layer.apply({ w: zeros([3, 3, 3, 5]), b: zeros([4]) }, zeros([1, 5, 5, 3])), 'conv2d(3 → 4, 3×3)', /\[3,3,3,4\]/);
  });

  it('refuses a misspelled option instead of ignoring it: the layer says stride, the pools strides (review)', () => {
    // nn.maxPool(x, [2, 2], { stride: 2 }) used to pool with stride 1 without a word
    err(() => nn.maxPool(ones([1, 4, 4, 1]), [2, 2], { stride: 2 } as never), 'maxPool', /unknown option 'stride'; the options are strides, padding/);
    err(() => nn.avgPool(ones([1, 4, 4, 1]), [2, 2], { count_include_pad: false } as never), 'avgPool', /unknown option 'count_include_pad'/);
    err(() => nn.conv2d(3, 4, 3, { strides: 2 } as never), 'conv2d', /unknown option 'strides'; the options are stride, padding/);
    expect(nn.maxPool(ones([1, 4, 4, 1]), [2, 2], { strides: 2 }).shape).toEqual([1, 2, 2, 1]);
  });

  it('leaves option objects alone', () => {
    const options = Object.freeze({ strides: Object.freeze([2, 1]), padding: Object.freeze([Object.freeze([1, 0]), Object.freeze([0, 0])]) }) as
      { strides: readonly number[]; padding: readonly (readonly [number, number])[] };
    expect(conv(ones([1, 3, 3, 1]), ones([2, 2, 1, 1]), options).shape).toEqual([1, 2, 2, 1]);
  });
});
