/**
 * The immutable tensor value. A `Tensor` has a shape and a dtype; a concrete one
 * also owns a flat row-major buffer that nobody outside this module can reach:
 * the buffer sits in an ES private field, read-outs hand back copies, and the
 * object itself is frozen. Tracers (see `src/trace`) are tensors too, so user
 * code cannot tell a traced value from a concrete one except by reading it.
 *
 * Ops such as `add` are attached as methods by `src/ops/methods.ts`; this
 * module knows nothing of autodiff.
 */

import type { DType, Storage } from './dtype.ts';
import { allocate, storageFrom } from './dtype.ts';
import type { Shape } from './shape.ts';
import { sizeOf, showShape } from './shape.ts';
import { ConcretizationError, PuregradError } from './errors.ts';
import { formatValues } from './format.ts';
import type { TensorJSON } from './json.ts';
import { encodeTensor } from './json.ts';

/** Nested JavaScript arrays as returned by `toArray()`. */
export type NestedArray = number | boolean | readonly NestedArray[];

let readStorage: (t: Tensor) => Storage | undefined;
let dropStorage: (t: Tensor) => void;
let wasDonated: (t: Tensor) => boolean;

/**
 * Buffers that more than one tensor may hold: a view's (eager `reshape`
 * shares its input's buffer), a compiled program's consts and literals, a
 * compiled result that is an input's or a const's buffer. Such a buffer is
 * never donated (`donate`): writing it would change a tensor the caller did
 * not donate.
 */
const sharedBuffers = new WeakSet<Storage>();

/** Passed by this module's own constructors: the buffer is fresh and owned by the new tensor. */
const OWNED: unique symbol = Symbol('owned');

/**
 * An immutable array of numbers with a shape and a dtype. Build one with
 * `tensor`, `zeros`, `arange` …; every op returns a new tensor, and ops are
 * also methods for chaining.
 * @example
 * const x = tensor([[1, 2, 3]])
 * x.shape // => [1, 3]
 * x.dtype // => "float32"
 * x.mul(2).sum().item() // => 12
 */
export class Tensor {
  readonly shape: Shape;
  readonly dtype: DType;
  #data: Storage | undefined;
  /** The buffer was donated to a jitted call (`JitOptions.donateArgnums`) and now belongs to its results. */
  #donated = false;

  static {
    readStorage = (t) => t.#data;
    dropStorage = (t) => {
      t.#data = undefined;
      t.#donated = true;
    };
    wasDonated = (t) => t.#donated;
  }

  /**
   * Prefer `tensor(...)` and friends. A buffer given here is copied, so the
   * caller keeps no handle on the tensor's storage.
   * @internal
   */
  constructor(shape: Shape, dtype: DType, data?: Storage, owned?: typeof OWNED) {
    // A frozen shape (another tensor's, or an aval's) is shared; any other is copied, so that the caller keeps no handle on it.
    this.shape = Object.isFrozen(shape) ? shape : Object.freeze([...shape]);
    this.dtype = dtype;
    if (new.target === Tensor && data === undefined) {
      throw new PuregradError('Tensor', 'a concrete tensor needs its data; build tensors with tensor(...), zeros(...) and friends');
    }
    if (data !== undefined && data.length !== sizeOf(shape)) {
      throw new PuregradError('Tensor', `shape ${showShape(shape)} holds ${sizeOf(shape)} elements but the buffer has ${data.length}`);
    }
    this.#data = data === undefined || owned === OWNED ? data : storageFrom(data, dtype);
    if (new.target === Tensor) Object.freeze(this);
  }

  /** The number of axes: 0 for a scalar. */
  get rank(): number {
    return this.shape.length;
  }

  /** The number of elements: the product of the shape (1 for a scalar). */
  get size(): number {
    return sizeOf(this.shape);
  }

  /**
   * The concrete tensor behind this value, if it is known. A concrete tensor is
   * its own value; tracers override this: a jvp tracer knows its primal, a
   * tracer of `jit` or `makeProgram` knows nothing.
   * @internal
   */
  knownValue(): Tensor | undefined {
    return this;
  }

  /** Why the value is not known, for the error message (tracers say which transformation holds it). @internal */
  unknownBecause(): string | undefined {
    return undefined;
  }

  /** The known value, or a `ConcretizationError` naming what tried to read it. @internal */
  concrete(reader = 'reading a value'): Tensor {
    const v = this.knownValue();
    if (v === undefined) throw new ConcretizationError(reader, this.unknownBecause());
    return v;
  }

  /**
   * A copy of the elements as a flat row-major typed array (`Uint8Array` of 0/1 for `bool`).
   * @example
   * Array.from(tensor([[1, 2], [3, 4]]).toTypedArray()) // => [1, 2, 3, 4]
   * tensor([1, 2], { dtype: 'int32' }).toTypedArray() instanceof Int32Array // => true
   */
  toTypedArray(): Storage {
    return storageOf(this.concrete('toTypedArray')).slice();
  }

