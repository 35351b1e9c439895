/**
 * Samplers of discrete values, after JAX's algorithms:
 *
 * - `randint`: two 32-bit draws (from the two halves of `split(key)`) reduced
 *   modulo the span, in unsigned 32-bit arithmetic as JAX does;
 * - `categorical`: the Gumbel-max trick, argmax(logits + Gumbel noise);
 * - `permutation`: sort by random 32-bit keys, repeated for
 *   ⌈3·ln n / ln(2³² − 1)⌉ rounds (one round up to n ≈ 1600) so that ties in
 *   the keys do not bias the result; the sort is stable;
 * - `choice`: `randint`, a prefix of a permutation, inverse-CDF search over
 *   the cumulative `p`, or the Gumbel top-k trick, by `replace` and `p`.
 *
 * All shapes are static (JS numbers), so every sampler runs under `jit` and `vmap`.
 */

import { tensorArg } from '../ops/args.ts';
import { tensor } from '../ops/create.ts';
import * as O from '../ops/index.ts';
import { uint32Binary } from '../primitives/random.ts';
import { gather } from '../primitives/indexing.ts';
import { argsort } from '../primitives/sort.ts';
import { arange, zeros } from '../tensor/create.ts';
import { PuregradError } from '../tensor/errors.ts';
import { showShape } from '../tensor/shape.ts';
import type { Tensor } from '../tensor/tensor.ts';
import { bits, checkOptions, checkShape } from './bits.ts';
import { gumbel, uniform } from './continuous.ts';
import { splitN } from './keys.ts';

const int32 = (v: number): Tensor => tensor(Int32Array.of(v | 0), { shape: [] });
const size = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

function normalizeAxis(op: string, axis: number, rank: number): number {
  if (!Number.isInteger(axis) || axis < -rank || axis >= rank) {
    throw new PuregradError(op, `axis ${axis} is out of range for rank ${rank}`);
  }
  return axis < 0 ? axis + rank : axis;
}

/**
 * Integers uniform in [minval, maxval) of `shape`, int32, as JAX's
 * `random.randint`: the same bits, so the same integers. When the span is not
 * a power of two the residue bias is below span/2⁶⁴, as in JAX. If maxval ≤
 * minval every sample is minval.
 * @example
 * random.randint(random.key(0), [4], 0, 10).dtype // => "int32"
 * random.randint(random.key(0), [1000], -3, 3).min().item() >= -3 // => true
 */
export function randint(key: Tensor, shape: readonly number[], minval: number, maxval: number): Tensor {
  const s = checkShape('random.randint', shape);
  const inInt32 = (v: number): boolean => Number.isInteger(v) && v >= -(2 ** 31) && v < 2 ** 31;
  if (!inInt32(minval) || !inInt32(maxval)) {
    throw new PuregradError('random.randint', `minval and maxval must be int32 integers, got ${minval} and ${maxval}`);
  }
  const span = maxval <= minval ? 1 : maxval - minval; // < 2³², read as uint32
  // 2³² mod span, from (2¹⁶ mod span)² mod span in wrapping uint32 arithmetic, as JAX does
  const half = 2 ** 16 % span;
  const multiplier = (Math.imul(half, half) >>> 0) % span;
  const [k1, k2] = splitN(key) as [Tensor, Tensor];
  const spanBits = int32(span);
  const high = uint32Binary('rem', bits(k1, s), spanBits);
  const low = uint32Binary('rem', bits(k2, s), spanBits);
  const offset = uint32Binary('rem', O.add(O.mul(high, int32(multiplier)), low), spanBits); // int32 mul and add wrap
  return O.add(offset, int32(minval));
}

export interface CategoricalOptions {
  /** The axis of `logits` that holds the categories (default −1). */
  readonly axis?: number;
  /** Sample shape; its trailing axes must broadcast with the batch shape of `logits` (default: that batch shape). */
  readonly shape?: readonly number[];
}

/**
 * Category indices (int32) drawn with probabilities softmax(logits) along
 * `axis`, by the Gumbel-max trick as JAX's `random.categorical`:
 * argmax(logits + Gumbel noise).
 * @example
 * random.categorical(random.key(0), tensor([0, 0, 100])) // => 2
 * random.categorical(random.key(1), tensor([[0, 0], [0, 0]]), { shape: [5, 2] }).shape // => [5, 2]
 */
