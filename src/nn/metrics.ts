/**
 * Metrics: numbers to watch while training, not to differentiate. `accuracy`
 * compares the predicted class (the argmax of the last axis) with the labels.
 */

import { tensorArg } from '../ops/args.ts';
import * as E from '../ops/elementwise.ts';
import * as R from '../ops/reduce.ts';
import { cast } from '../ops/shape.ts';
import { PuregradError } from '../tensor/errors.ts';
import { shapeEq, showShape } from '../tensor/shape.ts';
import type { Tensor } from '../tensor/tensor.ts';

/**
 * The fraction of rows whose predicted class, the argmax of the last axis of `logitsOrProbs`,
 * equals the label, as a float32 scalar. `labels` are either int32 class indices with the
 * predictions' shape minus the last axis, or one-hot (or any per-class score: their argmax is
 * the class) with the predictions' own shape. Ties go to the first maximal class. One column
 * (one logit per example, binary) is an error, since its argmax is always 0: compare signs
 * instead, `mean(cast(equal(greater(z, 0), greater(y, 0.5)), 'float32'))`.
 * @example
 * nn.accuracy(tensor([[2, 1], [0, 3], [1, 0]]), tensor([0, 1, 1], { dtype: 'int32' })) // => 0.6666667
 * nn.accuracy(tensor([[2, 1], [0, 3]]), tensor([[1, 0], [1, 0]])) // => 0.5
 */
export function accuracy(logitsOrProbs: Tensor, labels: Tensor): Tensor {
  tensorArg('nn.accuracy', logitsOrProbs, 'logitsOrProbs');
  tensorArg('nn.accuracy', labels, 'labels');
  const z = logitsOrProbs;
  if (z.rank === 0) throw new PuregradError('accuracy', 'predictions need a class axis (the last one), got a scalar');
  if (z.shape[z.rank - 1] === 1) {
    // argmax over one column is always 0: the accuracy would be the fraction of class-0 labels, whatever the model
    const what = `predictions ${showShape(z.shape)} have one column, whose argmax is always 0`;
    throw new PuregradError('accuracy', `${what}; ` +
      'for one logit per example compare signs: mean(cast(equal(greater(z, 0), greater(y, 0.5)), \'float32\'))');
  }
  const rows = z.shape.slice(0, -1);
  let classes: Tensor;
  if (labels.dtype === 'int32' && shapeEq(labels.shape, rows)) classes = labels;
  else if (labels.dtype !== 'int32' && shapeEq(labels.shape, z.shape)) classes = R.argmax(labels, { axis: -1 });
  else {
    throw new PuregradError('accuracy', `labels must be int32 class indices of shape ${showShape(rows)} or one-hot of shape ` +
      `${showShape(z.shape)} for predictions of shape ${showShape(z.shape)}, got ${labels.dtype}${showShape(labels.shape)}`);
  }
  return R.mean(cast(E.equal(R.argmax(z, { axis: -1 }), classes), 'float32'));
}
