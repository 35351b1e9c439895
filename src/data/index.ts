/**
 * `data`: datasets as plain pairs of tensors, and deterministic batching from
 * a key — shuffle, cut into batches (full, mini or one example), split off a
 * test set — plus the toy 2-D sets learners start with (XOR, spirals,
 * circles). See docs/training.md.
 */

export type { BatchSize, Dataset } from './types.ts';
export { batch, batches, shuffle, size, split } from './dataset.ts';
export type { BatchesOptions, BatchOptions, SplitOptions } from './dataset.ts';
export { circles, spirals, xor } from './toy.ts';
export type { CirclesOptions, SpiralsOptions } from './toy.ts';
