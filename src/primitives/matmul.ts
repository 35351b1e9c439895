/**
 * Batched matrix product with transpose flags: op(A)·op(B) over equal batch
 * dims, where A is stored [...b, m, k] (or [...b, k, m] with `transA`) and B
 * [...b, k, n] (or [...b, n, k] with `transB`); the result is [...b, m, n].
 * The `matmul` op broadcasts batch dims and promotes vectors before binding.
 *
 * Bilinear: d(op(A)·op(B)) = op(dA)·op(B) + op(A)·op(dB), and each half
 * transposes to a product with the other factor whose flags say which side
 * is transposed, so reverse mode never materialises a transpose. Batching
 * with one operand batched folds the batch axis into that operand's free
 * dimension (m of A or n of B) instead of repeating the other operand.
 */

import { UndefinedPrimal } from '../ir/primitive.ts';
import * as K from '../kernels/index.ts';
import { PuregradError } from '../tensor/errors.ts';
import { showShape, sizeOf } from '../tensor/shape.ts';
import type { Tensor } from '../tensor/tensor.ts';
import { bind } from '../trace/core.ts';
import { requireArity, requireNumeric, sameDtype } from './checks.ts';
import { add, batchAtFront, batchSize, moveAxis, reshape, transpose } from './linear.ts';
import { single } from './single.ts';

/** Transpose flags; an absent flag is false, and params carry only the flags that are set. */
export interface MatmulParams {
  readonly transA?: boolean;
  readonly transB?: boolean;
}

/** [m, k] of A and [k, n] of B read through the flags from the stored shapes. */
function dims(a: readonly number[], b: readonly number[], p: MatmulParams): [number, number, number, number] {
  const { transA, transB } = p;
  const [ra, rb] = [a.length, b.length];
  const [m, k] = transA ? [a[ra - 1]!, a[ra - 2]!] : [a[ra - 2]!, a[ra - 1]!];
  const [k2, n] = transB ? [b[rb - 1]!, b[rb - 2]!] : [b[rb - 2]!, b[rb - 1]!];
  return [m, k, k2, n];
}

export const Matmul = single<MatmulParams>({
  name: 'matmul',
  abstractEval: (avals, params) => {
    requireArity('matmul', avals, 2);
    const [a, b] = [avals[0]!.shape, avals[1]!.shape];
    requireNumeric('matmul', avals[0]!);
    const r = a.length;
    const ok = r >= 2 && b.length === r && a.slice(0, r - 2).every((d, i) => d === b[i]);
    const [m, k, k2, n] = ok ? dims(a, b, params) : [0, 0, 1, 0];
    if (!ok || k !== k2) {
      const flags = Object.keys(params).length === 0 ? '' : ` (with ${showFlags(params)})`;
      throw new PuregradError('matmul', `shapes ${showShape(a)} and ${showShape(b)}${flags} do not multiply: ` +
        'the contracted axes must agree, and batch axes must agree');
    }
    return { shape: [...a.slice(0, r - 2), m, n], dtype: sameDtype('matmul', avals) };
  },
  lower: ([a, b], p, [out]) => {
    const [m, k, , n] = dims(a!.shape, b!.shape, p);
    const spec: K.MatmulSpec = {
      batch: sizeOf(out!.shape.slice(0, -2)), m, k, n,
      transA: p.transA === true, transB: p.transB === true, dtype: out!.dtype,
    };
    return ([x, y], [o]) => K.matmulInto(o!, x!, y!, spec);
  },
  jvp: (primals, [ta, tb], p) => {
    const [a, b] = primals as [Tensor, Tensor];
    const left = ta ? matmul(ta, b, p) : null; // op(dA)·op(B)
    const right = tb ? matmul(a, tb, p) : null; // op(A)·op(dB)
    return left && right ? add(left, right) : left ?? right;
  },
  transpose: (ct, [a, b], { transA = false, transB = false }) => {
    if (a instanceof UndefinedPrimal && b instanceof UndefinedPrimal) {
      throw new PuregradError('grad', 'a tangent was multiplied by a tangent in matmul, so the derivative is not linear; ' +
        'a customJvp rule must be linear in the tangents');
    }
    if (a instanceof UndefinedPrimal) {
      // ∂op(A) = ct·op(B)ᵀ; with transA, ∂A = (ct·op(B)ᵀ)ᵀ = op(B)·ctᵀ.
      const bt = b as Tensor;
      return [transA ? matmul(bt, ct, flags(transB, true)) : matmul(ct, bt, flags(false, !transB)), null];
    }
    // ∂op(B) = op(A)ᵀ·ct; with transB, ∂B = (op(A)ᵀ·ct)ᵀ = ctᵀ·op(A).
    const at = a as Tensor;
    return [null, transB ? matmul(ct, at, flags(true, transA)) : matmul(at, ct, flags(!transA, false))];
  },
  batch: ([a, b], [da, db], p) => {
    if (db === null) return foldBatch(a!, da!, b!, p, 'a');
    if (da === null) return foldBatch(b!, db, a!, p, 'b');
    const size = batchSize([a!, b!], [da!, db]);
    return [matmul(batchAtFront(a!, da!, size), batchAtFront(b!, db, size), p), 0];
  },
});

