/**
 * The decision boundary: the network's probability of class 1 on a grid of
 * points covering the data, painted as a heatmap (orange for class 0, white
 * where it is unsure, blue for class 1) with the data points on top. The
 * grid is one tensor of points, so each redraw is one forward pass.
 */

import type { Tensor } from 'puregrad';
import { tensor } from 'puregrad';

/** The square region of the plane the picture shows. */
export interface Extent {
  readonly min: number;
  readonly max: number;
}

/** A data point and its class (0 or 1). */
export interface LabeledPoint {
  readonly x: number;
  readonly y: number;
  readonly label: number;
}

/** Grid cells per side of the heatmap (it is smoothed when scaled up to the canvas). */
export const RESOLUTION = 64;

type Rgb = readonly [number, number, number];
const CLASS0: Rgb = [245, 147, 34];
const CLASS1: Rgb = [8, 119, 189];
const UNSURE: Rgb = [246, 246, 246];
/** How far the heatmap goes from white towards a class's colour at probability 0 or 1: paler than the points. */
const STRENGTH = 0.6;

/** The points of a data set (x [n, 2], labels y [n]) as plain numbers, for drawing. */
export function labeledPoints(x: Tensor, y: Tensor): readonly LabeledPoint[] {
  const xs = x.toTypedArray();
  const labels = y.toTypedArray();
  return Array.from(labels, (label, i) => ({ x: Number(xs[2 * i]), y: Number(xs[2 * i + 1]), label: Number(label) }));
}

/** A square region holding every point with a margin of 15 % of its widest side. */
export function extentOf(points: readonly LabeledPoint[]): Extent {
  const values = points.flatMap((p) => [p.x, p.y]);
  const [lo, hi] = [Math.min(...values), Math.max(...values)];
  const margin = 0.15 * Math.max(hi - lo, 1e-3);
  return { min: lo - margin, max: hi + margin };
}

/** The grid's centre points [RESOLUTION², 2], row by row from the top of the picture (largest y) down. */
export function gridPoints(extent: Extent): Tensor {
  const cell = (extent.max - extent.min) / RESOLUTION;
  const coords: number[][] = [];
  for (let row = 0; row < RESOLUTION; row++) {
    for (let col = 0; col < RESOLUTION; col++) {
      coords.push([extent.min + (col + 0.5) * cell, extent.max - (row + 0.5) * cell]);
    }
  }
  return tensor(coords);
}

/** p = 0 is (a pale) class 0's colour, 0.5 white, 1 class 1's; a NaN (a diverged network) is grey. */
function colour(p: number): Rgb {
  if (Number.isNaN(p)) return [128, 128, 128];
  const [to, t] = p < 0.5 ? [CLASS0, STRENGTH * (1 - 2 * p)] : [CLASS1, STRENGTH * (2 * p - 1)];
  return [0, 1, 2].map((c) => Math.round(UNSURE[c]! + (to[c]! - UNSURE[c]!) * t)) as unknown as Rgb;
}

/** Paints the probabilities of `gridPoints` (one per cell, same order) and the data points onto `canvas`. */
export function drawBoundary(
  canvas: HTMLCanvasElement,
  probabilities: ArrayLike<number>,
  points: readonly LabeledPoint[],
  extent: Extent,
): void {
  const cells = new ImageData(RESOLUTION, RESOLUTION);
  for (let i = 0; i < RESOLUTION * RESOLUTION; i++) {
    const [r, g, b] = colour(Number(probabilities[i]));
    cells.data.set([r, g, b, 255], 4 * i);
  }
  const small = document.createElement('canvas');
  [small.width, small.height] = [RESOLUTION, RESOLUTION];
  small.getContext('2d')!.putImageData(cells, 0, 0);

  const context = canvas.getContext('2d')!;
  const { width, height } = canvas;
  context.imageSmoothingEnabled = true;
  context.drawImage(small, 0, 0, width, height);
  const scale = width / (extent.max - extent.min);
  for (const p of points) {
    const [cx, cy] = [(p.x - extent.min) * scale, height - (p.y - extent.min) * scale];
    context.beginPath();
    context.arc(cx, cy, points.length > 50 ? 3.5 : 7, 0, 2 * Math.PI);
    context.fillStyle = `rgb(${(p.label === 1 ? CLASS1 : CLASS0).join(',')})`;
    context.fill();
    context.lineWidth = 1;
    context.strokeStyle = '#fff';
    context.stroke();
  }
}
