/**
 * Writing a parameter tree as a safetensors file, byte for byte as the
 * reference writer (`prepare` and `serialize` in huggingface/safetensors
 * `safetensors/src/tensor.rs`, which `safetensors.numpy.save_file` calls) lays
 * it out:
 * - tensors sorted by dtype, in descending order of the reference's `Dtype`
 *   enum (F64, F32, I32, BOOL: "descending dtype alignment"), then by name in
 *   byte order, and their data packed back to back in that order;
 * - the header is compact JSON (serde_json's `to_string`): `__metadata__`
 *   first when given, then each tensor as `{"dtype", "shape", "data_offsets"}`
 *   in data order; strings escaped as serde_json does, which for well-formed
 *   strings is what `JSON.stringify` does;
 * - the header padded with spaces to a multiple of 8 bytes, so every tensor's
 *   data starts 8-byte aligned in the file;
 * - the header's length N as 8 bytes little-endian before it.
 * The reference keeps metadata in a hash map, so its key order varies from run
 * to run; here it is the order of the object given.
 */

import { PuregradError } from '../tensor/errors.ts';
import type { Tensor } from '../tensor/tensor.ts';
import type { Tree } from '../tree/tree.ts';
import { ENUM_RANK, WRITTEN, WRITTEN_SIZE, encode } from './dtypes.ts';
import { quote } from './errors.ts';
import { MAX_HEADER_BYTES, METADATA_KEY } from './header.ts';
import { compareNames, isWellFormed, namedLeaves } from './names.ts';

const OP = 'io.saveSafetensors';

/**
 * Serialize a tree of tensors to the bytes of a safetensors file, with each
 * leaf named by its path (`layers.0.w`; see the `io` guide) and optional
 * string metadata. Tensors keep their dtype (F32, F64, I32 or BOOL). Throws a
 * `PuregradError` naming the path for a leaf that is not a concrete tensor, a
 * key that is empty or contains a dot, a cycle, or metadata that is not strings.
 * @example
 * const bytes = io.saveSafetensors({ a: tensor([1, 2]), b: scalar(3, 'int32') }, { format: 'np' })
 * bytes.length // => 164
 * Array.from(bytes.slice(0, 8)) // => [144, 0, 0, 0, 0, 0, 0, 0]
 * new TextDecoder().decode(bytes.slice(8, 43)) // => "{\"__metadata__\":{\"format\":\"np\"},\"a\""
 */
export function saveSafetensors(tree: Tree<Tensor>, metadata?: Readonly<Record<string, string>>): Uint8Array {
  const named = namedLeaves(OP, tree).map(([name, t]) => [name, t.concrete(OP)] as const);
  if (named.some(([name]) => name === METADATA_KEY)) {
    throw new PuregradError(OP, `a tensor cannot be named ${METADATA_KEY}: the format reserves it for the metadata`);
  }
  const meta = metadata === undefined ? undefined : checkMetadata(metadata);
  // The reference's order: descending dtype (enum order), then name.
  const sorted = [...named].sort(([n1, t1], [n2, t2]) =>
    ENUM_RANK[t2.dtype] - ENUM_RANK[t1.dtype] || compareNames(n1, n2));
  const parts: string[] = [];
  if (meta !== undefined) {
    const entries = meta.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`);
    parts.push(`${JSON.stringify(METADATA_KEY)}:{${entries.join(',')}}`);
  }
  let offset = 0;
  const placed = sorted.map(([name, t]) => {
    const begin = offset;
    offset += t.size * WRITTEN_SIZE[t.dtype];
    const record = `"dtype":"${WRITTEN[t.dtype]}","shape":[${t.shape.join(',')}],"data_offsets":[${begin},${offset}]`;
    parts.push(`${JSON.stringify(name)}:{${record}}`);
    return { t, begin };
  });
  const json = new TextEncoder().encode(`{${parts.join(',')}}`);
  const n = Math.ceil(json.length / 8) * 8;
  if (n > MAX_HEADER_BYTES) {
    throw new PuregradError(OP, `the header would take ${n} bytes, over the format's 100 MB limit; use fewer tensors`);
  }
  const out = new Uint8Array(8 + n + offset);
  const view = new DataView(out.buffer);
  view.setUint32(0, n, true); // N < 2^32, so the high word stays 0
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + n);
  for (const { t, begin } of placed) encode(t.dtype, t.toTypedArray(), view, 8 + n + begin);
  return out;
}

/** The metadata's entries, checked to be well-formed strings. */
function checkMetadata(metadata: Readonly<Record<string, string>>): [string, string][] {
  if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) {
    const got = metadata === null ? 'null' : typeof metadata;
    throw new PuregradError(OP, `metadata must be an object of strings, got ${got}`);
  }
  const entries = Object.entries(metadata);
  for (const [k, v] of entries) {
    if (typeof v !== 'string') {
      const what = `must be a string (the format holds only strings), got ${typeof v}`;
      throw new PuregradError(OP, `metadata[${quote(k)}] ${what}`);
    }
    if (!isWellFormed(k) || !isWellFormed(v)) {
      throw new PuregradError(OP, `metadata[${quote(k)}] has an unpaired surrogate, which UTF-8 cannot hold`);
    }
  }
  return entries;
}
