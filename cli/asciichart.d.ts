// The part of asciichart (a dependency without type declarations) that report.ts uses.
declare module 'asciichart' {
  export interface PlotConfig {
    readonly height?: number;
    readonly min?: number;
    readonly max?: number;
    readonly offset?: number;
    readonly padding?: string;
    readonly format?: (value: number, index: number) => string;
  }
  /** The series drawn as lines of box-drawing characters, one string with a row per line. */
  export function plot(series: readonly number[] | readonly (readonly number[])[], config?: PlotConfig): string;
}
