/**
 * Reading a safetensors file into a parameter tree. The header is parsed and
 * checked in full first (`header.ts`), so every byte range is known to lie in
 * the file, to match its shape and dtype and not to overlap another, before
 * any tensor is allocated: memory follows the bytes actually present, never
 * the sizes a header claims. Each tensor's bytes are then converted
 * (`dtypes.ts`) and the names nested into a tree (`names.ts`). Every failure
 * is a `Left`; nothing here throws on bad input.
 */

import type { Either } from 'fp-ts/lib/Either.js';
import { isLeft, left, right } from 'fp-ts/lib/Either.js';
import { checkOptionKeys } from '../nn/options.ts';
import { tensor } from '../tensor/create.ts';
import { shapeEq, showShape } from '../tensor/shape.ts';
import type { Tensor } from '../tensor/tensor.ts';
import type { Tree } from '../tree/tree.ts';
import { LOADABLE, decode } from './dtypes.ts';
import type { IoError } from './errors.ts';
import { ioError, quote } from './errors.ts';
import { readHeader } from './header.ts';
import { mapNamed, namedLeaves, nest } from './names.ts';

/** What a safetensors file holds: the tensors as a tree, and the `__metadata__` strings (`{}` if none). */
export interface Safetensors<T extends Tree<Tensor> = Tree<Tensor>> {
  readonly tree: T;
  readonly metadata: Readonly<Record<string, string>>;
}

export interface LoadOptions<T extends Tree<Tensor>> {
  /**
   * A tree the file must match, as flax's `from_bytes(target, …)`: the same tensor names, shapes and
   * dtypes (after conversion: an F16 file matches a float32 template). The result then has the
   * template's type and structure — its key order, its `null`s and empty containers — and a mismatch
   * is a `Left` of kind `structure`.
   */
  readonly like?: T;
}

/**
 * Read the bytes of a safetensors file (from `saveSafetensors`, Python's
 * `safetensors.numpy.save_file`, PyTorch, …). Names become tree paths
 * (`layers.0.w` → `{layers: [{w}]}`); F32, F64, I32 and BOOL load as they are,
 * F16 and BF16 as float32, the other integer types as int32 when every value
 * fits. With `{like: params}` the file must match `params` and the tree comes
 * back with its type (unknown options and a template that is not a tree throw a
 * `PuregradError`: they are mistakes in the code, not in the file). Returns `Left` with an `IoError` for anything malformed,
 * never throws on bad bytes, and allocates only for tensors whose bytes are in the input.
 * @example
 * const params = { layers: [{ w: tensor([1, 2]) }] }
 * const bytes = io.saveSafetensors(params, { step: '10' })
 * const loaded = io.loadSafetensors(bytes)
 * loaded._tag === 'Right' ? loaded.right.tree : loaded.left.message // => { "layers": [{ "w": [1, 2] }] }
 * loaded._tag === 'Right' ? loaded.right.metadata : loaded.left.message // => { "step": "10" }
 * const typed = io.loadSafetensors(bytes, { like: params })
 * typed._tag === 'Right' ? typed.right.tree.layers[0]!.w : typed.left.message // => [1, 2]
 * const other = io.loadSafetensors(bytes, { like: { layers: [{ w: zeros([3]) }] } })
 * other._tag === 'Left' ? other.left.kind : 'loaded' // => "structure"
 * const cut = io.loadSafetensors(bytes.slice(0, 20))
 * cut._tag === 'Left' ? cut.left.kind : 'loaded' // => "header"
 */
export function loadSafetensors<T extends Tree<Tensor> = Tree<Tensor>>(
  bytes: Uint8Array,
  options: LoadOptions<T> = {},
): Either<IoError, Safetensors<T>> {
  checkOptionKeys('io.loadSafetensors', options, ['like']); // a programmer's mistake, not a bad file: it throws
  if (!(bytes instanceof Uint8Array)) {
    const isBuffer = (bytes as unknown) instanceof ArrayBuffer;
    const got = isBuffer ? 'an ArrayBuffer (wrap it: new Uint8Array(buffer))' : typeof bytes;
    return left(ioError('header', `expected the file's bytes as a Uint8Array (Node's Buffer is one), got ${got}`));
  }
  const header = readHeader(bytes);
  if (isLeft(header)) return header;
  const { entries, metadata, dataStart } = header.right;
  const named: [string, Tensor][] = [];
  for (const e of entries) {
    const { size, dtype } = LOADABLE[e.dtype];
    const count = (e.end - e.begin) / size;
    const data = decode(e.dtype, bytes.subarray(dataStart + e.begin, dataStart + e.end), count);
    if (!ArrayBuffer.isView(data)) {
      const what = `${e.dtype} element ${data.index} is ${data.value}, outside int32's range`;
      return left(ioError('value', `tensor ${quote(e.name)}: ${what}`, e.name));
    }
    named.push([e.name, tensor(data, { dtype, shape: e.shape })]);
  }
  const tree = options.like === undefined ? nest(named) : restore(options.like, new Map(named));
  if (isLeft(tree)) return tree;
  return right(Object.freeze({ tree: tree.right as T, metadata }));
}

/** The template with each tensor replaced by the loaded one of the same name, shape and dtype. */
function restore(like: Tree<Tensor>, loaded: ReadonlyMap<string, Tensor>): Either<IoError, Tree<Tensor>> {
  const expected = namedLeaves('io.loadSafetensors', like);
  const wanted = new Set(expected.map(([name]) => name));
  const extra = [...loaded.keys()].find((name) => !wanted.has(name));
  if (extra !== undefined) {
    return left(ioError('structure', `the file has a tensor ${quote(extra)} that the template does not`, extra));
  }
  for (const [name, t] of expected) {
    const got = loaded.get(name);
    if (got === undefined) {
      return left(ioError('structure', `the template has a tensor ${quote(name)} that the file does not`, name));
    }
    if (got.dtype !== t.dtype || !shapeEq(got.shape, t.shape)) {
      const show = (x: Tensor) => `${x.dtype}${showShape(x.shape)}`;
      const what = `is ${show(got)} in the file but ${show(t)} in the template`;
      return left(ioError('structure', `tensor ${quote(name)} ${what}`, name));
    }
  }
  return right(mapNamed('io.loadSafetensors', like, (name) => loaded.get(name)!));
}
