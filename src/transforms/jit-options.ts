/**
 * The options of `jit`: which arguments are static and which are donated,
 * checked once when the function is jitted.
 */

import { PuregradError } from '../tensor/errors.ts';
import type { Statics } from './signature.ts';

/**
 * Which arguments `jit` fixes by value instead of tracing. A static argument is
 * part of the signature: the function sees the value itself (a plain number it
 * can loop over or build a shape from), and a new value traces anew. Static
 * values are numbers, strings, booleans, `null`/`undefined`, functions
 * (compared by identity) and deeply frozen plain arrays and objects of those
 * (compared by content). Strings and booleans anywhere in the arguments are
 * always static; these options are for numbers and data.
 * @example
 * const repeat = jit((x: Tensor, n: number) => concatenate(Array.from({ length: n }, () => x)), { staticArgnums: [1] })
 * repeat(tensor([1, 2]), 2) // => [1, 2, 1, 2]
 * const norm = jit((x: Tensor, o: { p: number; scale: number }) => mul(pow(sum(pow(abs(x), o.p)), 1 / o.p), o.scale),
 *   { staticArgnames: ['p'] })
 * norm(tensor([3, 4]), { p: 2, scale: 10 }) // => 50
 */
export interface JitOptions {
  /** Positions of static arguments (0 is the first). */
  readonly staticArgnums?: readonly number[];
  /**
   * Static keys of the last argument, when the call's last argument is a plain
   * object (JavaScript's stand-in for keyword arguments): the listed keys that
   * are present are static, its other keys are traced as usual. When the last
   * argument is not a plain object these names have no effect.
   */
  readonly staticArgnames?: readonly string[];
  /**
   * Positions of arguments whose tensors the call may take over, as JAX's
   * `donate_argnums`: a result of the same dtype and size is written into a
   * donated tensor's buffer instead of a fresh one, and the donated tensors
   * can no longer be read (reading one is an error saying it was donated).
   * For a training step that returns new parameters, donating the old ones
   * saves allocating (and first touching) a new buffer for each on every step.
   * A buffer another tensor may show is left alone, its tensor readable: one
   * another argument also holds, a view's (an eager `reshape` shares its
   * input's buffer), a constant's, or one a result shows. Inside another
   * transformation nothing is donated.
   * @example
   * const step = jit((w: Tensor, g: Tensor) => sub(w, mul(g, 0.1)), { donateArgnums: [0] })
   * const w = tensor([1, 2])
   * const next = step(w, tensor([10, 10]))
   * next.toArray() // => [0, 1]
   * String(w) // => "Tensor<float32[2]> (donated)"
   */
  readonly donateArgnums?: readonly number[];
}

/** What `jit` keeps of its options: the static sets the signature needs, and the donated positions. @internal */
export interface JitSettings extends Statics {
  readonly donate: ReadonlySet<number>;
}

const KNOWN = new Set(['staticArgnums', 'staticArgnames', 'donateArgnums']);

/** Validate and copy `options` into the sets `jit` needs. @internal */
export function jitOptions(options: JitOptions | undefined): JitSettings {
  if (options === undefined) return { argnums: new Set(), argnames: new Set(), donate: new Set() };
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new PuregradError('jit', `options must be an object such as { staticArgnums: [1] }, got ${describe(options)}`);
  }
  for (const k of Object.keys(options)) {
    if (!KNOWN.has(k)) {
      throw new PuregradError('jit', `unknown option ${JSON.stringify(k)}; the options are staticArgnums, staticArgnames and donateArgnums`);
    }
  }
  const nums = positions('staticArgnums', options.staticArgnums);
  const donated = positions('donateArgnums', options.donateArgnums);
  const names = options.staticArgnames ?? [];
  if (!Array.isArray(names)) throw new PuregradError('jit', `staticArgnames must be an array of keys, got ${describe(names)}`);
  names.forEach((n: unknown) => {
    if (typeof n !== 'string' || n === '') {
      throw new PuregradError('jit', `staticArgnames must hold non-empty keys, got ${describe(n)}`);
    }
  });
  const argnums = new Set(nums);
  const argnames = new Set(names);
  const donate = new Set(donated);
  if (argnames.size !== names.length) throw new PuregradError('jit', `staticArgnames [${names.join(', ')}] lists a key twice`);
  const both = donated.filter((n) => argnums.has(n));
  if (both.length > 0) {
    throw new PuregradError('jit', `argument ${both[0]} is in both staticArgnums and donateArgnums; a static argument has no buffer to donate`);
  }
  return { argnums, argnames, donate };
}

/** A list of argument positions: integers ≥ 0, none twice. */
function positions(name: string, list: unknown): number[] {
  const nums = list ?? [];
  if (!Array.isArray(nums)) throw new PuregradError('jit', `${name} must be an array of argument positions, got ${describe(nums)}`);
  nums.forEach((n: unknown) => {
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) {
      throw new PuregradError('jit', `${name} must hold argument positions (integers ≥ 0), got ${describe(n)}`);
    }
  });
  if (new Set(nums).size !== nums.length) throw new PuregradError('jit', `${name} [${nums.join(', ')}] lists a position twice`);
  return nums as number[];
}

const describe = (x: unknown): string =>
  typeof x === 'string' ? JSON.stringify(x)
    : Array.isArray(x) ? 'an array'
    : typeof x === 'object' && x !== null ? 'an object'
    : String(x);
