/**
 * puregrad: functional, immutable differentiation for TypeScript.
 *
 * Tensors and ops, the transformations (`grad`, `vjp`, `jvp`, …), parameter
 * trees and `nn` building blocks. Internals (buffers, the trace stack) are not
 * exported.
 */

import './ops/methods.ts';

export { Tensor } from './tensor/tensor.ts';
export type { NestedArray } from './tensor/tensor.ts';
export type { DType } from './tensor/dtype.ts';
export type { Shape } from './tensor/shape.ts';
export { arange, eye, full, linspace, ones, scalar, zeros } from './tensor/create.ts';
export { tensor } from './ops/create.ts';
export type { TensorLike, TensorOptions } from './tensor/create.ts';
export type { SpecialFloat, TensorJSON } from './tensor/json.ts';
export { ConcretizationError, PuregradError } from './tensor/errors.ts';
export { debugNans, NonFiniteError } from './trace/debug.ts';
export { setThreads } from './kernels/threads.ts';
export * from './ops/index.ts';
export { grad, jvp, makeProgram, valueAndGrad, vjp } from './transforms/api.ts';
export type { GradOf, GradOptions } from './transforms/api.ts';
export { hessian, jacfwd, jacrev } from './transforms/jac.ts';
export type { JacOptions } from './transforms/jac.ts';
export { evalProgram } from './transforms/eval.ts';
export { vmap } from './transforms/vmap.ts';
export { jit } from './transforms/jit.ts';
export { cond } from './control/cond.ts';
export { customJvp, customVjp } from './control/custom.ts';
export { scan } from './control/scan.ts';
export type { ScanOptions } from './control/scan.ts';
export type { JitOptions, Jitted, Lowered } from './transforms/jit.ts';
export type { Axes, VmapOptions } from './transforms/vmap.ts';
export { Program } from './ir/program.ts';
export * as tree from './tree/index.ts';
export type { Tree, TreeDef } from './tree/index.ts';
export * as nn from './nn/index.ts';
export * as optim from './optim/index.ts';
export * as random from './random/index.ts';
export * as io from './io/index.ts';
export * as check from './check/index.ts';
export type { GradCheckEntry, GradCheckFailure, GradCheckOptions, GradCheckReport, GradMode } from './check/index.ts';
export * as data from './data/index.ts';
export type { BatchSize, Dataset } from './data/index.ts';
export * as train from './train/index.ts';
export type { EpochRecord, FitOptions, FitResult, History, StepProgress, StepRecord } from './train/index.ts';
export { explain } from './explain/index.ts';
export type { BackwardLine, ExplainedInput, ExplainOptions, Explanation, ExplanationRow, ForwardLine, NamedValue, PartialDerivative } from './explain/index.ts';
