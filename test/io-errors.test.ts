/**
 * `io` refusing bad input: each way a safetensors header can be wrong gives a
 * `Left` of the right kind with a message that says what is wrong (never an
 * exception), `saveSafetensors` refuses trees and metadata it cannot write
 * with a `PuregradError` naming the path, and the JSON form of a tensor is
 * read back strictly.
 */

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConcretizationError, PuregradError, io, jit, nn, random, scalar, tensor, zeros } from '../src/index.ts';
import type { Tensor, Tree } from '../src/index.ts';
import { expectOpError } from './support.ts';
import { entry, expectLeft, file, loadRight } from './io-files.ts';

const f32 = (name: string, begin = 0) => entry(name, 'F32', [1], begin, begin + 4);
const four = [0, 0, 128, 63];

describe('loadSafetensors refuses malformed files with a Left', () => {
  it('the length prefix: too short, over 100 MB, past the end of the file', () => {
    expectLeft(new Uint8Array(5), 'header', 'at least 8 bytes');
    const big = new Uint8Array(16);
    new DataView(big.buffer).setUint32(0, 100_000_001, true);
    expectLeft(big, 'header', 'over the 100 MB limit');
    new DataView(big.buffer).setUint32(4, 1, true); // N ≥ 2^32
    expectLeft(big, 'header', 'over the 100 MB limit');
    const past = file('{}');
    new DataView(past.buffer).setUint32(0, 3, true);
    expectLeft(past.subarray(0, 10), 'header', 'runs past the end');
  });

  it('the header text: invalid UTF-8, a byte-order mark or another first character, bad JSON', () => {
    const bytes = file('{"\u00e9":1}');
    bytes[10] = 0xff; // breaks the two-byte sequence of é
    expectLeft(bytes, 'header', 'not valid UTF-8');
    expectLeft(file('\ufeff{}'), 'header', "start with '{'");
    expectLeft(file(' {}'), 'header', "start with '{'");
    expectLeft(file('{"a":'), 'json', 'not valid JSON');
    expectLeft(file('{"a":{}}x'), 'json', 'after the JSON value');
    expectLeft(file('{"a":[1,]}'), 'json');
    expectLeft(file('{"a":[01]}'), 'json'); // JSON has no leading zeros
    expectLeft(file('{"a":"\\ud800"}'), 'json', 'lone high surrogate');
    expectLeft(file('{"a":{"b":{"c":{"d":[]}}}}'), 'json', 'nested deeper');
  });

  it('a repeated key, which JSON.parse would silently resolve to the last one', () => {
    expectLeft(file(`{${f32('w')},${f32('w', 4)}}`, [...four, ...four]), 'json', 'duplicate key "w"');
    expectLeft(file('{"__metadata__":{},"__metadata__":{}}'), 'json', 'duplicate key "__metadata__"');
    expectLeft(file('{"__metadata__":{"k":"a","k":"b"}}'), 'json', 'duplicate key "k"');
  });

  it('__metadata__ that is not an object of strings (null counts as none, as in the reference)', () => {
    expectLeft(file('{"__metadata__":{"step":10}}'), 'metadata', '"step"');
    expectLeft(file('{"__metadata__":["a"]}'), 'metadata');
    expect(loadRight(file('{"__metadata__":null}')).metadata).toEqual({});
  });

  it('a tensor record with a missing or extra field, or a field of the wrong type', () => {
    expectLeft(file('{"w":{"dtype":"F32","shape":[1]}}', four), 'entry', '"w"', 'missing field data_offsets');
    expectLeft(file('{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4],"x":1}}', four), 'entry', 'unexpected field "x"');
    expectLeft(file('{"w":[1]}'), 'entry', 'expected an object');
    expectLeft(file('{"w":{"dtype":32,"shape":[1],"data_offsets":[0,4]}}', four), 'entry', 'dtype must be a string');
    expectLeft(file('{"w":{"dtype":"f32","shape":[1],"data_offsets":[0,4]}}', four), 'dtype', 'unknown dtype "f32"');
  });

  it('a shape that is not non-negative integers written as digits', () => {
    for (const shape of ['[-1]', '[1.0]', '[1e0]', '["1"]', '1', '[9007199254740993]', '[null]']) {
      expectLeft(file(`{"w":{"dtype":"F32","shape":${shape},"data_offsets":[0,4]}}`, four), 'entry', 'shape');
    }
  });

  it('data_offsets that are not two integers in order', () => {
    for (const offsets of ['[0]', '[0,4,8]', '[4,0]', '[-0,4]', '"0,4"']) {
      expectLeft(file(`{"w":{"dtype":"F32","shape":[1],"data_offsets":${offsets}}}`, four), 'entry', 'data_offsets');
    }
  });

  it('byte ranges that disagree with shape × dtype, overflow, overlap, leave a hole or miss the end', () => {
    expectLeft(file(`{${entry('w', 'F32', [2], 0, 4)}}`, four), 'layout', '"w"', 'takes 8 bytes', 'span 4');
    expectLeft(file(`{${entry('w', 'F64', [2 ** 30, 2 ** 30, 2 ** 30, 0], 0, 0)}}`), 'layout', 'too large');
    expectLeft(file(`{${f32('a')},${f32('b')}}`, four), 'layout', 'overlaps');
    expectLeft(file(`{${f32('a')},${f32('b', 8)}}`, [...four, 0, 0, 0, 0, ...four]), 'layout', 'hole', '[4, 8)');
    expectLeft(file(`{${f32('a', 4)}}`, [0, 0, 0, 0, ...four]), 'layout', 'hole', '[0, 4)');
    expectLeft(file(`{${f32('a')}}`, [...four, 0]), 'layout', 'cover only 4');
    expectLeft(file(`{${f32('a')}}`, [0, 0]), 'layout', 'truncated');
    // a header that claims 4 GB of data is refused before anything is allocated
    expectLeft(file(`{${entry('huge', 'F32', [2 ** 30], 0, 2 ** 32)}}`, four), 'layout', 'need 4294967296 bytes');
  });

  it('tensor names that cannot be tree paths', () => {
    expectLeft(file(`{${f32('a')},${f32('a.b', 4)}}`, [...four, ...four]), 'names', '"a"', '"a.b"', 'conflict');
    expectLeft(file(`{${f32('a.b', 4)},${f32('a')}}`, [...four, ...four]), 'names', 'conflict');
    expectLeft(file(`{${f32('a..b')}}`, four), 'names', 'empty path segment');
    expectLeft(file(`{${f32('')}}`, four), 'names', 'empty path segment');
    expectLeft(file(`{${f32(new Array(1002).fill('x').join('.'))}}`, four), 'names', 'levels deep');
  });

  it('anything but a Uint8Array', () => {
    const r = io.loadSafetensors('not bytes' as unknown as Uint8Array);
    expect(r._tag === 'Left' && r.left.kind).toBe('header');
    const buffer = io.loadSafetensors(new ArrayBuffer(8) as unknown as Uint8Array);
    expect(buffer._tag === 'Left' && buffer.left.message).toContain('new Uint8Array(buffer)');
  });
});