export function categorical(key: Tensor, logits: Tensor, options: CategoricalOptions = {}): Tensor {
  checkOptions('random.categorical', options, ['axis', 'shape']);
  tensorArg('random.categorical', logits, 'logits');
  if (logits.dtype !== 'float32' && logits.dtype !== 'float64') {
    throw new PuregradError('random.categorical', `logits must be float, got ${logits.dtype}`);
  }
  if (logits.rank === 0) throw new PuregradError('random.categorical', 'logits need at least one axis (the categories)');
  const axis = normalizeAxis('random.categorical', options.axis ?? -1, logits.rank);
  const batch = logits.shape.filter((_, i) => i !== axis);
  const shape = checkShape('random.categorical', options.shape ?? batch);
  const tail = shape.slice(shape.length - batch.length);
  if (shape.length < batch.length || !batch.every((d, i) => d === 1 || d === tail[i])) {
    const what = `shape ${showShape(shape)} must end with the batch shape ${showShape(batch)} of logits`;
    throw new PuregradError('random.categorical', what);
  }
  const prefix = shape.slice(0, shape.length - batch.length);
  const noiseShape = [...prefix, ...tail.slice(0, axis), logits.shape[axis]!, ...tail.slice(axis)];
  const g = gumbel(key, noiseShape, { dtype: logits.dtype });
  const lifted = O.reshape(logits, [...prefix.map(() => 1), ...logits.shape]);
  return O.argmax(O.add(g, lifted), { axis: prefix.length + axis });
}

/** `x` reordered along its first axis by stable sorts on fresh random 32-bit keys (JAX's `_shuffle`). */
function shuffle(key: Tensor, x: Tensor): Tensor {
  const n = x.shape[0]!;
  const rounds = Math.ceil((3 * Math.log(Math.max(1, n))) / Math.log(2 ** 32 - 1));
  const signBit = int32(-(2 ** 31));
  let k = key;
  let out = x;
  for (let r = 0; r < rounds; r++) {
    const [next, sub] = splitN(k) as [Tensor, Tensor];
    // flipping the sign bit makes signed int32 order the unsigned order of the keys
    const order = argsort(uint32Binary('xor', bits(sub, [n]), signBit));
    out = gather(out, order, 0); // `order` is a permutation of 0 … n−1: no wrapping or range check needed
    k = next;
  }
  return out;
}

/**
 * A random permutation: of `arange(n)` (int32) for a number `n`, or of the
 * slices of `x` along `axis` (default 0), as JAX's `random.permutation`.
 * Every ordering is equally likely.
 * @example
 * Array.from(random.permutation(random.key(0), 5).toTypedArray()).sort() // => [0, 1, 2, 3, 4]
 * random.permutation(random.key(0), tensor([[1, 2], [3, 4]]), { axis: 1 }).sum({ axis: 1 }) // => [3, 7]
 */
export function permutation(key: Tensor, x: number | Tensor, options: { readonly axis?: number } = {}): Tensor {
  checkOptions('random.permutation', options, ['axis']);
  if (typeof x === 'number') {
    if (!Number.isInteger(x) || x < 0) {
      throw new PuregradError('random.permutation', `n must be a non-negative integer, got ${x}`);
    }
    return shuffle(key, arange(0, x, 1, 'int32'));
  }
  if (x.rank === 0) {
    throw new PuregradError('random.permutation', 'x must be a number n (to permute arange(n)) or a tensor with at least one axis');
  }
  const axis = normalizeAxis('random.permutation', options.axis ?? 0, x.rank);
  if (x.rank === 1) return shuffle(key, x);
  return gather(x, shuffle(key, arange(0, x.shape[axis]!, 1, 'int32')), axis);
}

export interface ChoiceOptions {
  /** Sample shape (default []). */
  readonly shape?: readonly number[];
  /** With replacement (default true). */
  readonly replace?: boolean;
  /** Probabilities of the entries, a float vector of length n (default uniform). */
  readonly p?: Tensor;
  /** The axis of `a` to choose slices from (default 0). */
  readonly axis?: number;
}

