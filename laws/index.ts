/**
 * `puregrad/testing`: the law kit. Pure predicates that return a `Verdict`,
 * fast-check arbitraries for tensors, and harnesses that run the laws on a
 * user's own functions.
 */

export * as arbitraries from './arbitraries.ts';
export { anyTensor, broadcastablePair, seed, shape, tensorOf } from './arbitraries.ts';
export { mlpParams, parameterTree, randomKey } from './params.ts';
export type { TreeConstraints } from './params.ts';
export type { ShapeConstraints, ValueConstraints } from './arbitraries.ts';
export {
  gradMatchesFiniteDifferences, jvpMatchesFiniteDifferences, secondOrderMatchesFiniteDifferences, vjpIsAdjointOfJvp, vjpMatchesFiniteDifferences,
} from './ad.ts';
export { adjointHoldsOnTrees, jitCallMatchesEager } from './functions.ts';
export type { TreeFn } from './functions.ts';
export { variantsOf, vmapMatchesLoop } from './batching.ts';
export { jitMatchesEager, programVmapMatchesLoop, randomProgram, scalarized } from './programs.ts';
export type { RandomProgram } from './programs.ts';
export type { TensorFn } from './ad.ts';
export {
  batchGradientIsMeanOfPerSample,
  sharedWeightsSumGradients,
  sigmoidBinaryCrossEntropyGradient,
  softmaxCrossEntropyGradient,
} from './teaching.ts';
export { convGradientIsSharedDense } from './conv.ts';
export type { SharedDenseOptions } from './conv.ts';
export {
  chainHasIdentity,
  chainIsAssociative,
  descendsOnQuadratic,
  jitUpdateMatchesEager,
  quadraticLoss,
  transformationsAgree,
  updateIsPure,
  updateIsScaleInvariant,
  updatePreservesStructure,
} from './optim.ts';
export type { OptimizerCase, Quadratic, Transformation } from './optim.ts';
export {
  checkChainAssociativity, checkDescent, checkOptimizerLaws, convexQuadratic, optimizerCase, optimizerCaseOf,
} from './optim-harness.ts';
export type { DescentLawOptions, OptimizerCaseConstraints, OptimizerLawOptions } from './optim-harness.ts';
export { assertLaw, checkAdjointness, checkGradientLaws, checkGradients, checkJitMatchesEager } from './harness.ts';
export type { AdjointLawOptions, GradientLawOptions, JitLawOptions, RunOptions } from './harness.ts';
export { all, allClose, close, rng } from './numeric.ts';
export type { Tolerance, Verdict } from './numeric.ts';
