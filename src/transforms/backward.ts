/**
 * Compiled backward passes for eager gradients.
 *
 * An eager `grad` step linearizes its function anew on every call (the
 * forward values change, and the code may branch on them), but the linear
 * program it records is usually the same from call to call except for its
 * consts (the residuals). Transposing it op by op costs what any eager op
 * costs — dispatch, and a fresh buffer for every intermediate — so the
 * backward pass of a program seen before runs instead as a compiled plan: its
 * structure (everything but the values of the consts and literals) is the
 * key, the transposed program is traced once with the consts, literals and
 * cotangents as inputs, optimized and compiled as `jit` would, and later
 * calls only run the plan. The kept plans are bounded in number and in arena
 * bytes, and a plan keeps no caller's buffer between runs.
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
import { borrowedOutputs } from '../compile/plan.ts';
import type { Atom, Program } from '../ir/program.ts';
import { Literal, Program as ProgramClass, Var as VarClass } from '../ir/program.ts';
import type { Var } from '../ir/program.ts';
import { primitiveId, UndefinedPrimal } from '../ir/primitive.ts';
import type { Tensor } from '../tensor/tensor.ts';
import { fromStorage, storageOf } from '../tensor/tensor.ts';
import { transforming } from '../trace/core.ts';
import { debugNansOn } from '../trace/debug.ts';
import { traceClosed } from './closed.ts';
import { backwardPass } from './transpose.ts';

interface Entry {
  /** The compiled backward pass, or undefined while the structure has been seen only once. */
  run: Compiled | undefined;
  /** Values the traced pass captured (constants made by rules): the plan's leading inputs. */
  captured: readonly Tensor[];
  /** Per linear input: whether the pass gives it a cotangent (false: no path, a zero). */
  reached: readonly boolean[];
  /**
   * Per result: the plan hands it back in a buffer that is not its own (an input's, or one it
   * returns twice), so it is copied: as op by op, each gradient is a tensor of its own, which
   * `jit` may donate.
   */
  copied: readonly boolean[];
  /** Bytes of the plan's arena. */
  bytes: number;
  /** The plan's arena alone exceeds the byte bound: this structure transposes op by op. */
  tooLarge: boolean;
}

/** Structures kept; the least recently used goes first. */
export const BACKWARD_CACHE_SIZE = 32;
/** The most arena bytes the kept plans may hold together (by default; tests lower it). */
export const BACKWARD_CACHE_BYTES = 64 * 2 ** 20;
let maxBytes = BACKWARD_CACHE_BYTES;

/** Change the arena-byte bound (tests). */
export function setBackwardCacheBytes(bytes: number): void {
  maxBytes = bytes;
}

/** Whether some kept plan's steps still reference buffers of a past run (tests: they must not). */
export const keptPlansHoldArguments = (): boolean =>
  [...cache.values()].some((e) => e.run?.plan.steps.some((st) => st.inScratch.some((x) => x !== undefined) || st.outScratch.some((x) => x !== undefined)) ?? false);

const cache = new Map<string, Entry>();
let enabled = true;

/** Turn compiled backward passes on or off (tests compare both; off, every pass runs op by op and the cache is emptied). */
export function setCompiledBackward(on: boolean): void {
  enabled = on;
  if (!on) cache.clear();
}

let runs = 0;

/** How many structures are cached, how many of them are compiled, their arenas' bytes, and how many passes have run compiled so far (tests). */
export const backwardCacheInfo = (): { size: number; compiled: number; bytes: number; runs: number } => ({
  size: cache.size,
  compiled: [...cache.values()].filter((e) => e.run !== undefined).length,
  bytes: arenaBytes(),
  runs,
});

const arenaBytes = (): number => [...cache.values()].reduce((n, e) => n + (e.run === undefined ? 0 : e.bytes), 0);

/**
 * The cotangents of `linear`'s inputs from its outputs' `cts` (as
 * `transposeProgram` gives them), by a compiled plan when the structure has
 * been seen before; `undefined` when the pass must run op by op.
 */
