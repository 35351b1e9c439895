/**
 * Splitting a program's derivative into a known half and a tangent half, for
 * the primitives that carry programs (`cond`, `scan`).
 *
 * The program is linearized *while being traced into a new closed program*:
 * its primal equations land in that program, which also returns the residuals
 * the tangent half needs; the tangent half is the linear program, reading the
 * residuals as inputs. So the JVP of `scan` becomes a primal scan that stacks
 * residuals plus a purely linear scan, and nothing is computed twice — the
 * backward pass reads the residuals instead of recomputing the body.
 */

import type { Aval } from '../ir/primitive.ts';
import { Program } from '../ir/program.ts';
import { isFloat } from '../tensor/dtype.ts';
import type { Tensor } from '../tensor/tensor.ts';
import { Tracer } from '../trace/core.ts';
import { linearizeFlat } from './ad.ts';
import type { Closed } from './closed.ts';
import { traceClosed, zerosOf } from './closed.ts';
import { evalProgram } from './eval.ts';

/** Where the tangent half finds one residual. */
export type Residual =
  | { readonly kind: 'input'; readonly index: number } // an input of the program, available to the caller
  | { readonly kind: 'computed'; readonly index: number } // the index-th extra output of `primal`
  | { readonly kind: 'concrete'; readonly value: Tensor }; // a captured constant

export interface Split {
  /** Inputs: captured values, then the program's inputs; outputs: the program's outputs, then the computed residuals. */
  readonly primal: Closed;
  readonly residuals: readonly Residual[];
  readonly computedAvals: readonly Aval[];
  /**
   * The output tangents (zeros where an output is float but untouched, `null`
   * for non-float outputs) from the program inputs the residuals refer to, the
   * computed residuals, and the tangents of the differentiated inputs.
   */
  readonly tangent: (inputs: readonly Tensor[], computed: readonly Tensor[], tangents: readonly Tensor[]) => (Tensor | null)[];
}

/**
 * Split `program`'s derivative with respect to the inputs `mask` marks.
 * `available(k)`: whether the caller can hand input k to the tangent half
 * (otherwise a residual that is input k is returned as a computed one).
 */
export function splitDerivative(program: Program, mask: readonly boolean[], available: (k: number) => boolean): Split {
  let linear: Program | undefined;
  let residuals: Residual[] = [];
  const computedAvals: Aval[] = [];
  const primal = traceClosed((args) => {
    const lin = linearizeFlat((xs) => ({ outs: evalProgram(program, xs) as Tensor[] }), args, mask);
    linear = lin.linear;
    const computed: Tensor[] = [];
    residuals = lin.linear.consts.map(({ value }): Residual => {
      const k = args.indexOf(value);
      if (k >= 0 && available(k)) return { kind: 'input', index: k };
      if (k < 0 && !(value instanceof Tracer)) return { kind: 'concrete', value };
      computed.push(value);
      computedAvals.push({ shape: value.shape, dtype: value.dtype });
      return { kind: 'computed', index: computed.length - 1 };
    });
    return [...lin.outs, ...computed];
  }, program.inputs.map((v) => v.aval));
  const lin = linear!;
  const open = new Program([...lin.consts.map((c) => c.v), ...lin.inputs], [], lin.eqns, lin.outputs);
  const outAvals = program.outputs.map((o) => o!.aval);
  const tangent = (inputs: readonly Tensor[], computed: readonly Tensor[], tangents: readonly Tensor[]) => {
    const values = residuals.map((r) => (r.kind === 'input' ? inputs[r.index]! : r.kind === 'computed' ? computed[r.index]! : r.value));
    const outs = evalProgram(open, [...values, ...tangents]);
    return outs.map((t, i) => (isFloat(outAvals[i]!.dtype) ? t ?? zerosOf(outAvals[i]!) : null));
  };
  return { primal, residuals, computedAvals, tangent };
}
