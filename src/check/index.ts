/**
 * `check`: gradient checking for users' own functions. `check.grad` compares
 * forward and reverse mode with central finite differences and returns an
 * fp-ts `Either` — a report, or the worst element named by its path.
 */

export { grad } from './grad.ts';
export { defaultTolerance } from './options.ts';
export type { GradCheckOptions, GradMode } from './options.ts';
export type { GradCheckEntry, GradCheckFailure, GradCheckReport } from './report.ts';
export type { Tolerance } from './compare.ts';
