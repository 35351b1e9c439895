/**
 * Tree paths as tensor names, the convention of PyTorch state dicts and of
 * flax's `flatten_dict(params, sep='.')`: the keys and array indices on the
 * way from the root to a leaf, joined by dots. `{layers: [{w}, {w}]}` names
 * its leaves `layers.0.w` and `layers.1.w`.
 *
 * Loading rebuilds the nesting: every dot opens a level, a level whose names
 * are exactly `0, 1, …, n−1` (written as plain integers) becomes an array, any
 * other an object with its keys in sorted order. So a tree round-trips except
 * that `null`, `undefined` and empty containers (which hold no tensor) vanish,
 * an object with keys `"0" … "n−1"` comes back as an array, and keys come back
 * sorted. Keys must be non-empty and free of dots, or the path would not read
 * back; and names that are both a leaf and a container (`a` and `a.b`) are refused.
 */

import type { Either } from 'fp-ts/lib/Either.js';
import { left, right } from 'fp-ts/lib/Either.js';
import { PuregradError } from '../tensor/errors.ts';
import { Tensor } from '../tensor/tensor.ts';
import type { Tree } from '../tree/tree.ts';
import type { IoError } from './errors.ts';
import { ioError, quote } from './errors.ts';

/** Deeper trees are refused, so neither saving nor loading can exhaust the stack. */
export const MAX_DEPTH = 1000;

const isPlainObject = (x: unknown): x is Readonly<Record<string, unknown>> => {
  if (typeof x !== 'object' || x === null) return false;
  const proto = Object.getPrototypeOf(x);
  return proto === Object.prototype || proto === null;
};

/** A string with an unpaired UTF-16 surrogate cannot be written as UTF-8. */
export const isWellFormed = (s: string): boolean =>
  !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(s);

/**
 * Rebuild `tree` (frozen, in its own key order) with each tensor replaced by `f(name, tensor)`, `name` its
 * dotted path. A bad tree throws a `PuregradError` from `op` naming the path: a leaf that is not a tensor, a
 * key that would not read back (empty, with a dot, with an unpaired surrogate), a cycle, a lone tensor.
 */
export function mapNamed(op: string, tree: Tree<Tensor>, f: (name: string, leaf: Tensor) => Tensor): Tree<Tensor> {
  const ancestors = new Set<unknown>();
  const where = (path: readonly string[]) => (path.length === 0 ? 'the tree itself' : `at ${path.join('.')}`);
  const walk = (node: unknown, path: string[]): unknown => {
    if (node === null || node === undefined) return node;
    if (node instanceof Tensor) {
      if (path.length === 0) throw new PuregradError(op, 'the tree is a single tensor; give it a name, as in { w: x }');
      return f(path.join('.'), node);
    }
    const isArray = Array.isArray(node);
    if (!isArray && !isPlainObject(node)) {
      const what = `expected a tensor, an array or a plain object, got ${describe(node)}`;
      throw new PuregradError(op, `${where(path)}: ${what}`);
    }
    if (ancestors.has(node)) throw new PuregradError(op, `${where(path)}: the tree contains itself (a cycle)`);
    if (path.length >= MAX_DEPTH) {
      throw new PuregradError(op, `${where(path)}: the tree is more than ${MAX_DEPTH} levels deep`);
    }
    ancestors.add(node);
    const keys = isArray ? (node as unknown[]).map((_, i) => String(i)) : Object.keys(node);
    const children = keys.map((key): [string, unknown] => {
      if (!isArray && (key === '' || key.includes('.') || !isWellFormed(key))) {
        const why = key === '' ? 'is empty'
          : key.includes('.') ? 'contains a dot, the path separator' : 'has an unpaired surrogate';
        const what = `key ${quote(key)} ${why}, so its tensor name would not read back as this path`;
        throw new PuregradError(op, `${where(path)}: ${what}`);
      }
      return [key, walk((node as Record<string, unknown>)[key], [...path, key])];
    });
    ancestors.delete(node);
    return Object.freeze(isArray ? children.map(([, c]) => c) : Object.fromEntries(children));
  };
  return walk(tree, []) as Tree<Tensor>;
}

/** The tensors of `tree` with their dotted names, in the tree's own order (see `mapNamed` for what is refused). */
export function namedLeaves(op: string, tree: Tree<Tensor>): [string, Tensor][] {
  const out: [string, Tensor][] = [];
  mapNamed(op, tree, (name, t) => {
    out.push([name, t]);
    return t;
  });
  return out;
}

function describe(x: unknown): string {
  if (typeof x === 'object' && x !== null) return `an instance of ${x.constructor?.name ?? 'an unknown class'}`;
  return typeof x === 'string' ? `the string ${quote(x)}` : `${typeof x} ${String(x)}`;
}

type Node = Map<string, Node | Tensor>;

const INDEX = /^(0|[1-9][0-9]*)$/;

/** Rebuild the nested tree from `[name, tensor]` pairs, or say which names cannot be tree paths. */
export function nest(named: readonly (readonly [string, Tensor])[]): Either<IoError, Tree<Tensor>> {
  const root: Node = new Map();
  const fullName = new Map<Node | Tensor, string>(); // for messages: the first name through each node
  for (const [name, t] of named) {
    const path = name.split('.');
    if (path.some((p) => p === '')) {
      const what = `tensor name ${quote(name)} has an empty path segment, so it is not a tree path`;
      return left(ioError('names', what, name));
    }
    if (path.length > MAX_DEPTH) {
      return left(ioError('names', `tensor name ${quote(name)} is more than ${MAX_DEPTH} levels deep`, name));
    }
    let node = root;
    for (const [depth, key] of path.entries()) {
      const child = node.get(key);
      const last = depth === path.length - 1;
      if (child !== undefined && (last || child instanceof Tensor)) {
        const other = fullName.get(child) ?? name;
        const both = `tensor names ${quote(other)} and ${quote(name)}`;
        const what = `${both} conflict as tree paths: one would be inside the other`;
        return left(ioError('names', what, name));
      }
      if (last) {
        node.set(key, t);
        fullName.set(t, name);
      } else {
        const next: Node = child ?? new Map();
        if (child === undefined) {
          node.set(key, next);
          fullName.set(next, name);
        }
        node = next;
      }
    }
  }
  return right(build(root));
}

/**
 * Code-point order, which is UTF-8 byte order: the order the reference's writer sorts names in.
 * UTF-16 order differs only where a surrogate (half of a code point above U+FFFF) meets a unit in
 * U+E000–U+FFFF, so those two ranges are swapped before comparing.
 */
export function compareNames(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const [x, y] = [a.charCodeAt(i), b.charCodeAt(i)];
    if (x !== y) return codePointRank(x) - codePointRank(y);
  }
  return a.length - b.length;
}

const codePointRank = (u: number): number => (u >= 0xd800 && u <= 0xdfff ? u + 0x2000 : u >= 0xe000 ? u - 0x800 : u);

function build(node: Node): Tree<Tensor> {
  const keys = [...node.keys()];
  const value = (k: string): Tree<Tensor> => {
    const c = node.get(k)!;
    return c instanceof Tensor ? c : build(c);
  };
  if (keys.every((k) => INDEX.test(k)) && keys.every((k) => Number(k) < keys.length) && keys.length > 0) {
    return Object.freeze(keys.map((_, i) => value(String(i))));
  }
  // `fromEntries` defines own properties, so a key such as `__proto__` stays an ordinary key.
  return Object.freeze(Object.fromEntries(keys.sort(compareNames).map((k) => [k, value(k)])));
}
