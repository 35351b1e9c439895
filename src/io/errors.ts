/**
 * What a failed load returns: an `IoError` value inside an fp-ts `Left`, never
 * an exception. `kind` says which layer of the file is wrong (the kinds follow
 * the reference implementation's error cases), `message` says what and where,
 * and `tensor` names the tensor when one is at fault.
 */

/**
 * - `header`: the 8-byte length prefix, the header's size, UTF-8 or first byte;
 * - `json`: the header is not JSON (or repeats a key);
 * - `metadata`: `__metadata__` is not an object of strings;
 * - `entry`: a tensor's `{dtype, shape, data_offsets}` record is malformed;
 * - `dtype`: an unknown dtype, or one puregrad cannot represent;
 * - `layout`: byte ranges that disagree with shape × dtype, overlap, leave holes or miss the end;
 * - `names`: tensor names that cannot be tree paths;
 * - `value`: an integer that does not fit int32;
 * - `structure`: the tensors differ from the `like` template (a name missing or extra, another shape or dtype).
 */
export type IoErrorKind =
  | 'header' | 'json' | 'metadata' | 'entry' | 'dtype' | 'layout' | 'names' | 'value' | 'structure';

/** Why a safetensors file could not be loaded. */
export interface IoError {
  readonly kind: IoErrorKind;
  readonly message: string;
  /** The tensor at fault, when there is one. */
  readonly tensor?: string;
}

/** A frozen `IoError`; the message starts with `safetensors:` so it reads well when thrown or logged. */
export const ioError = (kind: IoErrorKind, message: string, tensor?: string): IoError => {
  const error = { kind, message: `safetensors: ${message}` };
  return Object.freeze(tensor === undefined ? error : { ...error, tensor });
};

/** A name as it appears in messages: quoted, and cut short if very long. */
export const quote = (name: string): string => JSON.stringify(name.length > 80 ? `${name.slice(0, 77)}...` : name);
