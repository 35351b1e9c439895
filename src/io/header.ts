/**
 * Reading and checking a safetensors header, before a single tensor byte is
 * touched. The file is an 8-byte little-endian length N, N bytes of UTF-8 JSON
 * `{name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {…}}`,
 * then the data, with offsets relative to the data's first byte. The checks
 * follow the reference reader (`SafeTensors::read_metadata` and
 * `Metadata::validate` in huggingface/safetensors `safetensors/src/tensor.rs`)
 * and the format notes in its README:
 * - N at most 100,000,000 (its `MAX_HEADER_SIZE`) and within the file;
 * - the header is valid UTF-8 and starts with `{`; trailing spaces are padding;
 * - no key appears twice; `__metadata__` maps strings to strings;
 * - each shape is non-negative integers, `end − begin` is exactly
 *   shape × dtype size (with no overflow), and the ranges, sorted, tile the
 *   data with no hole and no overlap, ending exactly at the end of the file.
 * Stricter than the reference: a tensor record with fields other than the
 * three is refused (the reference ignores them), so nothing in a file is
 * silently dropped.
 */

import type { Either } from 'fp-ts/lib/Either.js';
import { isLeft, left, right } from 'fp-ts/lib/Either.js';
import type { StDtype } from './dtypes.ts';
import { LOADABLE, UNSUPPORTED, isLoadable } from './dtypes.ts';
import type { IoError } from './errors.ts';
import { ioError, quote } from './errors.ts';
import type { Json } from './json.ts';
import { isJsonNumber, isJsonObject, parseJson } from './json.ts';

/** The reference implementation's limit on N (`MAX_HEADER_SIZE`). */
export const MAX_HEADER_BYTES = 100_000_000;

/** The key of the free-form string map. */
export const METADATA_KEY = '__metadata__';

/** One tensor's record, checked: its bytes are `data[begin, end)`. */
export interface Entry {
  readonly name: string;
  readonly dtype: StDtype;
  readonly shape: readonly number[];
  readonly begin: number;
  readonly end: number;
}

export interface Header {
  /** In the header's order. */
  readonly entries: readonly Entry[];
  readonly metadata: Readonly<Record<string, string>>;
  /** Where the data starts in the file: 8 + N. */
  readonly dataStart: number;
}

/** A valid header nests three deep (header, tensor record, shape); deeper is refused while parsing. */
const MAX_DEPTH = 3;
const FIELDS = ['dtype', 'shape', 'data_offsets'] as const;

/** Parse and check the header of `bytes`; nothing is allocated beyond the header's own size. */
export function readHeader(bytes: Uint8Array): Either<IoError, Header> {
  if (bytes.length < 8) {
    return left(ioError('header', `a file needs at least 8 bytes (the header length), got ${bytes.length}`));
  }
  const prefix = new DataView(bytes.buffer, bytes.byteOffset, 8);
  const low = prefix.getUint32(0, true);
  const high = prefix.getUint32(4, true);
  const n = high * 2 ** 32 + low;
  if (high !== 0 || n > MAX_HEADER_BYTES) {
    return left(ioError('header', `the header length ${prefix.getBigUint64(0, true)} is over the 100 MB limit`));
  }
  if (8 + n > bytes.length) {
    return left(ioError('header', `the header length ${n} runs past the end of the ${bytes.length}-byte file`));
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes.subarray(8, 8 + n));
  } catch {
    return left(ioError('header', 'the header is not valid UTF-8'));
  }
  if (!text.startsWith('{')) return left(ioError('header', "the header must start with '{'"));
  const parsed = parseJson(text, MAX_DEPTH);
  if (isLeft(parsed)) return left(ioError('json', `the header is not valid JSON: ${parsed.left}`));
  const top = parsed.right as ReadonlyMap<string, Json>; // it starts with '{'
  let metadata: Readonly<Record<string, string>> = Object.freeze({});
  const entries: Entry[] = [];
  for (const [name, value] of top) {
    if (name === METADATA_KEY) {
      const m = readMetadata(value);
      if (isLeft(m)) return m;
      metadata = m.right;
      continue;
    }
    const e = readEntry(name, value);
    if (isLeft(e)) return e;
    entries.push(e.right);
  }
  const layout = checkLayout(entries, bytes.length - 8 - n);
  if (isLeft(layout)) return layout;
  return right(Object.freeze({ entries: Object.freeze(entries), metadata, dataStart: 8 + n }));
}

