/**
 * What a contender (a library in one configuration: puregrad jitted, TF.js on
 * its wasm backend, …) offers the workloads. Each workload asks for a case
 * built from the shared data; a contender without one returns `undefined`
 * (TF.js has no `jit`) or throws (a peer that fails says why in the table).
 */

import type { MatmulData, MlpData, RnnData, XorData } from '../data.ts';

/** A repeatable operation. `run` performs it once and returns a number read back from the result. */
export interface Case {
  readonly run: () => number;
  /** Forces anything a lazy library still holds, e.g. the parameters after the last step. */
  readonly sync?: () => void;
}

/** A Hessian-vector product as a contender computes it; each is `undefined` where the library lacks the transform. */
export interface HvpCase {
  readonly dtype: 'float32' | 'float64';
  /** The loss itself in this dtype, to tell an inexact forward pass from a wrong derivative. */
  readonly loss: () => number;
  readonly gradOfGrad?: () => ArrayLike<number>;
  readonly jvpOfGrad?: () => ArrayLike<number>;
}

/** The RNN loss and its gradients in the parameters, read back. */
export interface RnnOutput {
  readonly loss: number;
  /** Each gradient leaf by name (wx, wh, b). */
  readonly grads: readonly (readonly [string, ArrayLike<number>])[];
}

/**
 * The same RNN loss written two ways, each under `jit(valueAndGrad(...))`: with `scan` over the
 * sequence, and as an unrolled loop. Each factory makes a fresh jit; the first call of what it
 * returns traces and compiles.
 */
export interface RnnCase {
  readonly scan: () => () => RnnOutput;
  readonly unrolled: () => () => RnnOutput;
}

export interface Contender {
  /** As printed, e.g. 'puregrad jit', 'jax-js wasm jit', 'tfjs wasm'. */
  readonly name: string;
  readonly library: 'puregrad' | 'jax-js' | 'tfjs';
  /** Makes this configuration current (TF.js backend, puregrad thread count); run before each of its cases. */
  readonly activate?: () => Promise<void>;
  /** A train step: forward, backward, SGD update; the loss is read back. Each call continues training. */
  readonly mlpStep?: (d: MlpData) => Case;
  /** The loss and its gradient (no update), all read back. */
  readonly mlpForwardBackward?: (d: MlpData) => Case;
  /** The loss alone. */
  readonly mlpForward?: (d: MlpData) => Case;
  readonly xorStep?: (d: XorData) => Case;
  /** The product read back; `run` returns its first element. `product` gives the whole array once, for checking. */
  readonly matmul?: (d: MatmulData) => Case & { readonly product: () => ArrayLike<number> };
  readonly hvp?: (d: MlpData) => HvpCase;
  /** One call of a freshly jitted train step (trace, transform, compile, run), loss read back. */
  readonly firstCall?: (d: MlpData) => () => number;
  /** The jitted RNN loss and gradients by `scan` and unrolled (puregrad only: the peers have no `scan` to compare). */
  readonly rnn?: (d: RnnData) => RnnCase;
}
