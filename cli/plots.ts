/**
 * The demos' figures, each a vega-lite spec rendered to an SVG string (see render.ts): curves of
 * loss or accuracy, the decision boundary of a 2-D classifier as training proceeds, a grid of
 * digits with captions, and the filters of a convolution layer. The specs are built from plain
 * numbers, so each function can be used with any model; `boundaryGrid` (grid.ts) makes the
 * probability grid of a classifier for `decisionBoundaries`.
 */

import type { TopLevelSpec } from 'vega-lite';
import { render } from './render.ts';

export { boundaryGrid, extentOf } from './grid.ts';
export type { Extent, ProbabilityGrid } from './grid.ts';
export { figuresAvailable, FiguresUnavailableError, render } from './render.ts';

const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';

/** One named curve: its points in order. */
export interface Series {
  readonly name: string;
  readonly points: readonly { readonly x: number; readonly y: number }[];
  /** Drawn thin and pale, behind the others (e.g. the noisy per-batch loss under per-epoch curves). */
  readonly faint?: boolean;
}

export interface CurveOptions {
  readonly title?: string;
  readonly xTitle?: string;
  readonly yTitle?: string;
  /** A logarithmic y axis (for losses spanning decades); points with y ≤ 0 are left out. */
  readonly logY?: boolean;
  readonly width?: number;
  readonly height?: number;
}

/** Line charts of one or more series (loss per step, accuracy per epoch, …) on shared axes, one colour each. */
export async function lossCurves(series: readonly Series[], options: CurveOptions = {}): Promise<string> {
  const { title, xTitle = 'step', yTitle = 'loss', logY = false, width = 480, height = 260 } = options;
  const values = series.flatMap((s) => s.points
    .filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y) && (!logY || p.y > 0))
    .map((p) => ({ series: s.name, faint: s.faint === true, x: p.x, y: p.y })));
  const encoding = {
    x: { field: 'x', type: 'quantitative', title: xTitle },
    y: { field: 'y', type: 'quantitative', title: yTitle, scale: logY ? { type: 'log' as const } : { zero: false } },
    color: {
      field: 'series', type: 'nominal', title: null,
      sort: series.map((s) => s.name),
      scale: { range: ['#4c78a8', '#f58518', '#54a24b', '#b279a2', '#e45756', '#72b7b2', '#9d755d'] },
      legend: series.length > 1 ? { orient: 'top-right' } : null,
    },
  } as const;
  // The faint series first, so that the others are drawn over them.
  const layer = (faint: boolean) => ({
    transform: [{ filter: faint ? 'datum.faint' : '!datum.faint' }],
    mark: { type: 'line' as const, clip: true, strokeWidth: faint ? 0.8 : 1.8, strokeOpacity: faint ? 0.35 : 1 },
    encoding,
  });
  const spec: TopLevelSpec = {
    $schema: SCHEMA,
    ...(title === undefined ? {} : { title }),
    width,
    height,
    data: { values },
    layer: [layer(true), layer(false)],
  };
  return render(spec);
}

/** One panel of `decisionBoundaries`: the model's P(class 1) on a grid, and the labelled points. */
export interface BoundaryPanel {
  readonly title: string;
  /** `p[i][j]` is P(class 1) at (xs[j], ys[i]): one row per y, as `boundaryGrid` returns it. */
  readonly grid: { readonly xs: readonly number[]; readonly ys: readonly number[]; readonly p: readonly (readonly number[])[] };
  readonly points: readonly { readonly x: number; readonly y: number; readonly label: number }[];
}

/**
 * The edges of the cell around entry i of a grid axis: halfway to each neighbour. The upper edge
 * reaches 2 % into the next cell, so that anti-aliasing leaves no hairline seams between cells.
 */
const cellEdges = (axis: readonly number[], i: number): readonly [number, number] => {
  const at = (k: number) => axis[Math.min(axis.length - 1, Math.max(0, k))]!;
  const lo = i > 0 ? (at(i - 1) + at(i)) / 2 : at(0) - (at(1) - at(0)) / 2;
  const hi = i < axis.length - 1 ? (at(i) + at(i + 1)) / 2 : at(i) + (at(i) - at(i - 1)) / 2;
  return [lo, i < axis.length - 1 ? hi + (hi - lo) * 0.02 : hi];
};

/**
 * Side-by-side panels (e.g. one per stage of training), each a heatmap of the classifier's
 * P(class 1) over the plane, its 0.5 contour visible as the change of colour, and the points
 * drawn over it by label. All panels share axes and the colour scale.
 */
