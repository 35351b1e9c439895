/**
 * `scan(f, init, xs)`: a loop with a carried state, as a primitive.
 * `f(carry, x) → [carry, y]` runs once per leading slice of `xs`; the result is
 * the final carry and the `y`s stacked. The body is traced once, into a closed
 * program, so a scan of a thousand steps is one equation.
 *
 * - JVP: the body's derivative is split (`splitDerivative`): the primal scan
 *   runs the body and stacks each step's residuals; a second scan, linear in
 *   the tangents, reads them. Under `grad` the first runs at once and the
 *   second is recorded, and its transpose reads the same residuals: the body's
 *   forward values are computed once.
 * - transpose: a linear scan transposes to a scan running the other way, whose
 *   body is the transposed body; cotangents of loop-invariant inputs are
 *   summed in the carry.
 * - batching: the body is batched; every carry is batched (so the carry's
 *   shape is the same each step), and stacked outputs carry the batch on axis 1.
 */

import { planOf } from '../compile/plan.ts';
import { bufferFor } from '../ir/lowering.ts';
import type { Aval, Primitive } from '../ir/primitive.ts';
import { UndefinedPrimal } from '../ir/primitive.ts';
import { Program } from '../ir/program.ts';
import { add, moveAxis, range } from '../primitives/linear.ts';
import { isFloat } from '../tensor/dtype.ts';
import { checkFunction, PuregradError } from '../tensor/errors.ts';
import { shapeEq, showShape, sizeOf } from '../tensor/shape.ts';
import type { Storage } from '../tensor/dtype.ts';
import type { Tensor } from '../tensor/tensor.ts';
import type { TreeDef } from '../tree/tree.ts';
import { sameStructure, showStructure, unflatten } from '../tree/tree.ts';
import { bindMulti } from '../trace/core.ts';
import { tensorLeaves } from '../transforms/api.ts';
import { traceClosed, zerosOf } from '../transforms/closed.ts';
import { splitDerivative } from '../transforms/partial.ts';
import { evalProgram } from '../transforms/eval.ts';
import { backwardPass } from '../transforms/transpose.ts';
import { vmapFlat } from '../transforms/vmap.ts';

export interface ScanParams {
  /** Inputs: consts, carry, one slice of each xs; outputs: new carry, one slice of each y. */
  readonly body: Program;
  readonly numConsts: number;
  readonly numCarry: number;
  readonly length: number;
  /** Run from the last slice to the first (ys still stacked in slice order). */
  readonly reverse: boolean;
}

const run = (p: Program, ins: readonly Tensor[]): Tensor[] => evalProgram(p, ins) as Tensor[];

