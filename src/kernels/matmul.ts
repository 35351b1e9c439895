/**
 * Batched matrix product: [...batch, m, k] x [...batch, k, n] -> [...batch, m, n].
 *
 * Loop order i-k-j: for each output row i, every a[i, p] scales row p of b,
 * which is streamed sequentially into a Float64Array scratch row. The inner
 * loop therefore reads b and writes the scratch with unit stride, and every
 * output element is a double-precision sum rounded once when the row is
 * stored (float32 and int32 outputs included). Zeros in `a` are not skipped,
 * so 0 * Infinity still gives NaN as the naive sum would.
 *
 * This is the plain reference loop; blocking and SIMD come later behind the
 * same signature (see PERF.md).
 */

import type { DType, Storage } from '../tensor/dtype.ts';
import { allocate } from '../tensor/dtype.ts';
import type { Shape } from '../tensor/shape.ts';
import { sizeOf } from '../tensor/shape.ts';
import { cast } from './elementwise.ts';

/**
 * `a @ b` over identical leading batch dimensions (the caller checks shapes).
 * A bool `outDtype` is computed in float64 and cast (nonzero -> 1).
 */
export function matmul(a: Storage, aShape: Shape, b: Storage, bShape: Shape, outDtype: DType): Storage {
  if (outDtype === 'bool') return cast(matmul(a, aShape, b, bShape, 'float64'), 'bool');
  const rank = aShape.length;
  const m = aShape[rank - 2];
  const k = aShape[rank - 1];
  const n = bShape[bShape.length - 1];
  const batch = sizeOf(aShape.slice(0, rank - 2));
  const out = allocate(outDtype, batch * m * n);
  const row = new Float64Array(n);
  for (let t = 0; t < batch; t++) {
    const aBase = t * m * k;
    const bBase = t * k * n;
    const oBase = t * m * n;
    for (let i = 0; i < m; i++) {
      row.fill(0);
      const aRow = aBase + i * k;
      for (let p = 0; p < k; p++) {
        const aip = a[aRow + p];
        const bRow = bBase + p * n;
        for (let j = 0; j < n; j++) row[j] += aip * b[bRow + j];
      }
      out.set(row, oBase + i * n);
    }
  }
  return out;
}
