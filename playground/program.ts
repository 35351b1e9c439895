/**
 * The gradient, shown two ways. `explainedGradient` runs `explain(loss)` on
 * the next point the run will train on: the forward program beside the
 * backward one, each backward equation beside the local derivative it
 * applies and the values it reads, so a learner can follow the chain rule
 * with the current weights' numbers. `gradientProgram` prints
 * `makeProgram(grad(loss))` traced on the next batch: the program an update
 * runs, whose shapes show the regime (a batch of 16 points is f32[16,2], one
 * sample at a time f32[1,2]).
 */

import type { Dataset } from 'puregrad';
import { explain, grad, makeProgram, slice, tree } from 'puregrad';
import type { Model, TrainState } from './session.ts';

export const VIEWS = ['explained', 'program'] as const;
/** Which of the two the page shows. */
export type ProgramView = (typeof VIEWS)[number];

/** The batch the next update will use. */
function nextBatch(model: Model, state: TrainState): Dataset {
  return state.batches[state.next] ?? model.epochBatches(state.epoch)[0]!;
}

/** The gradient of the loss on the next training point, explained step by step with its numbers. */
export function explainedGradient(model: Model, state: TrainState): string {
  const batch = nextBatch(model, state);
  const point = { x: slice(batch.x, [0], [1]), y: slice(batch.y, [0], [1]) };
  // explain refuses large values by default (they do not print); a weight matrix of the network may be one.
  const largest = Math.max(100, ...tree.leaves(state.params).map((w) => w.size));
  return explain(model.loss, { maxSize: largest })(state.params, point).toString();
}

/** The printed gradient program of the loss, traced on the next batch. */
export function gradientProgram(model: Model, state: TrainState): string {
  return String(makeProgram(grad(model.loss))(state.params, nextBatch(model, state)));
}

/** The text of `view` for this moment of the run. */
export const showGradient = (view: ProgramView, model: Model, state: TrainState): string =>
  view === 'explained' ? explainedGradient(model, state) : gradientProgram(model, state);
