/**
 * The benchmark's data: one seeded generator makes every weight, input, label
 * and direction, so that puregrad and each peer start from the same numbers.
 *
 * Every value is rounded to float32 once, when it is made. The float64
 * workload (the Hessian-vector product) widens those same values, which is
 * exact, so a float32 peer and a float64 run see identical inputs.
 */

/**
 * A small 32-bit generator (a Weyl sequence stepped by an odd constant, then
 * mixed by two xor-shift-multiply rounds, as in splitmix). Deterministic across
 * engines: only 32-bit integer arithmetic (`Math.imul`, `>>>`).
 */
export class Generator {
  #state: number;

  constructor(seed: number) {
    this.#state = seed >>> 0;
  }

  /** The next 32 random bits as an unsigned integer. */
  nextUint32(): number {
    this.#state = (this.#state + 0x9e3779b9) >>> 0;
    let z = this.#state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  }

  /** Uniform in [lo, hi), rounded to float32. */
  uniform(lo = 0, hi = 1): number {
    return Math.fround(lo + (hi - lo) * (this.nextUint32() / 2 ** 32));
  }

  /** `n` float32 values uniform in [lo, hi). */
  uniforms(n: number, lo = 0, hi = 1): Float32Array {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = this.uniform(lo, hi);
    return out;
  }

  /** An integer in [0, n). */
  below(n: number): number {
    return Math.floor((this.nextUint32() / 2 ** 32) * n);
  }
}

/** A dense layer's weights, row-major [fanIn, fanOut], and its bias [fanOut]. */
export interface Layer {
  readonly fanIn: number;
  readonly fanOut: number;
  readonly w: Float32Array;
  readonly b: Float32Array;
}

/** Glorot-uniform weights and small uniform biases (non-zero, so that every parameter matters). */
function layer(gen: Generator, fanIn: number, fanOut: number): Layer {
  const limit = Math.sqrt(6 / (fanIn + fanOut));
  return { fanIn, fanOut, w: gen.uniforms(fanIn * fanOut, -limit, limit), b: gen.uniforms(fanOut, -0.1, 0.1) };
}

/** The MLP workload: 784-256-128-10, ReLU, softmax cross-entropy over integer labels. */
export interface MlpData {
  readonly sizes: readonly [784, 256, 128, 10];
  readonly batch: number;
  readonly lr: number;
  /** Inputs [batch, 784], uniform in [0, 1) like pixel intensities. */
  readonly x: Float32Array;
  /** Class labels [batch] in [0, 10). */
  readonly labels: Int32Array;
  readonly layers: readonly [Layer, Layer, Layer];
  /** A direction in the space of the first weight matrix [784, 256], for the Hessian-vector product. */
  readonly direction: Float32Array;
}

/** The XOR workload: 2-4-1, sigmoid hidden and output units, mean squared error. */
export interface XorData {
  readonly lr: number;
  readonly x: Float32Array;
  readonly y: Float32Array;
  readonly layers: readonly [Layer, Layer];
}

/** The matmul workload: two [n, n] float32 matrices. */
export interface MatmulData {
  readonly n: number;
  readonly a: Float32Array;
  readonly b: Float32Array;
}

/**
 * The RNN workload: h_t = tanh(x_t Wx + h_{t-1} Wh + b) from h_0 = 0 over a sequence, float32,
 * loss = mean((h_T − target)²) over the last hidden state.
 */
export interface RnnData {
  readonly input: number;
  readonly hidden: number;
  readonly length: number;
  readonly batch: number;
  /** The sequence [length, batch, input], uniform in [-1, 1). */
  readonly xs: Float32Array;
  /** Input weights [input, hidden]; recurrent weights [hidden, hidden]; bias [hidden]. */
  readonly wx: Float32Array;
  readonly wh: Float32Array;
  readonly b: Float32Array;
  /** The target of the last hidden state [batch, hidden], uniform in [-0.5, 0.5). */
  readonly target: Float32Array;
}

export interface BenchData {
  readonly seed: number;
  readonly mlp: MlpData;
  readonly xor: XorData;
  readonly matmul: MatmulData;
  readonly rnn: RnnData;
}

/** Everything the workloads use, from one seed, in a fixed order of draws. */
export function makeData(seed: number): BenchData {
  const gen = new Generator(seed);
  const batch = 128;
  const mlp: MlpData = {
    sizes: [784, 256, 128, 10],
    batch,
    lr: 0.01,
    x: gen.uniforms(batch * 784),
    labels: Int32Array.from({ length: batch }, () => gen.below(10)),
    layers: [layer(gen, 784, 256), layer(gen, 256, 128), layer(gen, 128, 10)],
    direction: gen.uniforms(784 * 256, -1, 1),
  };
  const xor: XorData = {
    lr: 0.5,
    x: Float32Array.of(0, 0, 0, 1, 1, 0, 1, 1),
    y: Float32Array.of(0, 1, 1, 0),
    layers: [layer(gen, 2, 4), layer(gen, 4, 1)],
  };
  const n = 512;
  const matmul: MatmulData = { n, a: gen.uniforms(n * n, -1, 1), b: gen.uniforms(n * n, -1, 1) };
  // Drawn last, so that adding this workload left the other workloads' numbers unchanged.
  const [input, hidden, length, rnnBatch] = [32, 64, 50, 16];
  const inputLayer = layer(gen, input, hidden);
  const rnn: RnnData = {
    input, hidden, length, batch: rnnBatch,
    xs: gen.uniforms(length * rnnBatch * input, -1, 1),
    wx: inputLayer.w,
    // Recurrent weights at a small scale (spectral radius well below 1), so the state neither saturates nor vanishes.
    wh: gen.uniforms(hidden * hidden, -0.15, 0.15),
    b: inputLayer.b,
    target: gen.uniforms(rnnBatch * hidden, -0.5, 0.5),
  };
  return { seed, mlp, xor, matmul, rnn };
}