describe('loaded trees', () => {
  const four2 = [...four, ...four];
  it('nest names: arrays for 0 … n−1, objects otherwise, keys sorted, no prototype keys', () => {
    const { tree } = loadRight(file(`{${f32('l.1.w')},${f32('l.0.w', 4)}}`, four2));
    expect(Array.isArray((tree as { l: unknown }).l)).toBe(true);
    const gaps = loadRight(file(`{${f32('l.0')},${f32('l.2', 4)}}`, four2)).tree as { l: Record<string, Tensor> };
    expect(Object.keys(gaps.l)).toEqual(['0', '2']);
    const padded = loadRight(file(`{${f32('l.0')},${f32('l.01', 4)}}`, four2)).tree as { l: Record<string, Tensor> };
    expect(Array.isArray(padded.l)).toBe(false);
    const proto = loadRight(file(`{${f32('__proto__.x')}}`, four)).tree as Record<string, unknown>;
    expect(Object.keys(proto)).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(proto)).toBe(Object.prototype);
  });

  it('are frozen, and a saved tree is left untouched', () => {
    const params = Object.freeze({ w: tensor([1, 2]), layers: Object.freeze([Object.freeze({ b: scalar(1) })]) });
    const { tree, metadata } = loadRight(io.saveSafetensors(params, Object.freeze({ k: 'v' })));
    expect([tree, (tree as { layers: unknown }).layers, metadata].every((x) => Object.isFrozen(x))).toBe(true);
    expect(params.w.toArray()).toEqual([1, 2]);
  });
});

describe('saveSafetensors refuses what it cannot write', () => {
  const save = (tree: unknown, metadata?: unknown) => () =>
    io.saveSafetensors(tree as Tree<Tensor>, metadata as Record<string, string> | undefined);
  const op = 'io.saveSafetensors';

  it('names the path of a bad leaf, a bad key or a cycle', () => {
    expectOpError(save(tensor([1])), op, 'single tensor');
    expectOpError(save({ layers: [{ w: 3 }] }), op, 'at layers.0.w: expected a tensor');
    expectOpError(save({ w: new Float32Array(2) }), op, 'at w: expected a tensor, an array or a plain object, got an instance of Float32');
    expectOpError(save({ 'a.b': tensor([1]) }), op, 'contains a dot');
    expectOpError(save({ a: { '': tensor([1]) } }), op, 'at a: key "" is empty');
    const cyclic: Record<string, unknown> = { w: tensor([1]) };
    cyclic.self = cyclic;
    expectOpError(save(cyclic), op, 'at self: the tree contains itself');
    expectOpError(save({ __metadata__: tensor([1]) }), op, 'reserves it for the metadata');
  });

  it('refuses metadata that is not strings', () => {
    expectOpError(save({}, { step: 10 }), op, 'metadata["step"] must be a string');
    expectOpError(save({}, { k: 'a\ud800' }), op, 'unpaired surrogate');
  });

  it('reads a tracer only when its value is known', () => {
    expect(() => jit((x: Tensor) => {
      io.saveSafetensors({ x });
      return x;
    })(scalar(1))).toThrow(ConcretizationError);
  });

  it('keeps shared tensors and skips empty subtrees', () => {
    const w = tensor([1]);
    const { tree } = loadRight(io.saveSafetensors({ a: w, b: w, c: null, d: [], e: {} }));
    expect(Object.keys(tree as object)).toEqual(['a', 'b']);
  });
});

