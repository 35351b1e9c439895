/**
 * Composition. `chain(a, b, c)` runs the updates through `a`, then `b`, then
 * `c`, and keeps their states side by side in a tuple (optax's `chain`); every
 * named optimizer is such a chain of small transformations. With `identity()`
 * as unit, `chain` makes transformations a monoid: chaining is associative and
 * identity changes nothing, up to how the states are bracketed (the leaves of
 * the states, in order, are the same).
 */

import type { Monoid } from 'fp-ts/Monoid';
import { PuregradError } from '../tensor/errors.ts';
import type { GradientTransformation, Params } from './base.ts';
import { identity, transformation } from './base.ts';

/** fp-ts's `Monoid`, re-exported: `optim.monoid` is an instance of it. */
export type { Monoid };

/** The state type of a transformation. */
export type StateOf<T> = T extends GradientTransformation<infer S> ? S : never;

/** The state of `chain(...ts)`: the tuple of the states of `ts`. */
export type ChainState<T extends readonly GradientTransformation[]> = { readonly [K in keyof T]: StateOf<T[K]> };

const isTransformation = (t: unknown): t is GradientTransformation => {
  const g = t as GradientTransformation | null;
  return typeof g === 'object' && g !== null && typeof g.init === 'function' && typeof g.update === 'function';
};

/**
 * Run updates through each transformation in turn; the state is the tuple of their states.
 * @example
 * const opt = optim.chain(optim.clip(1), optim.scale(-0.1))
 * const state = opt.init({ w: tensor([0, 0]) })
 * opt.update({ w: tensor([5, -0.5]) }, state)[0] // => { "w": [-0.1, 0.05] }
 */
export function chain<const T extends readonly GradientTransformation[]>(
  ...transformations: T
): GradientTransformation<ChainState<T>> {
  transformations.forEach((t, i) => {
    if (!isTransformation(t)) {
      throw new PuregradError('optim.chain', `argument ${i} is not a GradientTransformation (an object with init and update functions)`);
    }
  });
  const ts = Object.freeze([...transformations]);
  return transformation(
    (params) => Object.freeze(ts.map((t) => t.init(params))) as unknown as ChainState<T>,
    (updates, state, params) => {
      const states = state as readonly unknown[];
      if (!Array.isArray(states) || states.length !== ts.length) {
        throw new PuregradError('optim.chain', `the state should hold ${ts.length} states, one per chained ` +
          "transformation; pass the state returned by this chain's init or update");
      }
      let u: Params = updates;
      const next = ts.map((t, i) => {
        const [v, s] = t.update(u, states[i], params);
        u = v;
        return s;
      });
      return [u, Object.freeze(next) as unknown as ChainState<T>];
    },
  );
}

/**
 * Transformations under `chain`, with `identity()` as unit.
 * @example
 * const opt = [optim.clip(1), optim.scale(-0.5)].reduce(optim.monoid.concat, optim.monoid.empty)
 * opt.update({ w: tensor([3]) }, opt.init({ w: tensor([0]) }))[0] // => { "w": [-0.5] }
 */
export const monoid: Monoid<GradientTransformation> = Object.freeze({
  concat: (x: GradientTransformation, y: GradientTransformation): GradientTransformation => chain(x, y),
  empty: identity(),
});
