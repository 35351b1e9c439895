/**
 * Toy 2-D classification sets, the ones learners meet in the TensorFlow
 * playground and scikit-learn: XOR's four corners, two interleaved spirals,
 * and a circle inside a ring. Each is float32 points `x` of shape [N, 2] and
 * int32 labels `y` of shape [N] (0 or 1), with the same number of each label.
 * The random ones are drawn from a key, so the same key gives the same points;
 * their examples come shuffled, so even unshuffled batches mix both classes.
 */

import { add, concatenate, cos, mul, reshape, sin, stack } from '../ops/index.ts';
import { tensor } from '../ops/create.ts';
import { checkOptionKeys } from '../nn/options.ts';
import { normal, splitN, uniform } from '../random/index.ts';
import { checkKey } from '../random/keys.ts';
import { full } from '../tensor/create.ts';
import { PuregradError } from '../tensor/errors.ts';
import type { Tensor } from '../tensor/tensor.ts';
import { checkCount, describeValue } from './checks.ts';
import { shuffle } from './dataset.ts';
import type { Dataset } from './types.ts';

/**
 * XOR: the four corners of the unit square, labelled 1 where exactly one
 * coordinate is 1. No straight line separates the labels, so a network needs
 * a hidden layer to fit them.
 * @example
 * data.xor().x // => [[0, 0], [0, 1], [1, 0], [1, 1]]
 * data.xor().y // => [0, 1, 1, 0]
 * data.xor().y.dtype // => "int32"
 */
export function xor(): Dataset {
  return Object.freeze({
    x: tensor([[0, 0], [0, 1], [1, 0], [1, 1]]),
    y: tensor([0, 1, 1, 0], { dtype: 'int32' }),
  });
}

/** Options of `data.spirals`. */
export interface SpiralsOptions {
  /** Points per spiral (per class); default 100. */
  readonly n?: number;
  /** Standard deviation of the Gaussian noise added to each coordinate; default 0.05. */
  readonly noise?: number;
  /** How many times each spiral winds around the centre; default 1.75 (as in the TensorFlow playground). */
  readonly turns?: number;
}

/**
 * The two-spiral problem: two arms winding around the origin, half a turn
 * apart, label 0 on one and 1 on the other. A point's distance r from the
 * centre is uniform in [0, 1) and its angle is 2π·turns·r (plus π on the
 * second arm), then Gaussian noise of standard deviation `noise` is added.
 * @example
 * const s = data.spirals(random.key(0), { n: 50 })
 * s.x.shape // => [100, 2]
 * s.y.sum() // => 50
 * data.spirals(random.key(0), { n: 50 }).x.sub(s.x).abs().max() // => 0
 */
export function spirals(key: Tensor, options: SpiralsOptions = {}): Dataset {
  checkKey('data.spirals', key);
  checkOptionKeys('data.spirals', options, ['n', 'noise', 'turns']);
  const n = options.n ?? 100;
  checkCount('data.spirals', 'n', n, 'the number of points on each spiral');
  const noise = checkNoise('data.spirals', options.noise);
  const turns = options.turns ?? 1.75;
  if (typeof turns !== 'number' || !Number.isFinite(turns) || turns <= 0) {
    throw new PuregradError('data.spirals', `turns must be a positive number of windings, got ${describeValue(turns)}`);
  }
  const [kRadius, kNoise, kOrder] = splitN(key, 3) as [Tensor, Tensor, Tensor];
  const r = uniform(kRadius, [2, n]); // row 0: the first arm, row 1: the second
  const angle = add(mul(r, 2 * Math.PI * turns), tensor([[0], [Math.PI]]));
  return noisyPoints(r, angle, noise, kNoise, kOrder, n);
}

/** Options of `data.circles`. */
export interface CirclesOptions {
  /** Points per circle (per class); default 100. */
  readonly n?: number;
  /** Standard deviation of the Gaussian noise added to each coordinate; default 0.05. */
  readonly noise?: number;
  /** Radius of the inner circle, a fraction of the outer one's (1); default 0.5. */
  readonly factor?: number;
}

/**
 * A circle inside a ring, as scikit-learn's `make_circles`: label 0 on the
 * unit circle, label 1 on a circle of radius `factor`, angles uniform from
 * `key`, plus Gaussian noise of standard deviation `noise`.
 * @example
 * const c = data.circles(random.key(0), { n: 30, noise: 0 })
 * c.x.shape // => [60, 2]
 * c.x.square().sum({ axis: 1 }).max() // => 1
 */
export function circles(key: Tensor, options: CirclesOptions = {}): Dataset {
  checkKey('data.circles', key);
  checkOptionKeys('data.circles', options, ['n', 'noise', 'factor']);
  const n = options.n ?? 100;
  checkCount('data.circles', 'n', n, 'the number of points on each circle');
  const noise = checkNoise('data.circles', options.noise);
  const factor = options.factor ?? 0.5;
  if (typeof factor !== 'number' || !(factor > 0 && factor < 1)) {
    const got = describeValue(factor);
    throw new PuregradError('data.circles', `factor must be in (0, 1), the inner radius over the outer, got ${got}`);
  }
  const [kAngle, kNoise, kOrder] = splitN(key, 3) as [Tensor, Tensor, Tensor];
  const angle = uniform(kAngle, [2, n], { maxval: 2 * Math.PI });
  const r = mul(full([2, n], 1), tensor([[1], [factor]]));
  return noisyPoints(r, angle, noise, kNoise, kOrder, n);
}

function checkNoise(op: string, noise: unknown): number {
  const v = noise ?? 0.05;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
    throw new PuregradError(op, `noise must be a standard deviation ≥ 0, got ${describeValue(v)}`);
  }
  return v;
}

/**
 * Points at polar (r, angle), both [2, n] with one row per class, plus noise,
 * flattened to [2n, 2] with labels [2n] and shuffled.
 */
function noisyPoints(r: Tensor, angle: Tensor, noise: number, kNoise: Tensor, kOrder: Tensor, n: number): Dataset {
  const clean = reshape(stack([mul(r, cos(angle)), mul(r, sin(angle))], -1), [2 * n, 2]);
  const x = noise === 0 ? clean : add(clean, mul(normal(kNoise, [2 * n, 2]), noise));
  const y = concatenate([full([n], 0, 'int32'), full([n], 1, 'int32')]);
  return shuffle(kOrder, { x, y });
}
