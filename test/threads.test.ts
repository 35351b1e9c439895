/**
 * Matrix products split across worker threads: the same bits as on one thread
 * at odd sizes (rows, columns or the batch split; both flags; shared operands;
 * float32 and float64), small products kept on the calling thread,
 * `setThreads` validated, `PUREGRAD_THREADS` read, and a process that used
 * threads still exits on its own.
 */

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { matmul, PuregradError, setThreads, tensor } from '../src/index.ts';
import type { MatmulKernel, MatmulSpec } from '../src/kernels/index.ts';
import { matmulInto, setMatmulKernel } from '../src/kernels/index.ts';
import { setAdaptive, threadedDispatches, threadsReady } from '../src/kernels/threads.ts';
import { THREAD_MIN_WORK } from '../src/kernels/wasm/runtime.ts';
import type { MatmulCase } from './support.ts';
import { uniforms } from './support.ts';

type Case = MatmulCase;

// Each above the threshold: m ≥ n splits rows, m < n columns, a batch of 3 (with 3 threads) the batch;
// a shared B with a plain A folds the batch into the rows first.
const SHAPES: readonly (readonly [number, number, number, number])[] = [
  [1, 257, 131, 257], [1, 129, 259, 301], [1, 2047, 37, 113], [3, 67, 201, 211], [2, 45, 303, 311],
];
const FLAGS = [[false, false], [true, false], [false, true], [true, true]] as const;
const SHARING = [[false, false], [true, false], [false, true]] as const;
// Every flag pair unshared; a shared operand (batches only) with the plain and the doubly transposed layout.
const CASES: Case[] = SHAPES.flatMap(([batch, m, k, n]) =>
  FLAGS.flatMap(([transA, transB]) =>
    SHARING.filter(([aS, bS]) => (!aS && !bS) || (batch > 1 && transA === transB)).map(([aShared, bShared]) =>
      ({ batch, m, k, n, transA, transB, aShared, bShared }))));
const name = (c: Case) =>
  `${c.batch}×[${c.m},${c.k}]·[${c.k},${c.n}] transA=${c.transA} transB=${c.transB}` +
  `${c.aShared ? ' shared A' : ''}${c.bShared ? ' shared B' : ''}`;

/** The product of case `c` on seeded operands, by the kernel `which`. */
function product(c: Case, dtype: 'float32' | 'float64', seed: number, which: MatmulKernel = 'auto') {
  const next = uniforms(seed);
  const values = (len: number) => {
    const v = Float64Array.from({ length: len }, () => next() * 2 ** Math.round(next() * 4));
    return dtype === 'float32' ? Float32Array.from(v) : v;
  };
  const x = values((c.aShared ? 1 : c.batch) * c.m * c.k);
  const y = values((c.bShared ? 1 : c.batch) * c.k * c.n);
  const spec: MatmulSpec = {
    ...c, dtype, aBatchStride: c.aShared ? 0 : c.m * c.k, bBatchStride: c.bShared ? 0 : c.k * c.n,
  };
  const size = c.batch * c.m * c.n;
  const out = dtype === 'float32' ? new Float32Array(size).fill(NaN) : new Float64Array(size).fill(NaN);
  setMatmulKernel(which);
  try {
    return matmulInto(out, x, y, spec) as Float32Array | Float64Array;
  } finally {
    setMatmulKernel('auto');
  }
}

const bits = (x: Float32Array | Float64Array) => Buffer.from(x.buffer, x.byteOffset, x.byteLength);

