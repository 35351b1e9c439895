/**
 * XOR, the classic first network: four points that no straight line
 * separates, learned by a network with one hidden layer. Everything here is
 * public API: a key makes the weights, `nn.mlp` is the network, `optim` the
 * update rule, and one `jit`ted function does a whole training step.
 *
 * Used by the XOR tests and by the demo.
 */

import { jit, nn, optim, random, tensor, valueAndGrad } from '../src/index.ts';
import type { Tensor } from '../src/index.ts';

/** The four XOR inputs and their targets, as float32 [4, 2] and [4, 1]. */
export const xorData = (): { readonly x: Tensor; readonly y: Tensor } => ({
  x: tensor([[0, 0], [0, 1], [1, 0], [1, 1]]),
  y: tensor([[0], [1], [1], [0]]),
});

/** What a training run needs: the hidden activation, the optimizer and the number of steps. */
export interface XorSetup {
  readonly hidden: number;
  readonly activation: (x: Tensor) => Tensor;
  readonly optimizer: optim.GradientTransformation<any>;
  readonly steps: number;
  readonly init?: nn.Initializer;
}

export interface XorRun {
  /** The trained network's outputs on the four inputs, in order. */
  readonly outputs: readonly number[];
  /** Mean squared error after each step. */
  readonly losses: readonly number[];
  readonly params: nn.MlpParams;
}

/**
 * Train a 2-hidden-1 network with a sigmoid output on XOR from `key`, with the
 * mean squared error as the loss (the textbook setting), one full-batch step a
 * time.
 */
export function trainXor(key: Tensor, setup: XorSetup): XorRun {
  const net = nn.mlp([2, setup.hidden, 1], {
    activation: setup.activation,
    outputActivation: nn.sigmoid,
    ...(setup.init === undefined ? {} : { init: setup.init }),
  });
  const { x, y } = xorData();
  const loss = (p: nn.MlpParams) => nn.mse(net.apply(p, x), y);
  const step = jit((p: nn.MlpParams, s: unknown) => {
    const [value, g] = valueAndGrad(loss)(p);
    const [updates, state] = setup.optimizer.update(g, s, p);
    return [optim.applyUpdates(p, updates), state, value] as const;
  });
  let params = net.init(key);
  let state: unknown = setup.optimizer.init(params);
  const losses: number[] = [];
  for (let i = 0; i < setup.steps; i++) {
    const [p, s, value] = step(params, state);
    params = p;
    state = s;
    losses.push(value.item());
  }
  const outputs = (net.apply(params, x).toArray() as number[][]).map((row) => row[0]!);
  return { outputs, losses, params };
}

/** Whether every output is on the right side of 0.5 by at least `margin`. */
export function solvesXor(outputs: readonly number[], margin: number): boolean {
  const targets = [0, 1, 1, 0];
  return outputs.every((o, i) => (targets[i] === 1 ? o > 0.5 + margin : o < 0.5 - margin));
}

/** Keys 0, 1, …, n − 1, for runs that should differ only in their start. */
export const seedKeys = (n: number): Tensor[] => Array.from({ length: n }, (_, i) => random.key(i));
