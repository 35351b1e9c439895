/**
 * Every `@example` in the TSDoc of `src/` and `laws/` runs here, so the docs
 * cannot rot. A line ending in `// => <JSON>` is an assertion: the expression
 * before the comment must equal the JSON (tensors compared by `toArray()`,
 * numbers to 1e-6 relative).
 */

import fc from 'fast-check';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import * as testing from '../laws/index.ts';
import * as puregrad from '../src/index.ts';

const root = new URL('..', import.meta.url).pathname;

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sources(path) : path.endsWith('.ts') ? [path] : [];
  });
}

interface Example {
  readonly where: string;
  readonly code: string;
}

function examples(path: string): Example[] {
  const text = readFileSync(path, 'utf8');
  const found: Example[] = [];
  for (const block of text.matchAll(/\/\*\*([\s\S]*?)\*\//g)) {
    const body = block[1]!.split('\n').map((l) => l.replace(/^\s*\* ?/, ''));
    const line = text.slice(0, block.index).split('\n').length;
    body.forEach((l, start) => {
      if (!l.startsWith('@example')) return;
      const end = body.findIndex((m, i) => i > start && m.startsWith('@'));
      const lines = body.slice(start + 1, end < 0 ? undefined : end).filter((m) => m.trim() !== '');
      found.push({ where: `${relative(root, path)}:${line}${start > 0 ? `+${start}` : ''}`, code: lines.join('\n') });
    });
  }
  return found;
}

/** Turn `expr // => json` lines into checks, then strip the types. */
function compile(code: string): string {
  const body = code
    .split('\n')
    .map((l) => {
      const m = /^(.*?)\s*\/\/ => (.*)$/.exec(l);
      return m ? `__check(${m[1]}, ${JSON.stringify(m[2])});` : l;
    })
    .join('\n');
  return ts.transpileModule(body, { compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext } }).outputText;
}

const plain = (v: unknown): unknown =>
  v instanceof puregrad.Tensor ? v.toArray() : Array.isArray(v) ? v.map(plain) : v !== null && typeof v === 'object' ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)])) : v;

function closeTo(actual: unknown, expected: unknown): boolean {
  if (typeof expected === 'number') return typeof actual === 'number' && Math.abs(actual - expected) <= 1e-6 * Math.max(1, Math.abs(expected));
  if (Array.isArray(expected)) return Array.isArray(actual) && actual.length === expected.length && expected.every((e, i) => closeTo(actual[i], e));
  if (expected !== null && typeof expected === 'object') {
    const keys = Object.keys(expected);
    return actual !== null && typeof actual === 'object' && keys.length === Object.keys(actual).length &&
      keys.every((k) => closeTo((actual as Record<string, unknown>)[k], (expected as Record<string, unknown>)[k]));
  }
  return Object.is(actual, expected);
}

const all = [...sources(join(root, 'src')), ...sources(join(root, 'laws'))].flatMap(examples);

describe('TSDoc examples', () => {
  it('there are examples to run', () => {
    expect(all.length).toBeGreaterThan(5);
  });

  it.each(all.map((e) => [e.where, e]))('%s', (_where, example) => {
    const scope = { ...puregrad, ...testing, fc };
    const check = (value: unknown, json: string) => {
      const expected: unknown = JSON.parse(json);
      const actual = plain(value);
      if (!closeTo(actual, expected)) throw new Error(`expected ${json}, got ${JSON.stringify(actual)}`);
    };
    const run = new Function(...Object.keys(scope), '__check', compile(example.code));
    run(...Object.values(scope), check);
  });
});

/** Every function, constant and class that `src/index.ts` exports (namespaces walked), by path, lacking an `@example`. */
function exportsWithoutExample(): string[] {
  const index = join(root, 'src/index.ts');
  const program = ts.createProgram([index], {
    allowImportingTsExtensions: true,
    noEmit: true,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    target: ts.ScriptTarget.ES2022,
  });
  const checker = program.getTypeChecker();
  const missing: string[] = [];
  const visit = (symbol: ts.Symbol, path: string): void => {
    const s = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
    const decl = s.declarations?.[0];
    if (decl === undefined) return;
    if (ts.isSourceFile(decl)) {
      for (const e of checker.getExportsOfModule(s)) visit(e, `${path}.${e.name}`);
      return;
    }
    if (!(s.flags & (ts.SymbolFlags.Function | ts.SymbolFlags.Variable | ts.SymbolFlags.Class))) return;
    if (!s.getJsDocTags(checker).some((t) => t.name === 'example')) missing.push(path);
  };
  const module = checker.getSymbolAtLocation(program.getSourceFile(index)!)!;
  for (const e of checker.getExportsOfModule(module)) visit(e, e.name);
  return missing;
}

describe('public exports', () => {
  it('every value puregrad exports carries a doc comment with an @example', () => {
    expect(exportsWithoutExample()).toEqual([]);
  });
});
