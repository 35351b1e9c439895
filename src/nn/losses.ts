/**
 * Losses, each averaged over the leading (batch) axes. The logit-based
 * cross-entropies are written so their gradients are the textbook ones:
 * softmax cross-entropy gives (p − y)/N, sigmoid binary cross-entropy
 * (σ(z) − y)/N, and both stay finite for logits of ±1e4.
 */

import * as E from '../ops/elementwise.ts';
import * as R from '../ops/reduce.ts';
import { oneHot } from '../ops/shape.ts';
import { PuregradError } from '../tensor/errors.ts';
import { shapeEq, showShape } from '../tensor/shape.ts';
import type { Tensor } from '../tensor/tensor.ts';
import { logSoftmax, softplus } from './activations.ts';

const sameShapes = (op: string, a: Tensor, b: Tensor): void => {
  if (!shapeEq(a.shape, b.shape)) throw new PuregradError(op, `predictions ${showShape(a.shape)} and targets ${showShape(b.shape)} must have the same shape`);
};

/**
 * Mean squared error, mean((p − t)²) over all entries; p and t must have one shape. Gradient 2(p − t)/N.
 * @example
 * nn.mse(tensor([1, 3]), tensor([0, 1])) // => 2.5
 * grad((p: Tensor) => nn.mse(p, tensor([0, 1])))(tensor([1, 3])) // => [1, 2]
 */
export function mse(predictions: Tensor, targets: Tensor): Tensor {
  sameShapes('mse', predictions, targets);
  return R.mean(E.square(E.sub(predictions, targets)));
}

/**
 * Cross-entropy of probabilities p against 0/1 targets, with p clipped to [eps, 1 − eps].
 * Prefer `sigmoidBinaryCrossEntropy` on logits: the clip zeroes the gradient outside it.
 * @example
 * nn.binaryCrossEntropy(tensor([0.5, 0.5]), tensor([1, 0])) // => 0.6931472
 * nn.binaryCrossEntropy(tensor([0]), tensor([1])) // => 16.118096
 */
export function binaryCrossEntropy(probabilities: Tensor, targets: Tensor, eps = 1e-7): Tensor {
  sameShapes('binaryCrossEntropy', probabilities, targets);
  const p = E.minimum(E.maximum(probabilities, eps), 1 - eps);
  const terms = E.add(E.mul(targets, E.log(p)), E.mul(E.sub(1, targets), E.log1p(E.neg(p))));
  return E.neg(R.mean(terms));
}

/**
 * Binary cross-entropy on logits: mean(softplus(z) − y·z). Gradient (σ(z) − y)/N.
 * @example
 * nn.sigmoidBinaryCrossEntropy(tensor([0, 0]), tensor([1, 0])) // => 0.6931472
 * grad((z: Tensor) => nn.sigmoidBinaryCrossEntropy(z, tensor([1, 0])))(tensor([0, 0])) // => [-0.25, 0.25]
 */
export function sigmoidBinaryCrossEntropy(logits: Tensor, targets: Tensor): Tensor {
  sameShapes('sigmoidBinaryCrossEntropy', logits, targets);
  return R.mean(E.sub(softplus(logits), E.mul(targets, logits)));
}

/**
 * Cross-entropy of logits against target distributions along the last axis,
 * averaged over the other axes. Gradient (p − y)/N with p = softmax(logits).
 * @example
 * nn.softmaxCrossEntropy(tensor([[0, 0]]), tensor([[1, 0]])) // => 0.6931472
 * grad((z: Tensor) => nn.softmaxCrossEntropy(z, tensor([[1, 0]])))(tensor([[0, 0]])) // => [[-0.5, 0.5]]
 */
export function softmaxCrossEntropy(logits: Tensor, targets: Tensor): Tensor {
  sameShapes('softmaxCrossEntropy', logits, targets);
  return E.neg(R.mean(R.sum(E.mul(targets, logSoftmax(logits, -1)), { axis: -1 })));
}

/**
 * Softmax cross-entropy against int32 class labels, one per row of logits
 * (labels have the logits' shape without the last axis).
 * @example
 * nn.sparseSoftmaxCrossEntropy(zeros([2, 4]), tensor([3, 0], { dtype: 'int32' })) // => 1.3862944
 */
export function sparseSoftmaxCrossEntropy(logits: Tensor, labels: Tensor): Tensor {
  if (logits.rank === 0 || labels.dtype !== 'int32' || !shapeEq(labels.shape, logits.shape.slice(0, -1))) {
    throw new PuregradError('sparseSoftmaxCrossEntropy', `labels must be int32 of shape ${showShape(logits.shape.slice(0, -1))} for logits of shape ${showShape(logits.shape)}, got ${labels.dtype}${showShape(labels.shape)}`);
  }
  const classes = logits.shape[logits.rank - 1]!;
  const known = labels.knownValue();
  const bad = known === undefined ? undefined : Array.from(known.toTypedArray()).find((l) => l < 0 || l >= classes);
  if (bad !== undefined) throw new PuregradError('sparseSoftmaxCrossEntropy', `label ${bad} is not a class index in [0, ${classes})`);
  return softmaxCrossEntropy(logits, oneHot(labels, logits.shape[logits.rank - 1]!, { dtype: logits.dtype }));
}

/**
 * Hinge loss mean(max(0, 1 − y·s)) for labels y in {−1, 1}; entries with y·s ≥ 1 get no gradient.
 * @example
 * nn.hinge(tensor([2, 0.5]), tensor([1, -1])) // => 0.75
 * grad((s: Tensor) => nn.hinge(s, tensor([1, -1])))(tensor([2, 0.5])) // => [0, 0.5]
 */
export function hinge(scores: Tensor, labels: Tensor): Tensor {
  sameShapes('hinge', scores, labels);
  const margin = E.sub(1, E.mul(labels, scores));
  return R.mean(E.where(E.greater(margin, 0), margin, 0));
}
