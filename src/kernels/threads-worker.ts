/**
 * The protocol between the calling thread and the kernel workers, and the
 * workers' source. The source is a string (run by Node as `new Worker(source,
 * { eval: true })`), so that no separate file has to be found by a bundler or
 * resolved at run time.
 *
 * A job is a table of calls of one exported function (COUNT rows of ARGC i32
 * arguments), each computing a disjoint part of the result. The caller writes
 * the table, opens the job by storing its tag in COUNTER, bumps START and
 * wakes the workers; then every thread, the caller included, takes the next
 * row by a compare-and-swap on COUNTER until none is left, and bumps COMPLETED
 * after each. The caller returns when COMPLETED reaches COUNT. Taking rows
 * one at a time balances the work when a core is busy with something else;
 * the tag in COUNTER's high bits keeps a worker that wakes late from taking
 * rows of a later job (before the caller writes a table it closes COUNTER).
 */

/** Words of the control array. STATE of worker w is at STATES + w; the table starts at TABLE. */
export const START = 0;
export const COUNTER = 1;
export const COMPLETED = 2;
export const COUNT = 3;
export const FN = 4;
export const ARGC = 5;
export const ERROR = 6;
export const STATES = 8;

/** COUNTER holds tag << INDEX_BITS | next row; tag 0 means closed. A thread takes a row only under its job's tag. */
export const INDEX_BITS = 12;
export const TAGS = 2 ** (31 - INDEX_BITS) - 1;
/** Most rows in a table (below 2^INDEX_BITS), arguments in a row and workers in a pool. */
export const MAX_TASKS = 64;
export const MAX_ARGS = 24;
export const MAX_WORKERS = 255;
export const TABLE = STATES + MAX_WORKERS + 1;
export const CONTROL_WORDS = TABLE + MAX_TASKS * MAX_ARGS;

/** The tag of job number `seq` (≥ 1). */
export const tagOf = (seq: number): number => 1 + (seq % TAGS);

/** Values of STATE. */
export const STARTING = 0;
export const READY = 1;
export const FAILED = 2;

/** What a worker receives as `workerData`. */
export interface WorkerInit {
  /** The compiled kernel module, importing `env.memory`. */
  readonly module: object;
  /** The shared `WebAssembly.Memory`. */
  readonly memory: object;
  readonly control: Int32Array;
  readonly slot: number;
  /** Export names, in the order of the function indices the caller sends. */
  readonly names: readonly string[];
}

/** The worker, as plain JavaScript (no imports, no transpilation). */
export const WORKER_SOURCE = `
'use strict';
const { workerData } = require('node:worker_threads');
const { module, memory, control, slot, names } = workerData;
let fns;
try {
  const exports = new WebAssembly.Instance(module, { env: { memory } }).exports;
  fns = names.map((name) => exports[name]);
  Atomics.store(control, ${STATES} + slot, ${READY});
} catch {
  Atomics.store(control, ${STATES} + slot, ${FAILED});
}
let seen = 0;
while (fns !== undefined) {
  Atomics.wait(control, ${START}, seen);
  const seq = Atomics.load(control, ${START});
  if (seq < 0) break;
  if (seq === seen) continue;
  seen = seq;
  const tag = 1 + (seq % ${TAGS});
  for (;;) {
    const next = Atomics.load(control, ${COUNTER});
    const row = next & ${2 ** INDEX_BITS - 1};
    if (next >>> ${INDEX_BITS} !== tag || row >= control[${COUNT}]) break;
    if (Atomics.compareExchange(control, ${COUNTER}, next, next + 1) !== next) continue;
    const count = control[${COUNT}];
    const at = ${TABLE} + row * ${MAX_ARGS};
    try {
      fns[control[${FN}]](...control.subarray(at, at + control[${ARGC}]));
    } catch {
      Atomics.store(control, ${ERROR}, 1);
    }
    if (Atomics.add(control, ${COMPLETED}, 1) + 1 === count) Atomics.notify(control, ${COMPLETED});
  }
}
`;
