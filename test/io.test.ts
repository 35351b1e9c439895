/**
 * `io` by example: byte layouts pinned by hand and by the reference
 * implementation's own test vectors, the dtype conversions against values
 * worked out by hand, each way a header can be wrong, and the errors of
 * `saveSafetensors`. The properties (round trips, random and corrupted
 * bytes) are in `io.laws.test.ts`.
 */

import { describe, expect, it } from 'vitest';
import { io, scalar, tensor, zeros } from '../src/index.ts';
import type { Tensor, Tree } from '../src/index.ts';
import { entry, expectLeft, file, loadRight, words16, words64 } from './io-files.ts';

const values = (t: Tree<Tensor>): unknown => (t as Tensor).toArray();

describe('byte layout', () => {
  // {"a": float32 [1, 2], "b": int32 scalar 3}, as Python's
  // `safetensors.numpy.save_file({"a": np.array([1, 2], np.float32), "b": np.array(3, np.int32)}, path)` writes it.
  // The reference writer puts F32 before I32 (descending `Dtype` enum order), then packs the data in that order.
  const header =
    '{' + //                            1 byte
    '"a":' + //                         4
    '{"dtype":"F32",' + //             15
    '"shape":[2],' + //                12
    '"data_offsets":[0,8]}' + //       21: a's 2 × 4 bytes are data[0, 8)
    ',' + //                            1
    '"b":' + //                         4
    '{"dtype":"I32",' + //             15
    '"shape":[],' + //                 11: a scalar
    '"data_offsets":[8,12]}' + //      22: b's 4 bytes are data[8, 12)
    '}'; //                             1  → 107 bytes of JSON
  const bytes = Uint8Array.from([
    112, 0, 0, 0, 0, 0, 0, 0, //             N = 112 = 107 rounded up to a multiple of 8, as a little-endian u64
    ...Array.from(header, (c) => c.charCodeAt(0)), // the 107 bytes of (ASCII) JSON
    0x20, 0x20, 0x20, 0x20, 0x20, //         5 spaces of padding: the data starts at byte 8 + 112 = 120
    0x00, 0x00, 0x80, 0x3f, //               1.0f = 0x3F800000, little-endian
    0x00, 0x00, 0x00, 0x40, //               2.0f = 0x40000000
    0x03, 0x00, 0x00, 0x00, //               int32 3
  ]);

  it('saves exactly the bytes the reference writes', () => {
    expect(bytes.length).toBe(132);
    expect(Array.from(io.saveSafetensors({ a: tensor([1, 2]), b: scalar(3, 'int32') }))).toEqual(Array.from(bytes));
    expect(Array.from(io.saveSafetensors({ b: scalar(3, 'int32'), a: tensor([1, 2]) }))).toEqual(Array.from(bytes));
  });

  it('loads those bytes', () => {
    const { tree, metadata } = loadRight(bytes);
    const { a, b } = tree as { a: Tensor; b: Tensor };
    expect([a.dtype, a.shape, a.toArray()]).toEqual(['float32', [2], [1, 2]]);
    expect([b.dtype, b.shape, b.toArray()]).toEqual(['int32', [], 3]);
    expect(metadata).toEqual({});
  });

  // The next vectors are the reference implementation's own tests (`test_serialization`,
  // `test_serialization_forced_alignement`, `test_empty` in huggingface/safetensors safetensors/src/tensor.rs).
  const f32s = [0, 0, 0, 0, 0, 0, 128, 63, 0, 0, 0, 64, 0, 0, 64, 64, 0, 0, 128, 64, 0, 0, 160, 64]; // 0 … 5
  const attn = tensor([0, 1, 2, 3, 4, 5]);

  it('matches the reference test vector for {"attn.0": F32 [1, 2, 3]} (a 64-byte header, no padding)', () => {
    const expected = [
      64, 0, 0, 0, 0, 0, 0, 0, 123, 34, 97, 116, 116, 110, 46, 48, 34, 58, 123, 34, 100, 116, 121, 112, 101, 34, 58,
      34, 70, 51, 50, 34, 44, 34, 115, 104, 97, 112, 101, 34, 58, 91, 49, 44, 50, 44, 51, 93, 44, 34, 100, 97, 116, 97,
      95, 111, 102, 102, 115, 101, 116, 115, 34, 58, 91, 48, 44, 50, 52, 93, 125, 125, ...f32s,
    ];
    const tree = { attn: [attn.reshape([1, 2, 3])] }; // the path attn.0
    expect(Array.from(io.saveSafetensors(tree))).toEqual(expected);
    expect(values((loadRight(Uint8Array.from(expected)).tree as { attn: Tensor[] }).attn[0]!)).toEqual([[[0, 1, 2], [3, 4, 5]]]);
  });

  it('matches the reference test vector for {"attn0": F32 [1, 1, 2, 3]} (7 spaces of padding)', () => {
    const expected = [
      72, 0, 0, 0, 0, 0, 0, 0, 123, 34, 97, 116, 116, 110, 48, 34, 58, 123, 34, 100, 116, 121, 112, 101, 34, 58, 34,
      70, 51, 50, 34, 44, 34, 115, 104, 97, 112, 101, 34, 58, 91, 49, 44, 49, 44, 50, 44, 51, 93, 44, 34, 100, 97, 116,
      97, 95, 111, 102, 102, 115, 101, 116, 115, 34, 58, 91, 48, 44, 50, 52, 93, 125, 125, 32, 32, 32, 32, 32, 32, 32,
      ...f32s,
    ];
    expect(Array.from(io.saveSafetensors({ attn0: attn.reshape([1, 1, 2, 3]) }))).toEqual(expected);
    expect((loadRight(Uint8Array.from(expected)).tree as { attn0: Tensor }).attn0.shape).toEqual([1, 1, 2, 3]);
  });

  it('matches the reference test vectors for an empty file, with and without metadata', () => {
    const empty = [8, 0, 0, 0, 0, 0, 0, 0, 123, 125, 32, 32, 32, 32, 32, 32];
    expect(Array.from(io.saveSafetensors({}))).toEqual(empty);
    const framework = [
      40, 0, 0, 0, 0, 0, 0, 0, 123, 34, 95, 95, 109, 101, 116, 97, 100, 97, 116, 97, 95, 95, 34, 58, 123, 34, 102, 114,
      97, 109, 101, 119, 111, 114, 107, 34, 58, 34, 112, 116, 34, 125, 125, 32, 32, 32, 32, 32,
    ];
    expect(Array.from(io.saveSafetensors({}, { framework: 'pt' }))).toEqual(framework);
    expect(loadRight(Uint8Array.from(framework))).toEqual({ tree: {}, metadata: { framework: 'pt' } });
  });

  it('loads the reference docs example, whose 60-byte header is not padded', () => {
    const t = loadRight(file(`{${entry('test', 'I32', [2, 2], 0, 16)}}`, new Array(16).fill(0))).tree as { test: Tensor };
    expect([t.test.dtype, t.test.toArray()]).toEqual(['int32', [[0, 0], [0, 0]]]);
  });

  it('orders data by dtype (F64, F32, I32, BOOL), then by name, as the reference writer does', () => {
    const c = tensor([-1], { dtype: 'int32' });
    const bytes = io.saveSafetensors({ a: tensor([true]), b: scalar(0.5, 'float64'), c, d: tensor([7]), e: tensor([1]) });
    const n = new DataView(bytes.buffer).getUint32(0, true);
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n))) as Record<string, { data_offsets: number[] }>;
    expect(Object.keys(header)).toEqual(['b', 'd', 'e', 'c', 'a']);
    expect(Object.values(header).map((h) => h.data_offsets)).toEqual([[0, 8], [8, 12], [12, 16], [16, 20], [20, 21]]);
  });

  it('sorts names by code point (UTF-8 byte order), not by UTF-16 unit', () => {
    // U+FF5E (one UTF-16 unit, 0xFF5E) sorts after U+1F600 in UTF-16 (0xD83D …) but before it in UTF-8 bytes.
    const bytes = io.saveSafetensors({ '\u{1F600}': zeros([0]), '\uFF5E': zeros([0]) });
    const text = new TextDecoder().decode(bytes.subarray(8));
    expect(text.indexOf('\uFF5E')).toBeLessThan(text.indexOf('\u{1F600}'));
  });
});

