/**
 * The teaching laws: facts a course on backpropagation states, checked.
 *
 * - a weight used in several places receives the sum of the gradients of its
 *   uses (shared weights);
 * - the gradient of a batch-mean loss is the mean of the per-sample gradients
 *   (so full-batch, mini-batch and per-sample SGD estimate the same thing);
 * - softmax cross-entropy's gradient w.r.t. the logits is (p − y)/N;
 * - sigmoid binary cross-entropy's is (σ(z) − y)/N.
 */

import type { Tensor, Tree } from '../src/index.ts';
import { add, div, grad, nn, slice, tree } from '../src/index.ts';
import type { Tolerance, Verdict } from './numeric.ts';
import { all, allClose } from './numeric.ts';
import { asFloat64 } from './ad.ts';

type Params = Tree<Tensor>;

const treeClose = (what: string, a: Params, b: Params, tol: Tolerance): Verdict =>
  all(...tree.leaves(a).map((x, i) => allClose(`${what} (leaf ${i})`, asFloat64(x), asFloat64(tree.leaves(b)[i]!), tol)));

/**
 * ∇_w g(w, w) = ∇₁g(w, w) + ∇₂g(w, w).
 * @example
 * const g = (a: Tensor, b: Tensor) => sum(mul(sin(a), b))
 * sharedWeightsSumGradients(g, { atol: 1e-6, rtol: 1e-6 })(tensor([1, 2])).ok // => true
 */
export const sharedWeightsSumGradients =
  <P>(g: (first: P, second: P) => Tensor, tol: Tolerance) =>
  (w: P): Verdict => {
    const tied = grad((p: P) => g(p, p))(w);
    const [g1, g2] = grad(g, { argnums: [0, 1] })(w, w);
    return treeClose("gradient of a shared weight vs sum of its uses", tied as Params, tree.map((a, b) => add(a, b), g1 as Params, g2 as Params), tol);
  };

/**
 * For a loss that is a mean over the leading axis of `xs` and `ys`, the
 * gradient on the whole batch equals the mean of the one-sample gradients.
 * @example
 * const loss = (w: Tensor, xs: Tensor, ys: Tensor) => nn.mse(matmul(xs, w), ys)
 * const law = batchGradientIsMeanOfPerSample(loss, { atol: 1e-6, rtol: 1e-6 })
 * law(tensor([1, -1]), tensor([[1, 2], [3, 4]]), tensor([0, 1])).ok // => true
 */
export const batchGradientIsMeanOfPerSample =
  <P>(loss: (params: P, xs: Tensor, ys: Tensor) => Tensor, tol: Tolerance) =>
  (params: P, xs: Tensor, ys: Tensor): Verdict => {
    const n = xs.shape[0]!;
    const batch = grad(loss)(params, xs, ys) as Params;
    const row = (t: Tensor, i: number): Tensor => slice(t, [i], [i + 1]);
    const perSample = Array.from({ length: n }, (_, i) => grad(loss)(params, row(xs, i), row(ys, i)) as Params);
    const mean = tree.map((...gs: Tensor[]) => div(gs.reduce((a, b) => add(a, b)), n), perSample[0]!, ...perSample.slice(1));
    return treeClose('batch gradient vs mean of per-sample gradients', batch, mean, tol);
  };

/**
 * ∂/∂z softmaxCrossEntropy(z, y) = (softmax(z) − y)/N for logits z of shape [N, C].
 * @example
 * const z = tensor([[1, 2, 3], [0, 0, 0]], { dtype: 'float64' }), y = tensor([[0, 0, 1], [1, 0, 0]], { dtype: 'float64' })
 * softmaxCrossEntropyGradient({ atol: 1e-12, rtol: 1e-9 })(z, y).ok // => true
 */
export const softmaxCrossEntropyGradient =
  (tol: Tolerance) =>
  (logits: Tensor, targets: Tensor): Verdict => {
    const n = logits.size / logits.shape[logits.rank - 1]!;
    const g = grad((z: Tensor) => nn.softmaxCrossEntropy(z, targets))(logits);
    const expected = div(nn.softmax(logits).sub(targets), n);
    return allClose('softmax cross-entropy gradient vs (p - y)/N', asFloat64(g), asFloat64(expected), tol);
  };

/**
 * ∂/∂z sigmoidBinaryCrossEntropy(z, y) = (σ(z) − y)/N, with N the number of logits.
 * @example
 * const z = tensor([-2, 0, 3], { dtype: 'float64' }), y = tensor([0, 1, 1], { dtype: 'float64' })
 * sigmoidBinaryCrossEntropyGradient({ atol: 1e-12, rtol: 1e-9 })(z, y).ok // => true
 */
export const sigmoidBinaryCrossEntropyGradient =
  (tol: Tolerance) =>
  (logits: Tensor, targets: Tensor): Verdict => {
    const g = grad((z: Tensor) => nn.sigmoidBinaryCrossEntropy(z, targets))(logits);
    const expected = div(nn.sigmoid(logits).sub(targets), logits.size);
    return allClose('sigmoid binary cross-entropy gradient vs (sigma(z) - y)/N', asFloat64(g), asFloat64(expected), tol);
  };
