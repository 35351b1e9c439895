/**
 * The laws of `io`, checked with fast-check on random trees and random or
 * damaged bytes:
 * - round trip: `load(save(tree, metadata))` gives back the tree (dtypes,
 *   shapes and every value exactly, NaN, ±Infinity and −0 included) and the
 *   metadata, and saving what was loaded reproduces the same bytes;
 * - hostile input: random bytes, every truncation of a valid file, extra
 *   bytes after it, header lengths past the file, single bit flips in the
 *   header and random JSON in a header's fields never make the loader throw or
 *   hang; all of them give a `Left`, except a bit flip inside a string of the
 *   header (a name, a dtype, metadata), which may leave a valid file;
 * - `tensor(JSON.parse(JSON.stringify(x)))` is `x`, exactly.
 */

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { DType, Tensor, Tree } from '../src/index.ts';
import { io, tensor } from '../src/index.ts';
import { entry, file, sameTensor, sameTree } from './io-files.ts';

const RUNS = { seed: 20261212, numRuns: 200 };

const values: Record<DType, fc.Arbitrary<number>> = {
  float32: fc.float(), // NaN, ±Infinity and −0 included
  float64: fc.double(),
  int32: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
  bool: fc.integer({ min: 0, max: 1 }),
};

const STORAGE = { float32: Float32Array, float64: Float64Array, int32: Int32Array, bool: Uint8Array } as const;

/** A tensor of any dtype, rank 0–3, axes 0–3 (so scalars and zero-size tensors), any values. */
const anyTensor = (minDim = 0): fc.Arbitrary<Tensor> =>
  fc.tuple(
    fc.constantFrom<DType>('float32', 'float64', 'int32', 'bool'),
    fc.array(fc.integer({ min: minDim, max: 3 }), { maxLength: 3 }),
  )
    .chain(([dtype, shape]) => {
      const size = shape.reduce((a, b) => a * b, 1);
      return fc.array(values[dtype], { minLength: size, maxLength: size })
        .map((v) => tensor(STORAGE[dtype].from(v), { dtype, shape }));
    });

const isCanonicalIndex = (k: string): boolean => /^(0|[1-9][0-9]*)$/.test(k);
const isWellFormed = (s: string): boolean => !/[\uD800-\uDFFF]/.test(s.replace(/[\uD800-\uDBFF][\uDC00-\uDFFF]/g, ''));

/** Keys a tree path can hold: non-empty, no dot, not an array index (which would load as an array). */
const key = fc.string({ unit: 'binary', minLength: 1, maxLength: 4 })
  .filter((k) => !k.includes('.') && !isCanonicalIndex(k) && k !== '__metadata__' && k !== '__proto__' && isWellFormed(k));

/** Nested objects and arrays of tensors, with no empty container (which holds no tensor and does not come back). */
const anyTree = (minDim = 0): fc.Arbitrary<Tree<Tensor>> => {
  const { node } = fc.letrec<{ node: Tree<Tensor> }>((tie) => ({
    node: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      anyTensor(minDim),
      fc.array(tie('node'), { minLength: 1, maxLength: 3 }),
      fc.dictionary(key, tie('node'), { minKeys: 1, maxKeys: 3, noNullPrototype: true }),
    ),
  }));
  return fc.oneof(
    fc.array(node, { minLength: 1, maxLength: 3 }),
    fc.dictionary(key, node, { maxKeys: 4, noNullPrototype: true }),
  );
};

const metadata = fc.option(fc.dictionary(fc.string({ unit: 'binary', maxLength: 6 }).filter(isWellFormed),
  fc.string({ unit: 'binary', maxLength: 6 }).filter(isWellFormed), { maxKeys: 3, noNullPrototype: true }), { nil: undefined });

/**
 * Load, checking it returns within `ms` whatever the input. The bounds are loose (the test machine
 * is shared); they are there to catch a hang or a blow-up, not to time the parser.
 */
function timedLoad(bytes: Uint8Array, ms = 1000): ReturnType<typeof io.loadSafetensors> {
  const start = performance.now();
  const r = io.loadSafetensors(bytes);
  expect(performance.now() - start).toBeLessThan(ms);
  return r;
}

describe('round trip', () => {
  it('load(save(tree, metadata)) is the tree and the metadata, exactly', () => {
    fc.assert(fc.property(anyTree(), metadata, (tree, meta) => {
      const r = io.loadSafetensors(io.saveSafetensors(tree, meta));
      if (r._tag === 'Left') return false;
      return sameTree(r.right.tree, tree) && JSON.stringify(r.right.metadata) === JSON.stringify(meta ?? {});
    }), RUNS);
  });

  it('saving what was loaded gives the same bytes', () => {
    fc.assert(fc.property(anyTree(), metadata, (tree, meta) => {
      const bytes = io.saveSafetensors(tree, meta);
      const r = io.loadSafetensors(bytes);
      if (r._tag === 'Left') return false;
      const again = io.saveSafetensors(r.right.tree, meta === undefined ? undefined : r.right.metadata);
      return again.length === bytes.length && again.every((b, i) => b === bytes[i]);
    }), RUNS);
  });

  it('every tensor starts 8-byte aligned in the file when the dtypes allow (F64 first, then 4-byte, then BOOL)', () => {
    fc.assert(fc.property(anyTree(), (tree) => {
      const bytes = io.saveSafetensors(tree);
      const n = new DataView(bytes.buffer).getUint32(0, true);
      type Entry = { dtype: string; data_offsets: [number, number] };
      const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n))) as Record<string, Entry>;
      const size: Record<string, number> = { F64: 8, F32: 4, I32: 4, BOOL: 1 };
      return n % 8 === 0 && Object.values(header).every((h) => (8 + n + h.data_offsets[0]) % size[h.dtype]! === 0);
    }), RUNS);
  });

  it('the JSON form round-trips every tensor exactly', () => {
    fc.assert(fc.property(anyTensor(), (x) => sameTensor(tensor(JSON.parse(JSON.stringify(x))), x)), RUNS);
  });
});

