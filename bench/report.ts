/**
 * What the bench prints and writes: each workload gives a section (a table and
 * notes), and the targets of ../shared/PERF.md are checked against the ratios
 * and figures measured in this one run.
 */

import type { Outcome } from './outcome.ts';
import type { Timing } from './timing.ts';

export type { Outcome } from './outcome.ts';
export { attempt, valueOr } from './outcome.ts';

export interface Section {
  readonly title: string;
  readonly headers: readonly string[];
  readonly rows: readonly (readonly string[])[];
  readonly notes: readonly string[];
}

export type Status = 'met' | 'NOT met' | 'not measured';

export interface TargetResult {
  readonly target: string;
  readonly measured: string;
  readonly status: Status;
}

/** Seconds in a readable unit, three significant digits. */
export function time(seconds: number | undefined): string {
  if (seconds === undefined || !Number.isFinite(seconds)) return '—';
  if (seconds < 1e-3) return `${(seconds * 1e6).toPrecision(3)} µs`;
  if (seconds < 1) return `${(seconds * 1e3).toPrecision(3)} ms`;
  return `${seconds.toPrecision(3)} s`;
}

/** A timing as "median (spread)", where spread is (max − min) / median over the blocks. */
export function timing(o: Outcome<Timing> | undefined): string {
  if (o === undefined) return '—';
  if (!o.ok) return `error: ${o.error}`;
  return `${time(o.value.median)} (±${((100 * (o.value.max - o.value.min)) / o.value.median / 2).toFixed(0)}%)`;
}

export const ratio = (x: number | undefined): string => (x === undefined || !Number.isFinite(x) ? '—' : `${x.toPrecision(3)}×`);

export const sci = (x: number | undefined): string => (x === undefined || Number.isNaN(x) ? '—' : x.toExponential(2));

export const megabytes = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(1)} MB`;

/** Whether `value` meets `bound` in the given direction; undefined when nothing was measured. */
export function check(value: number | undefined, op: '≥' | '≤' | '<', bound: number): Status {
  if (value === undefined || Number.isNaN(value)) return 'not measured';
  const ok = op === '≥' ? value >= bound : op === '≤' ? value <= bound : value < bound;
  return ok ? 'met' : 'NOT met';
}

/** A fixed-width text table for the terminal. */
export function textTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

const cell = (s: string) => s.replace(/\|/g, '\\|');

/** A GitHub-flavoured Markdown table. */
export function markdownTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  return [
    `| ${headers.map(cell).join(' | ')} |`,
    `|${headers.map(() => '---').join('|')}|`,
    ...rows.map((r) => `| ${headers.map((_, i) => cell(r[i] ?? '')).join(' | ')} |`),
  ].join('\n');
}

export function printSection(s: Section): void {
  console.log(`\n== ${s.title} ${'='.repeat(Math.max(0, 74 - s.title.length))}`);
  console.log(textTable(s.headers, s.rows));
  for (const n of s.notes) console.log(`  ${n}`);
}

export function printTargets(targets: readonly TargetResult[]): void {
  console.log(`\n== Targets (../shared/PERF.md) ${'='.repeat(46)}`);
  console.log(textTable(['target', 'measured', 'status'], targets.map((t) => [t.target, t.measured, t.status])));
}

export interface Header {
  readonly date: string;
  readonly command: string;
  readonly versions: readonly (readonly [string, string])[];
  readonly machine: readonly (readonly [string, string])[];
  readonly settings: string;
}

/** The whole RESULTS.md. */
export function resultsMarkdown(h: Header, sections: readonly Section[], targets: readonly TargetResult[]): string {
  const list = (pairs: readonly (readonly [string, string])[]) => pairs.map(([k, v]) => `- ${k}: ${v}`).join('\n');
  const parts = [
    '# Benchmark results',
    '',
    `Written by \`npm run bench\` (bench/run.ts) on ${h.date}. Every ratio compares libraries measured in this one`,
    'process run; absolute times on this shared machine drift between runs. Times are the median over timed blocks',
    'after a warm-up, with ±half the min–max range of the blocks relative to the median.',
    '',
    '```',
    h.command,
    '```',
    '',
    `Settings: ${h.settings}`,
    '',
    '## Versions',
    '',
    list(h.versions),
    '',
    '## Machine',
    '',
    list(h.machine),
    '',
    '## Targets',
    '',
    markdownTable(['target', 'measured', 'status'], targets.map((t) => [t.target, t.measured, t.status])),
  ];
  for (const s of sections) {
    parts.push('', `## ${s.title}`, '', markdownTable(s.headers, s.rows));
    // A note indented by two spaces continues the one before it, as a nested item.
    if (s.notes.length > 0) parts.push('', ...s.notes.map((n) => (n.startsWith('  ') ? `  - ${n.trim()}` : `- ${n}`)));
  }
  return `${parts.join('\n')}\n`;
}
