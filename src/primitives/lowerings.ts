/**
 * Lowerings shared by the primitive families: each adapts a kernel from
 * `src/kernels` to the destination-passing `(inputs, outputs) => void` form,
 * resolving strides and loop nests once for the avals it is given (see
 * `src/ir/lowering.ts`).
 */

import type { Lowering } from '../ir/lowering.ts';
import { elementwise } from '../ir/lowering.ts';
import * as K from '../kernels/index.ts';

/** An elementwise op of one operand. */
export const unaryLowering =
  (op: K.UnaryKernel): Lowering<unknown> =>
    elementwise(op, () => ([x], [out]) => K.unaryInto(op, x!, out!));

/** A broadcasting elementwise op of two operands. */
export const binaryLowering =
  (op: K.BinaryKernel): Lowering<unknown> =>
    elementwise(op, ([a, b], _p, [out]) => {
      const kernel = K.binaryKernel(op, a!.shape, b!.shape, out!.shape, out!.dtype);
      return ([x, y], [o]) => kernel(x!, y!, o!);
    });
