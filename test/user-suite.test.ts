/**
 * A user's own test suite, written with `check.grad` and `puregrad/testing`
 * for a small MLP, its loss and its optimizer. docs/testing.md quotes the part
 * between the two markers verbatim, with the imports written as a user writes
 * them (`puregrad`, `puregrad/testing`); the last test checks the quote.
 */

import { readFileSync } from 'node:fs';
import { expect as expectQuote, it as itQuote } from 'vitest';
import { customJvp, mul, sum } from '../src/index.ts';

// ---- the suite (quoted in docs/testing.md) ----
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { check, grad, nn, optim, random, tensor } from '../src/index.ts';
import type { Tensor } from '../src/index.ts';
import {
  checkAdjointness, checkDescent, checkGradients, checkJitMatchesEager, checkOptimizerLaws, mlpParams, optimizerCaseOf,
  randomKey, tensorOf,
} from '../laws/index.ts';

// The model under test: a 2-8-1 tanh network, its mean squared error, and the optimizer it trains with.
const sizes = [2, 8, 1];
const net = nn.mlp(sizes, { activation: nn.tanh });
const loss = (params: nn.MlpParams, x: Tensor, y: Tensor) => nn.mse(net.apply(params, x), y);
const makeOptimizer = (lr: number) => optim.chain(optim.clipByGlobalNorm(1), optim.sgd(lr));
const optimizer = makeOptimizer(0.1);

const batch = (n: number) => fc.tuple(tensorOf([n, 2]), tensorOf([n, 1]));

describe('my model', () => {
  it('check.grad: the gradient of the loss is right at the initial parameters', () => {
    const params = net.init(random.key(0)); // float32, as training uses them
    const x = tensor([[0.5, -1], [1, 2], [0, 0.3]]);
    const y = tensor([[1], [0], [-1]]);
    const result = check.grad(loss, [params, x, y], { argnums: 0 });
    if (result._tag === 'Left') throw new Error(result.left.message);
    expect(result.right.entries.map((e) => e.checked)).toEqual([33, 33]); // every weight and bias, both modes
  });

  it('gradients and second derivatives agree with finite differences, for any parameters', () => {
    const cases = fc.tuple(mlpParams(sizes), batch(4)).map(([p, [x, y]]) => [p, x, y] as const);
    checkGradients(loss, cases, { argnums: 0, order: 2, numRuns: 3 });
  });

  it('reverse mode is the adjoint of forward mode through the network', () => {
    checkAdjointness((p: nn.MlpParams, x: Tensor) => net.apply(p, x), fc.tuple(mlpParams(sizes), tensorOf([3, 2])), { numRuns: 10 });
  });

  it('init is a pure function of the key', () => {
    fc.assert(fc.property(randomKey(), (key) => {
      const [a, b] = [net.init(key), net.init(key)];
      expect(a.map((l) => l.w.toArray())).toEqual(b.map((l) => l.w.toArray()));
    }), { numRuns: 10 });
  });

  it('the optimizer is pure, deterministic and keeps the structure, on this model\'s parameters', () => {
    checkOptimizerLaws(optimizer, { cases: optimizerCaseOf(mlpParams(sizes)), numRuns: 10 });
  });

  it('the optimizer descends on convex quadratics for a step size below 2/L', () => {
    checkDescent((q) => makeOptimizer(1.5 / q.lipschitz), { numRuns: 20 });
  });

  it('a jitted train step computes what the eager one computes', () => {
    const step = (params: nn.MlpParams, state: ReturnType<typeof optimizer.init>, x: Tensor, y: Tensor) => {
      const [updates, next] = optimizer.update(grad(loss)(params, x, y), state, params);
      return { params: optim.applyUpdates(params, updates), state: next };
    };
    const cases = fc.tuple(mlpParams(sizes), batch(4)).map(([p, [x, y]]) => [p, optimizer.init(p), x, y] as const);
    checkJitMatchesEager(step, cases, { numRuns: 5 });
  });
});
// ---- end of the suite ----

// ---- a wrong rule (quoted in docs/testing.md) ----
const sigmoid = customJvp(
  (x: Tensor) => nn.sigmoid(x),
  ([x]: Tensor[], [t]: Tensor[]) => [nn.sigmoid(x), mul(t, nn.sigmoid(x))], // forgot the factor 1 − σ(x)
);
const wrongParams = { layers: [{ w: tensor([[0.5, -1], [2, 0.3]], { dtype: 'float64' }) }] };
const wrong = check.grad((p: typeof wrongParams) => sum(sigmoid(p.layers[0]!.w)), [wrongParams]);
// ---- end of a wrong rule ----

const root = new URL('..', import.meta.url).pathname;
const guide = readFileSync(`${root}docs/testing.md`, 'utf8');
const source = readFileSync(`${root}test/user-suite.test.ts`, 'utf8');
/** The lines between a start marker and an end marker, with the imports written as a user writes them. */
const quoted = (what: string): string => {
  const start = source.indexOf(`// ---- ${what} (quoted in docs/testing.md) ----\n`);
  const end = source.indexOf(`// ---- end of ${what} ----`);
  return source.slice(source.indexOf('\n', start) + 1, end)
    .replaceAll("from '../src/index.ts'", "from 'puregrad'")
    .replaceAll("from '../laws/index.ts'", "from 'puregrad/testing'");
};

itQuote('docs/testing.md quotes the suite verbatim', () => {
  expectQuote(guide).toContain('```ts\n' + quoted('the suite') + '```\n');
});

itQuote('docs/testing.md quotes the wrong rule and the message check.grad gives for it', () => {
  expectQuote(guide).toContain('```ts\n' + quoted('a wrong rule') + '```\n');
  if (wrong._tag === 'Right') throw new Error('check.grad missed the wrong rule');
  expectQuote(wrong.left).toMatchObject({ mode: 'fwd', order: 1, path: 'args[0].layers[0].w', index: [1, 0] });
  expectQuote(guide).toContain('```text\n' + wrong.left.message + '\n```\n');
});
