/**
 * The playground end to end: build the page with Vite into a temporary
 * folder, serve it on 127.0.0.1, open it in Debian's headless Chromium
 * (driven by playwright-core), press Train, and check what a learner would
 * see: the loss on the page falls, the decision boundary's pixels change,
 * Pause stops the updates, and nothing is logged as an error. Then it trains
 * the two spirals for a fixed number of updates and saves a screenshot for
 * the README (docs/figures/playground.png), the same picture on every run.
 *
 * Without Chromium the test is skipped with a message, except in CI (CI set),
 * where it fails: .ci/run installs Chromium first.
 */

import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { chromium } from 'playwright-core';
import { build } from 'vite';
import { describe, expect, it } from 'vitest';

// As in test/package/browser.mjs, which loads the package's browser bundle in the same Chromium.
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const INSTALL_HINT = 'apt-get update && apt-get install -y --no-install-recommends chromium';
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'];

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const PLAYGROUND = join(ROOT, 'playground');
const SCREENSHOT = join(ROOT, 'docs', 'figures', 'playground.png');

const hasChromium = existsSync(CHROMIUM);
if (!hasChromium && !process.env.CI) {
  const why = `no Chromium at ${CHROMIUM} (install it: ${INSTALL_HINT}; in CI this fails)`;
  console.warn(`test/playground.test.ts skipped: ${why}`);
}

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml', '.png': 'image/png',
};

/** Serves the files under `dir` on 127.0.0.1; resolves with the base URL and a `close()`. */
async function serve(dir: string): Promise<{ url: string; close: () => void }> {
  const server = createServer((req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname));
    const file = join(dir, path === '/' ? 'index.html' : path);
    if (!file.startsWith(dir) || !existsSync(file)) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': `${TYPES[extname(file)] ?? 'application/octet-stream'}; charset=utf-8` });
    res.end(readFileSync(file));
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, close: () => server.close() };
}

interface Status {
  readonly step: number;
  readonly loss: number;
  readonly running: string | undefined;
}

// The page functions below run in the browser; this file is compiled without the DOM library (it runs in Node),
// so each names the few members it reads.

/** What the status line's data attributes say. */
const status = (page: Page): Promise<Status> =>
  page.$eval('#status', (element) => {
    const { dataset } = element as unknown as { dataset: Readonly<Record<string, string | undefined>> };
    return { step: Number(dataset.step), loss: Number(dataset.loss), running: dataset.running };
  });

/** The parts of a canvas read below. */
interface Canvas {
  readonly width: number;
  readonly height: number;
  getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: ArrayLike<number> } };
}

/** The RGBA bytes of every 6th pixel of every 6th row of the boundary canvas (a 60 × 60 sample is plenty). */
const pixels = (page: Page): Promise<number[]> =>
  page.$eval('#boundary', (element) => {
    const canvas = element as unknown as Canvas;
    const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
    const sample: number[] = [];
    for (let y = 0; y < canvas.height; y += 6) {
      for (let x = 0; x < canvas.width; x += 6) {
        const at = 4 * (y * canvas.width + x);
        sample.push(data[at]!, data[at + 1]!, data[at + 2]!, data[at + 3]!);
      }
    }
    return sample;
  });

/** The fraction of pixels whose colour moved by more than 8 levels in some channel. */
function changed(a: readonly number[], b: readonly number[]): number {
  let count = 0;
  for (let i = 0; i < a.length; i += 4) {
    if ([0, 1, 2].some((c) => Math.abs(a[i + c]! - b[i + c]!) > 8)) count += 1;
  }
  return count / (a.length / 4);
}

/** The page's test-only hook (playground/main.ts). */
interface TestHook {
  readonly __playground: { step(steps: number): Promise<void> };
}

/** Picks `value` in the settings control `name`; the page starts a new run on the change. */
const choose = (page: Page, name: string, value: string): Promise<unknown> =>
  page.locator(`#settings [name="${name}"]`).selectOption(value);

