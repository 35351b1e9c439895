/**
 * Every primitive in the registry against every law, in float64. The loop is
 * over the registry and the domain table is total, so a new primitive is
 * covered the moment it is registered.
 */

import fc from 'fast-check';
import { describe, it } from 'vitest';
import { jvpMatchesFiniteDifferences, secondOrderMatchesFiniteDifferences, vjpIsAdjointOfJvp, vjpMatchesFiniteDifferences } from '../laws/ad.ts';
import { seed } from '../laws/arbitraries.ts';
import { variantsOf, vmapMatchesLoop } from '../laws/batching.ts';
import { assertLaw } from '../laws/harness.ts';
import { shapeRuleMatchesKernel, tangentPathIsTransposable } from '../laws/primitives.ts';
import type { AnyPrimitive } from '../src/ir/primitive.ts';
import type { Tensor } from '../src/index.ts';
import { primNames, registry } from '../src/primitives/registry.ts';
import { bind, bindMulti } from '../src/trace/core.ts';
import { concatenate, grad, jit, reshape } from '../src/index.ts';
import { allClose, randomLike, rng } from '../laws/numeric.ts';
import type { Case } from './domains.ts';
import { domains } from './domains.ts';

const runs = { numRuns: 200 };
const defaultTol = { atol: 1e-6, rtol: 1e-5 };
const adjointTol = { atol: 1e-9, rtol: 1e-9 };

const withSeed = (cases: fc.Arbitrary<Case>) => fc.tuple(cases, seed());

/** All results of a multi-result primitive as one flat tensor, so the one-output laws apply. */
const joined = (outs: readonly Tensor[]): Tensor => (outs.length === 1 ? outs[0]! : concatenate(outs.map((o) => reshape(o, [o.size]))));

describe.each(primNames.map((name) => [name]))('primitive %s', (name) => {
  const prim: AnyPrimitive = registry[name];
  const domain = domains[name];
  const all = (params: object) => (...xs: Tensor[]): readonly Tensor[] =>
    prim.multipleResults ? bindMulti(prim, xs, params) : [bind(prim, xs, params)];
  const fn = (params: object) => (...xs: Tensor[]): Tensor => joined(all(params)(...xs));
  const tol = domain.tol ?? defaultTol;
  const covered = domain.coveredBy !== undefined;
  const forward = !covered && domain.reverseOnly !== true;
  const fd = forward && domain.noFiniteDifferences === undefined;

  // Each law is stated only where it applies; the domain table says why not elsewhere.
  it('is registered under its own name', () => {
    if (prim.name !== name) throw new Error(`registry key ${name} holds primitive ${prim.name}`);
  });

  if (!covered) it('shape rule agrees with the kernel', () => {
    assertLaw(domain.cases, (c) => shapeRuleMatchesKernel(prim)(c.inputs, c.params), runs);
  });

  if (!covered) it('has a transpose rule for everything its JVP puts on the tangent path', () => {
    assertLaw(domain.cases, (c) => tangentPathIsTransposable(fn(c.params))(c.inputs), runs);
  });

  if (forward) it('VJP is the adjoint of JVP', () => {
    assertLaw(withSeed(domain.cases), ([c, s]) => vjpIsAdjointOfJvp(fn(c.params), adjointTol)(c.inputs, s), runs);
  });

  if (domain.reverseOnly ?? false) it('VJP agrees with central finite differences (reverse-only primitive)', () => {
    assertLaw(withSeed(domain.cases), ([c, s]) => vjpMatchesFiniteDifferences(fn(c.params), tol)(c.inputs, s), runs);
  });

  if (!covered) it('jit agrees with eager evaluation bit for bit, and with the grad of eager', () => {
    assertLaw(withSeed(domain.cases), ([c, s]) => {
      const eager = all(c.params)(...c.inputs);
      const jitted = jit(all(c.params))(...c.inputs);
      const same = eager.every((e, i) => {
        const [a, b] = [e.toTypedArray(), jitted[i]!.toTypedArray()];
        return a.length === b.length && a.every((v, j) => Object.is(v, b[j]));
      });
      if (!same) return { ok: false, message: 'jit result differs from eager' };
      if (!forward && !(domain.reverseOnly ?? false)) return { ok: true, message: 'ok' };
      const floats = c.inputs.flatMap((x, i) => (x.dtype === 'float64' ? [i] : []));
      if (floats.length === 0 || !eager.every((e) => e.dtype === 'float64')) return { ok: true, message: 'ok' };
      const scalar = (...xs: Tensor[]) => joined(all(c.params)(...xs)).mul(randomLike(joined(eager), rng(s))).sum();
      const g = grad(scalar, { argnums: floats })(...c.inputs) as Tensor[];
      const gj = jit(grad(scalar, { argnums: floats }))(...c.inputs) as Tensor[];
      return allClose('jit(grad) vs grad', joined(gj), joined(g), { atol: 1e-12, rtol: 1e-12 });
    }, runs);
  });

  if (!covered) it('vmap agrees with a loop over examples, for every choice of batched operands and axes', () => {
    const batchCases = fc.tuple(domain.cases, seed(), fc.integer({ min: 1, max: 3 })).chain(([c, s, size]) =>
      fc.tuple(...c.inputs.map((x) => fc.option(fc.integer({ min: 0, max: x.rank }), { nil: null })))
        .filter((axes) => axes.some((a) => a !== null))
        .map((axes) => ({ c, variants: variantsOf(c.inputs, size, s), axes })));
    assertLaw(batchCases, ({ c, variants, axes }) => vmapMatchesLoop(all(c.params), { atol: 1e-12, rtol: 1e-12 })(variants, axes), runs);
  });

  if (fd) it('JVP agrees with central finite differences', () => {
    assertLaw(withSeed(domain.cases), ([c, s]) => jvpMatchesFiniteDifferences(fn(c.params), tol)(c.inputs, s), runs);
  });

  if (!covered && domain.noFiniteDifferences === undefined) it('second derivatives agree with finite differences of the first', () => {
    assertLaw(withSeed(domain.cases), ([c, s]) => secondOrderMatchesFiniteDifferences(fn(c.params), tol)(c.inputs, s), runs);
  });
});
