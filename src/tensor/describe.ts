/**
 * How error messages name a value that is not what an op expected: `the
 * number 3`, `the string "x"`, `a JavaScript array (2 entries)`, `a float32[2]
 * tensor`, `a Map`. One wording for every op, layer and loader.
 */

import { showShape } from './shape.ts';
import { Tensor } from './tensor.ts';

/**
 * A short description of `x` for an error message. @internal
 */
export function describeValue(x: unknown): string {
  if (x === undefined) return 'undefined';
  if (x === null) return 'null';
  if (x instanceof Tensor) return `a ${x.dtype}${showShape(x.shape)} tensor`;
  if (Array.isArray(x)) return `a JavaScript array (${x.length} entr${x.length === 1 ? 'y' : 'ies'})`;
  if (typeof x === 'string') return `the string ${JSON.stringify(x.length > 20 ? `${x.slice(0, 20)}…` : x)}`;
  if (typeof x === 'number') return `the number ${x}`;
  if (typeof x === 'function') return 'a function';
  if (typeof x === 'object') {
    const name = (x as object).constructor?.name;
    return name === undefined || name === 'Object' ? 'a plain object' : `a ${name}`;
  }
  return `${typeof x} ${String(x)}`;
}
