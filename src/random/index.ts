/**
 * `random`: pure, splittable random numbers in the manner of JAX. A key is an
 * int32 tensor of shape [2]; every sampler takes one and returns numbers that
 * depend only on it (and the shape), never on hidden state. Derive fresh keys
 * with `split` or `foldIn`; reusing a key reuses its numbers, and keeping keys
 * apart is the caller's responsibility. Same key, same bits as JAX's default
 * Threefry implementation (see docs/random.md).
 */

export { key, split, splitN, foldIn } from './keys.ts';
export { bits } from './bits.ts';
export type { FloatDType } from './bits.ts';
export { uniform, normal, truncatedNormal, gumbel, bernoulli } from './continuous.ts';
export type { UniformOptions, TruncatedNormalOptions } from './continuous.ts';
export { randint, categorical, permutation, choice } from './discrete.ts';
export type { CategoricalOptions, ChoiceOptions } from './discrete.ts';
