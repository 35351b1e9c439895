/**
 * `npm run bench`: the six workloads of ../shared/PERF.md and a scan-vs-unrolled
 * RNN (issue 8) for puregrad (the working tree's public API) and, in the same
 * process, jax-js (wasm, jit) and TensorFlow.js (wasm and cpu backends).
 * Prints a table per workload and the targets, and writes bench/RESULTS.md.
 * See bench/README.md.
 *
 *   npm run bench
 *   npm run bench -- --quick --only mlp,matmul
 */

import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { makeData } from './data.ts';
import { jaxContenders } from './libs/jax.ts';
import { puregradContenders } from './libs/puregrad.ts';
import { tfjsContenders } from './libs/tfjs.ts';
import type { Contender } from './libs/types.ts';
import type { Section, TargetResult } from './report.ts';
import { printSection, printTargets, resultsMarkdown } from './report.ts';
import type { Workload } from './workloads/context.ts';
import { hvp, matmul } from './workloads/numerics.ts';
import { firstCall, memory } from './workloads/process.ts';
import { rnn } from './workloads/recurrent.ts';
import { mlp, xor } from './workloads/training.ts';

// firstcall runs first, so that its first sample is the process's first jitted call (cold code).
const WORKLOADS: Record<string, Workload> = { firstcall: firstCall, mlp, xor, matmul, hvp, rnn, memory };
const PEERS = ['jax', 'tfjs-wasm', 'tfjs-cpu'] as const;

const USAGE = `npm run bench -- [options]

  --only <list>          workloads, comma-separated: ${Object.keys(WORKLOADS).join(',')} (default: all)
  --peers <list>         peers, comma-separated: ${PEERS.join(',')} or none (default: all)
  --quick                shorter timings, 1,000 memory steps (about a minute in all)
  --memory-steps <n>     memory workload steps (default 10000, quick 1000)
  --memory-seconds <s>   wall-time cap on the memory workload (default 100, quick 8)
  --samples <n>          first-call samples (default 7, quick 3)
  --seed <n>             data seed (default 1)
  --out <path>           where to write the results (default bench/RESULTS.md; "-" for none)
  --help`;

const { values } = parseArgs({
  options: {
    only: { type: 'string' },
    peers: { type: 'string' },
    quick: { type: 'boolean', default: false },
    'memory-steps': { type: 'string' },
    'memory-seconds': { type: 'string' },
    samples: { type: 'string' },
    seed: { type: 'string', default: '1' },
    out: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
  strict: true,
});

function fail(message: string): never {
  console.error(`bench: ${message}\n\n${USAGE}`);
  process.exit(2);
}

/** A comma-separated list whose every item is one of `allowed`. */
function list(value: string | undefined, allowed: readonly string[], what: string): string[] {
  if (value === undefined) return [...allowed];
  if (value === 'none') return [];
  const items = value.split(',').map((s) => s.trim()).filter((s) => s !== '');
  const bad = items.filter((s) => !allowed.includes(s));
  if (bad.length > 0) fail(`unknown ${what}: ${bad.join(', ')}`);
  return items;
}

function count(value: string | undefined, fallback: number, what: string): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!(Number.isFinite(n) && n > 0)) fail(`${what} must be a positive number, got ${value}`);
  return n;
}

if (values.help) {
  console.log(USAGE);
  process.exit(0);
}

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const quick = values.quick;
const only = list(values.only, Object.keys(WORKLOADS), 'workload');
const peers = list(values.peers, PEERS, 'peer');
const out = values.out ?? join(here, 'RESULTS.md');
const seed = count(values.seed, 1, '--seed');
const cores = os.availableParallelism();

const started = performance.now();
const loadAtStart = os.loadavg().map((l) => l.toFixed(2)).join(', ');
const progress = (message: string) => process.stderr.write(`[bench ${((performance.now() - started) / 1000).toFixed(0)}s] ${message}\n`);

const versionOf = (pkg: string): string =>
  (JSON.parse(readFileSync(join(root, 'node_modules', pkg, 'package.json'), 'utf8')) as { version: string }).version;

