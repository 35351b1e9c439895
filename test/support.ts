/**
 * Small helpers several test files share: a seeded generator, the matmul
 * case record, and the check that a call fails with a `PuregradError`.
 */

import { expect } from 'vitest';
import { PuregradError } from '../src/index.ts';

/** A seeded generator (mulberry32) of uniforms in [-1, 1). */
export function uniforms(seed: number): () => number {
  let s = seed >>> 0;
  return (): number => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return (((t ^ (t >>> 14)) >>> 0) / 2 ** 32) * 2 - 1;
  };
}

/** One matrix product to test: sizes, transpose flags, and which operand is shared across the batch. */
export interface MatmulCase {
  readonly batch: number;
  readonly m: number;
  readonly k: number;
  readonly n: number;
  readonly transA: boolean;
  readonly transB: boolean;
  readonly aShared: boolean;
  readonly bShared: boolean;
}

/** Run `f` and expect a `PuregradError` from `op` whose message matches `text` (a fragment or a pattern). */
export function expectOpError(f: () => unknown, op: string, text: RegExp | string): void {
  let caught: unknown;
  try {
    f();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(PuregradError);
  expect((caught as PuregradError).op).toBe(op);
  const message = (caught as PuregradError).message;
  if (typeof text === 'string') expect(message).toContain(text);
  else expect(message).toMatch(text);
}