export const Scan: Primitive<ScanParams> = {
  name: 'scan',
  multipleResults: true,
  abstractEval: (avals, { body, numConsts, numCarry, length }) => {
    const carry = avals.slice(numConsts, numConsts + numCarry);
    const outs = body.outputs.map((o) => o!.aval);
    outs.slice(0, numCarry).forEach((a, i) => {
      const c = carry[i]!;
      if (!shapeEq(a.shape, c.shape) || a.dtype !== c.dtype) {
        throw new PuregradError('scan', `carry ${i} enters the body as ${c.dtype}${showShape(c.shape)} but leaves as ${a.dtype}${showShape(a.shape)}; the carry must keep its shape and dtype`);
      }
    });
    return [...carry, ...outs.slice(numCarry).map((a) => ({ shape: [length, ...a.shape], dtype: a.dtype }))];
  },
  // The body is planned once. Each step reads its slice of every xs in place, writes its ys straight
  // into their slots of the stacked outputs, and its carry into one of two buffers that take turns.
  lower: (avals, { body, numConsts, numCarry, length, reverse }, outAvals) => {
    const plan = planOf(body);
    const nx = avals.length - numConsts - numCarry;
    const xStep = avals.slice(numConsts + numCarry).map((a) => sizeOf(a.shape.slice(1)));
    const yStep = outAvals.slice(numCarry).map((a) => sizeOf(a.shape.slice(1)));
    const carryAvals = outAvals.slice(0, numCarry);
    return (ins, outs) => {
      const turns = [carryAvals.map(bufferFor), carryAvals.map(bufferFor)];
      let carry = ins.slice(numConsts, numConsts + numCarry);
      const args = [...ins.slice(0, numConsts), ...carry, ...new Array<Storage>(nx)];
      const dests = new Array<Storage>(numCarry + yStep.length);
      for (let k = 0; k < length; k++) {
        const i = reverse ? length - 1 - k : k;
        const next = turns[k % 2]!;
        for (let c = 0; c < numCarry; c++) {
          args[numConsts + c] = carry[c]!;
          dests[c] = next[c]!;
        }
        for (let j = 0; j < nx; j++) args[numConsts + numCarry + j] = ins[numConsts + numCarry + j]!.subarray(i * xStep[j]!, (i + 1) * xStep[j]!);
        for (let j = 0; j < yStep.length; j++) dests[numCarry + j] = outs[numCarry + j]!.subarray(i * yStep[j]!, (i + 1) * yStep[j]!);
        plan.runInto(args, dests);
        carry = next;
      }
      for (let c = 0; c < numCarry; c++) outs[c]!.set(carry[c]!);
    };
  },
  jvp: (primals, tangents, params) => {
    const { body, numConsts, numCarry } = params;
    const nx = primals.length - numConsts - numCarry;
    const isCarry = (k: number) => k >= numConsts && k < numConsts + numCarry;
    const has = (k: number) => tangents[k] !== null && tangents[k] !== undefined;
    // Differentiate float carries always (a tangent can enter them through the loop), others when they have a tangent.
    const mask = primals.map((p, k) => isFloat(p.dtype) && (isCarry(k) || has(k)));
    const split = splitDerivative(body, mask, (k) => !isCarry(k));

    // 1. The primal scan, also stacking each step's residuals.
    const all = bindMulti(Scan, [...split.primal.consts, ...primals], {
      ...params,
      body: split.primal.program,
      numConsts: split.primal.consts.length + numConsts,
    });
    const nOut = body.outputs.length;
    const outs = all.slice(0, nOut);
    const stacked = all.slice(nOut);

    // 2. The tangent scan: linear in the tangents, reading the residuals.
    const consts = primals.slice(0, numConsts);
    const xs = primals.slice(numConsts + numCarry);
    const pick = (from: number, to: number) => range(from, to).filter((k) => mask[k]);
    const [kc, kcar, kx] = [pick(0, numConsts), pick(numConsts, numConsts + numCarry), pick(numConsts + numCarry, primals.length)];
    const tConsts = kc.map((k) => tangents[k]!);
    const tCarry = kcar.map((k) => tangents[k] ?? zerosOf(primals[k]!));
    const tXs = kx.map((k) => tangents[k]!);
    const step = (a: Aval): Aval => ({ shape: a.shape.slice(1), dtype: a.dtype });
    const tangentBody = traceClosed((a) => {
      let i = 0;
      const take = (n: number) => a.slice(i, (i += n));
      const [c, tc, tcar, x, res, tx] = [take(numConsts), take(kc.length), take(kcar.length), take(nx), take(stacked.length), take(kx.length)];
      const inputs = [...c, ...new Array<Tensor>(numCarry), ...x];
      const ts = [...tc, ...tcar, ...tx];
      return split.tangent(inputs, res, ts).filter((t): t is Tensor => t !== null);
    }, [...consts, ...tConsts, ...tCarry, ...xs.map(step), ...stacked.map(step), ...tXs.map(step)]);
    const tOuts = bindMulti(Scan, [...tangentBody.consts, ...consts, ...tConsts, ...tCarry, ...xs, ...stacked, ...tXs], {
      ...params,
      body: tangentBody.program,
      numConsts: tangentBody.consts.length + numConsts + tConsts.length,
      numCarry: tCarry.length,
    });
    let j = 0;
    return [outs, outs.map((o) => (isFloat(o.dtype) ? tOuts[j++]! : null))];
  },
  transpose: (cts, ins, { body, numConsts, numCarry, length, reverse }) => {
    const consts = ins.slice(0, numConsts);
    // A linear scan is linear in its whole carry. A known carry here is an
    // instantiated zero tangent: treat it as linear too (its cotangent is dropped).
    const carry = ins.slice(numConsts, numConsts + numCarry).map((c) => (c instanceof UndefinedPrimal ? c : new UndefinedPrimal(c)));
    const xs = ins.slice(numConsts + numCarry);
    const linC = consts.filter((c): c is UndefinedPrimal => c instanceof UndefinedPrimal);
    const knownC = consts.filter((c): c is Tensor => !(c instanceof UndefinedPrimal));
    const knownX = xs.filter((x): x is Tensor => !(x instanceof UndefinedPrimal));
    const outAvals = body.outputs.map((o) => o!.aval);
    const ctCarry = carry.map((c, i) => cts[i] ?? zerosOf((c as UndefinedPrimal).aval));
    const ctYs = outAvals.slice(numCarry).map((a, i) => cts[numCarry + i] ?? zerosOf({ shape: [length, ...a.shape], dtype: a.dtype }));
    const acc = linC.map((c) => zerosOf(c.aval));
    const step = (a: Aval): Aval => ({ shape: a.shape.slice(1), dtype: a.dtype });
    const transposed = traceClosed((a) => {
      let k = 0;
      const take = (n: number) => a.slice(k, (k += n));
      const [kc, ctc, ac, kx, cty] = [take(knownC.length), take(numCarry), take(linC.length), take(knownX.length), take(ctYs.length)];
      let ic = 0;
      let ix = 0;
      const args = [
        ...consts.map((c) => (c instanceof UndefinedPrimal ? c : kc![ic++]!)),
        ...carry.map((c) => c as UndefinedPrimal),
        ...xs.map((x) => (x instanceof UndefinedPrimal ? new UndefinedPrimal(step(x.aval)) : kx![ix++]!)),
      ];
      const inCts = backwardPass(body, args, [...ctc!, ...cty!]);
      const ctConsts = consts.flatMap((c, i) => (c instanceof UndefinedPrimal ? [inCts[i] ?? zerosOf(c.aval)] : []));
      const ctCarryIn = carry.map((c, i) => inCts[numConsts + i] ?? zerosOf((c as UndefinedPrimal).aval));
      const ctX = xs.flatMap((x, i) => (x instanceof UndefinedPrimal ? [inCts[numConsts + numCarry + i] ?? zerosOf(step(x.aval))] : []));
      return [...ctCarryIn, ...ac!.map((s, i) => add(s, ctConsts[i]!)), ...ctX];
    }, [...knownC, ...ctCarry, ...acc, ...knownX.map(step), ...ctYs.map(step)]);
    const outs = bindMulti(Scan, [...transposed.consts, ...knownC, ...ctCarry, ...acc, ...knownX, ...ctYs], {
      body: transposed.program,
      numConsts: transposed.consts.length + knownC.length,
      numCarry: numCarry + linC.length,
      length,
      reverse: !reverse,
    });
    const ctCarryIn = outs.slice(0, numCarry);
    const ctConsts = outs.slice(numCarry, numCarry + linC.length);
    const ctXs = outs.slice(numCarry + linC.length);
    let jc = 0;
    let jx = 0;
    return [
      ...consts.map((c) => (c instanceof UndefinedPrimal ? ctConsts[jc++]! : null)),
      ...ctCarryIn.map((c, i) => (ins[numConsts + i] instanceof UndefinedPrimal ? c : null)),
      ...xs.map((x) => (x instanceof UndefinedPrimal ? ctXs[jx++]! : null)),
    ];
  },
  pruneResults: (params, used) => {
    const keep = used.map((u, i) => u || i < params.numCarry); // every carry feeds the next step
    if (keep.every(Boolean)) return undefined;
    const b = params.body;
    return { params: { ...params, body: new Program(b.inputs, b.consts, b.eqns, b.outputs.filter((_, i) => keep[i])) }, keep };
  },
  batch: (ins, dims, { body, numConsts, numCarry, length, reverse }) => {
    const b = ins.findIndex((_, i) => dims[i] !== null && dims[i] !== undefined);
    const n = ins[b]!.shape[dims[b]!]!;
    const isB = (i: number) => dims[i] !== null && dims[i] !== undefined;
    const consts = ins.slice(0, numConsts).map((c, i) => (isB(i) ? moveAxis(c, dims[i]!, 0) : c));
    const carry = ins.slice(numConsts, numConsts + numCarry).map((c, i) => {
      const at = numConsts + i;
      return isB(at) ? moveAxis(c, dims[at]!, 0) : vmapFlat((a) => a, [c], [null], n)[0]!;
    });
    const xs = ins.slice(numConsts + numCarry).map((x, i) => {
      const at = numConsts + numCarry + i;
      return isB(at) ? moveAxis(x, dims[at]!, 1) : x;
    });
    const inDims = [
      ...consts.map((_, i) => (isB(i) ? 0 : null)),
      ...carry.map(() => 0),
      ...xs.map((_, i) => (isB(numConsts + numCarry + i) ? 0 : null)),
    ];
    const stepAval = (x: Tensor): Aval => ({ shape: x.shape.slice(1), dtype: x.dtype });
    const batchedBody = traceClosed((a) => vmapFlat((p) => run(body, p), a, inDims, n), [...consts, ...carry, ...xs.map(stepAval)]);
    const outs = bindMulti(Scan, [...batchedBody.consts, ...consts, ...carry, ...xs], {
      body: batchedBody.program,
      numConsts: batchedBody.consts.length + numConsts,
      numCarry,
      length,
      reverse,
    });
    return [outs, outs.map((_, i) => (i < numCarry ? 0 : 1))];
  },
};

