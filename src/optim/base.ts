/**
 * Optimizers as pure state transitions, after optax. A `GradientTransformation`
 * is a pair of pure functions: `init(params)` builds a state, and
 * `update(updates, state, params?)` maps incoming updates (usually gradients)
 * to outgoing ones and returns the next state. Nothing is mutated: the state is
 * a tree of tensors (step counts are int32 scalars), so an update runs inside
 * `jit`, `vmap` and `grad` like any other function of tensors.
 */

import { add, cast } from '../ops/index.ts';
import { isFloat } from '../tensor/dtype.ts';
import { PuregradError } from '../tensor/errors.ts';
import { shapeEq, showShape } from '../tensor/shape.ts';
import { Tensor } from '../tensor/tensor.ts';
import { filled } from '../tensor/tensor.ts';
import type { Tree } from '../tree/index.ts';
import { flatten, leafPath, map, sameStructure, showStructure, unflatten } from '../tree/index.ts';

/** A parameter tree: plain readonly objects and arrays whose leaves are tensors. */
export type Params = Tree<Tensor>;

/**
 * optax's `GradientTransformation`: `init` builds the state for a parameter
 * tree, `update` transforms updates of that tree's structure and returns the
 * next state. Both are pure; `update` keeps the type of the tree it is given
 * (any tree of tensors: a `Params`, or an interface of your own).
 * @example
 * const opt = optim.sgd(0.1)
 * const params = { w: tensor([1, 2]) }
 * const [updates] = opt.update({ w: tensor([10, 20]) }, opt.init(params), params)
 * updates // => { "w": [-1, -2] }
 */
export interface GradientTransformation<S = unknown> {
  init<P>(params: P): S;
  update<P>(updates: P, state: S, params?: P): readonly [P, S];
}

/**
 * A function from the step count (an int32 scalar tensor, from 0) to a scalar
 * tensor, such as a learning rate. Written with tensor ops, so it runs traced.
 * @example
 * const halve: optim.Schedule = (count) => pow(0.5, tensor(count, { dtype: 'float64' }))
 * halve(scalar(3, 'int32')) // => 0.125
 */
export type Schedule = (count: Tensor) => Tensor;

/** A fixed number or a `Schedule`, accepted wherever a learning rate is. */
export type ScalarOrSchedule = number | Schedule;

/** The state of a stateless transformation: an empty object (a tree with no leaves). */
export type EmptyState = Readonly<Record<string, never>>;

const EMPTY: EmptyState = Object.freeze({});

/** A frozen transformation from its two functions. @internal */
export const transformation = <S>(
  init: (params: Params) => S,
  update: (updates: Params, state: S, params?: Params) => readonly [Params, S],
): GradientTransformation<S> =>
  Object.freeze({ init, update: (u: Params, s: S, p?: Params) => Object.freeze(update(u, s, p)) }) as GradientTransformation<S>;

/** A transformation without state that maps each update (and its parameter) leaf by leaf. @internal */
export const stateless = (update: (updates: Params, params?: Params) => Params): GradientTransformation<EmptyState> =>
  transformation(
    () => EMPTY,
    (updates, state, params) => [update(updates, params), state],
  );

/**
 * The transformation that changes nothing, with an empty state (optax's `identity`).
 * @example
 * const [u] = optim.identity().update({ w: tensor([1, 2]) }, {})
 * u // => { "w": [1, 2] }
 */
export const identity = (): GradientTransformation<EmptyState> => stateless((updates) => updates);

/** Every leaf of `params` must be a float tensor (integers and booleans cannot be trained). @internal */
export function checkParams(op: string, params: unknown, what = 'params'): void {
  const [leaves] = flatten(params as Tree<unknown>);
  leaves.forEach((l, i) => {
    if (!(l instanceof Tensor)) {
      throw new PuregradError(op, `leaf ${i} of ${what} is a ${typeof l}, not a tensor; ${what} must be a tree of float tensors`);
    }
    if (!isFloat(l.dtype)) {
      throw new PuregradError(op, `leaf ${i} of ${what} has dtype ${l.dtype}; optimizers need float32 or float64 leaves`);
    }
  });
}

/**
 * `tree.map` over updates and trees of the same structure (state, params),
 * with an error naming the optimizer when the structures differ. @internal
 */
export function mapWith(
  op: string,
  f: (u: Tensor, ...rest: Tensor[]) => Tensor,
  updates: Params,
  ...others: readonly [string, Params][]
): Params {
  checkStructure(op, updates, ...others);
  return map(f, updates, ...others.map(([, t]) => t));
}

/**
 * The updates and each named tree have the same structure and, leaf by leaf,
 * the same shapes, or an error naming `op` (rather than a broadcast that
 * silently changes a parameter's shape, or an error deep inside `add`). @internal
 */
export function checkStructure(op: string, updates: Params, ...others: readonly [string, Params][]): void {
  const [uLeaves, def] = flatten(updates);
  for (const [what, t] of others) {
    if (t === undefined || t === null) {
      const hint = what === 'state'
        ? "pass the state this transformation's init or update returned (another optimizer's state has other fields)"
        : `pass the ${what}, a tree shaped like the updates`;
      throw new PuregradError(op, `the ${what} is missing: ${hint}`);
    }
    const [oLeaves, other] = flatten(t);
    if (!sameStructure(def, other)) {
      throw new PuregradError(op, `the updates have structure ${showStructure(def)} but the ${what} has ` +
        `${showStructure(other)}; they must match (init the optimizer with parameters shaped like the gradients)`);
    }
    uLeaves.forEach((u, i) => {
      const o = oLeaves[i];
      if (u instanceof Tensor && o instanceof Tensor && !shapeEq(u.shape, o.shape)) {
        const shapes = `has shape ${showShape(u.shape)} but in the ${what} it has ${showShape(o.shape)}`;
        throw new PuregradError(op, `leaf ${leafPath(def, i, 'updates')} ${shapes}; each update must have its parameter's shape`);
      }
    });
  }
}

/** `params`, or an error saying this transformation needs them. @internal */
export function needParams(op: string, params: Params | undefined): Params {
  if (params === undefined) throw new PuregradError(op, 'needs the parameters: call update(updates, state, params)');
  return params;
}

/** A tree of the structure, shapes and dtypes of `params`, filled with `value`. @internal */
export const fullLike = (params: Params, value: number): Params =>
  map((p: Tensor) => filled(p.shape, p.dtype, value), params);

/** A frozen copy of a tree (its containers copied, leaves shared). @internal */
export function frozenCopy<T>(t: T): T {
  const [leaves, def] = flatten(t as Tree<unknown>);
  return unflatten(def, leaves) as T;
}

/**
 * params + updates, leaf by leaf, each result cast back to its parameter's
 * dtype (optax's `apply_updates`). The two trees must have the same structure
 * and each update its parameter's shape: a broadcast that changed a
 * parameter's shape is an error here, where optax would let it through.
 * @example
 * optim.applyUpdates({ w: tensor([1, 2]) }, { w: tensor([0.5, -0.5]) }) // => { "w": [1.5, 1.5] }
 */
export function applyUpdates<P>(params: P, updates: P): P {
  const out = mapWith('optim.applyUpdates', (u, p) => {
    const s = add(p!, u);
    return s.dtype === p!.dtype ? s : cast(s, p!.dtype);
  }, updates as Params, ['params', params as Params]);
  return out as P;
}
