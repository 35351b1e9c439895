/**
 * `argnums`, as `grad`, `valueAndGrad`, `explain` and `check.grad` take it: an
 * argument position or a list of them, checked against the call's arguments.
 */

import { PuregradError } from '../tensor/errors.ts';

/** The positions `argnums` names, checked for a call with `numArgs` arguments; errors name `op`. @internal */
export function resolveArgnums(op: string, argnums: unknown, numArgs: number): readonly number[] {
  const nums: readonly unknown[] = typeof argnums === 'number' ? [argnums] : Array.isArray(argnums) ? argnums : [];
  if (nums.length === 0) {
    throw new PuregradError(op, `argnums must be an argument position or a non-empty array of them, got ${JSON.stringify(argnums) ?? String(argnums)}`);
  }
  for (const n of nums) {
    if (!(typeof n === 'number' && Number.isInteger(n) && n >= 0 && n < numArgs)) {
      throw new PuregradError(op, `argnums ${String(n)} is out of range for a call with ${numArgs} argument(s)`);
    }
  }
  if (new Set(nums).size !== nums.length) throw new PuregradError(op, `argnums (${nums.join(',')}) names an argument twice`);
  return nums as readonly number[];
}
