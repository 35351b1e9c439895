/**
 * A plain reference implementation of JAX's Threefry random numbers, written
 * independently of `src/random` for the tests: Threefry-2x32 in BigInt
 * arithmetic modulo 2³² (not the kernel's int32 tricks), both of JAX's key
 * derivations (the default "partitionable" one and the legacy one, from
 * `jax/_src/prng.py`), and the float conversions of `jax/_src/random.py`
 * evaluated in plain JS with `Math.fround` after each float32 operation.
 *
 * The legacy derivation is here because JAX's test suite pins its values
 * (`tests/random_test.py`): checking this reference against them validates the
 * conversions (uniform, normal, truncated normal, Gumbel, randint, bernoulli),
 * which do not depend on the derivation; the library is then checked against
 * this reference under the partitionable derivation.
 */

import { erfInvSingle } from '../src/kernels/erfinv.ts';
import { erf, nextAfter } from '../src/random/erf.ts';

const M = 0xffffffffn;
const u = (v: number | bigint): bigint => BigInt.asUintN(32, BigInt(v));
const rotl = (x: bigint, r: number): bigint => ((x << BigInt(r)) | (x >> BigInt(32 - r))) & M;

/** Threefry-2x32, 20 rounds (Salmon et al. 2011), on uint32 words given as numbers; returns uint32 numbers. */
export function threefryRef(key: readonly [number, number], ctr: readonly [number, number]): [number, number] {
  const k = [u(key[0]), u(key[1])];
  const ks = [k[0]!, k[1]!, k[0]! ^ k[1]! ^ 0x1bd11bdan];
  const rot = [[13, 15, 26, 6], [17, 29, 16, 24]];
  let x0 = (u(ctr[0]) + ks[0]!) & M;
  let x1 = (u(ctr[1]) + ks[1]!) & M;
  for (let s = 1; s <= 5; s++) {
    for (const r of rot[(s - 1) % 2]!) {
      x0 = (x0 + x1) & M;
      x1 = rotl(x1, r) ^ x0;
    }
    x0 = (x0 + ks[s % 3]!) & M;
    x1 = (x1 + ks[(s + 1) % 3]! + BigInt(s)) & M;
  }
  return [Number(x0), Number(x1)];
}

type Key = readonly [number, number];
const iota = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

/** JAX's `threefry_2x32(key, count)`: the counts split in halves (padded to even), hashed pairwise, concatenated. */
export function threefryCounts(key: Key, count: readonly number[]): number[] {
  const c = count.length % 2 === 1 ? [...count, 0] : [...count];
  const h = c.length / 2;
  const pairs = iota(h).map((i) => threefryRef(key, [c[i]!, c[h + i]!]));
  return [...pairs.map((p) => p[0]), ...pairs.map((p) => p[1])].slice(0, count.length);
}

/** The two derivations: how a key becomes subkeys and random words. */
export interface Derivation {
  split(key: Key, n: number): Key[];
  bits32(key: Key, n: number): number[];
  bits64(key: Key, n: number): bigint[];
}

/** `jax_threefry_partitionable=True` (JAX's default since 0.5): element i hashes counter (0, i). */
export const partitionable: Derivation = {
  split: (key, n) => iota(n).map((i) => threefryRef(key, [0, i])),
  bits32: (key, n) => iota(n).map((i) => {
    const [a, b] = threefryRef(key, [0, i]);
    return (a ^ b) >>> 0;
  }),
  bits64: (key, n) => iota(n).map((i) => {
    const [a, b] = threefryRef(key, [0, i]);
    return (BigInt(a) << 32n) | BigInt(b);
  }),
};

/** `jax_threefry_partitionable=False` (JAX's default before 0.5). */
export const legacy: Derivation = {
  split: (key, n) => {
    const w = threefryCounts(key, iota(2 * n));
    return iota(n).map((i) => [w[2 * i]!, w[2 * i + 1]!] as const);
  },
  bits32: (key, n) => threefryCounts(key, iota(n)),
  bits64: (key, n) => {
    const w = threefryCounts(key, iota(2 * n));
    return iota(n).map((i) => (BigInt(w[i]!) << 32n) | BigInt(w[n + i]!));
  },
};

const f = Math.fround;

/** `_uniform` for float32: (bits >> 9 | 1.0f bits) − 1, scaled into [lo, hi), then max(lo, ·). */
export function uniform32(bits: readonly number[], lo = 0, hi = 1): number[] {
  const [l, span] = [f(lo), f(f(hi) - f(lo))];
  return bits.map((b) => Math.max(l, f(f(f((b >>> 9) * 2 ** -23) * span) + l)));
}

/** `_uniform` for float64 from 64-bit words: the top 52 bits as the mantissa. */
export const uniform64 = (bits: readonly bigint[]): number[] => bits.map((b) => Number(b >> 12n) * 2 ** -52);

/** `_normal_real`: √2·erf⁻¹(v), v uniform in [nextafter(−1, 0), 1). */
export const normal32 = (bits: readonly number[]): number[] =>
  uniform32(bits, nextAfter(-1, 0, 'float32'), 1).map((v) => f(erfInvSingle(v) * f(Math.SQRT2)));

/** `_truncated_normal`: √2·erf⁻¹(v), v uniform in [erf(lower/√2), erf(upper/√2)), clipped into (lower, upper). */
export function truncatedNormal32(bits: readonly number[], lower: number, upper: number): number[] {
  const s = f(Math.SQRT2);
  const [a, b] = [f(erf(f(f(lower) / s))), f(erf(f(f(upper) / s)))];
  const [lo, hi] = [nextAfter(f(lower), Infinity, 'float32'), nextAfter(f(upper), -Infinity, 'float32')];
  return uniform32(bits, a, b).map((v) => Math.min(hi, Math.max(lo, f(erfInvSingle(v) * s))));
}

/** `_gumbel`: −log(−log u), u uniform in [tiny, 1). */
export const gumbel32 = (bits: readonly number[]): number[] =>
  uniform32(bits, 2 ** -126, 1).map((v) => f(-f(Math.log(f(-f(Math.log(v)))))));

/** `_randint` with 32-bit words from the two halves of `split(key)`. */
export function randint32(d: Derivation, key: Key, n: number, minval: number, maxval: number): number[] {
  const [k1, k2] = d.split(key, 2) as [Key, Key];
  const span = BigInt(maxval <= minval ? 1 : maxval - minval);
  const half = (1n << 16n) % span;
  const multiplier = ((half * half) & M) % span;
  const [hi, lo] = [d.bits32(k1, n), d.bits32(k2, n)];
  return iota(n).map((i) => {
    const offset = ((((BigInt(hi[i]!) % span) * multiplier) & M) + (BigInt(lo[i]!) % span)) & M;
    return minval + Number(offset % span);
  });
}

/** The 32-bit adler32 checksum JAX's tests use to seed each pinned case (`zlib.adler32(name + impl)`). */
export function adler32(text: string): number {
  let a = 1;
  let b = 0;
  for (const ch of new TextEncoder().encode(text)) {
    a = (a + ch) % 65521;
    b = (b + a) % 65521;
  }
  return b * 65536 + a;
}

/** JAX's `PRNGKey(seed)` with 64-bit integers: the seed's high and low words. */
export const seedKey = (seed: number): Key => [Number(BigInt.asUintN(32, BigInt(seed) >> 32n)), Number(BigInt.asUintN(32, BigInt(seed)))];
