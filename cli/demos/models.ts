/**
 * The two digit classifiers of `puregrad demo digits`, as `{init, apply}` pairs over flat
 * digits [N, 784] that return 10 logits per digit:
 * - `mlp`: 784-128-10, ReLU, He-initialized kernels, zero biases;
 * - `cnn`: two convolutions (5×5 then 3×3, ReLU, each followed by 2×2 max pooling) and a dense
 *   head (1568-64-10); the digits are reshaped to NHWC images [N, 28, 28, 1] first.
 */

import { nn, random, reshape } from '../../src/index.ts';
import type { Tensor } from '../../src/index.ts';
import { asImages } from '../mnist.ts';

/** A digit classifier: its name, its layers in words, and the layer pair. */
export interface DigitModel<P> {
  readonly name: 'mlp' | 'cnn';
  readonly description: string;
  readonly init: (key: Tensor) => P;
  readonly apply: (params: P, x: Tensor) => Tensor;
  /** The first layer's filters as [filter][row][col] (CNN only), for `filterGrid`. */
  readonly filters?: (params: P) => number[][][];
}

export type MlpModel = DigitModel<nn.MlpParams>;

/** The MLP 784-128-10 with ReLU and He initialization. */
export function digitMlp(): MlpModel {
  const net = nn.mlp([784, 128, 10], { activation: nn.relu, init: nn.init.heNormal });
  return { name: 'mlp', description: 'MLP 784-128-10 (ReLU, He init)', init: net.init, apply: net.apply };
}

/** The CNN's parameters: two conv layers and the two dense layers of its head. */
export interface CnnParams {
  readonly conv1: nn.Conv2dParams;
  readonly conv2: nn.Conv2dParams;
  readonly hidden: nn.DenseParams;
  readonly out: nn.DenseParams;
}

/** conv 5×5×16 → pool → conv 3×3×32 → pool → dense 64 → dense 10, ReLU throughout. */
export function digitCnn(): DigitModel<CnnParams> {
  const he = { init: nn.init.heNormal };
  const conv1 = nn.conv2d(1, 16, 5, he);
  const conv2 = nn.conv2d(16, 32, 3, he);
  const flat = 7 * 7 * 32;
  const hidden = nn.dense(flat, 64, he);
  const out = nn.dense(64, 10);
  const pool = (h: Tensor): Tensor => nn.maxPool(h, [2, 2], { strides: 2 });
  const init = (key: Tensor): CnnParams => {
    const [k1, k2, k3, k4] = random.splitN(key, 4) as [Tensor, Tensor, Tensor, Tensor];
    return { conv1: conv1.init(k1), conv2: conv2.init(k2), hidden: hidden.init(k3), out: out.init(k4) };
  };
  const apply = (p: CnnParams, x: Tensor): Tensor => {
    const h1 = pool(nn.relu(conv1.apply(p.conv1, asImages(x)))); // [N, 14, 14, 16]
    const h2 = pool(nn.relu(conv2.apply(p.conv2, h1))); // [N, 7, 7, 32]
    return out.apply(p.out, nn.relu(hidden.apply(p.hidden, reshape(h2, [h2.shape[0]!, flat]))));
  };
  const filters = (p: CnnParams): number[][][] => {
    const w = p.conv1.w.toArray() as number[][][][]; // [5, 5, 1, 16]
    return Array.from({ length: 16 }, (_, k) => w.map((row) => row.map((tap) => tap[0]![k]!)));
  };
  return {
    name: 'cnn',
    description: 'CNN conv5×5×16-pool-conv3×3×32-pool-dense64-10 (ReLU, He init)',
    init,
    apply,
    filters,
  };
}
