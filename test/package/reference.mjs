/**
 * The numbers fixtures/compute.mjs must produce, worked out here in plain float64 JavaScript
 * from the closed form of the loss mean((x·w + b − y)²), and a tolerant comparison.
 */

const x = [[1, 2], [3, -1], [0.5, 4]];
const y = [1, 0, 2];
const w = [0.25, -0.5];
const b = 0.125;

/** What compute.mjs reports: loss, gradient, one SGD step (lr 0.1), per-example gradients, a chained sum. */
export function reference() {
  const r = x.map((xi, i) => xi[0] * w[0] + xi[1] * w[1] + b - y[i]); // residuals
  const n = x.length;
  const dw = [0, 1].map((j) => (2 / n) * r.reduce((s, ri, i) => s + ri * x[i][j], 0));
  const db = (2 / n) * r.reduce((s, ri) => s + ri, 0);
  const step = { w: w.map((wj, j) => [wj - 0.1 * dw[j]]), b: [b - 0.1 * db] };
  return {
    loss: r.reduce((s, ri) => s + ri * ri, 0) / n,
    grad: { w: dw.map((d) => [d]), b: [db] },
    jitStep: step,
    eagerStep: step,
    perExample: { w: x.map((xi, i) => xi.map((v) => [2 * r[i] * v])), b: r.map((ri) => [2 * ri]) },
    chained: 15, // (1·2 + 1) + (2·2 + 1) + (3·2 + 1)
  };
}

/** Throws unless `actual` has `expected`'s structure with every number within `rtol` (relative, floor 1). */
export function sameNumbers(actual, expected, rtol, path = 'result') {
  if (typeof expected === 'number') {
    if (typeof actual !== 'number' || !(Math.abs(actual - expected) <= rtol * Math.max(1, Math.abs(expected)))) {
      throw new Error(`${path} is ${JSON.stringify(actual)}, expected ${expected}`);
    }
    return;
  }
  const keys = Object.keys(expected);
  if (actual === null || typeof actual !== 'object' || Array.isArray(actual) !== Array.isArray(expected) ||
      Object.keys(actual).length !== keys.length) {
    throw new Error(`${path} is ${JSON.stringify(actual)}, expected the shape of ${JSON.stringify(expected)}`);
  }
  for (const k of keys) sameNumbers(actual[k], expected[k], rtol, `${path}.${k}`);
}
