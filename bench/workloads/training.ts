/**
 * Workloads 1 and 2: the MLP train step (with forward-only and forward+backward
 * timings for the gradient overhead) and the XOR step. Before timing, each
 * contender takes a few steps from the shared weights and the losses are
 * checked against each other and against a float64 value computed here.
 */

import type { XorData } from '../data.ts';
import { exactMlp } from '../exact.ts';
import type { Case, Contender } from '../libs/types.ts';
import type { Outcome, Section, TargetResult } from '../report.ts';
import { attempt, check, ratio, time, timing, valueOr } from '../report.ts';
import type { Timing } from '../timing.ts';
import { median } from '../timing.ts';
import type { Built, Context, Workload } from './context.ts';
import { build, donatingPuregrad, eagerPuregrad, jaxContender, mainPuregrad, threadedPuregrad, timeCases } from './context.ts';

const TOLERANCE = 1e-4;

interface Trained {
  readonly contender: Contender;
  readonly losses: Outcome<number[]>;
  readonly step: Outcome<Timing>;
}

const takeSteps = (k: Case, n: number): Outcome<number[]> => attempt(() => Array.from({ length: n }, () => k.run()));

/**
 * Build each contender's stepping case and take `checkSteps` steps for the loss check, then time
 * further steps of all of them, interleaved. A case that failed its check is not timed.
 */
async function train(ctx: Context, make: (c: Contender) => (() => Case) | undefined, checkSteps: number): Promise<Trained[]> {
  const checked: (Built & { losses: Outcome<number[]> })[] = [];
  for (const c of ctx.contenders) {
    const m = make(c);
    if (m === undefined) continue;
    ctx.progress(`${c.name}: build and take ${checkSteps} steps`);
    const b = await build(c, m);
    const losses = b.built.ok ? takeSteps(b.built.value, checkSteps) : b.built;
    checked.push({ contender: c, built: losses.ok ? b.built : losses, losses });
  }
  ctx.progress(`timing ${checked.length} contenders, interleaved`);
  const steps = await timeCases(ctx, checked);
  return checked.map((c, i) => ({ contender: c.contender, losses: c.losses, step: steps[i]! }));
}

/** Time an operation that does not change between calls (forward, forward+backward) for every contender that has it. */
async function timeEach(ctx: Context, make: (c: Contender) => (() => Case) | undefined): Promise<Map<Contender, Outcome<Timing>>> {
  const built: Built[] = [];
  for (const c of ctx.contenders) {
    const m = make(c);
    if (m !== undefined) built.push(await build(c, m));
  }
  const timed = await timeCases(ctx, built);
  return new Map(built.map((b, i) => [b.contender, timed[i]!]));
}

const relDiff = (a: number, b: number) => Math.abs(a - b) / Math.abs(b);

/** The loss-agreement table: step 1 against an exact float64 loss, the last step against the median of all. */
function lossSection(title: string, runs: readonly Trained[], exactFirst: number): Section {
  const ok = runs.flatMap((r) => (r.losses.ok ? [r.losses.value] : []));
  const lastOf = (ls: number[]) => ls[ls.length - 1]!;
  const lastMedian = median(ok.map(lastOf).sort((a, b) => a - b));
  const n = ok[0]?.length ?? 0;
  let agree = ok.length > 0;
  const rows = runs.map((r) => {
    if (!r.losses.ok) return [r.contender.name, `error: ${r.losses.error}`];
    const ls = r.losses.value;
    const d1 = relDiff(ls[0]!, exactFirst);
    const dn = relDiff(lastOf(ls), lastMedian);
    const fine = d1 <= TOLERANCE && dn <= TOLERANCE;
    agree &&= fine;
    return [r.contender.name, ls[0]!.toPrecision(8), lastOf(ls).toPrecision(8), d1.toExponential(1), dn.toExponential(1), fine ? 'yes' : 'NO'];
  });
  return {
    title,
    headers: ['contender', 'loss, step 1', `loss, step ${n}`, 'rel. diff step 1 vs float64', `rel. diff step ${n} vs median`, 'agrees'],
    rows,
    notes: [
      `Step 1 loss computed exactly in float64 from the same weights: ${exactFirst.toPrecision(10)}.`,
      agree
        ? `All contenders that ran agree within ${TOLERANCE} relative at step 1 and step ${n}.`
        : `DISAGREEMENT: some contender is off by more than ${TOLERANCE} relative (or failed); see the table.`,
    ],
  };
}

