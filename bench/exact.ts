/**
 * Reference values in plain float64 JavaScript, independent of every library
 * under test: the MLP loss, its Hessian-vector product with respect to the
 * first weight matrix, and a matrix product.
 *
 * The Hessian-vector product in closed form. Write the network as
 *
 *   a1 = X W1 + b1,  h1 = m1 ⊙ a1,   m1 = [a1 > 0]
 *   a2 = h1 W2 + b2, h2 = m2 ⊙ a2,   m2 = [a2 > 0]
 *   z  = h2 W3 + b3, L = (1/N) Σ_n (logsumexp(z_n) − z_n[y_n])
 *
 * Away from the kinks (no pre-activation exactly 0) the masks m1, m2 are
 * locally constant in W1, so z is *linear* in W1 and L(W1 + tV) is the
 * cross-entropy of z + t·dz with
 *
 *   dz = ((m1 ⊙ (X V)) W2 ⊙ m2) W3.
 *
 * The gradient is ∇_{W1} L = Xᵀ (((G W3ᵀ) ⊙ m2) W2ᵀ ⊙ m1) with G = (softmax(z) − onehot(y)) / N,
 * and only G depends on t. The cross-entropy's Hessian in the logits is
 * diag(p) − p pᵀ, so dG_n = p_n ⊙ (dz_n − ⟨p_n, dz_n⟩) / N and
 *
 *   H V = Xᵀ (((dG W3ᵀ) ⊙ m2) W2ᵀ ⊙ m1),
 *
 * exact up to float64 rounding in these few products. `nearestKink` reports the
 * smallest |pre-activation|, so a reader can see that the masks are stable.
 */

import type { MlpData, RnnData } from './data.ts';

/** C[m, n] = op(A) op(B) in float64, with op = transpose where asked; row-major throughout. */
function matmul64(
  a: ArrayLike<number>, b: ArrayLike<number>, m: number, k: number, n: number,
  { transA = false, transB = false } = {},
): Float64Array {
  const c = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let p = 0; p < k; p++) {
      const aip = transA ? a[p * m + i]! : a[i * k + p]!;
      if (aip === 0) continue;
      const row = i * n;
      if (transB) for (let j = 0; j < n; j++) c[row + j]! += aip * b[j * k + p]!;
      else for (let j = 0; j < n; j++) c[row + j]! += aip * b[p * n + j]!;
    }
  }
  return c;
}

/** a[r, :] += bias, then keep the positive part; returns the mask. */
function addBiasRelu(a: Float64Array, bias: ArrayLike<number>, cols: number): Uint8Array {
  const mask = new Uint8Array(a.length);
  for (let i = 0; i < a.length; i++) {
    const v = a[i]! + bias[i % cols]!;
    mask[i] = v > 0 ? 1 : 0;
    a[i] = v;
  }
  return mask;
}

const applyMask = (a: Float64Array, mask: Uint8Array): Float64Array => a.map((v, i) => (mask[i] ? v : 0));

export interface ExactMlp {
  /** Mean softmax cross-entropy at the data's weights. */
  readonly loss: number;
  /** H V, the Hessian of the loss in W1 applied to the data's direction, [784 × 256] row-major. */
  readonly hvp: Float64Array;
  /** Vᵀ H V, the curvature along the direction. */
  readonly curvature: number;
  /** The smallest |pre-activation| over both hidden layers: how far the point is from a ReLU kink. */
  readonly nearestKink: number;
}

