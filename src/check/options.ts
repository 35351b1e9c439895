/**
 * The options of `check.grad`, checked and copied before anything runs, and
 * the default tolerances. Defaults follow JAX's `check_grads`: step ε = 1e-4,
 * and per dtype the same atol and rtol — 1e-5 when everything checked is
 * float64, 2e-3 when anything is float32 (JAX's `default_gradient_tolerance`).
 * The finite differences are always taken in float64; the float32 tolerance
 * allows for the float32 rounding of the derivative under test.
 */

import { checkOptionKeys } from '../nn/options.ts';
import { PuregradError } from '../tensor/errors.ts';
import { resolveArgnums } from '../transforms/argnums.ts';

/** A mode of differentiation, by JAX's names: forward (`jvp`) or reverse (`vjp`). */
export type GradMode = 'fwd' | 'rev';

/** What `check.grad` checks, and how closely. */
export interface GradCheckOptions {
  /** Check derivatives up to this order: 1, or 2 for the derivatives of the derivative (default 1). */
  readonly order?: 1 | 2;
  /** The modes to check (default both, `['fwd', 'rev']`); `['rev']` for functions with a `customVjp`. */
  readonly modes?: readonly GradMode[];
  /** Step of the central differences (default 1e-4, JAX's). */
  readonly eps?: number;
  /** Absolute tolerance (default per dtype: 1e-5 for float64, 2e-3 with float32). */
  readonly atol?: number;
  /** Relative tolerance (default as `atol`). */
  readonly rtol?: number;
  /** Which positional arguments to differentiate (default all); the others are held fixed. */
  readonly argnums?: number | readonly number[];
  /** At most this many elements are checked per mode and order (default 100); larger inputs are sampled. */
  readonly maxElements?: number;
  /** Seed of the random cotangent, second-order direction and sample (default 0). */
  readonly seed?: number;
}

/**
 * Default tolerances of `check.grad` (both atol and rtol), by the least precise
 * float dtype among the inputs checked and the outputs — JAX's
 * `default_gradient_tolerance` for these dtypes.
 * @example
 * check.defaultTolerance // => { "float32": 0.002, "float64": 0.00001 }
 */
export const defaultTolerance: Readonly<Record<'float32' | 'float64', number>> = Object.freeze({
  float32: 2e-3,
  float64: 1e-5,
});

/** The options with every default filled in (tolerances stay undefined until the dtypes are known). */
export interface ResolvedOptions {
  readonly order: 1 | 2;
  readonly modes: readonly GradMode[];
  readonly eps: number;
  readonly atol: number | undefined;
  readonly rtol: number | undefined;
  readonly argnums: readonly number[] | undefined;
  readonly maxElements: number;
  readonly seed: number;
}

const KEYS = ['order', 'modes', 'eps', 'atol', 'rtol', 'argnums', 'maxElements', 'seed'] as const;
const OP = 'check.grad';

const bad = (what: string, got: unknown): never => {
  const shown = typeof got === 'number' ? String(got)
    : typeof got === 'string' ? JSON.stringify(got)
    : got === null ? 'null'
    : Array.isArray(got) ? `[${String(got)}]`
    : typeof got;
  throw new PuregradError(OP, `${what}, got ${shown}`);
};

function tolerance(name: string, v: unknown): number | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) return bad(`${name} must be a finite number ≥ 0`, v);
  return v;
}

/** `argnums` as `grad` checks it; absent, `check.grad` checks every argument (as JAX's `check_grads`). */
const argnumsOf = (v: unknown, numArgs: number): readonly number[] | undefined =>
  v === undefined ? undefined : Object.freeze([...resolveArgnums(OP, v, numArgs)]);

/** Check `options` (unknown keys, types, ranges) and fill in the defaults; the result is a frozen copy. */
export function resolveOptions(options: unknown, numArgs: number): ResolvedOptions {
  checkOptionKeys(OP, options, KEYS);
  const o = (options ?? {}) as Record<string, unknown>;
  const order = o.order ?? 1;
  if (order !== 1 && order !== 2) bad('order must be 1 or 2', order);
  const modes = o.modes ?? ['fwd', 'rev'];
  const known = (m: unknown) => m === 'fwd' || m === 'rev';
  if (!Array.isArray(modes) || modes.length === 0 || !modes.every(known) || new Set(modes).size !== modes.length) {
    bad("modes must be a non-empty list of distinct 'fwd' and 'rev'", modes);
  }
  const eps = o.eps ?? 1e-4;
  if (typeof eps !== 'number' || !Number.isFinite(eps) || eps <= 0) bad('eps must be a finite number > 0', eps);
  const maxElements = o.maxElements ?? 100;
  if (typeof maxElements !== 'number' || !Number.isInteger(maxElements) || maxElements < 1) {
    bad('maxElements must be an integer ≥ 1', maxElements);
  }
  const seed = o.seed ?? 0;
  if (typeof seed !== 'number' || !Number.isSafeInteger(seed)) bad('seed must be an integer', seed);
  return Object.freeze({
    order: order as 1 | 2,
    modes: Object.freeze([...(modes as GradMode[])]),
    eps: eps as number,
    atol: tolerance('atol', o.atol),
    rtol: tolerance('rtol', o.rtol),
    argnums: argnumsOf(o.argnums, numArgs),
    maxElements: maxElements as number,
    seed: seed as number,
  });
}