describe('threaded matrix products', () => {
  // Every product above the threshold must split here, even on a loaded machine.
  beforeAll(() => setAdaptive(false));
  afterAll(() => {
    setAdaptive(true);
    setThreads(2);
  });

  it('setThreads refuses anything but a whole number ≥ 1, naming the op', () => {
    for (const bad of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => setThreads(bad)).toThrow(PuregradError);
      expect(() => setThreads(bad)).toThrow(/^setThreads: got .*whole number of threads, at least 1/);
    }
  });

  it('3 threads ≡ 1 thread, bit for bit, whether rows, columns or the batch are split', async () => {
    for (const [i, c] of [CASES[0]!, CASES[4]!, CASES[8]!, CASES[12]!, CASES[20]!].entries()) {
      setThreads(1);
      expect(await threadsReady()).toBe(1);
      const one = product(c, 'float32', 100 + i);
      setThreads(3);
      expect(await threadsReady()).toBe(3);
      const before = threadedDispatches();
      const three = product(c, 'float32', 100 + i);
      expect(threadedDispatches()).toBe(before + 1);
      expect(bits(three).equals(bits(one))).toBe(true);
    }
  });

  // The TypeScript kernel is the single-thread wasm kernel's bit-for-bit twin (test/matmul.test.ts).
  const each = it.each(CASES.map((c, i) => [name(c), c, i] as const));
  each('%s: 3 threads ≡ the single-thread kernels', async (_n, c, i) => {
    expect(c.batch * c.m * c.n * c.k).toBeGreaterThanOrEqual(THREAD_MIN_WORK);
    setThreads(3);
    expect(await threadsReady()).toBe(3);
    for (const dtype of ['float32', 'float64'] as const) {
      const before = threadedDispatches();
      const three = product(c, dtype, 500 + i);
      expect(threadedDispatches()).toBe(before + 1);
      const one = product(c, dtype, 500 + i, 'js');
      expect(three.findIndex((v) => Number.isNaN(v))).toBe(-1);
      expect(bits(three).equals(bits(one))).toBe(true);
    }
  });

  it('keeps products below the threshold on the calling thread, and splits the first one above it', async () => {
    setThreads(2);
    expect(await threadsReady()).toBe(2);
    const before = threadedDispatches();
    const small = tensor(Array.from({ length: 64 }, (_, i) => Array.from({ length: 64 }, (_, j) => (i - j) / 64)));
    const s = matmul(small, small); // 64³ multiply-adds
    expect(64 ** 3).toBeLessThan(THREAD_MIN_WORK);
    expect(threadedDispatches()).toBe(before);
    const big = tensor(Array.from({ length: 208 }, (_, i) => Array.from({ length: 208 }, (_, j) => (i + j) / 208)));
    const b = matmul(big, big); // 208³
    expect(208 ** 3).toBeGreaterThanOrEqual(THREAD_MIN_WORK);
    expect(threadedDispatches()).toBe(before + 1);
    expect(s.shape).toEqual([64, 64]);
    expect(b.shape).toEqual([208, 208]);
  });

  describe('in a fresh process', () => {
    const dir = mkdtempSync(join(tmpdir(), 'puregrad-threads-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    const src = new URL('../src/', import.meta.url).pathname;

    /** Runs a script with tsx; `timeout` kills a process that workers keep alive. */
    function node(script: string, env: Record<string, string | undefined>) {
      const file = join(dir, `run-${Math.random().toString(36).slice(2)}.mts`);
      writeFileSync(file, script);
      return spawnSync(process.execPath, ['--import', 'tsx', file], {
        encoding: 'utf8', timeout: 30_000, env: { ...process.env, ...env },
      });
    }
    const script = (setup: string) => `
      import { matmul, ones, setThreads } from '${src}index.ts';
      import { threadedDispatches, threadsReady } from '${src}kernels/threads.ts';
      ${setup}
      const threads = await threadsReady();
      const out = matmul(ones([300, 150]), ones([150, 200]));
      console.log(JSON.stringify({ threads, dispatches: threadedDispatches(), corner: out.toArray()[0][0] }));
    `;

    it('exits on its own after threaded products; PUREGRAD_THREADS chooses the count', () => {
      const r = node(script(''), { PUREGRAD_THREADS: '2' });
      expect(r.error).toBeUndefined();
      expect(r.status).toBe(0);
      expect(JSON.parse(r.stdout)).toEqual({ threads: 2, dispatches: 1, corner: 150 });
    });

    it('setThreads overrides the environment; an unreadable PUREGRAD_THREADS is ignored with a warning', () => {
      const one = node(script('setThreads(1);'), { PUREGRAD_THREADS: '2' });
      expect(one.status).toBe(0);
      expect(JSON.parse(one.stdout)).toEqual({ threads: 1, dispatches: 0, corner: 150 });
      const bad = node(script(''), { PUREGRAD_THREADS: 'lots' });
      expect(bad.status).toBe(0);
      expect(bad.stderr).toContain('ignoring PUREGRAD_THREADS="lots"');
      expect(JSON.parse(bad.stdout).corner).toBe(150);
    });
  });
});
