/**
 * The optimizers the CLI offers by name (`--optimizer`), each a function of the learning rate
 * (a number or a schedule) to an `optim` gradient transformation with optax's other defaults,
 * and a learning rate for each when none is given: the demo's own (tuned for Adam) times a
 * factor that reflects the optimizer's step size (plain SGD needs far larger rates than Adam).
 */

import { optim } from '../src/index.ts';

type Make = (lr: optim.ScalarOrSchedule) => optim.GradientTransformation<unknown>;

/** Name → optimizer; `momentum` and `nesterov` are SGD with momentum 0.9. */
export const OPTIMIZERS: Readonly<Record<string, Make>> = Object.freeze({
  sgd: (lr) => optim.sgd(lr),
  momentum: (lr) => optim.sgd(lr, { momentum: 0.9 }),
  nesterov: (lr) => optim.sgd(lr, { momentum: 0.9, nesterov: true }),
  adam: (lr) => optim.adam(lr),
  adamw: (lr) => optim.adamw(lr),
  rmsprop: (lr) => optim.rmsprop(lr),
  adagrad: (lr) => optim.adagrad(lr),
  lion: (lr) => optim.lion(lr),
  lamb: (lr) => optim.lamb(lr),
} satisfies Record<string, Make>);

export type OptimizerName = keyof typeof OPTIMIZERS;

/** The names, for help texts and errors. */
export const OPTIMIZER_NAMES: readonly string[] = Object.freeze(Object.keys(OPTIMIZERS));

/** The optimizer called `name` with learning rate `lr`, or undefined for an unknown name. */
export const makeOptimizer = (name: string, lr: optim.ScalarOrSchedule): optim.GradientTransformation<unknown> | undefined =>
  Object.hasOwn(OPTIMIZERS, name) ? OPTIMIZERS[name]!(lr) : undefined;

/** The factor from a demo's Adam learning rate to a workable one for each optimizer (when --lr is not given). */
const LR_FACTOR: Readonly<Record<string, number>> = Object.freeze({
  sgd: 20, momentum: 2, nesterov: 2, adam: 1, adamw: 1, rmsprop: 0.5, adagrad: 5, lion: 0.2, lamb: 1,
});

/** The learning rate for optimizer `name` in a demo whose Adam learning rate is `adamLr`. */
export const defaultLearningRate = (name: string, adamLr: number): number =>
  Number((adamLr * (LR_FACTOR[name] ?? 1)).toPrecision(3));
