/**
 * Losses. Each computes one value per example (per entry for the elementwise
 * losses, per row of the last axis for the softmax cross-entropies), then
 * reduces them as `reduction` says: `'mean'` (the default), `'sum'`, or
 * `'none'` for the unreduced values, as optax returns them. The logit-based
 * cross-entropies are written so their gradients are the textbook ones
 * (softmax cross-entropy (p − y)/N, sigmoid binary cross-entropy (σ(z) − y)/N)
 * and stay finite and accurate for logits of ±1e4.
 */

import { tensorArg } from '../ops/args.ts';
import * as E from '../ops/elementwise.ts';
import * as R from '../ops/reduce.ts';
import { oneHot } from '../ops/shape.ts';
import { isFloat } from '../tensor/dtype.ts';
import { PuregradError } from '../tensor/errors.ts';
import { shapeEq, showShape } from '../tensor/shape.ts';
import type { Tensor } from '../tensor/tensor.ts';
import { logSoftmax, softplus } from './activations.ts';

/** How a loss combines its per-example values: their mean, their sum, or not at all. */
export type Reduction = 'mean' | 'sum' | 'none';

/** Options every loss takes. */
export interface LossOptions {
  /** `'mean'` (default), `'sum'`, or `'none'` to get the per-example values. */
  readonly reduction?: Reduction;
}

/** Apply `reduction` to the per-example values of loss `op`. */
function reduceLoss(op: string, values: Tensor, options: LossOptions): Tensor {
  const reduction = options.reduction ?? 'mean';
  if (reduction === 'mean') return R.mean(values);
  if (reduction === 'sum') return R.sum(values);
  if (reduction === 'none') return values;
  throw new PuregradError(op, `reduction must be 'mean', 'sum' or 'none', got ${JSON.stringify(reduction)}`);
}

const sameShapes = (op: string, a: Tensor, b: Tensor, names = ['predictions', 'targets']): void => {
  if (!shapeEq(a.shape, b.shape)) {
    const [first, second] = names;
    throw new PuregradError(op, `${first} ${showShape(a.shape)} and ${second} ${showShape(b.shape)} must have the same shape`);
  }
};

const floatInput = (op: string, x: Tensor, name: string): void => {
  if (!isFloat(x.dtype)) throw new PuregradError(op, `${name} must be float32 or float64, got ${x.dtype}; cast them first`);
};

/**
 * Squared error (p − t)² per entry, averaged by default; p and t must have one shape. Gradient of the mean 2(p − t)/N.
 * @example
 * nn.mse(tensor([1, 3]), tensor([0, 1])) // => 2.5
 * nn.mse(tensor([1, 3]), tensor([0, 1]), { reduction: 'none' }) // => [1, 4]
 * grad((p: Tensor) => nn.mse(p, tensor([0, 1])))(tensor([1, 3])) // => [1, 2]
 */
export function mse(predictions: Tensor, targets: Tensor, options: LossOptions = {}): Tensor {
  tensorArg('nn.mse', predictions, 'predictions');
  tensorArg('nn.mse', targets, 'targets');
  sameShapes('mse', predictions, targets);
  return reduceLoss('mse', E.square(E.sub(predictions, targets)), options);
}

/** Options of `binaryCrossEntropy`. */
export interface BinaryCrossEntropyOptions extends LossOptions {
  /** Probabilities are clipped to [epsilon, 1 − epsilon] before the log (default 1e-7, as Keras). */
  readonly epsilon?: number;
}

/**
 * Cross-entropy −(t·log p + (1 − t)·log(1 − p)) of probabilities p against targets in [0, 1],
 * with p clipped to [ε, 1 − ε]. Prefer `sigmoidBinaryCrossEntropy` on logits: it is exact where
 * this one clips, and the clip zeroes the gradient outside [ε, 1 − ε].
 * @example
 * nn.binaryCrossEntropy(tensor([0.5, 0.5]), tensor([1, 0])) // => 0.6931472
 * nn.binaryCrossEntropy(tensor([0]), tensor([1])) // => 16.118096
 * nn.binaryCrossEntropy(tensor([0.5, 0.5]), tensor([1, 0]), { reduction: 'sum' }) // => 1.3862944
 */
