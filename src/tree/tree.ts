/**
 * Parameter trees: plain readonly objects and arrays whose leaves are tensors.
 * `flatten` lists the leaves in a fixed order (arrays by index, objects by
 * sorted key, as JAX does, so `{w, b}` and `{b, w}` have one structure and
 * one leaf order) with a `TreeDef` describing the shape of the container, and
 * `unflatten` rebuilds a frozen tree from a TreeDef and leaves. The TreeDef
 * also remembers each object's own key order, and `unflatten` writes the keys
 * in that order, so a gradient or a `tree.map` result lists its keys as the
 * caller's object did. `null` and `undefined` are empty subtrees. A tree that
 * contains itself is an error naming the path where the cycle closes.
 */

import { PuregradError } from '../tensor/errors.ts';
import type { Tensor } from '../tensor/tensor.ts';
import { joinPath } from './path.ts';
import type { Tree, TreeDef } from './types.ts';

export type { Tree, TreeDef } from './types.ts';

const isPlainObject = (x: unknown): x is Readonly<Record<string, unknown>> => {
  if (typeof x !== 'object' || x === null) return false;
  const proto = Object.getPrototypeOf(x);
  return proto === Object.prototype || proto === null;
};

const LEAF: TreeDef = Object.freeze({ kind: 'leaf' });

/**
 * The leaves of `tree` in order (arrays by index, objects by sorted key), and its structure.
 * @example
 * const [ls, def] = tree.flatten({ w: tensor([1]), b: [tensor([2]), null] })
 * ls // => [[2], [1]]
 * tree.showStructure(def) // => "{b: [*, null], w: *}"
 */
export function flatten<L>(tree: Tree<L>): [L[], TreeDef] {
  const leaves: L[] = [];
  const open = new Set<object>();
  const walk = (node: unknown, path: string): TreeDef => {
    if (node === null || node === undefined) return Object.freeze({ kind: 'none', value: node });
    const array = Array.isArray(node);
    if (!array && !isPlainObject(node)) {
      leaves.push(node as L);
      return LEAF;
    }
    if (open.has(node)) {
      throw new PuregradError('tree.flatten', `the tree contains itself: ${path} is one of its own enclosing containers; ` +
        'parameter trees must be finite (share a tensor between two places, not a container)');
    }
    open.add(node);
    try {
      if (array) return Object.freeze({ kind: 'array', children: Object.freeze(node.map((c, i) => walk(c, joinPath(path, i)))) });
      const order = Object.keys(node);
      const keys = Object.freeze([...order].sort());
      const children = Object.freeze(keys.map((k) => walk(node[k], joinPath(path, k))));
      const sorted = order.every((k, i) => k === keys[i]);
      return Object.freeze({ kind: 'object', keys, children, ...(sorted ? {} : { order: Object.freeze(order) }) });
    } finally {
      open.delete(node);
    }
  };
  const def = walk(tree, 'tree');
  return [leaves, def];
}

/** `out[k] = v`, except that a key named `__proto__` (JSON.parse makes them) stays a key instead of setting the prototype. */
const put = (out: Record<string, unknown>, k: string, v: unknown): void => {
  if (k === '__proto__') Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
  else out[k] = v;
};

/**
 * Rebuild a (frozen) tree of structure `def` from `leaves`; the count must match.
 * @example
 * tree.unflatten(tree.structure({ a: 0, b: [0, 0] }), [1, 2, 3]) // => { "a": 1, "b": [2, 3] }
 */
export function unflatten<L>(def: TreeDef, leaves: readonly L[]): Tree<L> {
  let i = 0;
  const build = (d: TreeDef): unknown => {
    switch (d.kind) {
      case 'leaf':
        if (i >= leaves.length) throw new PuregradError('tree.unflatten', `too few leaves: the structure needs ${countLeaves(def)}, got ${leaves.length}`);
        return leaves[i++];
      case 'none':
        return d.value;
      case 'array':
        return Object.freeze(d.children.map(build));
      case 'object': {
        // Children are built in sorted-key order (the leaves' order), then written in the caller's key order.
        const out: Record<string, unknown> = {};
        if (d.order === undefined) for (let j = 0; j < d.keys.length; j++) put(out, d.keys[j]!, build(d.children[j]!));
        else {
          const values = d.children.map(build);
          for (const k of d.order) put(out, k, values[d.keys.indexOf(k)]);
        }
        return Object.freeze(out);
      }
    }
  };
  const tree = build(def);
  if (i !== leaves.length) throw new PuregradError('tree.unflatten', `too many leaves: the structure needs ${countLeaves(def)}, got ${leaves.length}`);
  return tree as Tree<L>;
}