function commit(): string {
  try {
    const git = (...args: string[]) => execFileSync('git', args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    return `${git('rev-parse', '--short', 'HEAD')}${git('status', '--porcelain') === '' ? '' : ' (dirty)'}`;
  } catch {
    return 'unknown (no git)';
  }
}

const contenders: Contender[] = [...puregradContenders(cores)];
const notes: string[] = [];
if (peers.includes('jax')) contenders.push(...(await jaxContenders()));
let tfVersion: string | undefined;
if (peers.includes('tfjs-wasm') || peers.includes('tfjs-cpu')) {
  const tf = await tfjsContenders();
  tfVersion = tf.version;
  notes.push(`TF.js ${tf.notes}`);
  contenders.push(...tf.contenders.filter((c) => peers.includes(c.name.replace(' ', '-'))));
}

const settings = {
  timing: quick ? { warmupMs: 100, budgetMs: 400, blocks: 3 } : { warmupMs: 400, budgetMs: 2000, blocks: 7 },
  memorySteps: count(values['memory-steps'], quick ? 1000 : 10_000, '--memory-steps'),
  memorySeconds: count(values['memory-seconds'], quick ? 8 : 100, '--memory-seconds'),
  samples: count(values.samples, quick ? 3 : 7, '--samples'),
};
const ctx = { data: makeData(seed), contenders, progress, ...settings };
progress(`contenders: ${contenders.map((c) => c.name).join(', ')}; workloads: ${only.join(', ')}`);

const sections: Section[] = [];
const targets: TargetResult[] = [];
for (const name of only) {
  const result = await WORKLOADS[name]!(ctx);
  result.sections.forEach(printSection);
  sections.push(...result.sections);
  targets.push(...result.targets);
}
printTargets(targets);

const cpus = os.cpus();
/** The vector extensions that matter for native peers (numpy's OpenBLAS), from /proc/cpuinfo where there is one. */
function vectorFlags(): string {
  try {
    const flags = new Set(/^flags\s*:(.*)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim().split(/\s+/) ?? []);
    const present = ['sse4_2', 'avx2', 'fma', 'avx512f'].filter((f) => flags.has(f));
    return present.length > 0 ? present.join(' ') : 'none of sse4_2 avx2 fma avx512f';
  } catch {
    return 'unknown';
  }
}
const header = {
  date: new Date().toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC'),
  command: `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`,
  versions: [
    ['node', process.version],
    ['puregrad', `${commit()} (working tree, src/index.ts via tsx)`],
    ['@jax-js/jax', peers.includes('jax') ? `${versionOf('@jax-js/jax')} (device wasm, jit)` : 'not run'],
    ['@tensorflow/tfjs', tfVersion === undefined ? 'not run' : `${tfVersion} (backends: ${peers.filter((p) => p.startsWith('tfjs')).join(', ')})`],
    ['@tensorflow/tfjs-backend-wasm', tfVersion === undefined ? 'not run' : versionOf('@tensorflow/tfjs-backend-wasm')],
  ] as const,
  machine: [
    ['cpu', `${cpus[0]?.model ?? 'unknown'}, ${cpus.length} logical cores (available parallelism ${cores})`],
    ['vector extensions', vectorFlags()],
    ['memory', `${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`],
    ['os', `${os.type()} ${os.release()} ${os.arch()}`],
    ['load average at start', loadAtStart],
    ...notes.map((n) => ['note', n] as const),
  ] as const,
  settings: `seed ${seed}; ${quick ? 'quick' : 'full'} timing (warm-up ${settings.timing.warmupMs} ms, ` +
    `${settings.timing.blocks} blocks over ~${settings.timing.budgetMs} ms); memory ${settings.memorySteps} steps ` +
    `(cap ${settings.memorySeconds} s); first call ${settings.samples} samples; total run ${((performance.now() - started) / 1000).toFixed(0)} s.`,
};
if (out !== '-') {
  writeFileSync(out, resultsMarkdown(header, sections, targets));
  progress(`wrote ${relative(process.cwd(), out)}`);
}
