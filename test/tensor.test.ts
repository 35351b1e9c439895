/**
 * The tensor value: construction, read-outs, immutability, `Symbol.toPrimitive`,
 * broadcasting and weak types. Immutability is tested the way a user would
 * break it: by trying every public path that could write to a tensor (its
 * read-outs, its fields, its methods, the buffers it was built from, the ops it
 * is handed to) and checking afterwards that nothing changed. Test modules are
 * ES modules, so writes to frozen objects throw a TypeError instead of being
 * silently ignored.
 */

import { describe, expect, it } from 'vitest';
import type { NestedArray } from '../src/index.ts';
import {
  PuregradError, Tensor, add, arange, concatenate, div, equal, eye, full, grad, greater, linspace, maximum, mul,
  ones, pow, reshape, scalar, slice, sub, take, tensor, transpose, zeros,
} from '../src/index.ts';

/** Element-wise closeness with a relative tolerance (float32 by default). */
function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, rtol = 1e-6, atol = 1e-7): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const [a, e] = [actual[i]!, expected[i]!];
    if (Math.abs(a - e) > atol + rtol * Math.abs(e)) throw new Error(`element ${i}: got ${a}, expected ${e}`);
  }
}

/** Everything observable about a tensor's value, for before/after comparisons. */
const snapshot = (t: Tensor) => ({ shape: [...t.shape], dtype: t.dtype, data: Array.from(t.toTypedArray()) });

