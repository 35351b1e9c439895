/**
 * Axis arguments of the public ops: negative axes count from the end; errors
 * name the op the user called. Internal: not exported from the package.
 */

import { PuregradError } from '../tensor/errors.ts';
import { normalizeAxis, showShape } from '../tensor/shape.ts';
import type { Tensor } from '../tensor/tensor.ts';

/** Normalised, sorted, unique axes; throws naming `op` when one is out of range. */
export function resolveAxes(op: string, x: Tensor, axis: number | readonly number[] | undefined): number[] {
  if (axis === undefined) return x.shape.map((_, i) => i);
  const list = typeof axis === 'number' ? [axis] : axis;
  const out = list.map((a) => {
    const n = normalizeAxis(a, x.rank);
    if (n === undefined) throw new PuregradError(op, `axis ${a} is out of range for shape ${showShape(x.shape)}`);
    return n;
  });
  const sorted = [...new Set(out)].sort((a, b) => a - b);
  if (sorted.length !== out.length) throw new PuregradError(op, `axis (${list.join(',')}) repeats an axis`);
  return sorted;
}
