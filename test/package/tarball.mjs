/**
 * Checks on the packed tarball's contents, read from the unpacked package folder: only what a
 * user needs (dist/, README, LICENSE, package.json), every export and "bin" target present, declarations
 * that name `.js` files, and a `sideEffects` field that lists every module with effects at load.
 */

import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';

const SHIPPED = /^(package\.json|README\.md|LICENSE|dist\/.+\.(js|js\.map|d\.ts))$/;

/** Every file under `dir`, as paths relative to it with '/' separators. */
export function filesUnder(dir) {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath ?? e.path, e.name)).split('\\').join('/'))
    .sort();
}

/** Throws unless the tarball's file list is what a user needs, complete and nothing else. */
export function checkContents(files, pkg) {
  const extra = files.filter((f) => !SHIPPED.test(f));
  if (extra.length > 0) throw new Error(`the tarball ships files a user does not need: ${extra.join(', ')}`);
  const has = new Set(files);
  const conditions = Object.values(pkg.exports).flatMap((e) => (typeof e === 'string' ? [e] : Object.values(e)));
  const bins = typeof pkg.bin === 'string' ? [pkg.bin] : Object.values(pkg.bin ?? {});
  const targets = [pkg.main, pkg.types, ...conditions, ...bins];
  const missing = [...new Set(targets)].map((t) => t.replace(/^\.\//, '')).filter((t) => !has.has(t));
  for (const need of ['README.md', 'LICENSE', 'package.json']) if (!has.has(need)) missing.push(need);
  for (const js of files.filter((f) => f.endsWith('.js'))) {
    for (const companion of [js.replace(/\.js$/, '.d.ts'), `${js}.map`]) {
      if (!has.has(companion)) missing.push(companion);
    }
  }
  if (missing.length > 0) throw new Error(`the tarball lacks: ${missing.join(', ')}`);
}

/** Throws if a declaration file names a relative `.ts` module, which exists only in the sources. */
export function checkDeclarations(dir, files) {
  const bad = [];
  for (const f of files.filter((x) => x.endsWith('.d.ts'))) {
    const text = readFileSync(join(dir, f), 'utf8');
    for (const [, , spec] of text.matchAll(/(['"])(\.\.?\/[^'"]*?)\1/g)) {
      if (/(?<!\.d)\.ts$/.test(spec)) bad.push(`${f}: ${spec}`);
    }
  }
  if (bad.length > 0) throw new Error(`declarations import .ts paths (want .js): ${bad.slice(0, 5).join('; ')}`);
}

/**
 * The modules that must stay in a bundle even when none of their exports are used: those with a
 * top-level expression statement (a call, an assignment) and those imported only for effect
 * (`import './x.js'`). Throws unless package.json's `sideEffects` lists each of them.
 */
export function checkSideEffects(dir, files, pkg) {
  const effectful = new Set();
  for (const f of files.filter((x) => x.endsWith('.js'))) {
    const source = ts.createSourceFile(f, readFileSync(join(dir, f), 'utf8'), ts.ScriptTarget.Latest, false);
    for (const s of source.statements) {
      if (ts.isExpressionStatement(s) && !ts.isStringLiteral(s.expression)) effectful.add(f);
      // `import './x.js'`: the importer relies on x's effects.
      const bare = ts.isImportDeclaration(s) && s.importClause === undefined ? s.moduleSpecifier.text : '';
      if (bare.startsWith('.')) effectful.add(join(f, '..', bare).split('\\').join('/'));
    }
  }
  if (!Array.isArray(pkg.sideEffects)) {
    throw new Error('package.json should list its modules with effects at load in "sideEffects"');
  }
  const listed = new Set(pkg.sideEffects.map((p) => p.replace(/^\.\//, '')));
  const unlisted = [...effectful].filter((f) => !listed.has(f));
  const stale = [...listed].filter((f) => !files.includes(f));
  if (unlisted.length > 0) {
    throw new Error(`modules with effects at load, missing from package.json "sideEffects": ${unlisted.join(', ')}`);
  }
  if (stale.length > 0) throw new Error(`"sideEffects" names files not in the package: ${stale.join(', ')}`);
  return [...effectful];
}
