/**
 * puregrad under test, through its public API only (`src/index.ts` of the
 * working tree), jitted and un-jitted. If the library exports `setThreads`,
 * the jitted contender is pinned to one thread and a second one uses every core.
 */

import { threadsReady } from '../../src/kernels/threads.ts';
import * as pg from '../../src/index.ts';
import type { DType, Tensor } from '../../src/index.ts';
import type { Layer, MlpData, RnnData } from '../data.ts';
import type { Case, Contender, HvpCase, RnnCase, RnnOutput } from './types.ts';

const { add, grad, jit, jvp, matmul, mul, nn, reshape, scan, slice, sub, sum, tanh, tensor, tree, valueAndGrad, zeros } = pg;

type Mlp = { readonly w1: Tensor; readonly b1: Tensor; readonly w2: Tensor; readonly b2: Tensor; readonly w3: Tensor; readonly b3: Tensor };
type Xor = { readonly w1: Tensor; readonly b1: Tensor; readonly w2: Tensor; readonly b2: Tensor };

const weights = (l: Layer, dtype: DType) => ({
  w: tensor(l.w, { shape: [l.fanIn, l.fanOut], dtype }),
  b: tensor(l.b, { shape: [l.fanOut], dtype }),
});

function mlpParams(d: MlpData, dtype: DType = 'float32'): Mlp {
  const [l1, l2, l3] = d.layers.map((l) => weights(l, dtype));
  return { w1: l1!.w, b1: l1!.b, w2: l2!.w, b2: l2!.b, w3: l3!.w, b3: l3!.b };
}

const mlpInputs = (d: MlpData, dtype: DType = 'float32') => ({
  x: tensor(d.x, { shape: [d.batch, 784], dtype }),
  labels: tensor(d.labels),
});

const mlpLoss = (p: Mlp, x: Tensor, labels: Tensor): Tensor => {
  const h1 = nn.relu(add(matmul(x, p.w1), p.b1));
  const h2 = nn.relu(add(matmul(h1, p.w2), p.b2));
  return nn.sparseSoftmaxCrossEntropy(add(matmul(h2, p.w3), p.b3), labels);
};

/** Plain SGD, w − lr·g, leaf by leaf. */
const sgdStep = <P>(lossFn: (p: P, ...rest: Tensor[]) => Tensor, lr: number) =>
  (p: P, ...rest: Tensor[]): [P, Tensor] => {
    const [loss, g] = valueAndGrad(lossFn)(p, ...rest);
    return [tree.map((w: Tensor, gw: Tensor) => sub(w, mul(gw, lr)), p, g as P), loss];
  };

const xorLoss = (p: Xor, x: Tensor, y: Tensor): Tensor => {
  const h = nn.sigmoid(add(matmul(x, p.w1), p.b1));
  return nn.mse(nn.sigmoid(add(matmul(h, p.w2), p.b2)), y);
};

/** A stepping loop over `step`, keeping the parameters between calls. */
function stepping<P>(step: (p: P, ...rest: Tensor[]) => [P, Tensor], params: P, rest: Tensor[]): Case {
  let p = params;
  return {
    run: () => {
      const [next, loss] = step(p, ...rest);
      p = next;
      return loss.item();
    },
  };
}

/** Reads every gradient leaf back, as the peers must to force their work. */
const readAll = (t: unknown): number => tree.leaves(t as pg.Tree<Tensor>).reduce((s, l) => s + l.toTypedArray().length, 0);

type Wrap = <F extends (...args: never[]) => unknown>(f: F) => F;

function contender(name: string, wrap: Wrap, activate?: () => Promise<void>, extras: Partial<Contender> = {}): Contender {
  return {
    name,
    library: 'puregrad',
    ...(activate === undefined ? {} : { activate }),
    mlpStep: (d) => {
      const { x, labels } = mlpInputs(d);
      return stepping(wrap(sgdStep(mlpLoss, d.lr)), mlpParams(d), [x, labels]);
    },
    mlpForwardBackward: (d) => {
      const { x, labels } = mlpInputs(d);
      const p = mlpParams(d);
      const f = wrap(valueAndGrad(mlpLoss));
      return { run: () => { const [loss, g] = f(p, x, labels); readAll(g); return loss.item(); } };
    },
    mlpForward: (d) => {
      const { x, labels } = mlpInputs(d);
      const p = mlpParams(d);
      const f = wrap(mlpLoss);
      return { run: () => f(p, x, labels).item() };
    },
    xorStep: (d) => {
      const [l1, l2] = d.layers.map((l) => weights(l, 'float32'));
      const p: Xor = { w1: l1!.w, b1: l1!.b, w2: l2!.w, b2: l2!.b };
      const x = tensor(d.x, { shape: [4, 2] });
      const y = tensor(d.y, { shape: [4, 1] });
      return stepping(wrap(sgdStep(xorLoss, d.lr)), p, [x, y]);
    },
    matmul: (d) => {
      const a = tensor(d.a, { shape: [d.n, d.n] });
      const b = tensor(d.b, { shape: [d.n, d.n] });
      const f = wrap(matmul);
      const product = () => f(a, b).toTypedArray();
      return { run: () => product()[0]!, product };
    },
    ...extras,
  };
}

