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

export interface BenchData {
  readonly seed: number;
  readonly mlp: MlpData;
  readonly xor: XorData;
  readonly matmul: MatmulData;
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
  return { seed, mlp, xor, matmul };
}
