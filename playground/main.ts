/**
 * The page: reads the settings, keeps the latest training state, and on each
 * animation frame while training runs a few updates (as many as fit in a
 * small time budget, so the page stays responsive), then redraws the
 * boundary, the loss curve and the status line. Changing a setting starts a
 * new run; the gradient is printed when a run starts and whenever training stops.
 */

import './style.css';
import type { Tensor } from 'puregrad';
import type { Extent, LabeledPoint } from './boundary.ts';
import { drawBoundary, extentOf, gridPoints, labeledPoints } from './boundary.ts';
import type { LossChart, LossPoint } from './loss-chart.ts';
import { ALL_POINTS, LATEST_BATCH, lossChart } from './loss-chart.ts';
import type { ProgramView } from './program.ts';
import { showGradient, VIEWS } from './program.ts';
import type { Model, TrainState } from './session.ts';
import { advance, initialState, makeModel } from './session.ts';
import { readSettings } from './settings.ts';

/** Milliseconds of training per frame: the rest of the ~16 ms frame is left for drawing and input. */
const FRAME_BUDGET = 12;
/** At full speed the views are redrawn at most this often (ms): a redraw costs a forward pass over the grid. */
const DRAW_INTERVAL = 100;

function element<T extends HTMLElement>(id: string, type: new () => T): T {
  const found = document.getElementById(id);
  if (!(found instanceof type)) throw new Error(`the page has no #${id} of the expected kind`);
  return found;
}

const ui = {
  form: element('settings', HTMLFormElement),
  problems: element('problems', HTMLParagraphElement),
  train: element('train', HTMLButtonElement),
  step: element('step', HTMLButtonElement),
  reset: element('reset', HTMLButtonElement),
  speed: element('speed', HTMLSelectElement),
  status: element('status', HTMLParagraphElement),
  message: element('message', HTMLParagraphElement),
  canvas: element('boundary', HTMLCanvasElement),
  chart: element('loss-chart', HTMLDivElement),
  program: element('program', HTMLPreElement),
  programView: element('program-view', HTMLSelectElement),
  programNote: element('program-note', HTMLSpanElement),
};

/** One run: the model the settings made, where training is now, and what the boundary view needs. */
interface Run {
  readonly model: Model;
  readonly state: TrainState;
  readonly points: readonly LabeledPoint[];
  readonly extent: Extent;
  readonly grid: Tensor;
}

let run: Run;
let chart: LossChart;
let running = false;
/** The latest redraw of the loss chart (Vega draws asynchronously). */
let charted: Promise<unknown> = Promise.resolve();
/** Updates per second, measured over the last second of training. */
let rate = { since: 0, steps: 0, perSecond: 0 };
/** When the views were last drawn, and the state they show. */
let drawn = { at: 0, step: -1 };
/** The loss of the latest update's batch, not yet on the chart. */
let batchLoss: number | undefined;
/** The update whose gradient the program view shows. */
let printed = 0;

function newRun(): Run {
  const { settings, problems } = readSettings(ui.form);
  ui.problems.textContent = problems.length > 0 ? `Using the default for ${problems.join('; ')}.` : '';
  const batchSize = ui.form.elements.namedItem('batchSize');
  if (batchSize instanceof HTMLInputElement) batchSize.disabled = settings.regime !== 'mini';
  const model = makeModel(settings);
  const points = labeledPoints(model.dataset.x, model.dataset.y);
  const extent = extentOf(points);
  return { model, state: initialState(model), points, extent, grid: gridPoints(extent) };
}

/** Redraws the boundary and the status line, and records the loss; returns the loss on all points. */
function show(): number {
  const { model, state } = run;
  const { loss, accuracy } = model.evaluate(state.params);
  drawBoundary(ui.canvas, model.probabilities(state.params, run.grid).toTypedArray(), run.points, run.extent);
  const points: LossPoint[] = [{ step: state.step, loss, series: ALL_POINTS }];
  if (batchLoss !== undefined) points.push({ step: state.step, loss: batchLoss, series: LATEST_BATCH });
  [charted, batchLoss, drawn] = [chart.add(points), undefined, { at: performance.now(), step: state.step }];
  const speed = running && rate.perSecond > 0 ? ` · ${Math.round(rate.perSecond)} updates/s` : '';
  const scores = `loss ${loss.toFixed(4)} · accuracy ${(100 * accuracy).toFixed(1)} %`;
  ui.status.textContent = `update ${state.step} · epoch ${state.epoch} · ${scores}${speed}`;
  Object.assign(ui.status.dataset, { step: String(state.step), loss: String(loss), running: String(running) });
  return loss;
}

