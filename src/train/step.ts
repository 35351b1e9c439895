/**
 * One training step as one compiled program: the loss and its gradient
 * (`valueAndGrad`), the optimizer's update, and `applyUpdates`, all inside a
 * single `jit`. The step is a pure function (params, state, batch) → (params,
 * state, loss), so a whole training run is a fold of it over batches.
 */

import { checkFunction } from '../data/checks.ts';
import type { Dataset } from '../data/types.ts';
import { applyUpdates } from '../optim/index.ts';
import type { GradientTransformation } from '../optim/index.ts';
import { PuregradError } from '../tensor/errors.ts';
import { showShape } from '../tensor/shape.ts';
import { Tensor } from '../tensor/tensor.ts';
import { jit } from '../transforms/jit.ts';
import type { Jitted } from '../transforms/jit.ts';
import { valueAndGrad } from '../transforms/api.ts';

/** A loss (or metric): a scalar tensor from the parameters and a batch, the mean over the batch's examples. */
export type BatchFn<P> = (params: P, batch: Dataset) => Tensor;

/**
 * What `train.step` returns: the jitted step, `(params, state, batch) =>
 * [params, state, loss]`, with `jit`'s extras (`program(...)` to print what
 * it runs, `cacheSize()`, `lower(...)`).
 */
export type Step<P, S> = Jitted<readonly [P, S, Dataset], readonly [P, S, Tensor]>;

/** `optimizer` has `init` and `update`, or an error naming `op`. @internal */
export function checkOptimizer(op: string, optimizer: unknown): void {
  const o = optimizer as { init?: unknown; update?: unknown } | null | undefined;
  if (typeof o !== 'object' || o === null || typeof o.init !== 'function' || typeof o.update !== 'function') {
    throw new PuregradError(op, 'optimizer must be a GradientTransformation { init, update }, ' +
      'such as optim.adam(1e-3) or optim.sgd(0.1)');
  }
}

/**
 * The training step for `loss` and `optimizer`, compiled with `jit`: the
 * loss's value and gradient with respect to the parameters, the optimizer's
 * update of its state, and the new parameters. It traces once per batch shape
 * (a short last batch is one more trace) and then runs the compiled program.
 * Build it once and call it for every batch.
 * @example
 * const ds = { x: tensor([[1], [2]]), y: tensor([2, 4]) }
 * const loss = (p: { w: Tensor }, b: data.Dataset) => nn.mse(mul(b.x.reshape([-1]), p.w), b.y)
 * const opt = optim.sgd(0.1)
 * const step = train.step(loss, opt)
 * const [p, , l] = step({ w: tensor(0) }, opt.init({ w: tensor(0) }), ds)
 * l // => 10
 * p.w // => 1
 */
export function step<P, S>(loss: BatchFn<P>, optimizer: GradientTransformation<S>): Step<P, S> {
  return compileStep('train.step', loss, optimizer);
}

/** `train.step` with errors reported as coming from `op` (fit builds its step with this). @internal */
export function compileStep<P, S>(op: string, loss: BatchFn<P>, optimizer: GradientTransformation<S>): Step<P, S> {
  checkFunction(op, 'loss', loss, '(params, batch) => scalar tensor');
  checkOptimizer(op, optimizer);
  const lossOf = (params: P, batch: Dataset): Tensor => {
    const value = loss(params, batch);
    if (!(value instanceof Tensor) || value.rank !== 0) {
      const got = value instanceof Tensor ? `shape ${showShape(value.shape)}` : typeof value;
      throw new PuregradError(op, `the loss must return a scalar tensor (the mean over the batch), got ${got}; ` +
        "reduce it with mean(...) or a loss's default reduction: 'mean'");
    }
    return value;
  };
  const update = (params: P, state: S, batch: Dataset): readonly [P, S, Tensor] => {
    const [value, grads] = valueAndGrad(lossOf)(params, batch);
    const [updates, next] = optimizer.update(grads, state, params);
    return [applyUpdates(params, updates), next, value] as const;
  };
  return jit(update);
}
