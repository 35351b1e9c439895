/**
 * TensorFlow.js under test on its `wasm` and `cpu` backends (`@tensorflow/tfjs-node`
 * cannot be installed here). Eager, as TF.js has no `jit`; every step runs in
 * `tf.tidy` so that its intermediates are freed, parameters are `tf.variable`s
 * updated with `assign`. TF.js has no float64 and no forward mode, so its
 * Hessian-vector product is grad-of-grad in float32 only.
 */

import type * as TF from '@tensorflow/tfjs';
import type { Layer, MlpData, XorData } from '../data.ts';
import type { Case, Contender } from './types.ts';

type T = TF.Tensor;

/** Runs `f` with console.warn silenced: TF.js advertises tfjs-node on import and on choosing 'cpu'. */
async function quietly<R>(f: () => Promise<R>): Promise<R> {
  const warn = console.warn;
  console.warn = () => {};
  try {
    return await f();
  } finally {
    console.warn = warn;
  }
}

/** The TF.js contenders, one per backend; the wasm backend's SIMD and thread support are reported in `notes`. */
export async function tfjsContenders(): Promise<{ contenders: Contender[]; version: string; notes: string }> {
  const tf = await quietly(async () => {
    const lib = await import('@tensorflow/tfjs');
    await import('@tensorflow/tfjs-backend-wasm');
    await lib.setBackend('wasm');
    await lib.ready();
    return lib;
  });
  const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
  const threads = await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT');
  const notes = `wasm backend: SIMD ${simd ? 'on' : 'off'}, threads ${threads ? 'on' : 'off'}`;

  const weights = (l: Layer) => ({ w: tf.tensor2d(l.w, [l.fanIn, l.fanOut]), b: tf.tensor1d(l.b) });
  const mlpLoss = (p: Record<string, T>, x: T, labels: T): TF.Scalar => {
    const h1 = tf.relu(tf.add(tf.matMul(x, p['w1']!), p['b1']!));
    const h2 = tf.relu(tf.add(tf.matMul(h1, p['w2']!), p['b2']!));
    const logits = tf.add(tf.matMul(h2, p['w3']!), p['b3']!);
    const hot = tf.cast(tf.oneHot(labels, 10), 'float32');
    return tf.neg(tf.mean(tf.sum(tf.mul(tf.logSoftmax(logits, -1), hot), -1))) as TF.Scalar;
  };
  const xorLoss = (p: Record<string, T>, x: T, y: T): TF.Scalar => {
    const h = tf.sigmoid(tf.add(tf.matMul(x, p['w1']!), p['b1']!));
    const out = tf.sigmoid(tf.add(tf.matMul(h, p['w2']!), p['b2']!));
    return tf.mean(tf.square(tf.sub(out, y))) as TF.Scalar;
  };
  const mlpParams = (d: MlpData): Record<string, T> => {
    const [l1, l2, l3] = d.layers.map(weights);
    return { w1: l1!.w, b1: l1!.b, w2: l2!.w, b2: l2!.b, w3: l3!.w, b3: l3!.b };
  };
  const mlpInputs = (d: MlpData) => ({ x: tf.tensor2d(d.x, [d.batch, 784]), labels: tf.tensor1d(d.labels, 'int32') });

  /** SGD on variables: loss and gradients by `variableGrads`, then `assign(w − lr·g)`. */
  const stepping = (params: Record<string, T>, lossFn: (p: Record<string, T>) => TF.Scalar, lr: number): Case => {
    const vars = Object.fromEntries(Object.entries(params).map(([k, t]) => [k, tf.variable(t)]));
    return {
      run: () => {
        let loss = NaN;
        tf.tidy(() => {
          const { value, grads } = tf.variableGrads(() => lossFn(vars));
          for (const v of Object.values(vars)) v.assign(tf.sub(v, tf.mul(grads[v.name]!, lr)));
          loss = value.dataSync()[0]!;
        });
        return loss;
      },
    };
  };

  const backend = (name: 'wasm' | 'cpu'): Contender => ({
    name: `tfjs ${name}`,
    library: 'tfjs',
    activate: async () => {
      // The cpu backend prints its advice on the first write, so make one while quiet.
      await quietly(async () => {
        await tf.setBackend(name);
        tf.scalar(0).dispose();
      });
    },
    mlpStep: (d) => {
      const { x, labels } = mlpInputs(d);
      return stepping(mlpParams(d), (p) => mlpLoss(p, x, labels), d.lr);
    },
    mlpForwardBackward: (d) => {
      const { x, labels } = mlpInputs(d);
      const p = mlpParams(d);
      const names = Object.keys(p);
      const f = tf.valueAndGrads((...ws: T[]) => mlpLoss(Object.fromEntries(names.map((k, i) => [k, ws[i]!])), x, labels));
      const ws = Object.values(p);
      return {
        run: () => {
          let loss = NaN;
          tf.tidy(() => {
            const { value, grads } = f(ws);
            for (const g of grads) g.dataSync();
            loss = value.dataSync()[0]!;
          });
          return loss;
        },
      };
    },
    mlpForward: (d) => {
      const { x, labels } = mlpInputs(d);
      const p = mlpParams(d);
      return {
        run: () => {
          const loss = tf.tidy(() => mlpLoss(p, x, labels));
          const value = loss.dataSync()[0]!;
          loss.dispose();
          return value;
        },
      };
    },
    xorStep: (d: XorData) => {
      const [l1, l2] = d.layers.map(weights);
      const x = tf.tensor2d(d.x, [4, 2]);
      const y = tf.tensor2d(d.y, [4, 1]);
      return stepping({ w1: l1!.w, b1: l1!.b, w2: l2!.w, b2: l2!.b }, (p) => xorLoss(p, x, y), d.lr);
    },
    matmul: (d) => {
      const a = tf.tensor2d(d.a, [d.n, d.n]);
      const b = tf.tensor2d(d.b, [d.n, d.n]);
      const product = () => {
        const c = tf.matMul(a, b);
        const out = c.dataSync();
        c.dispose();
        return out;
      };
      return { run: () => product()[0]!, product };
    },
    hvp: (d) => {
      const p = mlpParams(d);
      const { x, labels } = mlpInputs(d);
      const v = tf.tensor2d(d.direction, [784, 256]);
      const lossInW1 = (w1: T) => mlpLoss({ ...p, w1 }, x, labels);
      return {
        dtype: 'float32',
        loss: () => {
          const l = tf.tidy(() => lossInW1(p['w1']!));
          const value = l.dataSync()[0]!;
          l.dispose();
          return value;
        },
        gradOfGrad: () => {
          const h = tf.tidy(() => tf.grad((w1: T) => tf.sum(tf.mul(tf.grad(lossInW1)(w1), v)))(p['w1']!));
          const out = h.dataSync();
          h.dispose();
          return out;
        },
      };
    },
  });

  return { contenders: [backend('wasm'), backend('cpu')], version: tf.version.tfjs, notes };
}
