/**
 * Workloads 5 and 6, about the process rather than the arithmetic: memory over
 * many jitted MLP train steps (heap and RSS after a full collection, before and
 * after), and the latency of the first call of a freshly jitted train step
 * (trace, transforms, compile and one run).
 */

import type { Section, TargetResult } from '../report.ts';
import { attempt, check, megabytes, time } from '../report.ts';
import { median, memoryNow, sampleOnce } from '../timing.ts';
import type { Workload } from './context.ts';
import { mainPuregrad } from './context.ts';

const WARMUP_STEPS = 20;

export const memory: Workload = async (ctx) => {
  const c = mainPuregrad(ctx.contenders);
  const title = 'Memory over many jitted MLP train steps';
  if (c?.mlpStep === undefined) {
    return { sections: [], targets: [{ target: 'memory flat (< 5 % growth) over 10,000 steps', measured: 'no puregrad', status: 'not measured' }] };
  }
  ctx.progress(`memory: ${c.name}, up to ${ctx.memorySteps} steps or ${ctx.memorySeconds} s`);
  await c.activate?.();
  const result = attempt(() => {
    const step = c.mlpStep!(ctx.data.mlp);
    for (let i = 0; i < WARMUP_STEPS; i++) step.run();
    const readings = [{ steps: 0, ...memoryNow() }];
    const start = performance.now();
    const checkpoints = new Set([1, 2, 3].map((q) => Math.round((q * ctx.memorySteps) / 4)));
    let steps = 0;
    let loss = NaN;
    while (steps < ctx.memorySteps && performance.now() - start < ctx.memorySeconds * 1000) {
      loss = step.run();
      steps++;
      if (checkpoints.has(steps)) readings.push({ steps, ...memoryNow() });
    }
    step.sync?.();
    readings.push({ steps, ...memoryNow() });
    return { readings, steps, loss, seconds: (performance.now() - start) / 1000 };
  });
  if (!result.ok) {
    return {
      sections: [{ title, headers: ['contender', 'result'], rows: [[c.name, `error: ${result.error}`]], notes: [] }],
      targets: [{ target: 'memory flat (< 5 % growth) over 10,000 steps', measured: 'error', status: 'not measured' }],
    };
  }
  const { readings, steps, loss, seconds } = result.value;
  const first = readings[0]!;
  const last = readings[readings.length - 1]!;
  const growth = (a: number, b: number) => (100 * (b - a)) / a;
  const heapGrowth = growth(first.heapUsed, last.heapUsed);
  const rssGrowth = growth(first.rss, last.rss);
  const worst = Math.max(heapGrowth, rssGrowth);
  const capped = steps < ctx.memorySteps;
  const section: Section = {
    title: `${title} (${c.name})`,
    headers: ['after steps', 'heap used', 'heap growth', 'RSS', 'RSS growth'],
    rows: readings.map((r) => [String(r.steps), megabytes(r.heapUsed), `${growth(first.heapUsed, r.heapUsed).toFixed(2)}%`,
      megabytes(r.rss), `${growth(first.rss, r.rss).toFixed(2)}%`]),
    notes: [
      `${steps} steps in ${seconds.toFixed(1)} s after ${WARMUP_STEPS} warm-up steps; readings after a full GC; final loss ${loss.toPrecision(6)}.`,
      ...(capped ? [`Stopped by the ${ctx.memorySeconds} s cap before ${ctx.memorySteps} steps (--memory-seconds to change).`] : []),
      `Absolute growth: heap ${megabytes(last.heapUsed - first.heapUsed)}, RSS ${megabytes(last.rss - first.rss)}. ` +
        'RSS includes the peers\' WebAssembly memories when they are loaded (the heap is the JS heap); ' +
        'for puregrad alone: npm run bench -- --only memory --peers none.',
    ],
  };
  const target: TargetResult = {
    target: 'memory flat (< 5 % growth) over 10,000 steps',
    measured: `heap ${heapGrowth.toFixed(2)}%, RSS ${rssGrowth.toFixed(2)}% over ${steps} steps`,
    status: steps >= 10_000 ? check(worst, '<', 5) : 'not measured',
  };
  return { sections: [section], targets: [target] };
};

export const firstCall: Workload = async (ctx) => {
  const rows: string[][] = [];
  let pgMedian: number | undefined;
  for (const c of ctx.contenders) {
    if (c.firstCall === undefined) continue;
    ctx.progress(`first call: ${c.name}`);
    await c.activate?.();
    const samples = attempt(() => sampleOnce(c.firstCall!(ctx.data.mlp), ctx.samples));
    if (!samples.ok) {
      rows.push([c.name, `error: ${samples.error}`]);
      continue;
    }
    const s = samples.value;
    const m = median([...s].sort((a, b) => a - b));
    if (c === mainPuregrad(ctx.contenders)) pgMedian = m;
    rows.push([c.name, time(s[0]), time(m), time(Math.min(...s)), time(Math.max(...s)), String(s.length)]);
  }
  const section: Section = {
    title: 'First call of a freshly jitted MLP train step',
    headers: ['contender', 'first sample', 'median', 'min', 'max', 'samples'],
    rows,
    notes: [
      'Each sample makes a new jit of the train step and calls it once (trace + transforms + compile + run), loss read back.',
      'By default this workload runs first, so the first sample is the process\'s first jitted call (cold code); ' +
        'the target is judged on the median.',
    ],
  };
  return {
    sections: [section],
    targets: [{ target: 'first call of the jitted MLP step ≤ 20 ms (median)', measured: time(pgMedian), status: check(pgMedian, '≤', 0.02) }],
  };
};
