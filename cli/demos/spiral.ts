/**
 * `puregrad demo spiral`: the two-spiral problem (two arms winding around each other, drawn
 * from a key), learned by an MLP with two hidden layers of ReLU units (mini-batches, Adam); the
 * accuracy is measured on a fresh draw of spiral points from another key, and the figures show
 * the boundary wind into spirals.
 */

import { data, nn, random } from '../../src/index.ts';
import type { DemoOptions, DemoSummary } from './common.ts';
import { runPlaneDemo } from './plane.ts';

/** Trains the spiral network on 2 × 200 points and tests it on 2 × 100 others. */
export function spiralDemo(options: DemoOptions = {}): Promise<DemoSummary> {
  const key = random.foldIn(random.key(options.seed ?? 0), 1);
  return runPlaneDemo({
    name: 'spiral',
    title: 'two spirals',
    sizes: [2, 64, 64, 2],
    activation: nn.relu,
    activationName: 'ReLU',
    train: data.spirals(random.foldIn(key, 0), { n: 200 }),
    test: data.spirals(random.foldIn(key, 1), { n: 100 }),
    testName: '200 fresh spiral points',
    extent: { x: [-1.25, 1.25], y: [-1.25, 1.25] },
    defaults: { epochs: 300, batchSize: 32, optimizer: 'adam', lr: 0.005 },
    resolution: 40,
    panels: [0, 0.1, 0.3, 1],
  }, options);
}