function readMetadata(value: Json): Either<IoError, Readonly<Record<string, string>>> {
  if (value === null) return right(Object.freeze({})); // serde reads null as "no metadata", as the reference does
  if (!isJsonObject(value)) return left(ioError('metadata', `${METADATA_KEY} must be an object of strings`));
  const out: [string, string][] = [];
  for (const [k, v] of value) {
    if (typeof v !== 'string') return left(ioError('metadata', `${METADATA_KEY}[${quote(k)}] must be a string`));
    out.push([k, v]);
  }
  return right(Object.freeze(Object.fromEntries(out)));
}

/** A non-negative integer written as plain digits, as the reference's `usize` fields require; `undefined` otherwise. */
function count(v: Json | undefined): number | undefined {
  if (v === undefined || !isJsonNumber(v) || !/^(0|[1-9][0-9]*)$/.test(v.number)) return undefined;
  const x = Number(v.number);
  return Number.isSafeInteger(x) ? x : undefined;
}

function readEntry(name: string, value: Json): Either<IoError, Entry> {
  const bad = (kind: 'entry' | 'dtype', what: string) => left(ioError(kind, `tensor ${quote(name)}: ${what}`, name));
  if (!isJsonObject(value)) return bad('entry', 'expected an object {dtype, shape, data_offsets}');
  for (const f of FIELDS) if (!value.has(f)) return bad('entry', `missing field ${f}`);
  for (const k of value.keys()) {
    if (!(FIELDS as readonly string[]).includes(k)) {
      return bad('entry', `unexpected field ${quote(k)}; a record has only dtype, shape and data_offsets`);
    }
  }
  const dtype = value.get('dtype');
  if (typeof dtype !== 'string') return bad('entry', 'dtype must be a string');
  if (!isLoadable(dtype)) {
    const loadable = Object.keys(LOADABLE).join(', ');
    return UNSUPPORTED.includes(dtype)
      ? bad('dtype', `dtype ${dtype} has no puregrad dtype to load into (loadable: ${loadable})`)
      : bad('dtype', `unknown dtype ${quote(dtype)}`);
  }
  const shape = value.get('shape');
  const dims = Array.isArray(shape) ? shape.map(count) : undefined;
  if (dims === undefined || dims.some((d) => d === undefined)) {
    return bad('entry', 'shape must be an array of non-negative integers');
  }
  const offsets = value.get('data_offsets');
  const [begin, end] = Array.isArray(offsets) && offsets.length === 2 ? offsets.map(count) : [];
  if (begin === undefined || end === undefined || end < begin) {
    return bad('entry', 'data_offsets must be [begin, end], two non-negative integers with begin ≤ end');
  }
  return right(Object.freeze({ name, dtype, shape: Object.freeze(dims as number[]), begin, end }));
}

/** The byte ranges must match shape × dtype and tile `[0, dataLength)` exactly. */
function checkLayout(entries: readonly Entry[], dataLength: number): Either<IoError, void> {
  for (const e of entries) {
    let bytes = LOADABLE[e.dtype].size;
    for (const d of e.shape) {
      bytes *= d;
      if (!Number.isSafeInteger(bytes)) {
        return left(ioError('layout', `tensor ${quote(e.name)}: shape [${e.shape}] is too large`, e.name));
      }
    }
    if (e.end - e.begin !== bytes) {
      const span = `data_offsets [${e.begin}, ${e.end}] span ${e.end - e.begin}`;
      const what = `${e.dtype} of shape [${e.shape}] takes ${bytes} bytes, but ${span}`;
      return left(ioError('layout', `tensor ${quote(e.name)}: ${what}`, e.name));
    }
  }
  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let covered = 0;
  for (const e of sorted) {
    if (e.begin !== covered) {
      const what = e.begin > covered
        ? `leaves a hole: bytes [${covered}, ${e.begin}) belong to no tensor`
        : `overlaps the tensor before it, which ends at ${covered}`;
      return left(ioError('layout', `tensor ${quote(e.name)}: data_offsets [${e.begin}, ${e.end}] ${what}`, e.name));
    }
    covered = e.end;
  }
  if (covered > dataLength) {
    const has = `the file has ${dataLength} after the header (truncated?)`;
    return left(ioError('layout', `the tensors need ${covered} bytes of data, but ${has}`));
  }
  if (covered < dataLength) {
    const has = `the file has ${dataLength} bytes of data after the header`;
    return left(ioError('layout', `${has}, but the tensors cover only ${covered}`));
  }
  return right(undefined);
}