export function binaryCrossEntropy(probabilities: Tensor, targets: Tensor, options: BinaryCrossEntropyOptions = {}): Tensor {
  tensorArg('nn.binaryCrossEntropy', probabilities, 'probabilities');
  tensorArg('nn.binaryCrossEntropy', targets, 'targets');
  sameShapes('binaryCrossEntropy', probabilities, targets, ['probabilities', 'targets']);
  const eps = options.epsilon ?? 1e-7;
  if (!(eps >= 0 && eps < 0.5)) throw new PuregradError('binaryCrossEntropy', `epsilon must be in [0, 0.5), got ${eps}`);
  const p = E.minimum(E.maximum(probabilities, eps), 1 - eps);
  const terms = E.add(E.mul(targets, E.log(p)), E.mul(E.sub(1, targets), E.log1p(E.neg(p))));
  return reduceLoss('binaryCrossEntropy', E.neg(terms), options);
}

/**
 * Binary cross-entropy on logits z against targets y in [0, 1], per entry
 * (1 − y)·softplus(z) + y·softplus(−z) = softplus(z) − y·z. Written with both
 * softplus terms, each is accurate on its own: for y = 1 and z = 20 the loss
 * is e⁻²⁰ (2.1e-9), which softplus(z) − z would round to 0 in float32.
 * Gradient of the mean (σ(z) − y)/N; finite for logits of ±1e4.
 * @example
 * nn.sigmoidBinaryCrossEntropy(tensor([0, 0]), tensor([1, 0])) // => 0.6931472
 * nn.sigmoidBinaryCrossEntropy(tensor([1e4, -1e4]), tensor([0, 0]), { reduction: 'none' }) // => [10000, 0]
 * grad((z: Tensor) => nn.sigmoidBinaryCrossEntropy(z, tensor([1, 0])))(tensor([0, 0])) // => [-0.25, 0.25]
 */
export function sigmoidBinaryCrossEntropy(logits: Tensor, targets: Tensor, options: LossOptions = {}): Tensor {
  tensorArg('nn.sigmoidBinaryCrossEntropy', logits, 'logits');
  tensorArg('nn.sigmoidBinaryCrossEntropy', targets, 'targets');
  sameShapes('sigmoidBinaryCrossEntropy', logits, targets, ['logits', 'targets']);
  floatInput('sigmoidBinaryCrossEntropy', logits, 'logits');
  const terms = E.add(E.mul(E.sub(1, targets), softplus(logits)), E.mul(targets, softplus(E.neg(logits))));
  return reduceLoss('sigmoidBinaryCrossEntropy', terms, options);
}

/**
 * Cross-entropy −Σ y·log softmax(z) of logits against target distributions along the last axis,
 * one value per row. Gradient of the mean (p − y)/N with p = softmax(logits) and N the number of rows.
 * @example
 * nn.softmaxCrossEntropy(tensor([[0, 0]]), tensor([[1, 0]])) // => 0.6931472
 * nn.softmaxCrossEntropy(tensor([[1e4, 0], [0, 0]]), tensor([[0, 1], [1, 0]]), { reduction: 'none' }) // => [10000, 0.6931472]
 * grad((z: Tensor) => nn.softmaxCrossEntropy(z, tensor([[1, 0]])))(tensor([[0, 0]])) // => [[-0.5, 0.5]]
 */
export function softmaxCrossEntropy(logits: Tensor, targets: Tensor, options: LossOptions = {}): Tensor {
  tensorArg('nn.softmaxCrossEntropy', logits, 'logits');
  tensorArg('nn.softmaxCrossEntropy', targets, 'targets');
  if (targets.dtype === 'int32' && targets.rank === logits.rank - 1) {
    throw new PuregradError('softmaxCrossEntropy', `targets ${showShape(targets.shape)} are int32 class labels, but this loss takes ` +
      `target distributions shaped like the logits ${showShape(logits.shape)}: use nn.sparseSoftmaxCrossEntropy(logits, labels), ` +
      'or oneHot(labels, classes) as the targets');
  }
  sameShapes('softmaxCrossEntropy', logits, targets, ['logits', 'targets']);
  if (logits.rank === 0) throw new PuregradError('softmaxCrossEntropy', 'logits need a class axis (the last one), got a scalar');
  floatInput('softmaxCrossEntropy', logits, 'logits');
  const rows = E.neg(R.sum(E.mul(targets, logSoftmax(logits, -1)), { axis: -1 }));
  return reduceLoss('softmaxCrossEntropy', rows, options);
}