/**
 * How many leaves a structure holds (`null` and `undefined` hold none).
 * @example
 * tree.countLeaves(tree.structure({ w: zeros([3]), b: [zeros([1]), undefined] })) // => 2
 */
export const countLeaves = (def: TreeDef): number =>
  def.kind === 'leaf' ? 1 : def.kind === 'none' ? 0 : def.children.reduce((n, c) => n + countLeaves(c), 0);

/**
 * The leaves alone, in `flatten`'s order.
 * @example
 * tree.leaves({ w: tensor([1, 2]), b: tensor([3]) }) // => [[3], [1, 2]]
 */
export const leaves = <L>(tree: Tree<L>): L[] => flatten(tree)[0];
/**
 * The structure alone (a `TreeDef`), as `flatten` gives it.
 * @example
 * tree.showStructure(tree.structure([scalar(1), { x: scalar(2) }])) // => "[*, {x: *}]"
 */
export const structure = <L>(tree: Tree<L>): TreeDef => flatten(tree)[1];

/**
 * Structural equality of two TreeDefs (same containers and keys; leaves are not compared).
 * @example
 * tree.sameStructure(tree.structure({ a: 1, b: 2 }), tree.structure({ b: 3, a: 4 })) // => true
 * tree.sameStructure(tree.structure([1, 2]), tree.structure([1])) // => false
 */
export function sameStructure(a: TreeDef, b: TreeDef): boolean {
  if (a.kind !== b.kind) return false;
  if (a.kind === 'leaf') return true;
  if (a.kind === 'none') return true;
  const bc = b as typeof a;
  if (a.kind === 'object' && (a.keys.length !== (bc as typeof a).keys.length || a.keys.some((k, i) => k !== (bc as typeof a).keys[i]))) return false;
  return a.children.length === bc.children.length && a.children.every((c, i) => sameStructure(c, bc.children[i]!));
}

/**
 * A readable description such as `{b: *, w: [*, *]}`: `*` marks a leaf.
 * @example
 * tree.showStructure(tree.structure({ w: [1, 2], b: 0 })) // => "{b: *, w: [*, *]}"
 */
export function showStructure(def: TreeDef): string {
  switch (def.kind) {
    case 'leaf':
      return '*';
    case 'none':
      return String(def.value);
    case 'array':
      return `[${def.children.map(showStructure).join(', ')}]`;
    case 'object':
      return `{${def.keys.map((k, i) => `${k}: ${showStructure(def.children[i]!)}`).join(', ')}}`;
  }
}

/**
 * Apply `f` leaf by leaf to `tree` and any further trees of the same structure.
 * @example
 * const params = { w: tensor([1, 2]), b: tensor([0]) }
 * const grads = { w: tensor([10, 20]), b: tensor([5]) }
 * tree.map((w: Tensor, g: Tensor) => sub(w, mul(g, 0.1)), params, grads) // => { "w": [0, 0], "b": [-0.5] }
 */
export function map<T>(f: (leaf: Tensor, ...rest: Tensor[]) => Tensor, tree: T, ...rest: readonly T[]): T;
export function map<L, R>(f: (leaf: L, ...rest: L[]) => R, tree: Tree<L>, ...rest: readonly Tree<L>[]): Tree<R>;
export function map<L, R>(f: (leaf: L, ...rest: L[]) => R, tree: Tree<L>, ...rest: readonly Tree<L>[]): Tree<R> {
  if (typeof f !== 'function') throw new PuregradError('tree.map', `f must be a function, got ${f === null ? 'null' : typeof f}; the function comes first: tree.map(f, tree, ...rest)`);
  const [ls, def] = flatten(tree);
  const others = rest.map((r, j) => {
    const [rl, rdef] = flatten(r);
    if (!sameStructure(def, rdef)) {
      throw new PuregradError('tree.map', `tree ${j + 2} has structure ${showStructure(rdef)} but the first has ${showStructure(def)}`);
    }
    return rl;
  });
  return unflatten(def, ls.map((l, i) => f(l, ...others.map((o) => o[i]!))));
}
