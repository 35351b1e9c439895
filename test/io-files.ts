/**
 * Building safetensors files by hand for the io tests: a header text and data
 * bytes, with the 8-byte little-endian length written in front (no padding
 * unless the text carries it), and small helpers for tensors, trees and
 * loading results.
 */

import { expect } from 'vitest';
import type { Tree } from '../src/index.ts';
import { Tensor, io } from '../src/index.ts';

/** `u64le(len(header)) ‖ header ‖ data`. */
export function file(header: string, data: ArrayLike<number> = []): Uint8Array {
  const json = new TextEncoder().encode(header);
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setUint32(0, json.length, true);
  out.set(json, 8);
  out.set(Array.from(data), 8 + json.length);
  return out;
}

/** A one-tensor header. */
export const entry = (name: string, dtype: string, shape: readonly number[], begin: number, end: number): string =>
  `${JSON.stringify(name)}:{"dtype":"${dtype}","shape":[${shape.join(',')}],"data_offsets":[${begin},${end}]}`;

/** Little-endian bytes of 16-bit words. */
export const words16 = (...ws: number[]): number[] => ws.flatMap((w) => [w & 0xff, (w >> 8) & 0xff]);

/** Little-endian bytes of signed 64-bit integers. */
export function words64(...vs: bigint[]): number[] {
  const view = new DataView(new ArrayBuffer(8 * vs.length));
  vs.forEach((v, i) => view.setBigInt64(8 * i, v, true));
  return Array.from(new Uint8Array(view.buffer));
}

/** Load and expect success. */
export function loadRight(bytes: Uint8Array): io.Safetensors {
  const r = io.loadSafetensors(bytes);
  if (r._tag === 'Left') throw new Error(`expected a Right, got ${r.left.message}`);
  return r.right;
}

/** Load and expect a `Left` of `kind` whose message contains each fragment. */
export function expectLeft(bytes: Uint8Array, kind: io.IoErrorKind, ...fragments: string[]): io.IoError {
  const r = io.loadSafetensors(bytes);
  if (r._tag === 'Right') throw new Error(`expected a Left of kind ${kind}, got a Right`);
  expect(r.left.kind).toBe(kind);
  for (const f of fragments) expect(r.left.message).toContain(f);
  return r.left;
}

/** Everything observable about a tensor, with values compared by `Object.is` (NaN equal, −0 ≠ 0). */
export function sameTensor(a: Tensor, b: Tensor): boolean {
  if (a.dtype !== b.dtype || a.shape.length !== b.shape.length || a.shape.some((d, i) => d !== b.shape[i])) return false;
  const [x, y] = [a.toTypedArray(), b.toTypedArray()];
  return x.length === y.length && x.every((v, i) => Object.is(v, y[i]));
}

/** Two trees with the same containers, the same keys (in any order) and equal tensors at each leaf. */
export function sameTree(a: Tree<Tensor>, b: Tree<Tensor>): boolean {
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => sameTree(x, b[i]));
  }
  if (a instanceof Tensor || b instanceof Tensor) return a instanceof Tensor && b instanceof Tensor && sameTensor(a, b);
  if (typeof a !== 'object' || a === null || typeof b !== 'object' || b === null) return false;
  const [ka, kb] = [Object.keys(a).sort(), Object.keys(b).sort()];
  const [ra, rb] = [a as Record<string, Tree<Tensor>>, b as Record<string, Tree<Tensor>>];
  return ka.length === kb.length && ka.every((k, i) => k === kb[i] && sameTree(ra[k], rb[k]));
}
