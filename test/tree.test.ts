/**
 * Trees as users write them: results keep the caller's key order, a tree that
 * contains itself is an error (not a stack overflow), and errors name a bad
 * leaf by its path.
 */

import { describe, expect, it } from 'vitest';
import { grad, jit, mul, optim, PuregradError, sum, tensor, tree, valueAndGrad, vmap } from '../src/index.ts';
import type { Tensor } from '../src/index.ts';

const loss = (p: { readonly w: Tensor; readonly b: Tensor }) => sum(mul(p.w, p.b));

describe('key order', () => {
  it('flatten orders leaves by sorted key, whatever order the object lists them in', () => {
    const a = tree.leaves({ w: tensor([1]), b: tensor([2]) }).map((t) => t.item());
    const b = tree.leaves({ b: tensor([2]), w: tensor([1]) }).map((t) => t.item());
    expect(a).toEqual([2, 1]);
    expect(b).toEqual(a);
    expect(tree.sameStructure(tree.structure({ w: 0, b: 0 }), tree.structure({ b: 0, w: 0 }))).toBe(true);
  });

  it("grad, valueAndGrad and jit return objects with the caller's key order", () => {
    const params = { w: tensor([1, 2]), b: tensor([3, 4]) };
    expect(Object.keys(grad(loss)(params))).toEqual(['w', 'b']);
    expect(Object.keys(valueAndGrad(loss)(params)[1])).toEqual(['w', 'b']);
    expect(Object.keys(jit(grad(loss))(params))).toEqual(['w', 'b']);
    const reversed = { b: tensor([3, 4]), w: tensor([1, 2]) };
    expect(Object.keys(grad(loss)(reversed))).toEqual(['b', 'w']);
  });

  it("tree.map keeps the first tree's order, nested objects included", () => {
    const p = { z: { y: tensor([1]), x: tensor([2]) }, a: [tensor([3])] };
    const out = tree.map((t: Tensor) => mul(t, 2), p);
    expect(Object.keys(out)).toEqual(['z', 'a']);
    expect(Object.keys(out.z)).toEqual(['y', 'x']);
    expect(out.z.x.item()).toBe(4);
    expect(Object.isFrozen(out) && Object.isFrozen(out.z)).toBe(true);
  });

  it('optimizer updates keep the order too', () => {
    const params = { w: tensor([1, 2]), b: tensor([3, 4]) };
    const opt = optim.adam(0.1);
    const [updates] = opt.update(grad(loss)(params), opt.init(params), params);
    expect(Object.keys(optim.applyUpdates(params, updates))).toEqual(['w', 'b']);
  });

  it('a key named __proto__ stays a key', () => {
    const parsed = JSON.parse('{"__proto__": 1, "a": 2}') as Record<string, number>;
    const rebuilt = tree.unflatten(tree.structure(parsed), [10, 20]) as Record<string, number>;
    expect(Object.keys(rebuilt)).toEqual(['__proto__', 'a']);
    expect(Object.getPrototypeOf(rebuilt)).toBe(Object.prototype);
    expect(rebuilt.a).toBe(20);
  });
});

describe('cycles', () => {
  it('a tree that contains itself is an error naming where the cycle closes', () => {
    const p: Record<string, unknown> = { w: tensor([1]) };
    p['self'] = { inner: [p] };
    expect(() => tree.flatten(p)).toThrow(PuregradError);
    expect(() => tree.flatten(p)).toThrow(/tree\.self\.inner\[0\] is one of its own enclosing containers/);
    expect(() => grad((q: typeof p) => sum(q['w'] as Tensor))(p)).toThrow(/contains itself/);
  });

  it('a container shared by two branches is not a cycle', () => {
    const shared = { w: tensor([1, 2]) };
    const leaves = tree.leaves({ a: shared, b: shared });
    expect(leaves.length).toBe(2);
    const g = grad((p: { a: typeof shared; b: typeof shared }) => sum(mul(p.a.w, p.b.w)))({ a: shared, b: shared });
    expect(g.a.w.toArray()).toEqual([1, 2]);
  });
});

describe('paths', () => {
  it('tree.leafPaths names each leaf as code would reach it', () => {
    const def = tree.structure({ layers: [{ w: 0, b: 0 }, { w: 0 }], 'hidden size': 0 });
    expect(tree.leafPaths(def, 'params')).toEqual([
      'params["hidden size"]',
      'params.layers[0].b',
      'params.layers[0].w',
      'params.layers[1].w',
    ]);
  });

  it('a bad leaf in the arguments is named by its path', () => {
    const params = { layers: [{ w: tensor([1]) }, { w: 'oops' }] };
    const f = (p: typeof params) => sum(p.layers[0]!.w as Tensor);
    expect(() => grad(f)(params as never)).toThrow(/found the string "oops" at args\[0\]\.layers\[1\]\.w in the arguments/);
  });

  it('a bad leaf in a result, and a batched non-tensor in vmap, are named by path', () => {
    expect(() => vmap((x: Tensor) => ({ y: mul(x, 2), n: 3 }))(tensor([1, 2]))).toThrow(/found the number 3 at \.n in the function's result/);
    expect(() => vmap((x: Tensor, _y: { a: unknown }) => mul(x, 2))(tensor([1, 2]), { a: 'x' })).toThrow(/args\[1\]\.a is batched/);
  });

  it('a wrongly shaped update is named by its path', () => {
    const params = { layer: { w: tensor([1, 2]) } };
    expect(() => optim.applyUpdates(params, { layer: { w: tensor([[1, 2], [3, 4]]) } })).toThrow(/updates\.layer\.w has shape \[2,2\]/);
  });
});