/** Run `f` and expect it to throw a PuregradError whose message contains every fragment. */
function expectPuregradError(f: () => unknown, ...fragments: string[]): void {
  let error: unknown;
  try {
    f();
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(PuregradError);
  for (const s of fragments) expect((error as Error).message).toContain(s);
}

describe('construction', () => {
  it('builds from nested arrays, row-major, as float32 by default', () => {
    const t = tensor([[1, 2, 3], [4, 5, 6]]);
    expect(t.shape).toEqual([2, 3]);
    expect(t.dtype).toBe('float32');
    expect(t.rank).toBe(2);
    expect(t.size).toBe(6);
    expect(t.toTypedArray()).toBeInstanceOf(Float32Array);
    expect(Array.from(t.toTypedArray())).toEqual([1, 2, 3, 4, 5, 6]);
    expect(tensor([0.1]).item()).toBe(Math.fround(0.1));
  });

  it('takes the dtype of a typed array', () => {
    const f64 = tensor(new Float64Array([0.1, 2]));
    expect(f64.dtype).toBe('float64');
    expect(Array.from(f64.toTypedArray())).toEqual([0.1, 2]);
    expect(tensor(new Float32Array([1])).dtype).toBe('float32');
    const i32 = tensor(new Int32Array([-3, 7]));
    expect(i32.dtype).toBe('int32');
    expect(i32.toTypedArray()).toBeInstanceOf(Int32Array);
    const b = tensor(new Uint8Array([1, 0, 1]), { dtype: 'bool' });
    expect(b.dtype).toBe('bool');
    expect(b.toArray()).toEqual([true, false, true]);
  });

  it('builds scalars and booleans', () => {
    const s = scalar(2.5);
    expect(s.shape).toEqual([]);
    expect(s.dtype).toBe('float32');
    expect(s.item()).toBe(2.5);
    expect(scalar(3, 'int32').dtype).toBe('int32');
    expect(tensor(4).shape).toEqual([]);
    expect(tensor(true).dtype).toBe('bool');
    expect(tensor([true, false]).dtype).toBe('bool');
    expect(tensor([]).shape).toEqual([0]);
  });

  it('honours {dtype, shape} options', () => {
    const t = tensor([1, 2, 3, 4, 5, 6], { shape: [3, 2] });
    expect(t.shape).toEqual([3, 2]);
    expect(t.toArray()).toEqual([[1, 2], [3, 4], [5, 6]]);
    expect(tensor([1, 2], { dtype: 'float64' }).dtype).toBe('float64');
    expect(Array.from(tensor([1.7, -1.7], { dtype: 'int32' }).toTypedArray())).toEqual([1, -1]);
    expect(tensor(new Float64Array([1, 2, 3, 4]), { shape: [2, 2] }).toArray()).toEqual([[1, 2], [3, 4]]);
    expect(tensor(new Float64Array([1.5]), { dtype: 'float32' }).dtype).toBe('float32');
    expect(tensor(tensor([1.5, 2.5]), { dtype: 'int32' }).toArray()).toEqual([1, 2]);
  });

  it('rejects ragged arrays and shape/size mismatches, naming tensor', () => {
    expectPuregradError(() => tensor([[1, 2], [3]]), 'tensor');
    expectPuregradError(() => tensor([1, [2]] as unknown as number[]), 'tensor');
    expectPuregradError(() => tensor([[1], 2] as unknown as number[][]), 'tensor');
    expectPuregradError(() => tensor([1, 2, 3], { shape: [2, 2] }), 'tensor', '[2,2]');
    expectPuregradError(() => tensor(new Float64Array(3), { shape: [2, 2] }), 'tensor', '[2,2]');
  });

  it('has zeros, ones, full, arange, linspace and eye', () => {
    expect(zeros([2, 3]).toArray()).toEqual([[0, 0, 0], [0, 0, 0]]);
    expect(ones([2], 'int32').dtype).toBe('int32');
    expect(ones([2]).toArray()).toEqual([1, 1]);
    expect(full([2, 2], 7, 'float64').toArray()).toEqual([[7, 7], [7, 7]]);
    expect(arange(4).toArray()).toEqual([0, 1, 2, 3]);
    expect(arange(1, 2, 0.25).toArray()).toEqual([1, 1.25, 1.5, 1.75]);
    expect(arange(3, 0, -1).toArray()).toEqual([3, 2, 1]);
    expect(arange(0, 3, 1, 'int32').dtype).toBe('int32');
    expect(linspace(0, 1, 5).toArray()).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect(linspace(2, 3, 1).toArray()).toEqual([2]);
    expect(eye(3).toArray()).toEqual([[1, 0, 0], [0, 1, 0], [0, 0, 1]]);
    expect(eye(2, 3).toArray()).toEqual([[1, 0, 0], [0, 1, 0]]);
    expectPuregradError(() => zeros([-1]), 'zeros');
    expectPuregradError(() => arange(0, 1, 0), 'arange');
  });
});

describe('read-outs', () => {
  it('toArray nests, item reads one element, bool gives booleans', () => {
    expect(tensor([[1, 2], [3, 4]]).toArray()).toEqual([[1, 2], [3, 4]]);
    expect(scalar(5).toArray()).toBe(5);
    expect(tensor([[7]]).item()).toBe(7);
    expect(tensor([true, false]).toArray()).toEqual([true, false]);
    expect(tensor(true).toArray()).toBe(true);
    expect(tensor(true).item()).toBe(1);
    expectPuregradError(() => tensor([1, 2]).item(), 'item', '[2]');
  });

  it('returns a fresh copy on every call', () => {
    const t = tensor([[1, 2], [3, 4]]);
    expect(t.toTypedArray()).not.toBe(t.toTypedArray());
    expect(t.toTypedArray().buffer).not.toBe(t.toTypedArray().buffer);
    expect(t.toArray()).not.toBe(t.toArray());
    expect((t.toArray() as NestedArray[])[0]).not.toBe((t.toArray() as NestedArray[])[0]);
  });
});

describe('immutability: no public path mutates a tensor', () => {
  const fresh = () => tensor([[1, 2, 3], [4, 5, 6]]);
  const before = snapshot(fresh());

  it('writing into toTypedArray() or toArray() results does not reach the tensor', () => {
    const t = fresh();
    const flat = t.toTypedArray();
    flat[0] = 100;
    flat.fill(-1);
    const nested = t.toArray() as number[][];
    nested[0]![1] = 100;
    nested.push([9, 9, 9]);
    expect(snapshot(t)).toEqual(before);
  });

  it('shape is a frozen array: element writes and push throw', () => {
    const t = fresh();
    const shape = t.shape as number[];
    expect(Object.isFrozen(shape)).toBe(true);
    expect(() => { shape[0] = 9; }).toThrow(TypeError);
    expect(() => shape.push(9)).toThrow(TypeError);
    expect(() => shape.pop()).toThrow(TypeError);
    expect(() => shape.reverse()).toThrow(TypeError);
    expect(snapshot(t)).toEqual(before);
  });

  it('the tensor object is frozen: fields, new properties and methods cannot be set', () => {
    const t = fresh();
    const anyT = t as unknown as Record<string, unknown>;
    expect(Object.isFrozen(t)).toBe(true);
    expect(() => { anyT.shape = [6]; }).toThrow(TypeError);
    expect(() => { anyT.dtype = 'int32'; }).toThrow(TypeError);
    expect(() => { anyT.extra = 1; }).toThrow(TypeError);
    expect(() => { delete anyT.shape; }).toThrow(TypeError);
    expect(() => { anyT.add = () => t; }).toThrow(TypeError);
    expect(() => { anyT.toArray = () => []; }).toThrow(TypeError);
    expect(() => Object.defineProperty(t, 'toTypedArray', { value: () => new Float32Array() })).toThrow(TypeError);
    expect(() => Object.defineProperty(t, 'dtype', { value: 'float64' })).toThrow(TypeError);
    expect(() => Object.setPrototypeOf(t, null)).toThrow(TypeError);
    expect(Reflect.set(t, 'shape', [6])).toBe(false);
    expect(snapshot(t)).toEqual(before);
    expect(t.add(1).toArray()).toEqual([[2, 3, 4], [5, 6, 7]]);
  });

  it('op methods on the prototype cannot be replaced', () => {
    const proto = Tensor.prototype as unknown as Record<string, unknown>;
    expect(() => { proto.add = () => 0; }).toThrow(TypeError);
    expect(() => Object.defineProperty(Tensor.prototype, 'mul', { value: () => 0 })).toThrow(TypeError);
    expect(fresh().mul(2).toArray()).toEqual([[2, 4, 6], [8, 10, 12]]);
  });

  it('mutating the typed array or nested array a tensor was built from does not reach it', () => {
    const src = new Float64Array([1, 2, 3]);
    const fromTyped = tensor(src);
    src[0] = 100;
    expect(Array.from(fromTyped.toTypedArray())).toEqual([1, 2, 3]);

    const nested = [[1, 2], [3, 4]];
    const fromNested = tensor(nested);
    nested[0]![0] = 100;
    nested[1] = [9, 9];
    expect(fromNested.toArray()).toEqual([[1, 2], [3, 4]]);

    const shape = [2, 2];
    const withShape = tensor([1, 2, 3, 4], { shape });
    shape[0] = 4;
    shape[1] = 1;
    expect(withShape.shape).toEqual([2, 2]);

    const buf = new Float32Array([1, 2]);
    const direct = new Tensor([2], 'float32', buf);
    buf[0] = 100;
    expect(Array.from(direct.toTypedArray())).toEqual([1, 2]);
  });

  it('reflection, JSON, spread and Object.assign expose no buffer', () => {
    const t = fresh();
    expect(Object.getOwnPropertyNames(t).sort()).toEqual(['dtype', 'shape']);
    expect(Object.getOwnPropertySymbols(t)).toEqual([]);
    expect(Reflect.ownKeys(t).sort()).toEqual(['dtype', 'shape']);
    const reachable = [...Reflect.ownKeys(t).map((k) => Reflect.get(t, k)), ...Object.values({ ...t })];
    expect(reachable.some((v) => ArrayBuffer.isView(v))).toBe(false);
    // JSON carries a copy of the values (toJSON), never the buffer: writing to the copy changes nothing
    expect(JSON.parse(JSON.stringify(t))).toEqual({ dtype: 'float32', shape: [2, 3], data: [1, 2, 3, 4, 5, 6] });
    const json = t.toJSON() as unknown as { data: number[]; shape: number[] };
    json.data[0] = 99;
    json.shape[0] = 9;
    expect({ ...t }).toEqual({ shape: [2, 3], dtype: 'float32' });
    expect(Object.assign({}, t)).toEqual({ shape: [2, 3], dtype: 'float32' });
    const copy = { ...t } as unknown as { shape: number[] };
    expect(() => { copy.shape[0] = 9; }).toThrow(TypeError); // the spread shares the frozen shape
    expect(snapshot(t)).toEqual(before);
  });

  it('ops never change their inputs', () => {
    const x = fresh();
    const y = tensor([10, 20, 30]);
    const idx = tensor([2, 0], { dtype: 'int32' });
    const [bx, by, bi] = [snapshot(x), snapshot(y), snapshot(idx)];
    add(x, y);
    reshape(x, [3, 2]);
    transpose(x);
    slice(x, [0, 1], [2, 3]);
    take(x, idx, { axis: 1 });
    take(x, [5, 0]);
    concatenate([x, x], 0);
    const loss = (a: Tensor, b: Tensor) => mul(a, b).add(a.transpose().sum()).take(idx, { axis: 1 }).sum();
    grad(loss, { argnums: [0, 1] })(x, y);
    grad((p: { w: Tensor; b: Tensor }) => p.w.mul(p.w).add(p.b).sum())({ w: x, b: y });
    expect([snapshot(x), snapshot(y), snapshot(idx)]).toEqual([bx, by, bi]);
  });

  it('tensors seen inside grad are frozen too', () => {
    let frozen: boolean[] = [];
    grad((a: Tensor) => {
      const b = a.mul(a);
      frozen = [Object.isFrozen(a), Object.isFrozen(b), Object.isFrozen(a.shape)];
      return b.sum();
    })(tensor([1, 2]));
    expect(frozen).toEqual([true, true, true]);
  });
});

describe('Symbol.toPrimitive', () => {
  // TypeScript rejects `tensor > number`, so the comparisons go through `unknown`.
  const asNumber = (t: Tensor) => t as unknown as number;

  it('lets scalar tensors act as numbers', () => {
    expect(asNumber(scalar(3)) > 2).toBe(true);
    expect(asNumber(scalar(1)) > 2).toBe(false);
    expect(+scalar(2)).toBe(2);
    expect(asNumber(scalar(2)) * 3).toBe(6);
    expect(+tensor(true)).toBe(1);
  });

  it('prints in template strings', () => {
    const s = scalar(3);
    expect(`${s}`).toBe(s.toString());
    expect(`${s}`).toContain('3');
    expect(`${tensor([1, 2])}`).toContain('[1,2]');
  });

  it('throws for a non-scalar in a numeric context', () => {
    expectPuregradError(() => +tensor([1, 2]), 'item', '[2]');
    expect(() => asNumber(tensor([1, 2])) > 0).toThrow(PuregradError);
  });
});

describe('broadcasting', () => {
  it('[3,1] + [4] → [3,4], as a hand loop', () => {
    const a = [1, 2, 3];
    const b = [10, 20, 30, 40];
    const out = add(tensor(a, { shape: [3, 1] }), tensor(b));
    expect(out.shape).toEqual([3, 4]);
    const expected: number[] = [];
    for (let i = 0; i < 3; i++) for (let j = 0; j < 4; j++) expected.push(a[i]! + b[j]!);
    expect(Array.from(out.toTypedArray())).toEqual(expected);
  });

  it('[2,1,3] * [4,1] → [2,4,3], and scalars broadcast everywhere', () => {
    const a = Array.from({ length: 6 }, (_, i) => i + 1);
    const b = [2, 3, 5, 7];
    const out = mul(tensor(a, { shape: [2, 1, 3] }), tensor(b, { shape: [4, 1] }));
    expect(out.shape).toEqual([2, 4, 3]);
    const expected: number[] = [];
    for (let i = 0; i < 2; i++) for (let j = 0; j < 4; j++) for (let k = 0; k < 3; k++) expected.push(a[i * 3 + k]! * b[j]!);
    expect(Array.from(out.toTypedArray())).toEqual(expected);
    expect(sub(scalar(1), tensor([1, 2])).toArray()).toEqual([0, -1]);
  });

  it.each([
    ['add', add], ['sub', sub], ['mul', mul], ['div', div], ['pow', pow], ['maximum', maximum],
    ['greater', greater], ['equal', equal],
  ] as const)('%s with incompatible shapes names the op and both shapes', (name, op) => {
    expectPuregradError(() => op(zeros([2, 3]), zeros([4])), name, '[2,3]', '[4]');
  });
});

describe('weak types and promotion', () => {
  const f64 = tensor([1.5, 2], { dtype: 'float64' });
  const i32 = tensor([3, 4], { dtype: 'int32' });

  it('a JS number takes the tensor operand dtype', () => {
    expect(mul(f64, 2).dtype).toBe('float64');
    expect(f64.add(1).dtype).toBe('float64');
    expect(add(i32, 1).dtype).toBe('int32');
    expect(add(i32, 1).toArray()).toEqual([4, 5]);
  });

  it('int32 + a fractional number is float32', () => {
    const r = add(i32, 1.5);
    expect(r.dtype).toBe('float32');
    expect(r.toArray()).toEqual([4.5, 5.5]);
  });

  it('int32 / int32 is true division in float32', () => {
    const r = div(i32, tensor([2, 8], { dtype: 'int32' }));
    expect(r.dtype).toBe('float32');
    expect(r.toArray()).toEqual([1.5, 0.5]);
  });

  it('float32 + float64 is float64', () => {
    const r = add(tensor([0.1]), f64);
    expect(r.dtype).toBe('float64');
    expectClose(r.toTypedArray(), [Math.fround(0.1) + 1.5, Math.fround(0.1) + 2], 1e-15, 0);
  });
});

/** Bugs found by the first pass of these tests, now fixed and pinned. */
describe('regressions', () => {
  it('bool tensors hold only 0 and 1', () => {
    expect(Array.from(tensor(new Uint8Array([0, 2, 255]), { dtype: 'bool' }).toTypedArray())).toEqual([0, 1, 1]);
  });

  it('bool tensors built from numbers compare equal to true', () => {
    expect(equal(tensor([2], { dtype: 'bool' }), tensor([true])).toArray()).toEqual([true]);
  });

  it('narrow integer typed arrays become int32 with their values; bigint arrays are rejected', () => {
    const t = tensor(new Int16Array([-1, 300]) as unknown as Int32Array);
    expect(t.dtype).toBe('int32');
    expect(t.toArray()).toEqual([-1, 300]);
    expect(tensor(new Uint8Array([0, 2, 255])).toArray()).toEqual([0, 2, 255]);
    expectPuregradError(() => tensor(new BigInt64Array([1n]) as unknown as Int32Array), 'tensor');
  });

  it('a negative or fractional {shape} option is rejected', () => {
    expectPuregradError(() => tensor([1, 2], { shape: [-1, -2] }), 'tensor');
  });

  it('less, lessEqual and minimum name themselves in broadcast errors', () => {
    const ops = { less: (a: Tensor, b: Tensor) => a.less(b), lessEqual: (a: Tensor, b: Tensor) => a.lessEqual(b), minimum: (a: Tensor, b: Tensor) => a.minimum(b) };
    for (const [name, op] of Object.entries(ops)) expect(() => op(zeros([2, 3]), zeros([4]))).toThrow(new RegExp(`^${name}: `));
  });

  it('read-out methods on Tensor.prototype are locked like the op methods', () => {
    for (const name of ['toArray', 'toTypedArray', 'item', 'toString']) {
      expect(Object.getOwnPropertyDescriptor(Tensor.prototype, name)?.writable).toBe(false);
    }
  });
});

describe('printing', () => {
  it('float32 values print as their shortest float32 decimal, -0 keeps its sign', () => {
    expect(tensor([0.1, -0]).toString()).toBe('Tensor<float32[2]> [0.1,-0]');
    expect(tensor([0.1], { dtype: 'float64' }).toString()).toBe('Tensor<float64[1]> [0.1]');
  });

  it('large tensors print summarized', () => {
    const text = zeros([1000, 1000]).toString();
    expect(text.length).toBeLessThan(400);
    expect(text).toContain('...');
  });
});
