/**
 * Worker threads for large kernels. A pool is one shared, bounded
 * `WebAssembly.Memory`, the kernel module compiled once and instantiated over
 * that memory by the calling thread and by each worker, and a shared word of
 * control per worker (`./threads-worker.ts`). A kernel call stays synchronous:
 * the caller hands each worker one call of an exported function (its share of
 * the work), runs its own share, then waits with `Atomics.wait` until every
 * worker has stored its DONE word.
 *
 * Where it runs: Node (worker_threads, imported dynamically so that bundlers
 * leave it alone). Browsers stay single-threaded: their main thread may not
 * block in `Atomics.wait`. Starting workers is asynchronous, so the pool
 * starts on first use (or at `setThreads`) and kernels use the calling thread
 * alone until workers report ready. Workers never keep a process alive.
 */

import { PuregradError } from '../tensor/errors.ts';
import type { WorkerInit } from './threads-worker.ts';
import {
  ARGC, COMPLETED, CONTROL_WORDS, COUNT, COUNTER, ERROR, FAILED, FN, INDEX_BITS, MAX_ARGS, MAX_TASKS, MAX_WORKERS,
  READY, START, STARTING, STATES, TABLE, tagOf, WORKER_SOURCE,
} from './threads-worker.ts';
import { GEMM_EXPORTS, gemmModuleBytes } from './wasm/gemm.ts';

/** The shared memory's upper bound, in 64 KiB pages (1 GiB); a product needing more runs on the calling thread. */
export const SHARED_MAX_PAGES = 16384;

/** The parts of the WebAssembly and Node APIs used here, declared locally (the ES lib has neither). */
export interface SharedMemory {
  readonly buffer: SharedArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  readonly Memory: new (d: { initial: number; maximum: number; shared: true }) => SharedMemory;
  readonly Instance: new (module: object, imports: object) => { readonly exports: object };
  compile(bytes: Uint8Array<ArrayBuffer>): Promise<object>;
}
interface NodeWorker {
  unref(): void;
  terminate(): Promise<number>;
  on(event: 'error' | 'exit', listener: () => void): void;
}
type WorkerConstructor = new (source: string, options: { eval: true; workerData: WorkerInit }) => NodeWorker;

type Fns = Record<(typeof GEMM_EXPORTS)[number], (...args: number[]) => void>;

/** A started pool: the caller's instance over the shared memory and the workers that serve it. */
export interface Pool {
  readonly memory: SharedMemory;
  readonly fns: Fns;
  /** Threads that would run a call now: the caller and every ready worker. */
  size(): number;
  /** Runs `fn(...call)` for every call, shared among this thread and the ready workers; returns when all are done. */
  run(fn: (typeof GEMM_EXPORTS)[number], calls: readonly (readonly number[])[]): void;
}

let requested: number | undefined;
let pool: Pool | null = null;
let pending: Promise<number> | null = null;
let stopWorkers: (() => void) | null = null;
/** Bumped by `setThreads`, so that a start still in flight for an older setting discards itself. */
let generation = 0;
let dispatches = 0;
/** Threads the started pool was made for (the caller and its workers). */
let poolThreads = 0;
/** The kernel module for shared memory, compiled once per process: a new pool reuses its optimised code. */
let sharedModule: Promise<object> | undefined;

/**
 * Backing off when the other cores are busy. A thread that takes a share and
 * is then descheduled holds the whole product up, so a split can be slower
 * than one thread on a loaded machine. When the caller, its own rows done,
 * waits longer than half the time it computed in BUSY_STRIKES products in a
 * row, products stay on the calling thread for BUSY_PAUSE ms, then try again.
 */
const BUSY_STRIKES = 3;
const BUSY_PAUSE = 500;
let strikes = 0;
let busyUntil = 0;
let adaptive = true;

/** Turns the back-off on or off (tests that must see every split turn it off). */
export function setAdaptive(on: boolean): void {
  adaptive = on;
  [strikes, busyUntil] = [0, 0];
}

/** Records how long the caller waited for the others after computing for `worked` ms. */
function observe(worked: number, waited: number): void {
  strikes = waited > 0.2 && waited > worked / 2 ? strikes + 1 : 0;
  if (strikes >= BUSY_STRIKES) [strikes, busyUntil] = [0, performance.now() + BUSY_PAUSE];
}

