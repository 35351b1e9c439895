/**
 * Compiled backward passes for eager gradients.
 *
 * An eager `grad` step linearizes its function anew on every call (the
 * forward values change, and the code may branch on them), but the linear
 * program it records is usually the same from call to call except for its
 * consts (the residuals). Transposing it op by op costs what any eager op
 * costs — dispatch, and a fresh buffer for every intermediate — so the
 * backward pass of a program seen before runs instead as a compiled plan: its
 * structure (everything but the consts' values) is the key, the transposed
 * program is traced once with the consts and cotangents as inputs, optimized
 * and compiled as `jit` would, and later calls only run the plan.
 *
 * The plan gives the same bits as the op-by-op pass (jit ≡ eager). A
 * structure is compiled the second time it is seen, so a one-off gradient
 * never pays for compiling. It is not used under any other transformation
 * (there the transposed ops must be traced), with `debugNans` on (which checks
 * each op), or for programs whose params are not plain data (control flow and
 * custom rules carry programs): those transpose op by op as before.
 */

import type { Compiled } from '../compile/compile.ts';
import { compile } from '../compile/compile.ts';
import { optimize } from '../compile/optimize.ts';
import type { Atom, Program } from '../ir/program.ts';
import type { Var } from '../ir/program.ts';
import { Literal, Program as ProgramClass } from '../ir/program.ts';
import { primitiveId, UndefinedPrimal } from '../ir/primitive.ts';
import type { Tensor } from '../tensor/tensor.ts';
import { storageOf } from '../tensor/tensor.ts';
import { transforming } from '../trace/core.ts';
import { debugNansOn } from '../trace/debug.ts';
import { traceClosed } from './closed.ts';
import { backwardPass } from './transpose.ts';

interface Entry {
  /** The compiled backward pass, or undefined while the structure has been seen only once. */
  run: Compiled | undefined;
  /** Values the traced pass captured (literals' tensors, constants made by rules): the plan's leading inputs. */
  captured: readonly Tensor[];
  /** Per linear input: whether the pass gives it a cotangent (false: no path, a zero). */
  reached: readonly boolean[];
}

/** Structures kept (each holds a plan and its arena); the least recently used goes first. */
export const BACKWARD_CACHE_SIZE = 32;

const cache = new Map<string, Entry>();
let enabled = true;

/** Turn compiled backward passes on or off (tests compare both; off, every pass runs op by op). */
export function setCompiledBackward(on: boolean): void {
  enabled = on;
}

let runs = 0;

/** How many structures are cached, how many of them are compiled, and how many passes have run compiled so far (tests). */
export const backwardCacheInfo = (): { size: number; compiled: number; runs: number } => ({
  size: cache.size,
  compiled: [...cache.values()].filter((e) => e.run !== undefined).length,
  runs,
});

/**
 * The cotangents of `linear`'s inputs from its outputs' `cts` (as
 * `transposeProgram` gives them), by a compiled plan when the structure has
 * been seen before; `undefined` when the pass must run op by op.
 */
export function compiledTranspose(linear: Program, cts: readonly (Tensor | null)[]): (Tensor | null)[] | undefined {
  if (!enabled || transforming() || debugNansOn()) return undefined;
  const key = structureKey(linear, cts);
  if (key === undefined) return undefined;
  let entry = cache.get(key);
  if (entry === undefined) {
    // First sight: remember the structure, transpose op by op this time.
    remember(key, { run: undefined, captured: [], reached: [] });
    return undefined;
  }
  cache.delete(key);
  cache.set(key, entry);
  if (entry.run === undefined) {
    entry = build(linear, cts);
    cache.set(key, entry);
  }
  const given = cts.filter((c): c is Tensor => c !== null);
  runs += 1;
  const outs = entry.run!([...entry.captured, ...linear.consts.map((c) => c.value), ...given]);
  let k = 0;
  return entry.reached.map((r) => (r ? outs[k++]! : null));
}

function remember(key: string, entry: Entry): void {
  if (cache.size >= BACKWARD_CACHE_SIZE) cache.delete(cache.keys().next().value!);
  cache.set(key, entry);
}