  /**
   * A copy of the elements as nested arrays (a plain number for a scalar); `bool` tensors give booleans.
   * @example
   * tensor([[1, 2], [3, 4]]).toArray() // => [[1, 2], [3, 4]]
   * scalar(5).toArray() // => 5
   * tensor([true, false]).toArray() // => [true, false]
   */
  toArray(): NestedArray {
    const t = this.concrete('toArray');
    const data = storageOf(t);
    const asBool = t.dtype === 'bool';
    const build = (axis: number, offset: number): NestedArray => {
      if (axis === t.shape.length) return asBool ? data[offset] !== 0 : data[offset]!;
      const n = t.shape[axis]!;
      const step = sizeOf(t.shape.slice(axis + 1));
      const out: NestedArray[] = [];
      for (let i = 0; i < n; i++) out.push(build(axis + 1, offset + i * step));
      return out;
    };
    return build(0, 0);
  }

  /**
   * The single element of a size-1 tensor as a number (`bool` gives 1 or 0).
   * @example
   * sum(tensor([1, 2, 3])).item() // => 6
   * tensor([[7]]).item() // => 7
   * scalar(true).item() // => 1
   */
  item(): number {
    const t = this.concrete('item');
    if (t.size !== 1) {
      throw new PuregradError('item', `expected a tensor with one element, got shape ${showShape(t.shape)}; index it first or use toArray()`);
    }
    return storageOf(t)[0]!;
  }

  /**
   * The JSON form `{dtype, shape, data}`, `data` flat and row-major, so `JSON.stringify` keeps the values;
   * `tensor()` reads it back exactly. NaN, ±Infinity and −0 are written as the strings
   * `"NaN"`, `"Infinity"`, `"-Infinity"` and `"-0"`, which JSON numbers cannot hold.
   * @example
   * JSON.stringify(tensor([[1, 2], [3, 0.1]])) // => "{\"dtype\":\"float32\",\"shape\":[2,2],\"data\":[1,2,3,0.1]}"
   * tensor([NaN, -0], { dtype: 'float64' }).toJSON().data // => ["NaN", "-0"]
   * tensor(JSON.parse(JSON.stringify(tensor([true, false])))) // => [true, false]
   */
  toJSON(): TensorJSON {
    const t = this.concrete('toJSON');
    return encodeTensor(t.dtype, t.shape, storageOf(t));
  }

  /** Lets `x > 0` and `` `${x}` `` read a scalar tensor outside `jit`. */
  [Symbol.toPrimitive](hint: string): number | string {
    if (hint === 'string') return this.toString();
    return this.item();
  }

  /** How Node's `console.log` shows a tensor. */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }

  /**
   * `Tensor<dtype[shape]>` followed by the values when they are known.
   * @example
   * tensor([[1, 2], [3, 4]]).toString() // => "Tensor<float32[2,2]> [[1,2],[3,4]]"
   * scalar(0.1).toString() // => "Tensor<float32[]> 0.1"
   */
  toString(): string {
    const head = `Tensor<${this.dtype}${showShape(this.shape)}>`;
    if (wasDonated(this)) return `${head} (donated)`;
    const t = this.knownValue();
    return t === undefined ? head : `${head} ${formatValues(storageOf(t), t.shape, t.dtype)}`;
  }
}

/**
 * The buffer of a concrete tensor, for kernels. Internal: never re-exported from
 * the package, and callers must not write to it.
 * @internal
 */
export function storageOf(t: Tensor): Storage {
  const data = readStorage(t);
  if (data === undefined) {
    if (wasDonated(t)) {
      throw new PuregradError('jit', `this ${t.dtype}${showShape(t.shape)} tensor was donated to a jitted call (donateArgnums), ` +
        'which may have written one of its results into the buffer; use the results instead, or leave the argument out of donateArgnums');
    }
    throw new Error(`internal: tensor ${t.dtype}${showShape(t.shape)} has no buffer`);
  }
  return data;
}

/**
 * Give up a concrete tensor's buffer to a jitted call that writes a result
 * into it: from now on reading the tensor is an error saying so. Only
 * `compile` calls this, for arguments the caller listed in `donateArgnums`.
 * @internal
 */
export function donate(t: Tensor): void {
  dropStorage(t);
}

/** Record that `data` is, or may come to be, the buffer of more than one tensor. @internal */
export function markShared(data: Storage): void {
  sharedBuffers.add(data);
}

/** Whether `t`'s buffer may be held by another tensor too (see `markShared`); such a tensor is not donated. @internal */
export const holdsSharedBuffer = (t: Tensor): boolean => {
  const data = readStorage(t);
  return data === undefined || sharedBuffers.has(data);
};

/** Wrap a freshly allocated buffer that no one else holds. @internal */
export const fromStorage = (shape: Shape, dtype: DType, data: Storage): Tensor => new Tensor(shape, dtype, data, OWNED);

/** A concrete tensor filled with `value`. @internal */
export function filled(shape: Shape, dtype: DType, value: number): Tensor {
  const data = allocate(dtype, sizeOf(shape));
  if (!Object.is(value, 0)) data.fill(dtype === 'bool' ? 1 : value);
  return new Tensor(shape, dtype, data, OWNED);
}