/** "x vs y: r×" lines for every puregrad × peer pair (peer time / puregrad time; above 1 puregrad is faster). */
function ratioNotes(runs: readonly { contender: Contender; t: number | undefined }[]): string[] {
  const ours = runs.filter((r) => r.contender.library === 'puregrad' && r.t !== undefined);
  const peers = runs.filter((r) => r.contender.library !== 'puregrad' && r.t !== undefined);
  const lines = ours.map((o) => `${o.contender.name} vs ${peers.map((p) => `${p.contender.name} ${ratio(p.t! / o.t!)}`).join(', ')}`);
  return ['Speed ratios (peer time / puregrad time; above 1× puregrad is faster):', ...lines.map((l) => `  ${l}`)];
}

const median_ = (o: Outcome<Timing> | undefined) => valueOr(o)?.median;

export const mlp: Workload = async (ctx) => {
  const d = ctx.data.mlp;
  const exact = exactMlp(d);
  ctx.progress('mlp: train step');
  const trained = await train(ctx, (c) => c.mlpStep && (() => c.mlpStep!(d)), 5);
  ctx.progress('mlp: forward + backward');
  const fbs = await timeEach(ctx, (c) => c.mlpForwardBackward && (() => c.mlpForwardBackward!(d)));
  ctx.progress('mlp: forward');
  const fwds = await timeEach(ctx, (c) => c.mlpForward && (() => c.mlpForward!(d)));
  const runs = trained.map((t) => ({ ...t, fb: fbs.get(t.contender), fwd: fwds.get(t.contender) }));
  const stepOf = (c: Contender | undefined) => median_(runs.find((r) => r.contender === c)?.step);
  const overheadOf = (r: (typeof runs)[number]) => {
    const [fb, fwd] = [median_(r.fb), median_(r.fwd)];
    return fb !== undefined && fwd !== undefined ? fb / fwd : undefined;
  };
  const pg = mainPuregrad(ctx.contenders);
  const pgStep = stepOf(pg);
  const timingSection: Section = {
    title: 'MLP train step (784-256-128-10, batch 128, float32, SGD)',
    headers: ['contender', 'train step', 'steps/s', 'forward', 'fwd+bwd', '(fwd+bwd)/fwd', `${pg?.name ?? 'puregrad'} faster by`],
    rows: runs.map((r) => {
      const t = median_(r.step);
      return [r.contender.name, timing(r.step), t === undefined ? '—' : (1 / t).toFixed(1), timing(r.fwd), timing(r.fb),
        ratio(overheadOf(r)), ratio(t !== undefined && pgStep !== undefined ? t / pgStep : undefined)];
    }),
    notes: [
      'train step = forward + backward + SGD update, loss read back every step; fwd+bwd = loss and all gradients read back.',
      ...ratioNotes(runs.map((r) => ({ contender: r.contender, t: median_(r.step) }))),
    ],
  };
  const jaxStep = stepOf(jaxContender(ctx.contenders));
  const threaded = threadedPuregrad(ctx.contenders);
  const eager = eagerPuregrad(ctx.contenders);
  const donated = donatingPuregrad(ctx.contenders);
  const speedup = (c: Contender | undefined) => {
    const t = stepOf(c);
    return jaxStep !== undefined && t !== undefined ? jaxStep / t : undefined;
  };
  const pgRun = runs.find((r) => r.contender === pg);
  const targets: TargetResult[] = [
    { target: 'MLP step jitted ≥ 2× jax-js jit, one thread', measured: ratio(speedup(pg)), status: check(speedup(pg), '≥', 2) },
    {
      target: 'MLP step jitted ≥ 3× jax-js jit, both cores',
      measured: threaded === undefined ? 'no setThreads in puregrad' : ratio(speedup(threaded)),
      status: check(speedup(threaded), '≥', 3),
    },
    ...(donated.one === undefined ? [] : [{
      target: 'MLP step jitted, parameters donated (jax-js consumes its own) ≥ 2× jax-js jit, one thread',
      measured: ratio(speedup(donated.one)),
      status: check(speedup(donated.one), '≥', 2),
    }]),
    ...(donated.all === undefined ? [] : [{
      target: 'MLP step jitted, parameters donated ≥ 3× jax-js jit, both cores',
      measured: ratio(speedup(donated.all)),
      status: check(speedup(donated.all), '≥', 3),
    }]),
    { target: 'MLP step un-jitted valueAndGrad ≥ 1× jax-js jit', measured: ratio(speedup(eager)), status: check(speedup(eager), '≥', 1) },
    {
      target: 'gradient overhead (fwd+bwd)/fwd ≤ 2.1× (jitted)',
      measured: ratio(pgRun && overheadOf(pgRun)),
      status: check(pgRun && overheadOf(pgRun), '≤', 2.1),
    },
  ];
  return { sections: [timingSection, lossSection('MLP losses (same weights, 5 steps)', runs, exact.loss)], targets };
};

