/**
 * The browser consumer: bundle an entry with esbuild as an app would, serve it on 127.0.0.1 and
 * load it in a real headless Chromium (Debian's, driven over the DevTools protocol by
 * playwright-core); returns what the page computed.
 */

import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const INSTALL_HINT = 'apt-get update && apt-get install -y --no-install-recommends chromium';

/** Bundles `entry` (resolving `puregrad` from `project`'s node_modules) for browsers; returns the JavaScript. */
export async function bundle(project, entry) {
  const out = await build({
    absWorkingDir: project,
    entryPoints: [entry],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    write: false,
    logLevel: 'silent',
  });
  if (out.warnings.length > 0) throw new Error(`esbuild warned: ${out.warnings.map((w) => w.text).join('; ')}`);
  return out.outputFiles[0].text;
}

/** Starts Chromium on a fresh profile with a DevTools port; resolves with its endpoint and a `stop()`. */
function startChromium(profile) {
  const args = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run',
    `--user-data-dir=${profile}`, '--remote-debugging-address=127.0.0.1', '--remote-debugging-port=0', 'about:blank'];
  // Its own process group, so that stopping it stops its helper processes too; and never left running.
  const child = spawn(CHROMIUM, args, { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  const killGroup = (signal) => {
    try {
      process.kill(-child.pid, signal);
    } catch {
      // the group has already exited
    }
  };
  const onExit = () => killGroup('SIGKILL');
  process.once('exit', onExit);
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      killGroup('SIGTERM');
      const timer = setTimeout(() => killGroup('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    }
    killGroup('SIGKILL'); // a helper process still running
    process.removeListener('exit', onExit);
  };
  return new Promise((resolve, reject) => {
    let log = '';
    const timer = setTimeout(() => fail(new Error('Chromium did not open its DevTools port within 30 s')), 30_000);
    const fail = (error) => {
      clearTimeout(timer);
      killGroup('SIGKILL');
      process.removeListener('exit', onExit);
      reject(new Error(`${error.message}\n${log.slice(-2000)}`));
    };
    const early = (code) => fail(new Error(`Chromium exited (code ${code}) before opening its DevTools port`));
    const read = (d) => {
      log += d;
      const m = /DevTools listening on (ws:\/\/\S+)/.exec(log);
      if (m) {
        clearTimeout(timer);
        child.off('exit', early);
        child.stderr.off('data', read);
        child.stderr.resume(); // keep draining what it prints
        resolve({ stop, endpoint: m[1] });
      }
    };
    child.on('error', fail);
    child.on('exit', early);
    child.stderr.on('data', read);
  });
}

/** Loads index.html with the bundle in Chromium; returns `globalThis.puregradResult` and the browser's name. */
export async function runInChromium(html, js) {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}. Install it: ${INSTALL_HINT}`);
  const server = createServer((req, res) => {
    const [type, body] = req.url === '/app.js' ? ['text/javascript', js] : req.url === '/' ? ['text/html', html] : [];
    res.writeHead(body === undefined ? 404 : 200, { 'content-type': `${type ?? 'text/plain'}; charset=utf-8` });
    res.end(body ?? 'not found');
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const profile = mkdtempSync(join(tmpdir(), 'puregrad-chromium-'));
  let started;
  let browser;
  try {
    started = await startChromium(profile);
    browser = await chromium.connectOverCDP(started.endpoint, { timeout: 30_000 });
    const page = await (browser.contexts()[0] ?? (await browser.newContext())).newPage();
    const errors = [];
    let threw;
    const thrown = new Promise((resolve) => (threw = resolve));
    page.on('pageerror', (e) => threw(e));
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    await page.goto(`http://127.0.0.1:${server.address().port}/`, { timeout: 30_000 });
    const outcome = await Promise.race([
      page.waitForFunction(() => 'puregradResult' in globalThis, undefined, { timeout: 30_000 })
        .then(() => undefined, (e) => `it computed nothing (${e.message})`),
      thrown.then((e) => `it threw ${e}`),
    ]);
    if (outcome !== undefined) throw new Error(`the page failed: ${outcome}`);
    if (errors.length > 0) throw new Error(`the page reported errors: ${errors.join('; ')}`);
    const result = await page.evaluate(() => globalThis.puregradResult);
    return { result, browser: `${browser.browserType().name()} ${browser.version()}` };
  } finally {
    await browser?.close().catch(() => {});
    await started?.stop();
    server.close();
    rmSync(profile, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
  }
}

export const indexHtml = (fixtures) => readFileSync(join(fixtures, 'index.html'), 'utf8');
