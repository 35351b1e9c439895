/**
 * The laws over random programs drawn from the primitive registry: batching
 * (`vmap(f) ≡ stack ∘ map f`), the differentiation laws on whole compositions,
 * and `jit ≡ evalProgram ≡ eager` bit for bit. Seeds are fixed (assertLaw's
 * default), so a failure reproduces.
 */

import fc from 'fast-check';
import { describe, it } from 'vitest';
import { jvpMatchesFiniteDifferences, secondOrderMatchesFiniteDifferences, vjpIsAdjointOfJvp } from '../laws/ad.ts';
import { seed } from '../laws/arbitraries.ts';
import { assertLaw } from '../laws/harness.ts';
import { fail, pass } from '../laws/numeric.ts';
import type { Jit, RandomProgram } from '../laws/programs.ts';
import { batchOf, jitMatchesEager, nonSmoothKinds, randomProgram, scalarized, stepKinds, programVmapMatchesLoop, withFn } from '../laws/programs.ts';
import type { Tensor } from '../src/index.ts';
import { grad, jit as jitFn } from '../src/index.ts';
import { backwardCacheInfo, setCompiledBackward } from '../src/transforms/backward.ts';

const jit: Jit = jitFn as unknown as Jit;

const programs = randomProgram();
/** Finite differences see through a float32 round trip and stopGradient, so those steps are left out here. */
const smoothPrograms = randomProgram({ kinds: stepKinds.filter((k) => !nonSmoothKinds.includes(k)) });
/**
 * The float32 round trip rounds tangents and cotangents to float32, so ⟨u, J v⟩
 * and ⟨Jᵀu, v⟩ agree only to ~1e-8: it is left out of the tight adjoint law.
 */
const float64Programs = randomProgram({ kinds: stepKinds.filter((k) => k !== 'castFloat32') });

/** Random in-axes, each in 0..rank or null, with at least one input batched. */
const inAxesFor = (p: RandomProgram): fc.Arbitrary<(number | null)[]> =>
  fc.tuple(...p.inputs.map((x) => fc.option(fc.integer({ min: 0, max: x.rank }), { nil: null })))
    .map((axes) => (axes.every((a) => a === null) ? [0, ...axes.slice(1)] : axes));

// The primitives' own finite-difference tolerance: magnitudes are bounded (by
// 8) and domains guarded, so compositions need no looser one (2,000 runs pass
// even at atol 1e-7, rtol 1e-6).
const fdTol = { atol: 1e-6, rtol: 1e-5 };
const adjointTol = { atol: 1e-9, rtol: 1e-9 };

const batched = (arb: fc.Arbitrary<RandomProgram>) =>
  arb.chain((p) => fc.tuple(fc.constant(p), fc.integer({ min: 1, max: 3 }), seed(), inAxesFor(p)));
const batchTol = { atol: 1e-12, rtol: 1e-12 };

// Each law takes well under a second at these counts; the whole file about two.
describe('random programs', () => {
  it('vmap(f)(xs) ≡ stack(xs.map(f))', () => {
    assertLaw(batched(programs), ([p, size, s, inAxes]) => programVmapMatchesLoop(batchTol)(p, batchOf(p, size, s), inAxes), { numRuns: 200 });
  });

  it('JVP agrees with central finite differences', () => {
    assertLaw(fc.tuple(smoothPrograms, seed()), ([p, s]) => jvpMatchesFiniteDifferences(scalarized(p), fdTol)(p.inputs, s), { numRuns: 100 });
  });

  it('VJP is the adjoint of JVP', () => {
    assertLaw(fc.tuple(float64Programs, seed()), ([p, s]) => vjpIsAdjointOfJvp(scalarized(p), adjointTol)(p.inputs, s), { numRuns: 100 });
  });

  it('second derivatives agree with finite differences of the first', () => {
    assertLaw(fc.tuple(smoothPrograms, seed()), ([p, s]) => secondOrderMatchesFiniteDifferences(scalarized(p), fdTol)(p.inputs, s), { numRuns: 100 });
  });

  it('jit(f) ≡ evalProgram(makeProgram(f)) ≡ f, bit for bit', () => {
    assertLaw(programs, jitMatchesEager(jit), { numRuns: 200 });
  });

  it('an eager gradient whose backward pass runs compiled ≡ the op-by-op pass, bit for bit', () => {
    let compiledRuns = 0;
    assertLaw(fc.tuple(programs, seed()), ([p, s]) => {
      const f = scalarized(p);
      const gradAll = (xs: readonly Tensor[]) => grad(f, { argnums: xs.map((_, i) => i) })(...xs) as Tensor[];
      const bits = (ts: readonly Tensor[]) => ts.map((t) => Array.from(t.toTypedArray(), (v) => (Object.is(v, -0) ? '-0' : String(v))));
      const variants = batchOf(p, 2, s);
      setCompiledBackward(false);
      const expected = variants.map((xs) => bits(gradAll(xs)));
      setCompiledBackward(true);
      const before = backwardCacheInfo().runs;
      // The first call sees the structure, the second compiles and runs it, the third (new values) reuses the plan.
      const got = [bits(gradAll(variants[0]!)), bits(gradAll(variants[0]!)), bits(gradAll(variants[1]!))];
      if (backwardCacheInfo().runs >= before + 2) compiledRuns += 1;
      const want = [expected[0], expected[0], expected[1]];
      const k = got.findIndex((g, i) => JSON.stringify(g) !== JSON.stringify(want[i]));
      return k < 0 ? pass : fail(`call ${k + 1}: ${JSON.stringify(got[k])} but op by op ${JSON.stringify(want[k])}`);
    }, { numRuns: 150 });
    // Most random programs have plain params only: the law must have exercised the compiled path.
    if (compiledRuns < 50) throw new Error(`only ${compiledRuns} of 150 programs ran a compiled backward pass`);
  });

  it('jit composes: vmap(jit(f)) ≡ stack(xs.map(jit(f)))', () => {
    assertLaw(batched(programs), ([p, size, s, inAxes]) => programVmapMatchesLoop(batchTol)(withFn(p, 'jit', jit(p.fn)), batchOf(p, size, s), inAxes), { numRuns: 100 });
  });

  it('jit composes: the VJP of jit(f) is the adjoint of its JVP', () => {
    assertLaw(fc.tuple(float64Programs, seed()), ([p, s]) => vjpIsAdjointOfJvp(scalarized(withFn(p, 'jit', jit(p.fn))), adjointTol)(p.inputs, s), { numRuns: 100 });
  });
});
