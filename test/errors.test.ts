/**
 * Bad input gets a clear error, raised while tracing and before any
 * arithmetic, naming the op, the shapes and the line of user code.
 */

import { describe, expect, it } from 'vitest';
import { add, customVjp, grad, jacrev, jit, jvp, makeProgram, matmul, mul, ones, PuregradError, scalar, sum, tensor, vjp, zeros } from '../src/index.ts';
import type { Tensor } from '../src/index.ts';

const thrown = (fn: () => unknown): Error => {
  try {
    fn();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a throw');
};

describe('shape errors', () => {
  it('name the op, both shapes and the calling line', () => {
    const e = thrown(() => add(ones([2, 3]), ones([4])));
    expect(e).toBeInstanceOf(PuregradError);
    expect(e.message).toMatch(/^add: /);
    expect(e.message).toContain('[2,3]');
    expect(e.message).toContain('[4]');
    expect(e.message).toMatch(/called at .*errors\.test\.ts:\d+/);
  });

  it('are raised while tracing, before anything runs', () => {
    const e = thrown(() => makeProgram((a: Tensor, b: Tensor) => matmul(a, b))(ones([2, 3]), ones([4, 5])));
    expect(e.message).toMatch(/^matmul: shapes \[2,3\] and \[4,5\] do not multiply: inner dimensions 3 and 4 differ/);
    expect(e.message).toMatch(/errors\.test\.ts/);
  });

  it('inside grad point at the user function, not at puregrad', () => {
    const loss = (w: Tensor) => sum(mul(w, ones([5])));
    const e = thrown(() => grad(loss)(ones([3])));
    expect(e.message).toMatch(/^mul: /);
    expect(e.message).toMatch(/called at .*errors\.test\.ts/);
  });

  it('name dtype mismatches and say how to fix them', () => {
    const e = thrown(() => grad((x: Tensor) => sum(x))(tensor([1, 2], { dtype: 'int32' })));
    expect(e.message).toMatch(/grad: can only differentiate float inputs, got int32\[2\]/);
  });
});

describe('grad of a non-scalar function', () => {
  it('says so and points to vjp and jacrev', () => {
    const e = thrown(() => grad((x: Tensor) => mul(x, 2))(ones([3])));
    expect(e.message).toMatch(/grad: the function must return a float scalar \(shape \[\]\), got a float32 tensor of shape \[3\]/);
    expect(e.message).toMatch(/vjp/);
    expect(e.message).toMatch(/jacrev/);
  });

  it('vjp and jacrev handle what grad refuses', () => {
    const [y, back] = vjp((x: Tensor) => mul(x, 2), ones([3]));
    expect(y.toArray()).toEqual([2, 2, 2]);
    expect(back(ones([3]))[0].toArray()).toEqual([2, 2, 2]);
    expect(jacrev((x: Tensor) => mul(x, 2))(ones([2])).toArray()).toEqual([[2, 0], [0, 2]]);
  });
});

describe('inputs that do not influence the output', () => {
  it('get a zero gradient, not an error', () => {
    const g = grad((p: { used: Tensor; unused: Tensor }) => sum(mul(p.used, p.used)))({ used: tensor([1, 2]), unused: ones([2, 2]) });
    expect(g.used.toArray()).toEqual([2, 4]);
    expect(g.unused.toArray()).toEqual([[0, 0], [0, 0]]);
  });

  it('a constant function has zero gradient', () => {
    expect(grad((_x: Tensor) => scalar(3))(scalar(1)).item()).toBe(0);
    expect(grad((_x: Tensor) => sum(zeros([2])), { argnums: 0 })(scalar(1)).item()).toBe(0);
  });
});

describe('escaped tracers', () => {
  it('using a tracer after its transformation ended is a clear error', () => {
    let leaked: Tensor | undefined;
    grad((x: Tensor) => {
      leaked = x;
      return mul(x, x);
    })(scalar(1));
    expect(() => add(leaked!, scalar(1))).toThrow(/escaped the transformation/);
  });
});

describe('errors deep inside transformations', () => {
  it('still name the user line', () => {
    const e = thrown(() => grad(grad((x: Tensor) => mul(x, ones([3]))))(scalar(1)));
    expect(e.message).toMatch(/called at .*errors\.test\.ts:\d+/);
  });

  it('forward mode of a customVjp function under jit is the clear error, not a crash', () => {
    const f = customVjp((x: Tensor) => x, (x: Tensor) => [x, null] as const, (_r: null, g: Tensor) => [g] as [Tensor]);
    const e = thrown(() => jit((x: Tensor, t: Tensor) => jvp(f, [x], [t])[1])(scalar(1), scalar(1)));
    expect(e.message).toMatch(/customVjp: forward-mode differentiation/);
  });

  it('tensors print NaN and infinities as such', () => {
    expect(tensor([Number.NaN, Infinity, -Infinity]).toString()).toBe('Tensor<float32[3]> [NaN,Infinity,-Infinity]');
  });
});
