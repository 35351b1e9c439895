/**
 * `puregrad demo xor`: the four XOR points, which no straight line separates, learned by a
 * network with one hidden layer of tanh units (full batch, Adam). The figures show the loss and
 * the decision boundary bending from a line into the XOR pattern.
 */

import { data, nn } from '../../src/index.ts';
import type { DemoOptions, DemoSummary } from './common.ts';
import { runPlaneDemo } from './plane.ts';

/** Trains the XOR network; the accuracy is on the four points themselves. */
export function xorDemo(options: DemoOptions = {}): Promise<DemoSummary> {
  return runPlaneDemo({
    name: 'xor',
    title: 'XOR',
    sizes: [2, 8, 2],
    activation: nn.tanh,
    activationName: 'tanh',
    train: data.xor(),
    extent: { x: [-0.5, 1.5], y: [-0.5, 1.5] },
    defaults: { epochs: 200, batchSize: 'full', optimizer: 'adam', lr: 0.05 },
    resolution: 32,
    panels: [0, 0.05, 0.2, 1],
  }, options);
}