describe('dtype conversions on load', () => {
  const one = (dtype: string, count: number, size: number, data: number[]) =>
    (loadRight(file(`{${entry('x', dtype, [count], 0, count * size)}}`, data)).tree as { x: Tensor }).x;

  it('F16 → float32, values worked out by hand from 1 sign, 5 exponent (bias 15) and 10 fraction bits', () => {
    const halves = [0x3c00, 0xc000, 0x7c00, 0xfc00, 0x0001, 0x03ff, 0x0400, 0x7bff, 0x3555, 0x8000, 0x7e00, 0x3800];
    const x = one('F16', 12, 2, words16(...halves));
    expect(x.dtype).toBe('float32');
    const expected = [
      1, //                     0x3C00: exponent 15, fraction 0 → 2^0
      -2, //                    0xC000: sign, exponent 16 → −2^1
      Infinity, //              0x7C00: exponent 31, fraction 0
      -Infinity, //             0xFC00
      2 ** -24, //              0x0001: the smallest subnormal, 1 × 2^−24
      1023 * 2 ** -24, //       0x03FF: the largest subnormal
      2 ** -14, //              0x0400: the smallest normal
      65504, //                 0x7BFF: the largest finite, (2 − 2^−10) × 2^15
      0.333251953125, //        0x3555: (1 + 0x155/1024) × 2^−2 = 1365/4096
      -0, //                    0x8000
      NaN, //                   0x7E00: exponent 31, fraction ≠ 0
      0.5, //                   0x3800: exponent 14
    ];
    Array.from(x.toTypedArray()).forEach((v, i) => expect(Object.is(v, expected[i]), `element ${i}: ${v}`).toBe(true));
  });

  it('BF16 → float32: the 16 bits are the top half of a float32', () => {
    const x = one('BF16', 6, 2, words16(0x3f80, 0xc000, 0x7f80, 0x4049, 0x0001, 0xff80));
    // 0x3F80 → 0x3F800000 = 1; 0xC000 → −2; 0x7F80 → Infinity; 0x4049 → 0x40490000 = 3.140625;
    // 0x0001 → 0x00010000 = 2^16 × 2^−149 = 2^−133 (a float32 subnormal); 0xFF80 → −Infinity
    expect(Array.from(x.toTypedArray())).toEqual([1, -2, Infinity, 3.140625, 2 ** -133, -Infinity]);
  });

  it('I64 → int32 when every value fits, with the two words read little-endian', () => {
    const x = one('I64', 5, 8, words64(1n, -1n, 2n ** 31n - 1n, -(2n ** 31n), 0n));
    expect([x.dtype, x.toArray()]).toEqual(['int32', [1, -1, 2147483647, -2147483648, 0]]);
  });

  it('I64, U64 and U32 values outside int32 are a Left naming the tensor, the element and the value', () => {
    const i64 = (v: bigint) => file(`{${entry('big', 'I64', [2], 0, 16)}}`, words64(0n, v));
    expectLeft(i64(2n ** 31n), 'value', '"big"', 'element 1 is 2147483648');
    expectLeft(i64(-(2n ** 31n) - 1n), 'value', 'element 1 is -2147483649');
    expectLeft(i64(2n ** 32n), 'value', 'element 1 is 4294967296'); // low word 0: only the high word says it does not fit
    expectLeft(file(`{${entry('u', 'U64', [1], 0, 8)}}`, words64(-1n)), 'value', '18446744073709551615');
    expectLeft(file(`{${entry('u', 'U32', [1], 0, 4)}}`, [0xff, 0xff, 0xff, 0xff]), 'value', '4294967295');
  });

  it('the narrower integers widen to int32, BOOL reads any non-zero byte as true', () => {
    expect(one('U8', 2, 1, [255, 7]).toArray()).toEqual([255, 7]);
    expect(one('I8', 2, 1, [0xff, 0x80]).toArray()).toEqual([-1, -128]);
    expect(one('I16', 2, 2, words16(0x8000, 0x7fff)).toArray()).toEqual([-32768, 32767]);
    expect(one('U16', 1, 2, words16(0xffff)).toArray()).toEqual([65535]);
    expect(one('U32', 1, 4, [0xff, 0xff, 0xff, 0x7f]).toArray()).toEqual([2147483647]);
    expect(one('U64', 1, 8, words64(2n ** 31n - 1n)).toArray()).toEqual([2147483647]);
    const b = one('BOOL', 3, 1, [0, 1, 2]);
    expect([b.dtype, b.toArray()]).toEqual(['bool', [false, true, true]]);
  });

  it('the 8-, 6- and 4-bit floats and complex numbers are a Left naming the tensor and the dtype', () => {
    for (const dtype of ['F8_E4M3', 'F8_E5M2', 'F8_E8M0', 'F4', 'C64']) {
      expectLeft(file(`{${entry('q', dtype, [1], 0, 1)}}`, [0]), 'dtype', '"q"', dtype);
    }
    expectLeft(file(`{${entry('q', 'F128', [1], 0, 16)}}`, new Array(16).fill(0)), 'dtype', 'unknown dtype "F128"');
  });
});