/**
 * vmap with only one operand batched: move its batch axis next to its free
 * axis (m of A, n of B; a no-op when it is already there), merge the two, run
 * one product, and split the result's m or n axis again.
 */
function foldBatch(x: Tensor, dim: number, other: Tensor, p: MatmulParams, side: 'a' | 'b'): readonly [Tensor, number] {
  const r = other.rank; // rank of one example
  const size = x.shape[dim]!;
  // Stored position of the free axis: A's m is at r-2 (r-1 with transA); B's n at r-1 (r-2 with transB).
  const free = side === 'a' ? (p.transA ? r - 1 : r - 2) : (p.transB ? r - 2 : r - 1);
  const moved = moveAxis(x, dim, free);
  const shape = moved.shape;
  const merged = reshape(moved, [...shape.slice(0, free), size * shape[free + 1]!, ...shape.slice(free + 2)]);
  const out = side === 'a' ? matmul(merged, other, p) : matmul(other, merged, p);
  const [m, n] = [out.shape[r - 2]!, out.shape[r - 1]!];
  const split = side === 'a'
    ? [...out.shape.slice(0, r - 2), size, m / size, n]
    : [...out.shape.slice(0, r - 2), m, size, n / size];
  return [reshape(out, split), side === 'a' ? r - 2 : r - 1];
}

/** Params with only the set flags, so that printed programs and CSE see one form. */
function flags(transA: boolean, transB: boolean): MatmulParams {
  return transA ? (transB ? BOTH : ONLY_A) : transB ? ONLY_B : NONE;
}
const NONE: MatmulParams = Object.freeze({});
const ONLY_A: MatmulParams = Object.freeze({ transA: true });
const ONLY_B: MatmulParams = Object.freeze({ transB: true });
const BOTH: MatmulParams = Object.freeze({ transA: true, transB: true });

const showFlags = (p: MatmulParams): string => Object.keys(p).map((key) => `${key}=true`).join(' ');

/** Swap the last two axes. */
export function swapLast(x: Tensor): Tensor {
  const perm = x.shape.map((_, i) => i);
  const r = perm.length;
  [perm[r - 2], perm[r - 1]] = [perm[r - 1]!, perm[r - 2]!];
  return transpose(x, perm);
}

/** op(a)·op(b) with the transpose flags of `p` (none by default). */
export const matmul = (a: Tensor, b: Tensor, p: MatmulParams = NONE): Tensor =>
  bind(Matmul, [a, b], flags(p.transA === true, p.transB === true));