/**
 * Use `n` threads (the calling one included) for large matrix products, from
 * now on; `1` keeps all work on the calling thread. The default is the
 * environment variable `PUREGRAD_THREADS` or else the number of available
 * cores. Results are the same bits for any `n`. Workers start in the
 * background: until they are ready, products run on the calling thread. In
 * browsers, work stays on the calling thread whatever `n` is.
 * @example
 * setThreads(2) // the calling thread and one worker
 * matmul(ones([2, 3]), ones([3, 2])).toArray() // => [[3,3],[3,3]]
 */
export function setThreads(n: number): void {
  if (!Number.isInteger(n) || n < 1) {
    throw new PuregradError('setThreads', `got ${String(n)}; pass a whole number of threads, at least 1`);
  }
  requested = n;
  // A started pool stays for one thread or for its own count: switching between them costs nothing, and its code stays compiled.
  if (pool !== null && (n === 1 || n === poolThreads)) return;
  generation += 1;
  stopWorkers?.();
  [pool, pending, stopWorkers] = [null, null, null];
  if (n > 1) void start();
}

/**
 * The pool when at least one worker is ready, else `null` (starting it on
 * the first call). Cheap: called before every large product.
 */
export function readyPool(): Pool | null {
  if (pool !== null) return requested !== 1 && pool.size() > 1 && !(adaptive && performance.now() < busyUntil) ? pool : null;
  if (pending === null) void start();
  return null;
}

/** Resolves, once the pool has started (or found it cannot), to the number of threads a large product uses. */
export function threadsReady(): Promise<number> {
  if (pool !== null) return Promise.resolve(requested === 1 ? 1 : pool.size());
  return pending ?? start();
}

/** How many kernel calls have been split across threads so far (tests check which path ran). */
export const threadedDispatches = (): number => dispatches;

const isNode = (): boolean =>
  typeof (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node === 'string';

/** A module loaded at run time; the specifier sits in a variable so that bundlers do not try to resolve it. */
const load = (specifier: string): Promise<Record<string, unknown>> => import(/* @vite-ignore */ specifier);

/** `PUREGRAD_THREADS` as a positive integer; anything else is ignored with a warning. */
function fromEnvironment(): number | undefined {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  const text = env?.PUREGRAD_THREADS;
  if (text === undefined || text === '') return undefined;
  if (/^\s*[1-9]\d*\s*$/.test(text)) return Number(text);
  console.warn(`puregrad: ignoring PUREGRAD_THREADS=${JSON.stringify(text)}: expected a whole number ≥ 1`);
  return undefined;
}

function start(): Promise<number> {
  const mine = generation;
  pending = launch(mine).catch(() => 1);
  return pending;
}

/** Starts the pool for the current setting; resolves to the threads in use (1 where threads are unavailable). */
async function launch(mine: number): Promise<number> {
  const wasm = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;
  if (!isNode() || wasm === undefined || typeof SharedArrayBuffer !== 'function') return 1;
  const os = await load('node:os');
  const cores = typeof os.availableParallelism === 'function' ? (os.availableParallelism as () => number)() : 1;
  const count = Math.min(requested ?? fromEnvironment() ?? cores, MAX_WORKERS + 1);
  if (count <= 1 || mine !== generation) return 1;
  const { Worker } = (await load('node:worker_threads')) as { Worker: WorkerConstructor };
  const memory = new wasm.Memory({ initial: 16, maximum: SHARED_MAX_PAGES, shared: true });
  sharedModule ??= wasm.compile(gemmModuleBytes(1, { maxPages: SHARED_MAX_PAGES, shared: true }));
  const module = await sharedModule;
  if (mine !== generation) return 1;
  const fns = new wasm.Instance(module, { env: { memory } }).exports as Fns;
  warmUp(fns);
  const control = new Int32Array(new SharedArrayBuffer(CONTROL_WORDS * 4));
  const workers = Array.from({ length: count - 1 }, (_, slot) => {
    const workerData: WorkerInit = { module, memory, control, slot, names: GEMM_EXPORTS };
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData });
    worker.unref();
    // A worker that is gone is no longer counted (the others, and the caller, take its share).
    const failed = (): void => {
      Atomics.store(control, STATES + slot, FAILED);
    };
    worker.on('error', failed);
    worker.on('exit', failed);
    return worker;
  });
  stopWorkers = () => {
    Atomics.store(control, START, -1);
    Atomics.notify(control, START);
    for (const worker of workers) void worker.terminate();
  };
  pool = makePool(memory, fns, control, workers.length);
  poolThreads = count;
  // Wait (without blocking) until every worker is ready or has failed.
  await Promise.all(workers.map((_, w) => settled(control, STATES + w)));
  return pool.size();
}

