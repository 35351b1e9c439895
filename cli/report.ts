/**
 * What the CLI prints: a progress bar while a demo trains (cli-progress, on stderr, only on a
 * terminal), then the summary — accuracy, loss, time and steps per second — with a small
 * terminal chart of the loss (asciichart) and where the figures went.
 */

import { plot } from 'asciichart';
import { Presets, SingleBar } from 'cli-progress';
import { basename, dirname } from 'node:path';
import type { StepProgress } from '../src/index.ts';
import type { DemoSummary } from './demos/common.ts';

/** Where the CLI writes: stdout for results, stderr for progress and errors. */
export interface Io {
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream & { readonly isTTY?: boolean };
}

/** A progress bar for one demo: feed it every step, stop it when the demo is done. */
export interface Progress {
  readonly onStep: (p: StepProgress) => void;
  readonly stop: () => void;
}

/** A progress bar showing the epoch, a smoothed loss and steps per second; nothing when `quiet`. */
export function progressBar(io: Io, label: string, quiet: boolean): Progress {
  if (quiet) return { onStep: () => {}, stop: () => {} };
  let bar: SingleBar | undefined;
  let smoothed = Number.NaN;
  const onStep = (p: StepProgress): void => {
    // An exponential moving average over ~20 steps: the batch losses of mini-batches are noisy.
    smoothed = Number.isNaN(smoothed) ? p.loss : 0.95 * smoothed + 0.05 * p.loss;
    const values = {
      demo: label,
      epoch: p.epoch + 1,
      epochs: Math.round(p.totalSteps / p.stepsPerEpoch),
      loss: formatNumber(smoothed),
      speed: ((p.step + 1) / Math.max(p.elapsedMs / 1000, 1e-9)).toFixed(0),
    };
    if (bar === undefined) {
      bar = new SingleBar({
        format: '{demo} epoch {epoch}/{epochs} {bar} {percentage}% | loss {loss} | {speed} steps/s | ETA {eta_formatted}',
        stream: io.stderr,
        hideCursor: true,
        clearOnComplete: true,
        etaBuffer: 50,
      }, Presets.shades_classic);
      bar.start(p.totalSteps, 0, values);
    }
    if (bar.getTotal() !== p.totalSteps) bar.setTotal(p.totalSteps);
    bar.update(p.step + 1, values);
  };
  return { onStep, stop: () => bar?.stop() };
}

/** A number in 4 significant digits, without exponent noise for ordinary sizes. */
export const formatNumber = (x: number): string =>
  Math.abs(x) >= 1e-3 || x === 0 ? String(Number(x.toPrecision(4))) : x.toExponential(2);

const percent = (x: number): string => `${(100 * x).toFixed(1)} %`;

/**
 * The loss per step as a terminal chart `height` rows high and at most `width` columns wide
 * (each column the mean of its steps); on a log scale when the loss spans more than a decade.
 */
export function lossChart(losses: readonly number[], width = 60, height = 8): string {
  const finite = losses.filter((l) => Number.isFinite(l));
  if (finite.length < 2) return '';
  const columns = Math.min(width, finite.length);
  const means = Array.from({ length: columns }, (_, c) => {
    const part = finite.slice(Math.floor((c * finite.length) / columns), Math.floor(((c + 1) * finite.length) / columns));
    return part.reduce((a, b) => a + b, 0) / part.length;
  });
  const log = Math.min(...means) > 0 && Math.max(...means) / Math.min(...means) > 10;
  const series = log ? means.map(Math.log10) : means;
  const label = (v: number): string => formatNumber(log ? 10 ** v : v).padStart(9);
  return plot(series, { height, format: label });
}

/** The summary of a finished demo, as printed. */
export function formatSummary(s: DemoSummary, options: { readonly chart: boolean }): string {
  const training = s.accuracyOf === 'the training points' ? '' : ` (training ${percent(s.trainAccuracy)})`;
  const lines = [
    `${s.title}`,
    `  ${s.settings}`,
    `  accuracy  ${percent(s.accuracy)} on ${s.accuracyOf}${training}`,
    `  loss      ${formatNumber(s.loss)} (training set, end of training)`,
    `  time      ${s.seconds.toFixed(1)} s for ${s.steps} step${s.steps === 1 ? '' : 's'} in ${s.epochs} epoch${s.epochs === 1 ? '' : 's'}: ` +
      `${s.stepsPerSecond.toFixed(0)} steps/s`,
  ];
  if (options.chart && s.stepLosses.length > 1) {
    lines.push('  loss per step:', lossChart(s.stepLosses).replace(/^/gm, '  '));
  }
  if (s.figures.length > 0) {
    lines.push(`  figures in ${dirname(s.figures[0]!)}: ${s.figures.map((f) => basename(f)).join(', ')}`);
  }
  if (s.note !== undefined) lines.push(`  ${s.note}`);
  return `${lines.join('\n')}\n`;
}