/** The Hessian-vector product in float64 by grad-of-grad and by jvp-of-grad (eager; both are plain transforms). */
function hvp(d: MlpData): HvpCase {
  const p = mlpParams(d, 'float64');
  const { x, labels } = mlpInputs(d, 'float64');
  const v = tensor(d.direction, { shape: [784, 256], dtype: 'float64' });
  const lossInW1 = (w1: Tensor) => mlpLoss({ ...p, w1 }, x, labels);
  return {
    dtype: 'float64',
    loss: () => lossInW1(p.w1).item(),
    gradOfGrad: () => grad((w1: Tensor) => sum(mul(grad(lossInW1)(w1), v)))(p.w1).toTypedArray(),
    jvpOfGrad: () => jvp(grad(lossInW1), [p.w1], [v])[1].toTypedArray(),
  };
}

function firstCall(d: MlpData): () => number {
  const p = mlpParams(d);
  const { x, labels } = mlpInputs(d);
  return () => jit(sgdStep(mlpLoss, d.lr))(p, x, labels)[1].item();
}

type Rnn = { readonly wx: Tensor; readonly wh: Tensor; readonly b: Tensor };

/** One step of the tanh RNN: h' = tanh(x Wx + h Wh + b). */
const rnnCell = (p: Rnn, h: Tensor, x: Tensor): Tensor => tanh(add(add(matmul(x, p.wx), matmul(h, p.wh)), p.b));

/** The loss with `scan` over the leading (time) axis of xs [length, batch, input]. */
const rnnScanLoss = (p: Rnn, xs: Tensor, h0: Tensor, target: Tensor): Tensor =>
  nn.mse(scan((h: Tensor, x: Tensor) => [rnnCell(p, h, x), null] as const, h0, xs)[0], target);

/** The same loss as a JS loop, one cell per step, each x_t sliced from the same xs. */
const rnnUnrolledLoss = (p: Rnn, xs: Tensor, h0: Tensor, target: Tensor): Tensor => {
  const [length, batch, input] = xs.shape as [number, number, number];
  let h = h0;
  for (let t = 0; t < length; t++) {
    h = rnnCell(p, h, reshape(slice(xs, [t, 0, 0], [t + 1, batch, input]), [batch, input]));
  }
  return nn.mse(h, target);
};

function rnn(d: RnnData): RnnCase {
  const p: Rnn = {
    wx: tensor(d.wx, { shape: [d.input, d.hidden] }),
    wh: tensor(d.wh, { shape: [d.hidden, d.hidden] }),
    b: tensor(d.b, { shape: [d.hidden] }),
  };
  const xs = tensor(d.xs, { shape: [d.length, d.batch, d.input] });
  const h0 = zeros([d.batch, d.hidden]);
  const target = tensor(d.target, { shape: [d.batch, d.hidden] });
  const make = (loss: typeof rnnScanLoss) => () => {
    const f = jit(valueAndGrad(loss));
    return (): RnnOutput => {
      const [l, g] = f(p, xs, h0, target);
      const grads = (['wx', 'wh', 'b'] as const).map((n) => [n, g[n].toTypedArray()] as const);
      return { loss: l.item(), grads };
    };
  };
  return { scan: make(rnnScanLoss), unrolled: make(rnnUnrolledLoss) };
}

/** The library's thread control, if this version of puregrad has one. */
const setThreads = (pg as Record<string, unknown>)['setThreads'] as ((n: number) => void) | undefined;

/** puregrad's contenders; `cores` is the machine's count, used when `setThreads` exists. */
export function puregradContenders(cores: number): Contender[] {
  const identity: Wrap = (f) => f;
  const jitted: Wrap = (f) => jit(f as never) as never;
  if (setThreads === undefined) {
    return [
      contender('puregrad jit', jitted, undefined, { firstCall, rnn }),
      contender('puregrad eager', identity, undefined, { hvp }),
    ];
  }
  // Workers start asynchronously: wait until they are up, so the first timed products already split.
  const threads = (n: number) => async () => {
    setThreads(n);
    if (n > 1) await threadsReady();
  };
  return [
    contender('puregrad jit 1T', jitted, threads(1), { firstCall, rnn }),
    ...(cores > 1 ? [contender(`puregrad jit ${cores}T`, jitted, threads(cores))] : []),
    contender('puregrad eager 1T', identity, threads(1), { hvp }),
    donating('puregrad jit 1T donated', threads(1)),
    ...(cores > 1 ? [donating(`puregrad jit ${cores}T donated`, threads(cores))] : []),
  ];
}

/**
 * The train steps jitted with the parameters donated (`donateArgnums: [0]`):
 * the new parameters are written into the old ones' buffers, as jax-js,
 * which consumes its arguments, reuses theirs.
 */
function donating(name: string, activate: () => Promise<void>): Contender {
  const jitted: Wrap = (f) => jit(f as never, { donateArgnums: [0] }) as never;
  const { mlpStep, xorStep } = contender(name, jitted, activate);
  return { name, library: 'puregrad', activate, mlpStep: mlpStep!, xorStep: xorStep! };
}

export const puregradThreads = setThreads !== undefined;