describe.skipIf(!hasChromium && !process.env.CI)('the playground in headless Chromium', () => {
  it('trains in the page: the loss falls, the boundary changes, Pause stops; and a screenshot', async () => {
    if (!hasChromium) {
      throw new Error(`no Chromium at ${CHROMIUM}: CI must install it, as .ci/run does (${INSTALL_HINT})`);
    }
    const started = performance.now();
    const outDir = mkdtempSync(join(tmpdir(), 'puregrad-playground-'));
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
    let server: { url: string; close: () => void } | undefined;
    try {
      await build({
        root: PLAYGROUND,
        configFile: join(PLAYGROUND, 'vite.config.ts'),
        logLevel: 'error',
        build: { outDir, emptyOutDir: true, minify: false, reportCompressedSize: false },
      });
      const built = performance.now();
      server = await serve(outDir);
      const page = await browser.newPage({ viewport: { width: 1200, height: 1000 } });
      const errors: string[] = [];
      page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
      page.on('pageerror', (e) => errors.push(String(e)));
      await page.goto(server.url);
      await page.waitForSelector('body[data-ready="true"]', { timeout: 20_000 });
      expect(errors).toEqual([]);

      // The default run (circles, 8-8 tanh, Adam, mini-batches of 16) before any update.
      const before = await status(page);
      expect(before).toMatchObject({ step: 0, running: 'false' });
      expect(before.loss).toBeGreaterThan(0.3);
      // The gradient, explained on the next training point, and as the program an update runs on a batch of 16.
      const program = page.locator('#program');
      expect(await program.textContent()).toMatch(/^forward \(top to bottom\) +│ backward/);
      await page.locator('#program-view').selectOption('program');
      expect(await program.textContent()).toMatch(/^\{ lambda ;.*:f32\[16,2\].*matmul/s);
      await page.locator('#program-view').selectOption('explained');
      const boundaryBefore = await pixels(page);

      await page.locator('#speed').selectOption({ label: 'as fast as it goes' });
      await page.click('#train');
      const clicked = performance.now();
      const falling = (s: Status): boolean => s.step >= 50 && s.loss < 0.7 * before.loss;
      await expect.poll(() => status(page), { timeout: 20_000, interval: 50 }).toSatisfy(falling);
      const during = await status(page);
      expect(during.running).toBe('true');
      expect(during.loss).toBeLessThan(0.7 * before.loss);
      expect(changed(boundaryBefore, await pixels(page))).toBeGreaterThan(0.02);
      const trained = performance.now();

      await page.click('#train'); // Pause
      const paused = await status(page);
      expect(paused.running).toBe('false');
      await page.waitForTimeout(200);
      expect((await status(page)).step).toBe(paused.step);
      expect(await page.locator('#program-note').textContent()).toBe(`as of update ${paused.step}`);

      // The screenshot: two spirals (16-16 ReLU, full batch) after a fixed number of updates, run through the
      // page's test-only hook with no time budget, so that the picture is the same on every run.
      await choose(page, 'dataset', 'spirals');
      await page.locator('#settings [name="hidden"]').fill('16, 16');
      await page.locator('#settings [name="hidden"]').blur();
      await choose(page, 'activation', 'relu');
      await choose(page, 'regime', 'full');
      expect((await status(page)).step).toBe(0);
      for (let i = 0; i < 20; i++) {
        await page.evaluate(() => (globalThis as unknown as TestHook).__playground.step(50));
      }
      const spirals = await status(page);
      expect(spirals.step).toBe(1000);
      expect(spirals.loss).toBeLessThan(0.1);
      mkdirSync(join(ROOT, 'docs', 'figures'), { recursive: true });
      const spiralled = performance.now();
      await page.screenshot({ path: SCREENSHOT });
      expect(errors).toEqual([]);
      const s = (a: number, b: number): string => `${((b - a) / 1000).toFixed(1)} s`;
      console.log(`playground: build ${s(started, built)}, load ${s(built, clicked)}, train ${s(clicked, trained)} ` +
        `(${during.step} updates), spirals ${s(trained, spiralled)}, ` +
        `whole test ${s(started, performance.now())}, Chromium ${browser.version()}`);
    } finally {
      await browser.close();
      server?.close();
      rmSync(outDir, { recursive: true, force: true });
    }
  }, 150_000);
});
