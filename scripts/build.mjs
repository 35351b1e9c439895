/**
 * `npm run build`: a fresh dist/ from src/ and laws/ (see tsconfig.build.json for why tsc), then
 * the CLI from cli/ (tsconfig.cli.json) into dist/cli.
 * tsc rewrites `./x.ts` to `./x.js` in the JavaScript it emits but not in the declarations
 * (microsoft/TypeScript#61037), so this script rewrites the relative specifiers of the .d.ts
 * files too: TypeScript reads either form, other tools that read declarations expect `.js`.
 */

import { execFileSync } from 'node:child_process';
import { chmodSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import ts from 'typescript';

const root = new URL('..', import.meta.url).pathname;
const dist = join(root, 'dist');

rmSync(dist, { recursive: true, force: true });
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
execFileSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
// The CLI (package.json "bin"), with Node's types; it re-emits the library files it imports,
// identically, since tsconfig.cli.json extends tsconfig.build.json.
execFileSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.cli.json')], { stdio: 'inherit' });
// npm marks "bin" files executable when it installs them; this makes dist/cli/main.js runnable here too.
chmodSync(join(dist, 'cli', 'main.js'), 0o755);

/** The text with every relative `.ts` module specifier (imports, re-exports,
 * `import()` types, module augmentations) ending in `.js`. */
function rewriteSpecifiers(text) {
  const source = ts.createSourceFile('x.d.ts', text, ts.ScriptTarget.Latest, true);
  const specifiers = [];
  const visit = (node) => {
    const spec = ts.isImportDeclaration(node) || ts.isExportDeclaration(node) ? node.moduleSpecifier
      : ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) ? node.argument.literal
      : ts.isModuleDeclaration(node) ? node.name // `declare module './x.ts'` (the Tensor methods)
      : undefined;
    if (spec !== undefined && ts.isStringLiteral(spec) && /^\.\.?\/.*(?<!\.d)\.ts$/.test(spec.text)) specifiers.push(spec);
    ts.forEachChild(node, visit);
  };
  visit(source);
  let out = text;
  // From the last to the first, so earlier positions stay valid; +1 and -1 keep the quotes.
  for (const spec of specifiers.reverse()) {
    out = out.slice(0, spec.getStart() + 1) + spec.text.slice(0, -3) + '.js' + out.slice(spec.getEnd() - 1);
  }
  return out;
}

let rewritten = 0;
for (const entry of readdirSync(dist, { recursive: true, withFileTypes: true })) {
  if (!entry.isFile() || !entry.name.endsWith('.d.ts')) continue;
  const file = join(entry.parentPath ?? entry.path, entry.name);
  const text = readFileSync(file, 'utf8');
  const fixed = rewriteSpecifiers(text);
  if (fixed !== text) {
    writeFileSync(file, fixed);
    rewritten++;
  }
}
console.error(`build: dist/ written; relative .ts specifiers rewritten to .js in ${rewritten} declaration files`);