/**
 * Random draws from `arange(a)` for a number `a`, or of slices of `a` along
 * `axis`, as JAX's `random.choice`: uniform with replacement by `randint`,
 * without replacement by a permutation's prefix, weighted with replacement by
 * searching the cumulative `p`, weighted without replacement by the Gumbel
 * top-k trick. The result has `shape` in place of the chosen axis.
 * @example
 * random.choice(random.key(0), 10, { shape: [3] }).shape // => [3]
 * random.choice(random.key(0), tensor([5, 6, 7]), { shape: [2], p: tensor([0, 1, 0]) }) // => [6, 6]
 * new Set(random.choice(random.key(0), 4, { shape: [4], replace: false }).toTypedArray()).size // => 4
 */
export function choice(key: Tensor, a: number | Tensor, options: ChoiceOptions = {}): Tensor {
  checkOptions('random.choice', options, ['shape', 'replace', 'p', 'axis']);
  const shape = checkShape('random.choice', options.shape ?? []);
  const replace = options.replace ?? true;
  const isRange = typeof a === 'number';
  if (!isRange && a.rank === 0) {
    throw new PuregradError('random.choice', 'a must be a number n or a tensor with at least one axis');
  }
  const axis = isRange ? 0 : normalizeAxis('random.choice', options.axis ?? 0, a.rank);
  const n = isRange ? a : a.shape[axis]!;
  if (!Number.isInteger(n) || n < 0) throw new PuregradError('random.choice', `a must be a non-negative integer, got ${n}`);
  const draws = size(shape);
  const outShape = isRange ? shape : [...a.shape.slice(0, axis), ...shape, ...a.shape.slice(axis + 1)];
  if (draws === 0) return zeros(outShape, isRange ? 'int32' : a.dtype);
  if (n === 0) throw new PuregradError('random.choice', 'cannot draw from an empty population');
  if (!replace && draws > n) {
    throw new PuregradError('random.choice', `cannot draw ${draws} samples from ${n} without replacement; pass replace: true`);
  }
  const pick = (ind: Tensor): Tensor => O.reshape(isRange ? ind : O.take(a, ind, { axis }), outShape);
  const p = options.p;
  if (p === undefined) {
    if (replace) return pick(O.reshape(randint(key, [draws], 0, n), [draws]));
    const perm = permutation(key, isRange ? n : a, { axis });
    const starts = perm.shape.map(() => 0);
    const limits = perm.shape.map((d, i) => (i === axis ? draws : d));
    return O.reshape(O.slice(perm, starts, limits), outShape);
  }
  if ((p.dtype !== 'float32' && p.dtype !== 'float64') || p.rank !== 1 || p.shape[0] !== n) {
    throw new PuregradError('random.choice', `p must be a float vector of length ${n}, got ${p.dtype}${showShape(p.shape)}`);
  }
  if (replace) {
    // inverse CDF: the first index whose cumulative weight reaches r, r uniform in (0, total]
    const cumulative = O.reshape(prefixSum(p), [1, n]);
    const total = O.slice(cumulative, [0, n - 1], [1, n]);
    const r = O.mul(O.reshape(total, []), O.sub(1, uniform(key, [draws], { dtype: p.dtype })));
    const below = O.cast(O.less(cumulative, O.reshape(r, [draws, 1])), 'int32');
    const ind = O.minimum(O.sum(below, { axis: 1 }), n - 1);
    return pick(ind);
  }
  const scores = O.add(gumbel(key, [n], { dtype: p.dtype }), O.log(p));
  const top = O.slice(argsort(O.neg(scores)), [0], [draws]);
  return pick(top);
}

/**
 * The running sum of a vector, by ⌈log₂ n⌉ rounds of adding a copy shifted
 * right by 1, 2, 4, … (Hillis and Steele): O(n log n) work and O(n) memory,
 * where a product with a triangular matrix of ones needs n² of both.
 */
function prefixSum(p: Tensor): Tensor {
  const n = p.shape[0]!;
  let x = p;
  for (let shift = 1; shift < n; shift *= 2) {
    const shifted = O.concatenate([zeros([shift], p.dtype), O.slice(x, [0], [n - shift])], 0);
    x = O.add(x, shifted);
  }
  return x;
}