/**
 * Prints the gradient for the current state. Explaining takes a while (a trace and a table), so while training
 * it is done when a run starts and when training stops, not on every frame.
 */
function showProgram(): void {
  const view = (VIEWS as readonly string[]).includes(ui.programView.value) ? ui.programView.value : VIEWS[0];
  ui.program.textContent = showGradient(view as ProgramView, run.model, run.state);
  printed = run.state.step;
  noteProgram();
}

function noteProgram(): void {
  ui.programNote.textContent = `as of update ${printed}${running ? ' (pause or step to refresh it)' : ''}`;
}

/** Starts or stops the animation loop; on stopping, draws the latest state and prints its gradient. */
function setRunning(on: boolean, redraw = true): void {
  running = on;
  ui.train.textContent = on ? 'Pause' : 'Train';
  ui.status.dataset.running = String(on);
  rate = { since: performance.now(), steps: 0, perSecond: 0 };
  if (on) requestAnimationFrame(frame);
  if (on || !redraw) noteProgram();
  else {
    if (drawn.step !== run.state.step) show();
    showProgram();
  }
}

/**
 * Runs `steps` updates at most, stopping early when `budget` milliseconds are spent; then redraws, unless
 * training at full speed and the views were drawn less than DRAW_INTERVAL ago.
 */
function train(steps: number, budget = FRAME_BUDGET): void {
  const started = performance.now();
  let done = 0;
  while (done < steps && performance.now() - started < budget) {
    const next = advance(run.model, run.state, 1);
    [run, batchLoss] = [{ ...run, state: next.state }, next.losses[0]];
    done += 1;
  }
  rate.steps += done;
  const now = performance.now();
  if (now - rate.since >= 1000) rate = { since: now, steps: 0, perSecond: (1000 * rate.steps) / (now - rate.since) };
  const slow = steps <= 100 || budget === Infinity;
  if (!slow && now - drawn.at < DRAW_INTERVAL) return;
  const loss = show();
  if (!Number.isFinite(loss)) {
    setRunning(false, false);
    ui.message.textContent = 'The loss is no longer a finite number: the updates diverged. Lower the learning rate.';
  }
}

/** Pauses, makes exactly `steps` updates, and shows the result with its gradient. */
function step(steps: number): void {
  setRunning(false, false);
  train(steps, Infinity);
  showProgram();
}

function frame(): void {
  if (!running) return;
  guarded(() => train(Number(ui.speed.value)))();
  if (running) requestAnimationFrame(frame);
}

/** Stops training and says what went wrong on the page (and in the console). */
function fail(error: unknown): void {
  setRunning(false, false);
  ui.message.textContent = `Something went wrong: ${error instanceof Error ? error.message : String(error)}`;
  console.error(error);
}

/** `action`, with any error reported by `fail` rather than thrown into the event loop. */
const guarded =
  <A extends unknown[]>(action: (...args: A) => void) =>
  (...args: A): void => {
    try {
      action(...args);
    } catch (error) {
      fail(error);
    }
  };

/** Starts a new run from the settings in the form. */
function reset(): void {
  [run, batchLoss] = [newRun(), undefined];
  ui.message.textContent = '';
  charted = chart.reset();
  show();
  showProgram();
}

async function start(): Promise<void> {
  chart = await lossChart(ui.chart);
  reset();
  ui.train.addEventListener('click', guarded(() => setRunning(!running)));
  ui.step.addEventListener('click', guarded(() => step(1)));
  ui.programView.addEventListener('change', guarded(showProgram));
  ui.reset.addEventListener('click', guarded(reset));
  // A new setting starts a new run (and keeps training if it was).
  ui.form.addEventListener('change', guarded(reset));
  ui.form.addEventListener('submit', (event) => {
    event.preventDefault();
    guarded(reset)();
  });
  // Test-only (test/playground.test.ts): Step, `steps` updates at once, so that the screenshot shows the same state
  // on every run; resolves once the chart is drawn.
  const stepAndDraw = async (steps: number): Promise<void> => {
    guarded(step)(steps);
    await charted;
  };
  Object.assign(window, { __playground: { step: stepAndDraw } });
  document.body.dataset.ready = 'true';
}

start().catch(fail);