/** The XOR network's mean squared error at its initial weights, in float64. */
function exactXorLoss(d: XorData): number {
  const [l1, l2] = d.layers;
  const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));
  let total = 0;
  for (let r = 0; r < 4; r++) {
    let out = l2.b[0]!;
    for (let j = 0; j < 4; j++) {
      const h = sigmoid(d.x[2 * r]! * l1.w[j]! + d.x[2 * r + 1]! * l1.w[4 + j]! + l1.b[j]!);
      out += h * l2.w[j]!;
    }
    total += (sigmoid(out) - d.y[r]!) ** 2;
  }
  return total / 4;
}

export const xor: Workload = async (ctx) => {
  const d = ctx.data.xor;
  ctx.progress('xor: step');
  const runs = await train(ctx, (c) => c.xorStep && (() => c.xorStep!(d)), 3);
  const pg = mainPuregrad(ctx.contenders);
  const stepOf = (c: Contender | undefined) => median_(runs.find((r) => r.contender === c)?.step);
  const pgStep = stepOf(pg);
  const jaxStep = stepOf(jaxContender(ctx.contenders));
  const timingSection: Section = {
    title: 'XOR step (2-4-1 sigmoid, 4 samples, MSE, SGD)',
    headers: ['contender', 'step', 'steps/s', `${pg?.name ?? 'puregrad'} faster by`],
    rows: runs.map((r) => {
      const t = median_(r.step);
      return [r.contender.name, timing(r.step), t === undefined ? '—' : (1 / t).toFixed(0),
        ratio(t !== undefined && pgStep !== undefined ? t / pgStep : undefined)];
    }),
    notes: ratioNotes(runs.map((r) => ({ contender: r.contender, t: median_(r.step) }))),
  };
  const speedup = jaxStep !== undefined && pgStep !== undefined ? jaxStep / pgStep : undefined;
  const targets: TargetResult[] = [
    { target: 'XOR step jitted ≤ 10 µs', measured: time(pgStep), status: check(pgStep, '≤', 10e-6) },
    { target: 'XOR step jitted ≥ 15× jax-js jit', measured: ratio(speedup), status: check(speedup, '≥', 15) },
  ];
  return { sections: [timingSection, lossSection('XOR losses (same weights, 3 steps)', runs, exactXorLoss(d))], targets };
};
