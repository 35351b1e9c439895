/**
 * jax-js under test: its `wasm` device (the default device throws on Node 20),
 * every workload under `jit` as its README recommends.
 *
 * jax-js counts references by hand: every call consumes its array arguments,
 * so an array used again is passed as `a.ref`, and reading a result
 * (`item`, `dataSync`) consumes it too. It is also lazy: work runs when a
 * result is read, so the cases read back everything they produce (the step
 * reads the loss each step and `sync` reads the parameters at the end of each
 * timed block). Two quirks of 0.1.25 on Node 20: `np.array(Float64Array)`
 * throws (it tests `instanceof Float16Array`, undefined there), so float64
 * arrays are made with `astype` from the float32 data, which is exact.
 */

import * as jax from '@jax-js/jax';
import type { Layer, MlpData, XorData } from '../data.ts';
import type { Case, Contender, HvpCase } from './types.ts';

const { numpy: np, nn, jit, valueAndGrad, grad, jvp, tree } = jax;
type A = jax.Array;
type Mlp = { w1: A; b1: A; w2: A; b2: A; w3: A; b3: A };
type Xor = { w1: A; b1: A; w2: A; b2: A };

const weights = (l: Layer) => ({ w: np.array(l.w).reshape([l.fanIn, l.fanOut]), b: np.array(l.b) });

function mlpParams(d: MlpData): Mlp {
  const [l1, l2, l3] = d.layers.map(weights);
  return { w1: l1!.w, b1: l1!.b, w2: l2!.w, b2: l2!.b, w3: l3!.w, b3: l3!.b };
}

const mlpInputs = (d: MlpData) => ({ x: np.array(d.x).reshape([d.batch, 784]), labels: np.array(d.labels) });

/** Consumes every argument once. */
function mlpLoss(p: Mlp, x: A, labels: A): A {
  const h1 = nn.relu(np.matmul(x, p.w1).add(p.b1));
  const h2 = nn.relu(np.matmul(h1, p.w2).add(p.b2));
  const logits = np.matmul(h2, p.w3).add(p.b3);
  const hot = nn.oneHot(labels, 10).astype(logits.dtype);
  return np.mean(np.sum(nn.logSoftmax(logits, -1).mul(hot), -1)).neg();
}

function xorLoss(p: Xor, x: A, y: A): A {
  const h = nn.sigmoid(np.matmul(x, p.w1).add(p.b1));
  const out = nn.sigmoid(np.matmul(h, p.w2).add(p.b2));
  return np.mean(np.square(out.sub(y)));
}

/** A jitted SGD step: `(params, ...data) => [params', loss]`, consuming its arguments. */
const sgdStep = <P extends Mlp | Xor>(lossFn: (p: P, a: A, b: A) => A, lr: number) =>
  jit((p: P, a: A, b: A) => {
    const [loss, g] = valueAndGrad(lossFn)(tree.ref(p) as never, a, b);
    const next = tree.map((w: A, gw: A) => w.sub(gw.mul(lr)), p, g as P);
    return [next, loss] as [P, A];
  });

/** Reads every leaf (consuming one reference to each). */
const readAll = (t: jax.JsTree<A>): void => {
  for (const leaf of tree.leaves(t) as A[]) leaf.dataSync();
};

function stepping<P extends Mlp | Xor>(step: (p: P, a: A, b: A) => [P, A], params: P, a: A, b: A): Case {
  let p = params;
  return {
    run: () => {
      const [next, loss] = step(p, a.ref, b.ref);
      p = next;
      return loss.item();
    },
    sync: () => readAll(tree.ref(p)),
  };
}

function hvp(d: MlpData): HvpCase {
  const to64 = (a: A) => a.astype(np.float64);
  const p = tree.map(to64, mlpParams(d)) as Mlp;
  const { x: x32, labels } = mlpInputs(d);
  const x = to64(x32);
  const v = to64(np.array(d.direction).reshape([784, 256]));
  const lossInW1 = (w1: A) => {
    const rest = tree.ref({ b1: p.b1, w2: p.w2, b2: p.b2, w3: p.w3, b3: p.b3 });
    return mlpLoss({ ...rest, w1 }, x.ref, labels.ref);
  };
  return {
    dtype: 'float64',
    loss: () => lossInW1(p.w1.ref).item(),
    gradOfGrad: () => grad((w1: A) => np.sum(grad(lossInW1)(w1).mul(v.ref)))(p.w1.ref).dataSync(),
    jvpOfGrad: () => {
      const [primal, tangent] = jvp(grad(lossInW1), [p.w1.ref], [v.ref]);
      primal.dispose();
      return tangent.dataSync();
    },
  };
}

/** The jax-js contender, after starting its wasm device. */
export async function jaxContenders(): Promise<Contender[]> {
  await jax.init('wasm');
  jax.defaultDevice('wasm');
  const contender: Contender = {
    name: 'jax-js wasm jit',
    library: 'jax-js',
    mlpStep: (d) => {
      const { x, labels } = mlpInputs(d);
      return stepping(sgdStep(mlpLoss, d.lr), mlpParams(d), x, labels);
    },
    mlpForwardBackward: (d) => {
      const { x, labels } = mlpInputs(d);
      const p = mlpParams(d);
      const f = jit(valueAndGrad(mlpLoss));
      return {
        run: () => {
          const [loss, g] = f(tree.ref(p), x.ref, labels.ref);
          readAll(g);
          return loss.item();
        },
      };
    },
    mlpForward: (d) => {
      const { x, labels } = mlpInputs(d);
      const p = mlpParams(d);
      const f = jit(mlpLoss);
      return { run: () => f(tree.ref(p), x.ref, labels.ref).item() };
    },
    xorStep: (d: XorData) => {
      const [l1, l2] = d.layers.map(weights);
      const p: Xor = { w1: l1!.w, b1: l1!.b, w2: l2!.w, b2: l2!.b };
      return stepping(sgdStep(xorLoss, d.lr), p, np.array(d.x).reshape([4, 2]), np.array(d.y).reshape([4, 1]));
    },
    matmul: (d) => {
      const a = np.array(d.a).reshape([d.n, d.n]);
      const b = np.array(d.b).reshape([d.n, d.n]);
      const f = jit((l: A, r: A) => np.matmul(l, r));
      const product = () => f(a.ref, b.ref).dataSync();
      return { run: () => product()[0]!, product };
    },
    hvp,
    firstCall: (d) => {
      const p = mlpParams(d);
      const { x, labels } = mlpInputs(d);
      return () => {
        const step = sgdStep(mlpLoss, d.lr);
        const [next, loss] = step(tree.ref(p), x.ref, labels.ref);
        const value = loss.item();
        readAll(next);
        step.dispose();
        return value;
      };
    },
  };
  return [contender];
}