describe('the JSON form of a tensor', () => {
  it('keeps the data in JSON.stringify (it used to be dropped)', () => {
    expect(JSON.stringify({ w: tensor([[1, 2]]) })).toBe('{"w":{"dtype":"float32","shape":[1,2],"data":[1,2]}}');
    expect(scalar(0.1).toJSON()).toEqual({ dtype: 'float32', shape: [], data: [0.1] }); // the shortest float32 decimal
    expect(tensor([0.1], { dtype: 'float64' }).toJSON().data).toEqual([0.1]);
  });

  it('round-trips NaN, ±Infinity and −0 as strings', () => {
    const x = tensor([NaN, Infinity, -Infinity, -0, 0, 1.5]);
    const back = tensor(JSON.parse(JSON.stringify(x)));
    expect(x.toJSON().data).toEqual(['NaN', 'Infinity', '-Infinity', '-0', 0, 1.5]);
    const signed = Array.from(back.toTypedArray()).map((v) => (Object.is(v, -0) ? '-0' : v));
    expect(signed).toEqual([NaN, Infinity, -Infinity, '-0', 0, 1.5]);
  });

  it('accepts dtype and shape options like any other data', () => {
    const json = { dtype: 'int32', shape: [2, 2], data: [1, 2, 3, 4] } as const;
    expect(tensor(json, { dtype: 'float64' }).dtype).toBe('float64');
    expect(tensor(json, { shape: [4] }).shape).toEqual([4]);
  });

  it('refuses a malformed form with a PuregradError', () => {
    const bad = (x: unknown) => () => tensor(x as Parameters<typeof tensor>[0]);
    expectOpError(bad({ dtype: 'float16', shape: [1], data: [1] }), 'tensor', 'dtype "float16"');
    expectOpError(bad({ dtype: 'float32', shape: [2], data: [1] }), 'tensor', 'holds 2 elements but data has 1');
    expectOpError(bad({ dtype: 'float32', shape: [-1], data: [] }), 'tensor', 'non-negative integers');
    expectOpError(bad({ dtype: 'float32', shape: [1], data: [1], extra: 0 }), 'tensor', 'unexpected field "extra"');
    expectOpError(bad({ dtype: 'int32', shape: [1], data: [1.5] }), 'tensor', 'int32');
    expectOpError(bad({ dtype: 'int32', shape: [1], data: [2 ** 31] }), 'tensor', 'int32');
    expectOpError(bad({ dtype: 'bool', shape: [1], data: [1] }), 'tensor', 'true or false');
    expectOpError(bad({ dtype: 'float32', shape: [1], data: ['nan'] }), 'tensor', '"NaN"');
    expectOpError(bad({ dtype: 'float32', shape: [1], data: 'x' }), 'tensor', 'flat array');
  });

  it('needs a concrete value', () => {
    expect(() => jit((x: Tensor) => {
      JSON.stringify(x);
      return x;
    })(zeros([1]))).toThrow(PuregradError);
  });
});

describe('docs/io.md', () => {
  it('quotes the messages the loader gives for its examples', () => {
    const guide = readFileSync(new URL('../docs/io.md', import.meta.url), 'utf8');
    const quoted = [...guide.matchAll(/^\/\/ Left: (.*)$/gm)].map((m) => m[1]);
    const message = (r: ReturnType<typeof io.loadSafetensors>) => (r._tag === 'Left' ? r.left.message : 'Right');
    const params = nn.mlp([2, 3, 1]).init(random.key(0));
    const bytes = io.saveSafetensors({ w: tensor([[1, 2], [3, 4]]), b: tensor([0.5, -0.5]) });
    expect(quoted).toEqual([
      message(io.loadSafetensors(io.saveSafetensors(params), { like: nn.mlp([2, 4, 1]).init(random.key(0)) })),
      message(io.loadSafetensors(bytes.slice(0, bytes.length - 4))),
      message(io.loadSafetensors(new TextEncoder().encode('{"w": [1, 2]}'))),
    ]);
  });
});

describe('loadSafetensors options', () => {
  const bytes = io.saveSafetensors({ w: tensor([1, 2]) });
  it('unknown option names and options that are not an object are a PuregradError (a mistake in the code)', () => {
    expect(() => io.loadSafetensors(bytes, { lik: { w: tensor([0, 0]) } } as never))
      .toThrow(/io.loadSafetensors: unknown option 'lik'; the options are like/);
    expect(() => io.loadSafetensors(bytes, null as never)).toThrow(PuregradError);
    expect(() => io.loadSafetensors(bytes, 'like' as never)).toThrow(/options must be an object such as \{ like: … \}, got the string "like"/);
    expect(loadRight(bytes)).toBeDefined();
  });
});
