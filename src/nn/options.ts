/**
 * Option objects of layers and pooling are checked for unknown keys before
 * anything is built: a misspelled option (`{ stride: 2 }` where pooling takes
 * `strides`, `{ usebias: false }`) would otherwise be ignored without a word,
 * and the model would silently be a different one.
 */

import { optionsArg } from '../ops/args.ts';

/** Throws a `PuregradError` naming `op` when `options` is not an object or has a key outside `known` (`optionsArg`'s check). */
export function checkOptionKeys(op: string, options: unknown, known: readonly string[]): void {
  optionsArg(op, options as object | undefined, known);
}
