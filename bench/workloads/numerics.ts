/**
 * Workloads 3 and 4: the 512³ float32 matmul (checked against a float64
 * product, timed, in GFLOP/s) and the MLP's Hessian-vector product in W1 by
 * grad-of-grad and jvp-of-grad, checked against the closed form of exact.ts.
 */

import { exactMatmul, exactMlp, relativeError } from '../exact.ts';
import type { Contender } from '../libs/types.ts';
import type { Outcome, Section, TargetResult } from '../report.ts';
import { attempt, check, ratio, sci, time, timing, valueOr } from '../report.ts';
import type { Built, Workload } from './context.ts';
import { build, jaxContender, threadedPuregrad, timeCases } from './context.ts';

/** float32 products of length-512 sums of uniform(−1, 1) terms: a correct kernel stays well inside this. */
const MATMUL_TOLERANCE = 1e-5;

export const matmul: Workload = async (ctx) => {
  const d = ctx.data.matmul;
  const flops = 2 * d.n ** 3;
  const exact = exactMatmul(d.a, d.b, d.n);
  const checkProduct = (k: { product: () => ArrayLike<number> }) => attempt(() => relativeError(k.product(), exact));
  const checked: (Built & { error: Outcome<number> })[] = [];
  for (const c of ctx.contenders) {
    if (c.matmul === undefined) continue;
    ctx.progress(`matmul: ${c.name}: build and check`);
    const b = await build(c, () => c.matmul!(d));
    const error = b.built.ok ? checkProduct(b.built.value) : b.built;
    checked.push({ contender: c, built: error.ok ? b.built : error, error });
  }
  ctx.progress(`matmul: timing ${checked.length} contenders, interleaved`);
  const timed = await timeCases(ctx, checked);
  const runs = checked.map((c, i) => ({ contender: c.contender, error: c.error, t: timed[i]! }));
  const gflops = (c: Contender | undefined) => {
    const t = valueOr(runs.find((r) => r.contender === c)?.t)?.median;
    return t === undefined ? undefined : flops / t / 1e9;
  };
  const threaded = threadedPuregrad(ctx.contenders);
  const single = ctx.contenders.filter((c) => c.library === 'puregrad' && c !== threaded).map(gflops);
  const bestSingle = single.some((g) => g !== undefined) ? Math.max(...single.map((g) => g ?? 0)) : undefined;
  const jax = gflops(jaxContender(ctx.contenders));
  const section: Section = {
    title: `matmul ${d.n}×${d.n} · ${d.n}×${d.n} float32, result read back`,
    headers: ['contender', 'time', 'GFLOP/s', 'rel. error vs float64', 'vs jax-js'],
    rows: runs.map((r) => {
      const g = gflops(r.contender);
      return [r.contender.name, timing(r.t), g === undefined ? '—' : g.toFixed(1),
        r.error.ok ? `${sci(r.error.value)}${r.error.value <= MATMUL_TOLERANCE ? '' : ' WRONG'}` : `error: ${r.error.error}`,
        ratio(g !== undefined && jax !== undefined ? g / jax : undefined)];
    }),
    notes: [`GFLOP/s = 2·${d.n}³ / time. "vs jax-js" is GFLOP/s over jax-js's (above 1× faster).`],
  };
  const targets: TargetResult[] = [
    { target: 'matmul 512³ ≥ 40 GFLOP/s, one thread (best puregrad row)', measured: bestSingle?.toFixed(1) ?? '—', status: check(bestSingle, '≥', 40) },
    {
      target: 'matmul 512³ ≥ 70 GFLOP/s, two threads',
      measured: threaded === undefined ? 'no setThreads in puregrad' : gflops(threaded)?.toFixed(1) ?? '—',
      status: check(gflops(threaded), '≥', 70),
    },
  ];
  return { sections: [section], targets };
};

interface Hvp {
  readonly error: Outcome<number> | undefined;
  readonly seconds: number | undefined;
}

function oneHvp(f: (() => ArrayLike<number>) | undefined, exact: Float64Array): Hvp {
  if (f === undefined) return { error: undefined, seconds: undefined };
  const start = performance.now();
  const error = attempt(() => relativeError(f(), exact));
  return { error, seconds: error.ok ? (performance.now() - start) / 1000 : undefined };
}

export const hvp: Workload = async (ctx) => {
  const d = ctx.data.mlp;
  const exact = exactMlp(d);
  const rows: string[][] = [];
  const verdicts = new Map<Contender, { gog: number | undefined; jog: number | undefined }>();
  for (const c of ctx.contenders) {
    if (c.hvp === undefined) continue;
    ctx.progress(`hvp: ${c.name}`);
    await c.activate?.();
    const built = attempt(() => c.hvp!(d));
    if (!built.ok) {
      rows.push([c.name, '', `error: ${built.error}`]);
      continue;
    }
    const bound = built.value.dtype === 'float64' ? 1e-10 : 1e-4;
    const show = (h: Hvp) => {
      if (h.error === undefined) return 'not available';
      if (!h.error.ok) return `error: ${h.error.error}`;
      return `${sci(h.error.value)} ${h.error.value <= bound ? 'correct' : h.error.value <= 1e-4 ? 'inexact' : 'WRONG'}`;
    };
    const loss = attempt(() => Math.abs(built.value.loss() - exact.loss) / exact.loss);
    const gog = oneHvp(built.value.gradOfGrad, exact.hvp);
    const jog = oneHvp(built.value.jvpOfGrad, exact.hvp);
    rows.push([c.name, built.value.dtype, loss.ok ? sci(loss.value) : `error: ${loss.error}`,
      show(gog), time(gog.seconds), show(jog), time(jog.seconds)]);
    verdicts.set(c, { gog: valueOr(gog.error), jog: valueOr(jog.error) });
  }
  const pg = ctx.contenders.find((c) => c.library === 'puregrad' && c.hvp !== undefined);
  const v = pg === undefined ? undefined : verdicts.get(pg);
  const norm = Math.sqrt(exact.hvp.reduce((s, x) => s + x * x, 0));
  const section: Section = {
    title: 'Hessian-vector product of the MLP loss in W1 along a random direction',
    headers: ['contender', 'dtype', 'loss rel. error', 'grad-of-grad rel. error', 'time', 'jvp-of-grad rel. error', 'time'],
    rows,
    notes: [
      'Reference: the closed form of bench/exact.ts (ReLU masks fixed; exact for a ReLU net away from kinks), float64.',
      `‖HV‖₂ = ${norm.toPrecision(6)}, VᵀHV = ${exact.curvature.toPrecision(8)}, smallest |pre-activation| = ${sci(exact.nearestKink)}.`,
      'Verdict: correct ≤ 1e-10 relative in float64 (≤ 1e-4 in float32; TF.js has no float64 and no forward mode), ' +
        'inexact ≤ 1e-4, WRONG beyond.',
      'The loss column is the forward pass alone against the float64 loss: an error there is the arithmetic\'s, not the derivative\'s.',
    ],
  };
  const targets: TargetResult[] = [
    { target: 'HVP by grad-of-grad, rel. error ≤ 1e-10 (float64)', measured: sci(v?.gog), status: check(v?.gog, '≤', 1e-10) },
    { target: 'HVP by jvp-of-grad, rel. error ≤ 1e-10 (float64)', measured: sci(v?.jog), status: check(v?.jog, '≤', 1e-10) },
  ];
  return { sections: [section], targets };
};