describe('hostile input gives a Left, promptly, and never throws', () => {
  it('random bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => timedLoad(bytes)._tag === 'Left'), RUNS);
  });

  it('random bytes behind a plausible header length', () => {
    fc.assert(fc.property(fc.uint8Array({ minLength: 8, maxLength: 300 }), fc.nat(), (bytes, k) => {
      const copy = bytes.slice();
      new DataView(copy.buffer).setUint32(0, k % (copy.length - 7), true);
      copy.fill(0, 4, 8);
      return timedLoad(copy)._tag === 'Left';
    }), RUNS);
  });

  it('every truncation of a valid file, and any bytes appended to it', () => {
    fc.assert(fc.property(anyTree(), fc.nat(), fc.uint8Array({ minLength: 1, maxLength: 9 }), (tree, k, extra) => {
      const bytes = io.saveSafetensors(tree);
      const cut = timedLoad(bytes.subarray(0, k % bytes.length));
      const longer = new Uint8Array(bytes.length + extra.length);
      longer.set(bytes);
      longer.set(extra, bytes.length);
      return cut._tag === 'Left' && timedLoad(longer)._tag === 'Left';
    }), RUNS);
  });

  it('a header length beyond the file or over 100 MB', () => {
    fc.assert(fc.property(anyTree(), fc.nat(), fc.nat(), (tree, low, high) => {
      const bytes = io.saveSafetensors(tree).slice();
      const view = new DataView(bytes.buffer);
      view.setUint32(0, Math.max(low, bytes.length - 7) >>> 0, true);
      view.setUint32(4, high % 3 === 0 ? 0 : high, true);
      const r = timedLoad(bytes);
      return r._tag === 'Left' && r.left.kind === 'header';
    }), RUNS);
  });

  it('a single bit flipped in the header: a Left unless the bit is inside a string', () => {
    fc.assert(fc.property(anyTree(1), metadata, fc.nat(), fc.integer({ min: 0, max: 7 }), (tree, meta, at, bit) => {
      const original = io.saveSafetensors(tree, meta);
      const n = new DataView(original.buffer).getUint32(0, true);
      const i = at % (8 + n);
      const bytes = original.slice();
      bytes[i]! ^= 1 << bit;
      return timedLoad(bytes)._tag === 'Left' || insideString(original.subarray(8, 8 + n), i - 8);
    }), { ...RUNS, numRuns: 500 });
  });

  it('random JSON in place of a field of a tensor record: a Right exactly when the record is still valid', () => {
    const field = fc.constantFrom('dtype', 'shape', 'data_offsets', 'extra', '__metadata__');
    const counts = (v: unknown): v is number[] => Array.isArray(v) && v.every((d) => Number.isSafeInteger(d) && d >= 0);
    // What the file must hold to be valid: a record for 2 float32 (8 bytes), or a metadata map of strings.
    const valid = (name: string, v: unknown): boolean => {
      if (name === 'dtype') return v === 'F32' || v === 'I32' || v === 'U32'; // the 4-byte dtypes; 0 fits int32
      if (name === 'shape') return counts(v) && v.reduce((a, b) => a * b, 1) === 2;
      if (name === 'data_offsets') return counts(v) && v.length === 2 && v[0] === 0 && v[1] === 8;
      if (name === 'extra') return false;
      return v === null || (typeof v === 'object' && !Array.isArray(v) && Object.values(v).every((x) => typeof x === 'string'));
    };
    fc.assert(fc.property(field, fc.jsonValue({ maxDepth: 3 }), (name, value) => {
      const record: Record<string, unknown> = { dtype: 'F32', shape: [2], data_offsets: [0, 8] };
      record[name] = value;
      const meta = name === '__metadata__';
      const r = timedLoad(file(JSON.stringify(meta ? { __metadata__: value } : { w: record }), new Array(meta ? 0 : 8).fill(0)));
      return (r._tag === 'Right') === valid(name, value);
    }), { ...RUNS, numRuns: 500 });
  });

  it('large hostile headers are refused without a blow-up', () => {
    const mb = 2_000_000;
    const deep = `{"a":${'['.repeat(mb)}`; // refused at the fourth level, not at the end
    const wide = `{${Array.from({ length: mb / 12 }, (_, i) => `"k${i}":"v"`).join(',')}}`; // parsed in full, then refused
    const escapes = `{"a":"${'\\u0041'.repeat(mb / 6)}`; // an unterminated string of escapes
    for (const text of [deep, wide, escapes]) expect(timedLoad(file(text), 10_000)._tag).toBe('Left');
    // a valid header of many zero-size tensors loads
    const names = Array.from({ length: 20_000 }, (_, i) => entry(`t${i}`, 'F32', [0, 7], 0, 0));
    const r = timedLoad(file(`{${names.join(',')}}`), 10_000);
    expect(r._tag === 'Right' && Object.keys(r.right.tree as object).length).toBe(20_000);
  });
});

/** Whether byte `i` of the header lies strictly inside a JSON string ('"' and '\' are ASCII, so bytes can be scanned). */
function insideString(header: Uint8Array, i: number): boolean {
  let inString = false;
  for (let k = 0; k < header.length; k++) {
    const c = header[k];
    if (inString && c === 0x5c) {
      if (k === i || k + 1 === i) return true;
      k++;
      continue;
    }
    if (c === 0x22) inString = !inString;
    else if (k === i) return inString;
  }
  return false;
}
