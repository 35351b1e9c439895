/**
 * The loss curve, drawn by Vega-Lite: the spec below is compiled once to a
 * Vega view rendered on a canvas, and each redraw hands the view the points
 * recorded so far. Two series: the loss on every point of the data set (what
 * training should lower), and the loss of the batch of the latest update (noisy
 * when batches are small: each batch pulls the weights its own way).
 */

import * as vega from 'vega';
import type { TopLevelSpec } from 'vega-lite';
import { compile } from 'vega-lite';

export interface LossPoint {
  readonly step: number;
  readonly loss: number;
  readonly series: string;
}

export const ALL_POINTS = 'all points';
export const LATEST_BATCH = 'latest batch';

/** At most this many points per series are drawn: beyond it, every other old point is dropped. */
const MAX_POINTS = 400;

const spec: TopLevelSpec = {
  $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
  width: 'container',
  height: 220,
  // resize: the y axis's labels change width as the loss falls, so the layout is computed again at each update.
  autosize: { type: 'fit-x', contains: 'padding', resize: true },
  data: { name: 'loss' },
  mark: { type: 'line', interpolate: 'linear', strokeWidth: 2 },
  encoding: {
    x: { field: 'step', type: 'quantitative', title: 'updates' },
    y: {
      field: 'loss',
      type: 'quantitative',
      title: 'loss (log scale)',
      scale: { type: 'log' },
      axis: { tickCount: 6 },
    },
    color: {
      field: 'series',
      type: 'nominal',
      title: null,
      scale: { domain: [ALL_POINTS, LATEST_BATCH], range: ['#1f4e79', '#b9c7d6'] },
      legend: { orient: 'top-right' },
    },
    order: { field: 'step', type: 'quantitative' },
  },
  config: { view: { stroke: null }, axis: { grid: true, gridOpacity: 0.4 } },
};

/** Keeps the most recent points of a series dense and thins the older ones. */
function thin(points: readonly LossPoint[]): readonly LossPoint[] {
  if (points.length <= MAX_POINTS) return points;
  const half = Math.floor(points.length / 2);
  return [...points.slice(0, half).filter((_, i) => i % 2 === 0), ...points.slice(half)];
}

/** A loss chart in `container`: `add` records points, `reset` clears them; both redraw. */
export async function lossChart(container: HTMLElement) {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'canvas', container, hover: true });
  await view.runAsync();
  let series: Readonly<Record<string, readonly LossPoint[]>> = {};
  const redraw = (): Promise<unknown> => view.data('loss', Object.values(series).flat()).runAsync();
  return {
    add(points: readonly LossPoint[]): Promise<unknown> {
      const next = { ...series };
      for (const p of points) {
        // A log scale cannot show 0 or a diverged (NaN, infinite) loss.
        if (Number.isFinite(p.loss) && p.loss > 0) next[p.series] = thin([...(next[p.series] ?? []), p]);
      }
      series = next;
      return redraw();
    },
    reset(): Promise<unknown> {
      series = {};
      return redraw();
    },
  };
}

export type LossChart = Awaited<ReturnType<typeof lossChart>>;