export async function decisionBoundaries(
  panels: readonly BoundaryPanel[],
  options: { readonly columns?: number; readonly size?: number } = {},
): Promise<string> {
  const { columns = Math.min(4, panels.length), size = 180 } = options;
  const pointSize = Math.max(...panels.map((p) => p.points.length), 0) <= 20 ? 70 : 24;
  const values = panels.flatMap((panel, order) => {
    const { xs, ys, p } = panel.grid;
    const cells = ys.flatMap((_, i) => xs.map((_, j) => {
      const [x, x2] = cellEdges(xs, j);
      const [y, y2] = cellEdges(ys, i);
      return { panel: panel.title, order, kind: 'cell', x, x2, y, y2, p: p[i]?.[j] ?? Number.NaN };
    }));
    const points = panel.points.map((q) => ({ panel: panel.title, order, kind: 'point', x: q.x, y: q.y, label: String(q.label) }));
    return [...cells, ...points];
  });
  const axis = (title: string) => ({ field: 'x', type: 'quantitative' as const, title, scale: { nice: false, zero: false } });
  const spec: TopLevelSpec = {
    $schema: SCHEMA,
    data: { values },
    facet: { field: 'panel', type: 'nominal', title: null, sort: { field: 'order', op: 'min' } },
    columns,
    spec: {
      width: size,
      height: size,
      layer: [
        {
          transform: [{ filter: "datum.kind === 'cell'" }],
          mark: { type: 'rect' },
          encoding: {
            x: axis('x₁'),
            x2: { field: 'x2' },
            y: { ...axis('x₂'), field: 'y' },
            y2: { field: 'y2' },
            color: {
              field: 'p', type: 'quantitative', title: 'P(class 1)',
              scale: { scheme: 'blueorange', domain: [0, 1], domainMid: 0.5 },
            },
          },
        },
        {
          transform: [{ filter: "datum.kind === 'point'" }],
          mark: { type: 'point', filled: true, size: pointSize, stroke: 'black', strokeWidth: 0.6, opacity: 1 },
          encoding: {
            x: { field: 'x', type: 'quantitative' },
            y: { field: 'y', type: 'quantitative' },
            shape: { field: 'label', type: 'nominal', title: 'label', scale: { range: ['circle', 'square'] } },
            fill: { field: 'label', type: 'nominal', title: 'label', scale: { range: ['#1f4e99', '#b35806'] } },
          },
        },
      ],
    },
    resolve: { scale: { x: 'shared', y: 'shared' } },
  };
  return render(spec);
}

export interface GridOptions {
  /** Images per row (default 8). */
  readonly columns?: number;
  readonly title?: string;
  /** Pixel size of one image cell in the figure (default 56 for digits, 48 for filters). */
  readonly size?: number;
}

/** The side of a square image of `n` pixels, or an error naming the figure. */
function side(figure: string, n: number): number {
  const s = Math.round(Math.sqrt(n));
  if (s * s !== n || n === 0) throw new Error(`${figure}: an image must have a square number of pixels, got ${n}`);
  return s;
}

/** Small multiples of square images, one facet each with its caption under a shared colour scale. */
async function imageGrid(
  cells: readonly { readonly k: number; readonly r: number; readonly c: number; readonly v: number }[],
  captions: readonly string[],
  n: number,
  color: object,
  options: GridOptions & { readonly size: number },
): Promise<string> {
  const { columns = 8, title, size } = options;
  const position = (field: 'c' | 'r', end: 'c2' | 'r2') => ({
    [field === 'c' ? 'x' : 'y']: {
      field, type: 'quantitative', axis: null,
      scale: { domain: [0, n], nice: false, zero: false, reverse: field === 'r' },
    },
    [field === 'c' ? 'x2' : 'y2']: { field: end },
  });
  const spec = {
    $schema: SCHEMA,
    ...(title === undefined ? {} : { title }),
    params: [{ name: 'captions', value: captions }],
    data: { values: cells.map((d) => ({ ...d, c2: d.c + 1, r2: d.r + 1 })) },
    facet: {
      field: 'k', type: 'ordinal', title: null,
      header: { labelExpr: 'captions[datum.value]', labelOrient: 'bottom', labelFontSize: 11, labelPadding: 2 },
    },
    columns,
    spacing: 6,
    spec: {
      width: size,
      height: size,
      view: { stroke: '#ccc' },
      mark: { type: 'rect' },
      encoding: { ...position('c', 'c2'), ...position('r', 'r2'), color },
    },
    resolve: { scale: { x: 'shared', y: 'shared', color: 'shared' } },
  } as TopLevelSpec;
  return render(spec);
}

/**
 * A grid of grey-scale images (e.g. misclassified digits) with a caption under each, such as
 * "7→2" for label 7 predicted as 2. `pixels` hold a square image row by row, values in [0, 1];
 * only the inked pixels are drawn, on white.
 */
export async function digitGrid(
  images: readonly { readonly pixels: ArrayLike<number>; readonly caption: string }[],
  options: GridOptions = {},
): Promise<string> {
  const n = images.length === 0 ? 1 : side('digitGrid', images[0]!.pixels.length);
  const cells = images.flatMap((image, k) => {
    if (image.pixels.length !== n * n) throw new Error(`digitGrid: image ${k} has ${image.pixels.length} pixels, expected ${n * n}`);
    return Array.from(image.pixels).flatMap((v, i) => (v > 0.02 ? [{ k, r: Math.floor(i / n), c: i % n, v }] : []));
  });
  const color = { field: 'v', type: 'quantitative', legend: null, scale: { domain: [0, 1], range: ['#ffffff', '#000000'] } };
  return imageGrid(cells, images.map((image) => image.caption), n, color, { size: 56, ...options });
}

/**
 * The filters of a convolution layer, each a small square kernel (`filters[k][row][col]`), on a
 * diverging colour scale centred at 0 (negative weights blue, positive red), with their number
 * as caption. For a kernel `w` [kh, kw, 1, out] of `nn.conv2d`, filter k is w[:, :, 0, k].
 */
export async function filterGrid(filters: readonly (readonly (readonly number[])[])[], options: GridOptions = {}): Promise<string> {
  const n = filters[0]?.length ?? 1;
  const cells = filters.flatMap((rows, k) => {
    if (rows.length !== n || rows.some((row) => row.length !== n)) throw new Error(`filterGrid: filter ${k} is not ${n}×${n}`);
    return rows.flatMap((row, r) => row.map((v, c) => ({ k, r, c, v })));
  });
  const extreme = Math.max(1e-12, ...cells.map((d) => Math.abs(d.v)));
  const scale = { scheme: 'redblue', reverse: true, domain: [-extreme, extreme] };
  const color = { field: 'v', type: 'quantitative', title: 'weight', scale };
  return imageGrid(cells, filters.map((_, k) => `${k + 1}`), n, color, { size: 48, ...options });
}
