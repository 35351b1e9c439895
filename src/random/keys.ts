/**
 * Random keys, in JAX's raw layout: a key is an int32 tensor of shape [2]
 * holding two uint32 words as bit patterns. Keys are ordinary tensors, so they
 * pass through `jit`, `vmap` and `scan` like any other value.
 *
 * A key is never consumed or changed: the same key always gives the same
 * numbers. New keys come from `split` and `foldIn`, which derive them with
 * Threefry-2x32 exactly as JAX's default (partitionable) implementation does:
 * `split(key, n)[i]` is the Threefry block of counter (0, i), and so equals
 * `foldIn(key, i)`.
 */

import { tensor } from '../ops/create.ts';
import * as O from '../ops/index.ts';
import { threefry2x32 } from '../primitives/random.ts';
import { arange } from '../tensor/create.ts';
import { PuregradError } from '../tensor/errors.ts';
import { showShape } from '../tensor/shape.ts';
import { Tensor } from '../tensor/tensor.ts';

/** Throws unless `key` looks like a key: int32, shape [2]. */
export function checkKey(op: string, key: unknown): asserts key is Tensor {
  if (!(key instanceof Tensor) || key.dtype !== 'int32' || key.rank !== 1 || key.shape[0] !== 2) {
    const got = key instanceof Tensor ? `${key.dtype}${showShape(key.shape)}` : typeof key;
    throw new PuregradError(op, `key must be an int32 tensor of shape [2] (from random.key, split or foldIn), got ${got}; ` +
      'to use a batch of keys, map over it with vmap');
  }
}

/** The two words of a key, as int32 scalars. */
export function keyWords(key: Tensor): readonly [Tensor, Tensor] {
  return [O.reshape(O.slice(key, [0], [1]), []), O.reshape(O.slice(key, [1], [2]), [])];
}

const int32 = (v: number): Tensor => tensor(Int32Array.of(v | 0), { shape: [] });

/**
 * The counters JAX's partitionable Threefry uses for an array of `shape`: the
 * row-major index of each element as a 64-bit number split into (hi, lo)
 * words (`iota_2x32_shape`). Arrays here hold fewer than 2³¹ elements, so
 * hi is 0.
 */
export function counters(op: string, shape: readonly number[]): readonly [Tensor, Tensor] {
  const size = shape.reduce((a, b) => a * b, 1);
  if (size >= 2 ** 31) {
    throw new PuregradError(op, `shape ${showShape(shape)} has ${size} elements; at most 2^31 − 1 are supported`);
  }
  return [int32(0), O.reshape(arange(0, size, 1, 'int32'), shape)];
}

/**
 * A key from an integer seed, as JAX's `random.key(seed)` / `PRNGKey(seed)`:
 * the seed read as a 64-bit integer is split into its high and low 32-bit
 * words, so `key(seed)` is `[0, seed]` for 0 ≤ seed < 2³², and a negative
 * seed is taken in two's complement (`key(-1)` is `[0xffffffff, 0xffffffff]`,
 * JAX's value with 64-bit integers enabled). Seeds up to ±2⁵³ (JavaScript's
 * exact integers) are accepted. An int32 scalar tensor is also accepted (for
 * `vmap` over seeds) and read as JAX reads an int32 seed: `[0, seed]`.
 * @example
 * random.key(0) // => [0, 0]
 * random.key(42) // => [0, 42]
 * random.key(2 ** 32 + 5) // => [1, 5]
 * random.key(-1) // => [-1, -1]
 * vmap(random.key)(tensor([1, 2], { dtype: 'int32' })) // => [[0, 1], [0, 2]]
 */
export function key(seed: number | Tensor): Tensor {
  if (seed instanceof Tensor) {
    if (seed.dtype !== 'int32' || seed.rank !== 0) {
      throw new PuregradError('random.key', `a tensor seed must be an int32 scalar, got ${seed.dtype}${showShape(seed.shape)}`);
    }
    return O.stack([int32(0), seed]);
  }
  if (!Number.isSafeInteger(seed)) {
    const got = typeof seed === 'number' ? String(seed) : `a ${typeof seed}`;
    throw new PuregradError('random.key', `seed must be an integer between -(2^53 - 1) and 2^53 - 1, got ${got}`);
  }
  const hi = Math.floor(seed / 2 ** 32);
  const lo = seed - hi * 2 ** 32;
  return tensor(Int32Array.of(hi | 0, lo | 0), { shape: [2] });
}

/**
 * `n` new keys (default 2) derived from `key`, as an int32 tensor of shape
 * `[n, 2]`: row i is Threefry-2x32 of counter (0, i) under `key`, JAX's
 * partitionable `split`. Take one with `take(keys, [i], {axis: 0})` or
 * `slice`, or use `splitN` for an array of keys.
 * @example
 * random.split(random.key(0), 2).shape // => [2, 2]
 * const k = random.key(7)
 * take(random.split(k, 3), [2], { axis: 0 }).reshape([2]).sub(random.foldIn(k, 2)) // => [0, 0]
 */
export function split(key: Tensor, n = 2): Tensor {
  checkKey('random.split', key);
  if (!Number.isInteger(n) || n < 0) throw new PuregradError('random.split', `n must be a non-negative integer, got ${n}`);
  const [k0, k1] = keyWords(key);
  const [hi, lo] = counters('random.split', [n]);
  const [y0, y1] = threefry2x32(k0, k1, hi, lo);
  return O.stack([y0, y1], -1);
}

/**
 * `split(key, n)` as an array of `n` keys, for destructuring:
 * `const [k1, k2] = splitN(key)`.
 * @example
 * const [a, b] = random.splitN(random.key(0))
 * [a.shape, b.shape] // => [[2], [2]]
 * b.sub(random.foldIn(random.key(0), 1)) // => [0, 0]
 */
export function splitN(key: Tensor, n = 2): readonly Tensor[] {
  const keys = split(key, n);
  return Object.freeze(Array.from({ length: n }, (_, i) => O.reshape(O.slice(keys, [i], [i + 1]), [2])));
}

/**
 * A new key from `key` and a 32-bit integer `data` (a number in [−2³¹, 2³²)
 * or an int32 scalar tensor, read as uint32 bits): Threefry-2x32 of counter
 * (0, data), as JAX's `fold_in`. Use it to derive a key per step or per
 * example: `foldIn(key, step)`.
 * @example
 * random.foldIn(random.key(0), 4) // => [-2009071935, 433833334]
 * random.foldIn(random.key(3), 1).sub(random.splitN(random.key(3))[1]!) // => [0, 0]
 */
export function foldIn(key: Tensor, data: number | Tensor): Tensor {
  checkKey('random.foldIn', key);
  let word: Tensor;
  if (data instanceof Tensor) {
    if (data.dtype !== 'int32' || data.rank !== 0) {
      throw new PuregradError('random.foldIn', `data must be an int32 scalar, got ${data.dtype}${showShape(data.shape)}`);
    }
    word = data;
  } else {
    if (!Number.isInteger(data) || data < -(2 ** 31) || data >= 2 ** 32) {
      throw new PuregradError('random.foldIn', `data must be an integer in [-2^31, 2^32), got ${data}`);
    }
    word = int32(data);
  }
  const [k0, k1] = keyWords(key);
  const [y0, y1] = threefry2x32(k0, k1, int32(0), word);
  return O.stack([y0, y1]);
}
