/**
 * Bad input everywhere (issue 10): every entry of the public API table
 * (test/api-table.ts), with one argument at a time replaced by wrong values of
 * its kind, must raise a `PuregradError` that names an op — never return, never
 * throw a bare `TypeError` or `RangeError` from inside, never hang. Then the
 * cases a new user actually tried, one by one, with the messages they get.
 */

import { describe, expect, it } from 'vitest';
import * as pg from '../src/index.ts';
import type { Tensor } from '../src/index.ts';
import { API, BAD } from './api-table.ts';

const { PuregradError } = pg;

const outcome = (f: () => unknown): { error?: unknown; value?: unknown } => {
  try {
    return { value: f() };
  } catch (error) {
    return { error };
  }
};

describe('the API table', () => {
  it.each(API.map((e) => [e.name, e]))('%s accepts its valid call', (_name, entry) => {
    const r = outcome(() => entry.call(...entry.args()));
    expect(r.error).toBeUndefined();
  });
});

const cases = API.flatMap((entry) =>
  entry.kinds.flatMap((kind, position) =>
    BAD[kind].map(([what, make]) => [`${entry.name}: argument ${position} (${kind}) is ${what}`, entry, position, make] as const)));

describe('one wrong argument at a time', () => {
  it('covers the table', () => {
    expect(cases.length).toBeGreaterThan(300);
  });

  it.each(cases)('%s', (_title, entry, position, make) => {
    const args = [...entry.args()];
    args[position] = make();
    const started = performance.now();
    const r = outcome(() => entry.call(...args));
    expect(performance.now() - started).toBeLessThan(2000);
    if (r.error === undefined) throw new Error(`no error; returned ${String(r.value)}`);
    if (!(r.error instanceof PuregradError)) throw r.error;
    expect(r.error.op.length).toBeGreaterThan(0);
    expect(r.error.message).not.toMatch(/internal|undefined is not|Cannot read/);
  });
});

const message = (f: () => unknown): string => {
  const r = outcome(f);
  if (!(r.error instanceof PuregradError)) throw new Error(`expected a PuregradError, got ${String(r.error ?? r.value)}`);
  return r.error.message;
};
const js = pg as unknown as Record<string, (...args: unknown[]) => Tensor>;

describe('what a new user tried (issue 10)', () => {
  it('plain arrays as operands are an error that says to use tensor()', () => {
    expect(message(() => js['add']!([1, 2], 3))).toMatch(/^add: x is a JavaScript array .* wrap it with tensor/);
    expect(message(() => (pg.tensor([1, 2]) as unknown as { add(y: unknown): Tensor }).add([1, 2]))).toMatch(/^add: y is a JavaScript array/);
    expect(message(() => js['sum']!([1, 2, 3]))).toMatch(/^sum: x is a JavaScript array/);
    expect(message(() => js['matmul']!([[1, 2]], [[3], [4]]))).toMatch(/^matmul: a is a JavaScript array/);
  });

  it('int32 data: NaN and ±Infinity are errors like 3e9; fractions truncate as in NumPy', () => {
    expect(message(() => pg.tensor([NaN, 1.7, Infinity], { dtype: 'int32' }))).toMatch(/NaN has no int32 value/);
    expect(message(() => pg.tensor([3e9], { dtype: 'int32' }))).toMatch(/does not fit int32/);
    expect(message(() => pg.tensor(new Float64Array([Infinity]), { dtype: 'int32' }))).toMatch(/Infinity has no int32 value/);
    expect(pg.tensor([1.7, -1.7], { dtype: 'int32' }).toArray()).toEqual([1, -1]);
  });

  it('a huge shape names the op, not a RangeError', () => {
    expect(message(() => pg.zeros([1e6, 1e6]))).toMatch(/^zeros: shape \[1000000,1000000\] has 1\.000e\+12 elements/);
    expect(message(() => pg.broadcastTo(pg.tensor([1]), [1e5, 1e5]))).toMatch(/more than a tensor can hold/);
  });

  it('a cyclic parameter tree is an error, not a stack overflow', () => {
    const p: Record<string, unknown> = { w: pg.tensor([1]) };
    p['again'] = p;
    expect(message(() => pg.grad((q: typeof p) => pg.sum(q['w'] as Tensor))(p))).toMatch(/contains itself/);
  });

  it("a bad leaf is named by its path, not its index in sorted-key order", () => {
    const p = { z: pg.tensor([1]), a: { list: [pg.tensor([1]), 'two'] } };
    expect(message(() => pg.grad((q: typeof p) => pg.sum(q.z))(p as never))).toMatch(/at args\[0\]\.a\.list\[1\]/);
  });

  it("a leaked tracer's read says it escaped", () => {
    let leaked: Tensor | undefined;
    pg.jit((x: Tensor) => {
      leaked = x;
      return x;
    })(pg.tensor([1]));
    expect(message(() => leaked!.item())).toMatch(/escaped the transformation that made it/);
  });

  it('a bad dtype string fails at the call', () => {
    expect(message(() => pg.cast(pg.tensor([1]), 'bogus' as never))).toMatch(/^cast: dtype must be one of float32, float64, int32, bool/);
    expect(message(() => pg.zeros([2], 'float16' as never))).toMatch(/^zeros: dtype/);
    expect(message(() => pg.tensor([1], { dtype: 'f32' as never }))).toMatch(/^tensor: dtype/);
  });

  it('JSON.stringify keeps the data', () => {
    expect(JSON.parse(JSON.stringify(pg.tensor([1, 2])))).toEqual({ dtype: 'float32', shape: [2], data: [1, 2] });
  });

  it("reshape keeps its own copy of the shape: changing the caller's array afterwards changes nothing", () => {
    const x = pg.tensor([1, 2, 3, 4, 5, 6], { dtype: 'float64' });
    const g = pg.grad((a: Tensor) => {
      const sh = [3, 2];
      const z = pg.slice(pg.reshape(a, sh), [0, 0], [3, 1]);
      sh.splice(1, 1);
      return pg.sum(z);
    })(x);
    expect(g.toArray()).toEqual([1, 0, 1, 0, 1, 0]);
  });

  it('int32 labels given to softmaxCrossEntropy point to the sparse loss', () => {
    const logits = pg.zeros([3, 2]);
    const labels = pg.tensor([0, 1, 1], { dtype: 'int32' });
    expect(message(() => pg.nn.softmaxCrossEntropy(logits, labels))).toMatch(/use nn\.sparseSoftmaxCrossEntropy\(logits, labels\)/);
  });

  it('options of the wrong form name the op', () => {
    expect(message(() => pg.sum(pg.tensor([1, 2]), 0 as never))).toMatch(/^sum: options must be an object such as \{ axis: … \}/);
    expect(message(() => pg.mean(pg.tensor([1, 2]), { axes: 0 } as never))).toMatch(/^mean: unknown option 'axes'/);
    expect(message(() => pg.tensor([1], { dtyp: 'float64' } as never))).toMatch(/^tensor: unknown option 'dtyp'/);
  });
});