export interface ScanOptions {
  /** Number of steps; needed when `xs` has no leaves. */
  readonly length?: number;
  /** Run from the last slice of `xs` to the first. */
  readonly reverse?: boolean;
}

/**
 * Loop `f(carry, x) → [carry, y]` over the leading axis of `xs`, returning the
 * final carry and the stacked `y`s. Differentiable, and works under `jit`,
 * `vmap` and `jvp`.
 * @example
 * const cumsum = (xs: Tensor) => scan((c: Tensor, x: Tensor) => [add(c, x), add(c, x)] as const, scalar(0), xs)[1]
 * cumsum(tensor([1, 2, 3])) // => [1, 3, 6]
 */
export function scan<C, X, Y>(f: (carry: C, x: X) => readonly [C, Y], init: C, xs: X, options: ScanOptions = {}): [C, Y] {
  checkFunction('scan', f);
  const [carry, carryDef] = tensorLeaves('scan', init, 'the initial carry');
  const [xLeaves, xDef] = tensorLeaves('scan', xs, 'xs');
  const scalarX = xLeaves.find((x) => x.rank === 0);
  if (scalarX !== undefined) throw new PuregradError('scan', 'a leaf of xs is a scalar (shape []); every leaf needs a leading axis to loop over');
  const length = options.length ?? xLeaves[0]?.shape[0];
  if (length === undefined) throw new PuregradError('scan', 'xs has no tensors, so give the number of steps as { length }');
  if (!Number.isInteger(length) || length < 0) throw new PuregradError('scan', `length must be a non-negative integer, got ${length}`);
  xLeaves.forEach((x) => {
    if (x.shape[0] !== length) {
      throw new PuregradError('scan', `every leaf of xs must have leading axis ${length}, got shape ${showShape(x.shape)}`);
    }
  });
  let yDef: TreeDef | undefined;
  let outCarryDef: TreeDef | undefined;
  const body = traceClosed((a) => {
    const c = unflatten(carryDef, a.slice(0, carry.length)) as C;
    const x = unflatten(xDef, a.slice(carry.length)) as X;
    const result: unknown = f(c, x);
    if (!Array.isArray(result) || result.length !== 2) {
      throw new PuregradError('scan', 'the body must return a pair [carry, y] (use null for y when there is nothing to stack)');
    }
    const [c2, y] = result as [C, Y];
    const [cs, cdef] = tensorLeaves('scan', c2, "the body's carry");
    const [ys, ydef] = tensorLeaves('scan', y, "the body's y");
    outCarryDef = cdef;
    yDef = ydef;
    return [...cs, ...ys];
  }, [...carry, ...xLeaves.map((x) => ({ shape: x.shape.slice(1), dtype: x.dtype }))]);
  if (!sameStructure(carryDef, outCarryDef!)) {
    throw new PuregradError('scan', `the body takes a carry of structure ${showStructure(carryDef)} but returns ${showStructure(outCarryDef!)}`);
  }
  const outs = bindMulti(Scan, [...body.consts, ...carry, ...xLeaves], {
    body: body.program,
    numConsts: body.consts.length,
    numCarry: carry.length,
    length,
    reverse: options.reverse ?? false,
  });
  return [unflatten(carryDef, outs.slice(0, carry.length)) as C, unflatten(yDef!, outs.slice(carry.length)) as Y];
}
