/**
 * Workload 7: a small tanh RNN, its loss and gradients under `jit(valueAndGrad(...))`, written
 * once with `scan` over the sequence and once as an unrolled JS loop. The target is that the
 * scan is no slower than the unrolled loop. puregrad only: the peers' comparison would need a
 * `scan` of their own (jax-js 0.1.25 has none, TF.js has no jit).
 *
 * Before timing, both versions are checked against each other (loss and every gradient, to
 * float32 tolerance: the two programs differ, so they need not agree bit for bit) and the loss
 * against a float64 forward pass.
 */

import { exactRnnLoss } from '../exact.ts';
import type { RnnOutput } from '../libs/types.ts';
import type { Section, TargetResult } from '../report.ts';
import { attempt, check, ratio, sci, time, timing, valueOr } from '../report.ts';
import { collectGarbage, median } from '../timing.ts';
import type { Built, Workload } from './context.ts';
import { mainPuregrad, timeCases } from './context.ts';

/** float32 agreement asked of the two versions, and of the loss against float64. */
const TOLERANCE = 1e-4;
const TARGET = 'jitted scan RNN no slower than its unrolled loop';

/** Largest |a − b| over the leaf, relative to the largest |b| (normwise: elementwise ratios blow up near 0). */
function leafDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < b.length; i++) {
    diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  return a.length === b.length ? diff / scale : Infinity;
}

/** The largest relative difference of loss and each gradient between scan and unrolled, by name. */
function compare(s: RnnOutput, u: RnnOutput): [string, number][] {
  return [
    ['loss', Math.abs(s.loss - u.loss) / Math.abs(u.loss)],
    ...s.grads.map(([name, g]): [string, number] => {
      const other = u.grads.find(([n]) => n === name)?.[1];
      return [`d/d${name}`, other === undefined ? Infinity : leafDiff(g, other)];
    }),
  ];
}

export const rnn: Workload = async (ctx) => {
  const d = ctx.data.rnn;
  const c = mainPuregrad(ctx.contenders);
  if (c?.rnn === undefined) {
    return { sections: [], targets: [{ target: TARGET, measured: 'no puregrad jit', status: 'not measured' }] };
  }
  await c.activate?.();
  const k = c.rnn(d);
  const variants = [['scan', k.scan], ['unrolled', k.unrolled]] as const;

  // First calls, alternating the two variants: each sample is a fresh jit called once.
  ctx.progress(`rnn: ${c.name}, first calls (${ctx.samples} samples each)`);
  const firsts = variants.map(() => [] as number[]);
  const outputs: (RnnOutput | undefined)[] = variants.map(() => undefined);
  const firstError = attempt(() => {
    for (let s = 0; s < ctx.samples; s++) {
      variants.forEach(([, make], v) => {
        collectGarbage();
        const begin = performance.now();
        const out = make()();
        firsts[v]!.push((performance.now() - begin) / 1000);
        outputs[v] ??= out;
      });
    }
  });

  // Agreement, then the interleaved timing of warm calls.
  const [scanOut, unrolledOut] = outputs;
  const diffs = scanOut && unrolledOut ? compare(scanOut, unrolledOut) : [];
  const worst = diffs.length > 0 ? Math.max(...diffs.map(([, x]) => x)) : undefined;
  const agreed = worst !== undefined && worst <= TOLERANCE;
  const exact = exactRnnLoss(d);
  const exactDiff = scanOut && Math.abs(scanOut.loss - exact) / Math.abs(exact);
  ctx.progress(`rnn: timing scan and unrolled, interleaved`);
  const built: Built[] = variants.map(([, make]) => ({
    contender: c,
    built: firstError.ok ? attempt(() => { const f = make(); f(); return { run: () => f().loss }; }) : firstError,
  }));
  const timed = await timeCases(ctx, built);
  const [ts, tu] = timed.map((t) => valueOr(t));
  const r = ts && tu ? ts.median / tu.median : undefined;

  const firstCell = (xs: number[]) => {
    const sorted = [...xs].sort((a, b) => a - b);
    if (sorted.length === 0) return '—';
    return `${time(median(sorted))} (${time(sorted[0])}–${time(sorted[sorted.length - 1])})`;
  };
  const section: Section = {
    title: `RNN loss and gradients, jitted: scan vs unrolled (tanh, ${d.input}→${d.hidden}, length ${d.length}, ` +
      `batch ${d.batch}, float32)`,
    headers: ['variant', 'call', 'calls/s', 'first call, median (min–max)', 'loss', 'scan / unrolled'],
    rows: variants.map(([name], v) => {
      const t = valueOr(timed[v]);
      const first = firstError.ok ? firstCell(firsts[v]!) : `error: ${firstError.error}`;
      return [`${c.name}, ${name}`, timing(timed[v]), t === undefined ? '—' : (1 / t.median).toFixed(0), first,
        outputs[v]?.loss.toPrecision(8) ?? '—', v === 0 ? ratio(r) : ''];
    }),
    notes: [
      'call = jit(valueAndGrad(loss)) on the RNN parameters (Wx, Wh, b), loss and every gradient read back; ' +
        'loss = mean((h_T − target)²), h_0 = 0. Unrolled: a JS loop of one cell per step, x_t sliced from the ' +
        'same xs.',
      `First call = a fresh jit called once (trace, transforms, compile, run), ${ctx.samples} samples per variant, ` +
        'alternating.',
      `scan vs unrolled, largest relative difference (gradients normwise: max |Δ| / max |g| per leaf): ` +
        `${diffs.map(([n, x]) => `${n} ${sci(x)}`).join(', ') || '—'}; ` +
        (agreed ? `agree within ${TOLERANCE}.` : `DISAGREEMENT beyond ${TOLERANCE} (or an error).`),
      `Loss against a float64 forward pass (${exact.toPrecision(10)}): relative difference ${sci(exactDiff)}` +
        (exactDiff !== undefined && exactDiff <= TOLERANCE ? '.' : ` — beyond ${TOLERANCE}.`),
      'No peers: jax-js 0.1.25 has no scan and TF.js has no jit, so the comparison is puregrad against itself.',
    ],
  };
  const spread = (t: typeof ts) => (t === undefined ? '' : ` ±${((50 * (t.max - t.min)) / t.median).toFixed(0)}%`);
  const target: TargetResult = {
    target: `${TARGET} (scan / unrolled ≤ 1×, medians)`,
    measured: r === undefined
      ? '—'
      : `${ratio(r)} (scan ${time(ts?.median)}${spread(ts)}, unrolled ${time(tu?.median)}${spread(tu)})`,
    // Timings of two versions that compute different things say nothing about the target.
    status: agreed ? check(r, '≤', 1) : 'not measured',
  };
  return { sections: [section], targets: [target] };
};
