/**
 * Rendering a figure: a vega-lite spec is compiled to a vega spec and drawn to an SVG string by
 * a headless vega View (`renderer: 'none'`, no canvas needed). vega and vega-lite are optional
 * dependencies of puregrad, loaded on first use; without them `render` throws a
 * `FiguresUnavailableError`, which the CLI turns into a one-line note and no figures.
 */

import type { TopLevelSpec } from 'vega-lite';

/** vega or vega-lite is not installed, so no figure can be drawn. */
export class FiguresUnavailableError extends Error {
  override readonly name = 'FiguresUnavailableError';
}

/** The two modules, as far as this file uses them. */
interface Vega {
  readonly parse: (spec: unknown) => unknown;
  readonly View: new (runtime: unknown, options: { renderer: 'none' }) => {
    toSVG(): Promise<string>;
    finalize(): void;
  };
}
interface VegaLite {
  readonly compile: (spec: TopLevelSpec) => { readonly spec: unknown };
}

let loading: Promise<{ readonly vega: Vega; readonly vl: VegaLite }> | undefined;

/** The two modules, imported once; rejects with a `FiguresUnavailableError` naming the missing one. */
function load(): Promise<{ readonly vega: Vega; readonly vl: VegaLite }> {
  const importOptional = async <T>(name: string): Promise<T> => {
    try {
      return (await import(name)) as T;
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      if (code !== 'ERR_MODULE_NOT_FOUND' && code !== 'MODULE_NOT_FOUND') throw error;
      throw new FiguresUnavailableError(
        `puregrad figures need the optional dependencies vega and vega-lite (npm i vega vega-lite); ${name} is missing`);
    }
  };
  loading ??= (async () => ({ vega: await importOptional<Vega>('vega'), vl: await importOptional<VegaLite>('vega-lite') }))();
  return loading;
}

/** Whether vega and vega-lite can be loaded, so figures can be drawn. */
export async function figuresAvailable(): Promise<boolean> {
  try {
    await load();
    return true;
  } catch (error) {
    if (error instanceof FiguresUnavailableError) return false;
    throw error;
  }
}

/** The SVG text of a vega-lite spec. */
export async function render(spec: TopLevelSpec): Promise<string> {
  const { vega, vl } = await load();
  // No ARIA labels on marks: they would repeat every datum's values in the file and triple its size.
  const quiet = { ...spec, config: { ...spec.config, aria: false } } as TopLevelSpec;
  const view = new vega.View(vega.parse(vl.compile(quiet).spec), { renderer: 'none' });
  try {
    return roundCoordinates(await view.toSVG());
  } finally {
    view.finalize();
  }
}

/** The SVG with the numbers of its path data and transforms rounded to 0.01 px (vega writes 4.5000000000000036). */
const roundCoordinates = (svg: string): string =>
  svg.replace(/ (d|transform)="([^"]*)"/g, (_, name: string, value: string) =>
    ` ${name}="${value.replace(/-?\d+\.\d{3,}/g, (n) => String(Math.round(Number(n) * 100) / 100))}"`);