describe('loading into a template (`like`)', () => {
  const params = { w: tensor([[1, 2]]), b: tensor([0]), extra: null, layers: [{ k: scalar(2, 'int32') }, {}] };

  it('gives the template structure back: key order, nulls, empty containers', () => {
    const r = io.loadSafetensors(io.saveSafetensors(params), { like: params });
    if (r._tag === 'Left') throw new Error(r.left.message);
    expect(Object.keys(r.right.tree)).toEqual(['w', 'b', 'extra', 'layers']);
    expect(r.right.tree.extra).toBeNull();
    expect(r.right.tree.layers[1]).toEqual({});
    expect((r.right.tree.layers[0] as { k: Tensor }).k.toArray()).toBe(2);
    expect(r.right.tree.w).not.toBe(params.w);
  });

  it('matches converted dtypes: an F16 file fills a float32 template', () => {
    const r = io.loadSafetensors(file(`{${entry('h', 'F16', [1], 0, 2)}}`, words16(0x3c00)), { like: { h: zeros([1]) } });
    expect(r._tag === 'Right' && r.right.tree.h.toArray()).toEqual([1]);
  });

  it('refuses a file that differs from the template, naming the tensor', () => {
    const bytes = io.saveSafetensors({ w: tensor([[1, 2]]), b: tensor([0]) });
    const left = (like: Tree<Tensor>) => {
      const r = io.loadSafetensors(bytes, { like });
      return r._tag === 'Left' ? [r.left.kind, r.left.message.replace(/^safetensors: /, '')] : ['Right'];
    };
    expect(left({ w: zeros([1, 2]) })).toEqual(['structure', 'the file has a tensor "b" that the template does not']);
    expect(left({ w: zeros([1, 2]), b: zeros([1]), c: zeros([1]) }))
      .toEqual(['structure', 'the template has a tensor "c" that the file does not']);
    expect(left({ w: zeros([2, 1]), b: zeros([1]) }))
      .toEqual(['structure', 'tensor "w" is float32[1,2] in the file but float32[2,1] in the template']);
    expect(left({ w: zeros([1, 2], 'float64'), b: zeros([1]) }))
      .toEqual(['structure', 'tensor "w" is float32[1,2] in the file but float64[1,2] in the template']);
  });
});