/** The loss and the Hessian-vector product of the MLP workload, in closed form (see the header). */
export function exactMlp(d: MlpData): ExactMlp {
  const [, n1, n2, n3] = d.sizes;
  const [l1, l2, l3] = d.layers;
  const batch = d.batch;
  const a1 = matmul64(d.x, l1.w, batch, 784, n1);
  const m1 = addBiasRelu(a1, l1.b, n1);
  const h1 = applyMask(a1, m1);
  const a2 = matmul64(h1, l2.w, batch, n1, n2);
  const m2 = addBiasRelu(a2, l2.b, n2);
  const h2 = applyMask(a2, m2);
  const z = matmul64(h2, l3.w, batch, n2, n3);
  let nearestKink = Infinity;
  for (const v of a1) nearestKink = Math.min(nearestKink, Math.abs(v));
  for (const v of a2) nearestKink = Math.min(nearestKink, Math.abs(v));

  // Softmax probabilities and the loss, row by row.
  const p = new Float64Array(batch * n3);
  let loss = 0;
  for (let r = 0; r < batch; r++) {
    let max = -Infinity;
    for (let c = 0; c < n3; c++) max = Math.max(max, z[r * n3 + c]! + l3.b[c]!);
    let total = 0;
    for (let c = 0; c < n3; c++) total += Math.exp(z[r * n3 + c]! + l3.b[c]! - max);
    for (let c = 0; c < n3; c++) p[r * n3 + c] = Math.exp(z[r * n3 + c]! + l3.b[c]! - max) / total;
    loss += max + Math.log(total) - (z[r * n3 + d.labels[r]!]! + l3.b[d.labels[r]!]!);
  }
  loss /= batch;

  // Forward along the direction with the masks held: dz = ((m1 ⊙ X V) W2 ⊙ m2) W3.
  const dh1 = applyMask(matmul64(d.x, d.direction, batch, 784, n1), m1);
  const dh2 = applyMask(matmul64(dh1, l2.w, batch, n1, n2), m2);
  const dz = matmul64(dh2, l3.w, batch, n2, n3);

  // dG = (diag p − p pᵀ) dz / N, and the curvature Vᵀ H V = Σ_n dz_nᵀ (diag p_n − p_n p_nᵀ) dz_n / N.
  const dG = new Float64Array(batch * n3);
  let curvature = 0;
  for (let r = 0; r < batch; r++) {
    let mean = 0;
    for (let c = 0; c < n3; c++) mean += p[r * n3 + c]! * dz[r * n3 + c]!;
    for (let c = 0; c < n3; c++) {
      const i = r * n3 + c;
      dG[i] = (p[i]! * (dz[i]! - mean)) / batch;
      curvature += dz[i]! * dG[i]!;
    }
  }

  // Back through the fixed masks: H V = Xᵀ (((dG W3ᵀ) ⊙ m2) W2ᵀ ⊙ m1).
  const dA2 = applyMask(matmul64(dG, l3.w, batch, n3, n2, { transB: true }), m2);
  const dA1 = applyMask(matmul64(dA2, l2.w, batch, n2, n1, { transB: true }), m1);
  const hvp = matmul64(d.x, dA1, 784, batch, n1, { transA: true });
  return { loss, hvp, curvature, nearestKink };
}

/** The float64 product of two [n, n] matrices given as float32. */
export const exactMatmul = (a: Float32Array, b: Float32Array, n: number): Float64Array => matmul64(a, b, n, n, n);

/** ‖got − want‖₂ / ‖want‖₂. */
export function relativeError(got: ArrayLike<number>, want: ArrayLike<number>): number {
  if (got.length !== want.length) return NaN;
  let num = 0;
  let den = 0;
  for (let i = 0; i < want.length; i++) {
    num += (got[i]! - want[i]!) ** 2;
    den += want[i]! ** 2;
  }
  return Math.sqrt(num / den);
}

/** The RNN workload's loss, mean((h_T − target)²), run forward in float64 from the same float32 inputs. */
export function exactRnnLoss(d: RnnData): number {
  const { input, hidden, length, batch } = d;
  let h = new Float64Array(batch * hidden);
  for (let t = 0; t < length; t++) {
    const x = d.xs.subarray(t * batch * input, (t + 1) * batch * input);
    const a = matmul64(x, d.wx, batch, input, hidden);
    const r = matmul64(h, d.wh, batch, hidden, hidden);
    h = a.map((v, i) => Math.tanh(v + r[i]! + d.b[i % hidden]!));
  }
  return h.reduce((s, v, i) => s + (v - d.target[i]!) ** 2, 0) / h.length;
}