/**
 * Softmax cross-entropy against int32 class labels, one per row of logits (labels have the
 * logits' shape without the last axis): logsumexp(z) − z[label].
 *
 * A label outside [0, C) is an error wherever the labels' values are known (eagerly, and
 * under `grad`, whose tracers carry values). Under `jit` or `vmap` they are not known until
 * the program runs, so nothing can be checked: there the row's loss is NaN (as optax, whose
 * gather fills out-of-range rows with NaN), which makes a mean or sum NaN too, rather than
 * a silent 0 or a clamped, wrong class. Its gradient for that row is 0.
 * @example
 * nn.sparseSoftmaxCrossEntropy(zeros([2, 4]), tensor([3, 0], { dtype: 'int32' })) // => 1.3862944
 * const f = jit((z: Tensor, l: Tensor) => nn.sparseSoftmaxCrossEntropy(z, l, { reduction: 'none' }))
 * f(zeros([2, 2]), tensor([1, 2], { dtype: 'int32' })).toArray().map(Number.isNaN) // => [false, true]
 */
export function sparseSoftmaxCrossEntropy(logits: Tensor, labels: Tensor, options: LossOptions = {}): Tensor {
  tensorArg('nn.sparseSoftmaxCrossEntropy', logits, 'logits');
  tensorArg('nn.sparseSoftmaxCrossEntropy', labels, 'labels');
  const op = 'sparseSoftmaxCrossEntropy';
  if (logits.rank === 0 || labels.dtype !== 'int32' || !shapeEq(labels.shape, logits.shape.slice(0, -1))) {
    throw new PuregradError(op, `labels must be int32 of shape ${showShape(logits.shape.slice(0, -1))} for logits of shape ` +
      `${showShape(logits.shape)}, got ${labels.dtype}${showShape(labels.shape)}`);
  }
  floatInput(op, logits, 'logits');
  const classes = logits.shape[logits.rank - 1]!;
  const known = labels.knownValue();
  const bad = known === undefined ? undefined : Array.from(known.toTypedArray()).find((l) => l < 0 || l >= classes);
  if (bad !== undefined) throw new PuregradError(op, `label ${bad} is not a class index in [0, ${classes})`);
  const hot = oneHot(labels, classes, { dtype: logits.dtype });
  const rows = E.neg(R.sum(E.mul(hot, logSoftmax(logits, -1)), { axis: -1 }));
  // A row whose one-hot vector is all zero had a label out of range: its loss is NaN.
  const valid = E.greater(R.sum(hot, { axis: -1 }), 0);
  return reduceLoss(op, known === undefined ? E.where(valid, rows, NaN) : rows, options);
}

/**
 * Hinge loss max(0, 1 − y·s) per entry for labels y in {−1, 1}; entries with y·s ≥ 1 get no gradient.
 * @example
 * nn.hinge(tensor([2, 0.5]), tensor([1, -1])) // => 0.75
 * grad((s: Tensor) => nn.hinge(s, tensor([1, -1])))(tensor([2, 0.5])) // => [0, 0.5]
 */
export function hinge(scores: Tensor, labels: Tensor, options: LossOptions = {}): Tensor {
  tensorArg('nn.hinge', scores, 'scores');
  tensorArg('nn.hinge', labels, 'labels');
  sameShapes('hinge', scores, labels, ['scores', 'labels']);
  const margin = E.sub(1, E.mul(labels, scores));
  return reduceLoss('hinge', E.where(E.greater(margin, 0), margin, 0), options);
}

/** Options of `huber`. */
export interface HuberOptions extends LossOptions {
  /** Where the loss turns from quadratic to linear (default 1, as optax). */
  readonly delta?: number;
}

/**
 * Huber loss of the error e = p − t per entry, as optax's `huber_loss`: ½e² for |e| ≤ δ and
 * δ·(|e| − ½δ) beyond, so the gradient is e clipped to [−δ, δ]. δ defaults to 1.
 * @example
 * nn.huber(tensor([0.5, 3]), tensor([0, 0]), { reduction: 'none' }) // => [0.125, 2.5]
 * nn.huber(tensor([3]), tensor([0]), { delta: 2 }) // => 4
 * grad((p: Tensor) => nn.huber(p, tensor([0, 0]), { reduction: 'sum' }))(tensor([0.5, -3])) // => [0.5, -1]
 */
export function huber(predictions: Tensor, targets: Tensor, options: HuberOptions = {}): Tensor {
  tensorArg('nn.huber', predictions, 'predictions');
  tensorArg('nn.huber', targets, 'targets');
  sameShapes('huber', predictions, targets);
  const delta = options.delta ?? 1;
  if (!(delta > 0)) throw new PuregradError('huber', `delta must be positive, got ${delta}`);
  const error = E.abs(E.sub(predictions, targets));
  const quadratic = E.minimum(error, delta);
  const linear = E.sub(error, quadratic);
  return reduceLoss('huber', E.add(E.mul(E.square(quadratic), 0.5), E.mul(linear, delta)), options);
}
