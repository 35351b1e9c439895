/**
 * The guides' examples run here, so the docs cannot rot. Each section's `ts`
 * blocks run in order as one script with the public API in scope. A top-level
 * expression followed by a comment that starts with `Tensor<` (what
 * `console.log` prints for a tensor) is an assertion: the value must print
 * exactly so. Other top-level expressions run, and may throw where the guide
 * shows an error.
 */

import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import * as testing from '../laws/index.ts';
import * as puregrad from '../src/index.ts';

const root = new URL('..', import.meta.url).pathname;
// internals.md quotes library source rather than examples, and is pinned by test/programs.test.ts.
const guides = ['README.md', 'docs/transformations.md', 'docs/sharp-edges.md', 'docs/layers.md', 'docs/random.md', 'docs/optimizers.md', 'docs/convolution.md', 'docs/training.md', 'docs/io.md', 'docs/backprop.md', 'docs/xor.md', 'docs/initialization.md', 'docs/regimes.md', 'docs/outputs.md', 'docs/svm.md', 'docs/weight-sharing.md'];
const statement = /^(import|export|const|let|var|type|interface|function|class|for|if|while|try|return|\}|\)|\]|\/\/|\/\*|\*|$)/;

interface Section {
  readonly where: string;
  readonly code: string;
  readonly checks: number;
}

function sections(path: string): Section[] {
  const text = readFileSync(`${root}${path}`, 'utf8');
  return text.split('\n## ').flatMap((sec, i) => {
    const blocks = [...sec.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);
    if (blocks.length === 0) return [];
    let checks = 0;
    const lines = blocks.join('\n').split('\n').map((line) => {
      if (line.startsWith('import')) return '';
      if (line === '' || /^\s/.test(line) || statement.test(line)) return line;
      const m = /^(.*?)\s*\/\/\s*(Tensor<.*?)(\s{2,}.*)?$/.exec(line);
      if (m) {
        checks += 1;
        return `__check(() => (${m[1]!.replace(/;$/, '')}), ${JSON.stringify(m[2]!.trim())});`;
      }
      const code = line.split(/\s\/\/ /)[0]!.replace(/;\s*$/, '');
      return `__try(() => (${code}));`;
    });
    const title = sec.split('\n')[0]!.replace(/^# /, '');
    return [{ where: `${path} § ${i}: ${title}`, code: lines.join('\n'), checks }];
  });
}

const all = guides.flatMap(sections);

describe('guide examples', () => {
  it('the guides have checked examples', () => {
    expect(all.reduce((n, s) => n + s.checks, 0)).toBeGreaterThan(10);
  });

  it.each(all.map((s) => [s.where, s]))('%s', (_where, section) => {
    const js = ts.transpileModule(section.code, { compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext } }).outputText;
    const failures: string[] = [];
    const check = (f: () => unknown, expected: string) => {
      const shown = String(f());
      if (shown !== expected) failures.push(`expected ${expected}\n     got ${shown}`);
    };
    const attempt = (f: () => unknown) => {
      try {
        f();
      } catch {
        // the guide shows this error in a separate block
      }
    };
    const scope = { ...puregrad, ...testing, fc, console: { log: () => undefined } };
    // in a block, so that a guide's own `const data = …` shadows the export of that name instead of clashing with it
    new Function(...Object.keys(scope), '__check', '__try', `{\n${js}\n}`)(...Object.values(scope), check, attempt);
    expect(failures).toEqual([]);
  });
});
