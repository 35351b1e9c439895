/**
 * Paths: how errors and reports name a leaf of a tree. A path is written as
 * JavaScript would reach the leaf from a root name: `params.layers[1].w`.
 * Keys that are not identifiers are quoted (`params["hidden size"]`), array
 * indices are in brackets. `leafPaths(def, root)` lists the path of every
 * leaf in `flatten`'s order, so the i-th leaf of a flattened tree has the
 * i-th path.
 */

import type { TreeDef } from './types.ts';

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/**
 * `key` appended to the path `base`: `.key` for an identifier, `["key"]` otherwise, `[i]` for an index.
 * @example
 * tree.joinPath('params', 'w') // => "params.w"
 * tree.joinPath('params.layers', 1) // => "params.layers[1]"
 * tree.joinPath('params', 'hidden size') // => "params[\"hidden size\"]"
 */
export function joinPath(base: string, key: string | number): string {
  if (typeof key === 'number') return `${base}[${key}]`;
  return IDENTIFIER.test(key) ? `${base}.${key}` : `${base}[${JSON.stringify(key)}]`;
}

/**
 * The path of every leaf of the structure `def` from the root `root`, in `flatten`'s order.
 * @example
 * const def = tree.structure({ w: tensor([1]), layers: [{ b: tensor([2]) }] })
 * tree.leafPaths(def, 'params') // => ["params.layers[0].b", "params.w"]
 */
export function leafPaths(def: TreeDef, root = 'tree'): string[] {
  const out: string[] = [];
  const walk = (d: TreeDef, path: string): void => {
    switch (d.kind) {
      case 'leaf':
        out.push(path);
        return;
      case 'none':
        return;
      case 'array':
        d.children.forEach((c, i) => walk(c, joinPath(path, i)));
        return;
      case 'object':
        d.keys.forEach((k, i) => walk(d.children[i]!, joinPath(path, k)));
        return;
    }
  };
  walk(def, root);
  return out;
}

/**
 * The path of leaf `i` (in `flatten`'s order) of the structure `def`.
 * @example
 * tree.leafPath(tree.structure([tensor([1]), { w: tensor([2]) }]), 1, 'args') // => "args[1].w"
 */
export function leafPath(def: TreeDef, i: number, root = 'tree'): string {
  return leafPaths(def, root)[i] ?? `${root} (leaf ${i})`;
}
