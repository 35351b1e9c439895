/**
 * debugNans: the first op that turns finite inputs into NaN or ±∞ is
 * reported — forward or backward, eager or jitted — with the op, the shapes
 * and the user's line; the flag is scoped and restored even when it throws.
 */

import { describe, expect, it } from 'vitest';
import { debugNans, div, grad, jit, log, mul, NonFiniteError, sqrt, sub, sum, tensor, tree, valueAndGrad, vmap } from '../src/index.ts';
import type { Tensor } from '../src/index.ts';

const caught = (f: () => unknown): NonFiniteError => {
  try {
    f();
  } catch (e) {
    if (e instanceof NonFiniteError) return e;
    throw e;
  }
  throw new Error('no NonFiniteError');
};

const THIS_FILE = 'debug-nans.test.ts';

describe('debugNans', () => {
  it('is off by default: log(0) is −∞ without a word', () => {
    expect(log(tensor([1, 0])).toArray()).toEqual([0, -Infinity]);
  });

  it('reports a forward op with its value, index, shapes and the line that called it', () => {
    const e = caught(() => debugNans(() => sum(log(tensor([[1, 2], [0, 3]])))));
    expect(e.op).toBe('log');
    expect(e.value).toBe('-Infinity');
    expect(e.index).toBe(2);
    expect(e.message).toContain('inputs float32[2,2] → results float32[2,2]');
    expect(e.site).toContain(THIS_FILE);
  });

  it('reports a backward op at the line of the forward op it differentiates', () => {
    const f = (x: Tensor) => sum(sqrt(x)); // the forward sqrt is fine at 0; its derivative 1/(2√x) is not
    expect(grad(f)(tensor([4, 0])).toArray()).toEqual([0.25, Infinity]);
    const e = caught(() => debugNans(() => grad(f)(tensor([4, 0]))));
    expect(e.op).toBe('div');
    expect(e.value).toBe('Infinity');
    expect(e.site).toContain(THIS_FILE);
  });

  it('finds a NaN made inside a jitted train step, which otherwise runs compiled', () => {
    const loss = (p: { readonly w: Tensor }) => sum(mul(sqrt(p.w), 2));
    const step = jit((p: { readonly w: Tensor }) => {
      const [, g] = valueAndGrad(loss)(p);
      return tree.map((w: Tensor, gw: Tensor) => sub(w, mul(gw, 0.1)), p, g);
    });
    expect(step({ w: tensor([1, 0]) }).w.toTypedArray()[1]).toBe(-Infinity);
    const e = caught(() => debugNans(() => step({ w: tensor([1, 0]) })));
    expect(e.op).toBe('div');
    const lowered = step.lower({ w: tensor([1, 1]) });
    expect(caught(() => debugNans(() => lowered({ w: tensor([1, 0]) }))).op).toBe('div');
  });

  it('reports NaN (0/0) as NaN, and works under vmap', () => {
    const e = caught(() => debugNans(() => vmap((x: Tensor) => div(x, x))(tensor([1, 0]))));
    expect(e.value).toBe('NaN');
    expect(e.op).toBe('div');
  });

  it('does not blame an op for a NaN it was given', () => {
    const withNaN = tensor([NaN, 1]);
    expect(debugNans(() => mul(withNaN, 2)).toTypedArray()[0]).toBeNaN();
  });

  it('is scoped: restored after the thunk returns or throws', () => {
    expect(() => debugNans(() => log(tensor([0])))).toThrow(NonFiniteError);
    expect(log(tensor([0])).toArray()).toEqual([-Infinity]);
    expect(debugNans(() => 41 + 1)).toBe(42);
    expect(log(tensor([0])).item()).toBe(-Infinity);
  });

  it('takes a function', () => {
    expect(() => debugNans(3 as never)).toThrow(/debugNans: takes a function/);
  });
});