/** Trace the backward pass with the consts and the given cotangents as inputs, then optimize and compile it. */
function build(linear: Program, cts: readonly (Tensor | null)[]): Entry {
  const consts = linear.consts;
  const open = new ProgramClass([...consts.map((c) => c.v), ...linear.inputs], [], linear.eqns, linear.outputs);
  const given = cts.flatMap((c, i) => (c === null ? [] : [i]));
  let reached: boolean[] = [];
  const closed = traceClosed((xs) => {
    const known = xs.slice(0, consts.length);
    const outCts: (Tensor | null)[] = cts.map(() => null);
    given.forEach((i, j) => (outCts[i] = xs[consts.length + j]!));
    const inCts = backwardPass(open, [...known, ...linear.inputs.map((v) => new UndefinedPrimal(v.aval))], outCts).slice(consts.length);
    reached = inCts.map((c) => c !== null);
    return inCts.filter((c): c is Tensor => c !== null);
  }, [...consts.map((c) => c.v.aval), ...given.map((i) => cts[i]!)]);
  return { run: compile(optimize(closed.program)), captured: closed.consts, reached };
}

/** A plain param value as text (-0 apart from 0, strings quoted), or undefined when it is not plain data. */
function valueText(v: unknown): string | undefined {
  switch (typeof v) {
    case 'number':
      return Object.is(v, -0) ? '-0' : String(v);
    case 'boolean':
      return v ? 't' : 'f';
    case 'string':
      return JSON.stringify(v);
    case 'undefined':
      return 'u';
    default:
      if (v === null) return 'n';
      if (!Array.isArray(v)) return undefined;
      let text = '[';
      for (const e of v as unknown[]) {
        const t = valueText(e);
        if (t === undefined || t.startsWith('[')) return undefined;
        text += `${t},`;
      }
      return `${text}]`;
  }
}

/**
 * Everything about `linear` and the cotangents but the consts' values: each
 * equation's primitive (by identity), params, operands and result types, the
 * literals' values, the inputs', consts' and outputs' types and wiring.
 * `undefined` when some param is not plain data.
 */
function structureKey(linear: Program, cts: readonly (Tensor | null)[]): string | undefined {
  const ids = new Map<Var, number>();
  const type = (a: { readonly shape: readonly number[]; readonly dtype: string }): string => `${a.dtype}[${a.shape.join(',')}]`;
  const name = (v: Var): number => {
    let id = ids.get(v);
    if (id === undefined) ids.set(v, (id = ids.size));
    return id;
  };
  const atom = (a: Atom): string | undefined => {
    if (a instanceof Literal) {
      let text = `#${type(a.value)}`;
      for (const x of storageOf(a.value)) text += Object.is(x, -0) ? ',-0' : `,${x}`;
      return text;
    }
    return ids.has(a) ? `%${ids.get(a)}` : undefined;
  };
  let key = 'c';
  for (const c of linear.consts) key += `${name(c.v)}:${type(c.v.aval)};`;
  key += 'i';
  for (const v of linear.inputs) key += `${name(v)}:${type(v.aval)};`;
  for (const e of linear.eqns) {
    key += `\n${e.prim.name}@${primitiveId(e.prim)}{`;
    for (const p in e.params) {
      const t = valueText((e.params as Record<string, unknown>)[p]);
      if (t === undefined) return undefined;
      key += `${p}=${t};`;
    }
    key += '}';
    for (const a of e.inputs) {
      const t = atom(a);
      if (t === undefined) return undefined;
      key += ` ${t}`;
    }
    key += ' ->';
    for (const v of e.outs) key += ` ${name(v)}:${type(v.aval)}`;
  }
  key += '\no';
  for (const o of linear.outputs) {
    const t = o === null ? 'z' : atom(o);
    if (t === undefined) return undefined;
    key += ` ${t}`;
  }
  key += '\nct';
  for (const c of cts) key += c === null ? ' z' : ` ${type(c)}`;
  return key;
}

