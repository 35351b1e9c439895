/**
 * Vite's configuration for the playground (`npm run playground` serves it,
 * `npm run playground:build` writes it to playground/dist). The page imports
 * `puregrad` as an app would; the alias points that name at the library's
 * TypeScript source in this repository, so the page always runs the code
 * under development, with no build step in between.
 */

import { fileURLToPath } from 'node:url';
import type { Plugin } from 'vite';
import { defineConfig } from 'vite';

const source = (path: string): string => fileURLToPath(new URL(`../src/${path}`, import.meta.url));

/**
 * The module that adds the tensor methods (`x.reshape(…)`) is imported for its effect only. package.json's
 * "sideEffects" names its built file (dist/src/ops/methods.js), so a bundler building from the source would
 * drop src/ops/methods.ts as effect-free, and every method would be missing: this plugin keeps it.
 */
const keepTensorMethods = (): Plugin => ({
  name: 'puregrad:keep-tensor-methods',
  enforce: 'pre',
  async resolveId(id, importer, options) {
    if (!id.endsWith('/methods.ts')) return null;
    const resolved = await this.resolve(id, importer, { ...options, skipSelf: true });
    return resolved?.id === source('ops/methods.ts') ? { ...resolved, moduleSideEffects: true } : resolved;
  },
});

export default defineConfig({
  base: './',
  plugins: [keepTensorMethods()],
  resolve: {
    alias: [{ find: /^puregrad$/, replacement: source('index.ts') }],
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // Vega and Vega-Lite make up most of the bundle (about 1 MB minified); one chunk is fine for a demo page.
    chunkSizeWarningLimit: 2000,
  },
});