export function compiledTranspose(linear: Program, cts: readonly (Tensor | null)[]): (Tensor | null)[] | undefined {
  if (!enabled || transforming() || debugNansOn()) return undefined;
  const structure = structureOf(linear, cts);
  if (structure === undefined) return undefined;
  const { key, literals } = structure;
  let entry = cache.get(key);
  if (entry === undefined) {
    // First sight: remember the structure, transpose op by op this time.
    remember(key, { run: undefined, captured: [], reached: [], copied: [], bytes: 0, tooLarge: false });
    return undefined;
  }
  if (entry.tooLarge) return undefined;
  cache.delete(key);
  cache.set(key, entry);
  if (entry.run === undefined) {
    entry = build(linear, cts, literals);
    cache.set(key, entry);
    if (entry.bytes > maxBytes) {
      cache.set(key, { ...entry, run: undefined, captured: [], copied: [], tooLarge: true });
      return undefined;
    }
    // Keep the arenas within the bound: the least recently used plans go first.
    for (const [k, e] of cache) {
      if (arenaBytes() <= maxBytes) break;
      if (k !== key && e.run !== undefined) cache.delete(k);
    }
  }
  const given = cts.filter((c): c is Tensor => c !== null);
  const ins = [...entry.captured, ...linear.consts.map((c) => c.value), ...literals.map((l) => l.value), ...given];
  runs += 1;
  const outs = entry.run!(ins);
  const copied = entry.copied;
  let k = 0;
  return entry.reached.map((r) => {
    if (!r) return null;
    const t = outs[k]!;
    return copied[k++] ? fromStorage(t.shape, t.dtype, storageOf(t).slice()) : t;
  });
}

function remember(key: string, entry: Entry): void {
  if (cache.size >= BACKWARD_CACHE_SIZE) cache.delete(cache.keys().next().value!);
  cache.set(key, entry);
}

/**
 * Trace the backward pass with the consts, the literals and the given
 * cotangents as inputs, then optimize and compile it. The literals are
 * inputs, not constants of the plan, because a rank-0 residual is recorded as
 * a literal: a loss with a scalar intermediate (a mean under a square root)
 * would otherwise have a new structure every step.
 */
function build(linear: Program, cts: readonly (Tensor | null)[], literals: readonly Literal[]): Entry {
  const consts = linear.consts;
  const literalVars = new Map(literals.map((l) => [l, new VarClass({ shape: l.value.shape, dtype: l.value.dtype })]));
  const lift = (a: Atom): Atom => (a instanceof Literal ? literalVars.get(a)! : a);
  const eqns = linear.eqns.map((e) => ({ ...e, inputs: e.inputs.map(lift) }));
  const outputs = linear.outputs.map((o) => (o === null ? null : lift(o)));
  const known = [...consts.map((c) => c.v), ...literalVars.values()];
  const open = new ProgramClass([...known, ...linear.inputs], [], eqns, outputs);
  const given = cts.flatMap((c, i) => (c === null ? [] : [i]));
  let reached: boolean[] = [];
  const closed = traceClosed((xs) => {
    const outCts: (Tensor | null)[] = cts.map(() => null);
    given.forEach((i, j) => (outCts[i] = xs[known.length + j]!));
    const inCts = backwardPass(open, [...xs.slice(0, known.length), ...linear.inputs.map((v) => new UndefinedPrimal(v.aval))], outCts).slice(known.length);
    reached = inCts.map((c) => c !== null);
    return inCts.filter((c): c is Tensor => c !== null);
  }, [...known.map((v) => v.aval), ...given.map((i) => cts[i]!)]);
  const run = compile(optimize(closed.program));
  const copied = borrowedOutputs(run.plan);
  const arena = new Set(run.plan.buffers.flatMap((b) => (b.kind === 'arena' && b.fixed !== undefined ? [b.fixed] : [])));
  const bytes = [...arena].reduce((n, b) => n + b.byteLength, 0);
  return { run, captured: closed.consts, reached, copied, bytes, tooLarge: false };
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
 * Everything about `linear` and the cotangents but the values of the consts
 * and literals: each equation's primitive (by identity), params, operand and
 * result types, which operands are the same literal, the types and wiring of
 * everything. Also the literals, in the order the plan takes them.
 * `undefined` when some param is not plain data.
 */
function structureOf(linear: Program, cts: readonly (Tensor | null)[]): { key: string; literals: Literal[] } | undefined {
  const ids = new Map<Var, number>();
  const literalIds = new Map<Literal, number>();
  const literals: Literal[] = [];
  const type = (a: { readonly shape: readonly number[]; readonly dtype: string }): string => `${a.dtype}[${a.shape.join(',')}]`;
  const name = (v: Var): number => {
    let id = ids.get(v);
    if (id === undefined) ids.set(v, (id = ids.size));
    return id;
  };
  const atom = (a: Atom): string | undefined => {
    if (a instanceof Literal) {
      let id = literalIds.get(a);
      if (id === undefined) literalIds.set(a, (id = literals.push(a) - 1));
      return `#${id}:${type(a.value)}`;
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
  return { key, literals };
}