/**
 * Runs each driver a few times on zeros at the start of the shared memory, so
 * that the engine's optimising tier has compiled the module (whose code all
 * threads share) before the first real product: until then a call runs
 * baseline code several times slower.
 */
function warmUp(fns: Fns): void {
  const [m, n, k] = [64, 64, 256];
  for (const [fn, es] of [[fns.gemm_f32, 4], [fns.gemm_f64, 8]] as const) {
    const [A, B, C] = [0, m * k * es, 2 * m * k * es];
    const [ap, bp, scratch] = [C + m * n * es, C + m * n * es + m * k * es, C + m * n * es + 2 * m * k * es];
    for (let i = 0; i < 4; i++) fn(A, B, C, m, n, k, k * es, es, es, n * es, n * es, ap, bp, scratch, 1, 0, 0, 0);
  }
}

/** Resolves when control[index] leaves STARTING, or after 10 s (a worker ready later is still used). */
async function settled(control: Int32Array, index: number): Promise<void> {
  for (let waited = 0; waited < 10_000 && Atomics.load(control, index) === STARTING; waited += 2) {
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

/** Iterations of polling COMPLETED before sleeping in `Atomics.wait` (the last rows often end within microseconds). */
const SPIN = 20000;

function makePool(memory: SharedMemory, fns: Fns, control: Int32Array, workers: number): Pool {
  let seq = 0;
  const ready = (): number => {
    let count = 0;
    for (let w = 0; w < workers; w++) if (Atomics.load(control, STATES + w) === READY) count += 1;
    return count;
  };
  return {
    memory,
    fns,
    size: () => 1 + ready(),
    run(fn, calls) {
      const count = calls.length;
      if (count > MAX_TASKS) throw new Error(`puregrad: ${count} calls for a table of ${MAX_TASKS}`);
      const argc = calls[0]?.length ?? 0;
      Atomics.store(control, COUNTER, 0); // closed while the table is rewritten
      calls.forEach((args, row) => {
        if (args.length !== argc || argc > MAX_ARGS) throw new Error(`puregrad: bad arguments for ${fn}`);
        control.set(args, TABLE + row * MAX_ARGS);
      });
      control[FN] = GEMM_EXPORTS.indexOf(fn);
      control[ARGC] = argc;
      control[COUNT] = count;
      control[ERROR] = 0;
      Atomics.store(control, COMPLETED, 0);
      seq = (seq % 0x3fffffff) + 1;
      const tag = tagOf(seq);
      Atomics.store(control, COUNTER, tag << INDEX_BITS);
      Atomics.store(control, START, seq);
      Atomics.notify(control, START);
      dispatches += 1;
      const t0 = performance.now();
      // Take rows like any worker; then wait for the rows others took.
      for (;;) {
        const next = Atomics.load(control, COUNTER); // take the next row, as the workers do
        const row = next & (2 ** INDEX_BITS - 1);
        if (next >>> INDEX_BITS !== tag || row >= count) break;
        if (Atomics.compareExchange(control, COUNTER, next, next + 1) !== next) continue;
        try {
          fns[fn](...calls[row]!);
        } catch {
          Atomics.store(control, ERROR, 1);
        }
        Atomics.add(control, COMPLETED, 1);
      }
      const t1 = performance.now();
      for (let i = 0; i < SPIN && Atomics.load(control, COMPLETED) !== count; i++);
      for (let done = Atomics.load(control, COMPLETED); done !== count; done = Atomics.load(control, COMPLETED)) {
        Atomics.wait(control, COMPLETED, done);
      }
      observe(t1 - t0, performance.now() - t1);
      if (control[ERROR] !== 0) throw new Error(`puregrad: a call of ${fn} failed`);
    },
  };
}
