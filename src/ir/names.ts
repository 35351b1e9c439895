/**
 * What both printers of a program share: `Program.toString` (text, jaxpr style)
 * and `toDot` (Graphviz) must call every variable by the same name, so the
 * names are assigned here, once, by one walk.
 *
 * The walk reads a program through `ProgramView`, a structural interface that
 * `Program` satisfies, so that this module and `dot.ts` need nothing from
 * `program.ts` (which imports them).
 */

import type { DType } from '../tensor/dtype.ts';
import { showFloat } from '../tensor/format.ts';
import { SHORT_NAME } from '../tensor/dtype.ts';
import type { Aval } from './primitive.ts';

/** A variable, or a literal when `value` is present. */
export interface AtomView {
  readonly aval: Aval;
  readonly value?: { readonly dtype: DType; item(): number };
}

export interface EqnView {
  readonly prim: { readonly name: string };
  readonly inputs: readonly AtomView[];
  readonly params: object;
  readonly outs: readonly AtomView[];
}

export interface ProgramView {
  readonly inputs: readonly AtomView[];
  readonly consts: readonly { readonly v: AtomView }[];
  readonly eqns: readonly EqnView[];
  readonly outputs: readonly (AtomView | null)[];
}

export const isLiteral = (a: AtomView): boolean => a.value !== undefined;

export function isProgramView(v: unknown): v is ProgramView {
  if (v === null || typeof v !== 'object') return false;
  const p = v as Record<string, unknown>;
  return Array.isArray(p['inputs']) && Array.isArray(p['consts']) && Array.isArray(p['eqns']) && Array.isArray(p['outputs']);
}

/** The params the printers show: functions (rules, callbacks) are left out. */
export const shownParams = (params: object): [string, unknown][] =>
  Object.entries(params).filter(([, v]) => typeof v !== 'function');

/**
 * The programs nested in an equation's params, in printing order, each with
 * where it sits: `body`, or `branches[1]` inside an array.
 */
export function nestedPrograms(params: object): { readonly path: string; readonly program: ProgramView }[] {
  const found: { path: string; program: ProgramView }[] = [];
  const visit = (v: unknown, path: string): void => {
    if (isProgramView(v)) found.push({ path, program: v });
    else if (Array.isArray(v)) v.forEach((x, i) => visit(x, `${path}[${i}]`));
  };
  for (const [k, v] of shownParams(params)) visit(v, k);
  return found;
}

/**
 * Names every variable of `program` and of the programs nested in its params:
 * `a`, `b`, … `z`, `aa`, … in order of first appearance — consts, inputs, then
 * each equation's outputs followed by its nested programs — with one counter
 * for the whole tree.
 */
export function nameVars(program: ProgramView, names: Map<AtomView, string> = new Map()): Map<AtomView, string> {
  const name = (a: AtomView | null): void => {
    if (a !== null && !isLiteral(a) && !names.has(a)) names.set(a, nextName(names));
  };
  program.consts.forEach((c) => name(c.v));
  program.inputs.forEach(name);
  for (const e of program.eqns) {
    e.outs.forEach(name);
    for (const { program: p } of nestedPrograms(e.params)) nameVars(p, names);
    e.inputs.forEach(name);
  }
  program.outputs.forEach(name);
  return names;
}

/** Words of the printed format, never used as variable names. */
const RESERVED = new Set(['in', 'let', 'lambda']);
const counters = new WeakMap<Map<AtomView, string>, number>();

/** The next unused name for a naming in progress. */
function nextName(names: Map<AtomView, string>): string {
  let i = counters.get(names) ?? names.size;
  let candidate = varName(i++);
  while (RESERVED.has(candidate)) candidate = varName(i++);
  counters.set(names, i);
  return candidate;
}

function varName(i: number): string {
  let s = '';
  let n = i;
  do {
    s = String.fromCharCode(97 + (n % 26)) + s;
    n = Math.floor(n / 26) - 1;
  } while (n >= 0);
  return s;
}

export const showAval = (a: Aval): string => `${SHORT_NAME[a.dtype]}[${a.shape.join(',')}]`;

export function showLiteral(l: AtomView): string {
  const v = l.value!.item();
  const dtype = l.value!.dtype;
  if (dtype === 'bool') return v ? 'True' : 'False';
  if (dtype === 'int32') return String(v);
  const text = showFloat(v, dtype === 'float32');
  return /^-?\d+$/.test(text) ? `${text}.0` : text; // 2.0, but 1e+21 and NaN as they are
}


/** A shape-and-dtype record (as in the params of `customVjpBackward`). */
const isAval = (v: unknown): v is { shape: readonly number[]; dtype: 'float32' | 'float64' | 'int32' | 'bool' } =>
  typeof v === 'object' && v !== null && Array.isArray((v as { shape?: unknown }).shape) && typeof (v as { dtype?: unknown }).dtype === 'string';

/** `[k=v …]`, or `''` without params; nested programs are shown by `showProgram`. */
export function showParams(params: object, showProgram: (p: ProgramView) => string): string {
  const entries = shownParams(params);
  if (entries.length === 0) return '';
  const value = (v: unknown): string =>
    isProgramView(v) ? showProgram(v) : Array.isArray(v) ? `(${v.map(value).join(',')})` : isAval(v) ? showAval(v) : String(v);
  return `[${entries.map(([k, v]) => `${k}=${value(v)}`).join(' ')}]`;
}
