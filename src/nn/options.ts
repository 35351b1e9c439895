/**
 * Option objects of layers and pooling are checked for unknown keys before
 * anything is built: a misspelled option (`{ stride: 2 }` where pooling takes
 * `strides`, `{ usebias: false }`) would otherwise be ignored without a word,
 * and the model would silently be a different one.
 */

import { PuregradError } from '../tensor/errors.ts';

/** Throws a `PuregradError` naming `op` when `options` is not an object or has a key outside `known`. */
export function checkOptionKeys(op: string, options: unknown, known: readonly string[]): void {
  if (options === undefined) return;
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    const got = options === null ? 'null' : Array.isArray(options) ? 'an array' : typeof options;
    throw new PuregradError(op, `options must be an object, got ${got}`);
  }
  for (const k of Object.keys(options)) {
    if (!known.includes(k)) {
      throw new PuregradError(op, `unknown option '${k}'; the options are ${known.join(', ')}`);
    }
  }
}
