/**
 * Plans: a program lowered once into kernel calls over buffers.
 *
 * `planProgram` lowers every equation (`Primitive.lower`), so shapes, strides,
 * broadcasting and loop bounds are resolved once, and lays the program's
 * values out in buffers:
 *
 * - inputs, consts and literals are read where they are and never written;
 * - a result that is a program output gets a fresh buffer on every run (it
 *   becomes the output tensor's storage, or is written straight into the
 *   caller's buffer by `runInto`);
 * - every other result lives in an arena the plan allocates once and keeps
 *   across runs. Buffers are reused by liveness: once a value's last reader
 *   has run, its buffer serves a later value of the same dtype and size. A
 *   step's results never share a buffer with its own inputs;
 * - a reshape (a lowering that answers `{ alias }`) gives no step: its result
 *   is its input's buffer, and the two share one lifetime;
 * - an output may instead be written into a *donated* input's buffer (`run`'s
 *   `donated` flags, from `jit`'s `donateArgnums`) of the same dtype and size,
 *   when every read of that input is over by then: its last reader runs
 *   before the output's writer, or is that writer itself when the writer is
 *   a fused elementwise group that reads each element before storing it (a
 *   SIMD group copies its leaves in first; a JavaScript group with one output
 *   stores it last in each iteration). `donors` lists the candidates.
 *
 * The plan of a sub-program (a `scan` body, a `cond` branch, a custom rule's
 * function) is made once per program (`planOf`) and run by its primitive's
 * kernel, so control flow is compiled, not re-interpreted.
 */

import type { Atom, Program } from '../ir/program.ts';
import { Literal, Var } from '../ir/program.ts';
import { showLiteral } from '../ir/names.ts';
import type { Kernel } from '../ir/lowering.ts';
import { bufferFor, isAlias } from '../ir/lowering.ts';
import type { Aval } from '../ir/primitive.ts';
import type { Storage } from '../tensor/dtype.ts';
import { sizeOf } from '../tensor/shape.ts';
import { storageOf } from '../tensor/tensor.ts';
import { describePlan } from './describe.ts';
import { fusedKernel, fusedTree, leavesOf, planFusion } from './fuse.ts';
import { isSimdKernel } from './simd.ts';
import type { PlanBuffer, PlanLayout, PlanStep, PlanView } from './layout.ts';

export type { BufferKind, PlanBuffer, PlanLayout, PlanStep, PlanView } from './layout.ts';

export class Plan implements PlanLayout {
  private running = false;
  private readonly template: (Storage | undefined)[];
  private readonly freshOutputs: readonly number[];
  /** Output positions whose buffer the plan writes and that are the first to hold it: `runInto` writes them in place. */
  private readonly primaryOutput: readonly boolean[];

  constructor(
    readonly buffers: readonly PlanBuffer[],
    readonly steps: readonly PlanStep[],
    readonly views: readonly PlanView[],
    readonly inputBuffers: readonly number[],
    /** Per program output: its buffer (null: a symbolic zero, which a compiled program must not have). */
    readonly outputBuffers: readonly (number | null)[],
    /** Per buffer: the input positions whose buffer it may be written into when they are donated (output buffers only). */
    readonly donors: readonly (readonly number[])[] = [],
    /** Input positions whose buffer an output shows (the input itself, or a view of it): never donated. */
    readonly shownInputs: ReadonlySet<number> = new Set(),
  ) {
    this.template = buffers.map((b) => b.fixed);
    this.freshOutputs = buffers.flatMap((b, i) => (b.kind === 'output' ? [i] : []));
    this.primaryOutput = outputBuffers.map((b, i) => b !== null && buffers[b]!.kind === 'output' && outputBuffers.indexOf(b) === i);
  }

  /**
   * Run on input buffers; the outputs are fresh buffers (or donated input
   * buffers, where `donated[k]` lets input k's be taken), or inputs, consts
   * and literals as they are.
   */
  run(args: readonly Storage[], donated?: readonly boolean[]): Storage[] {
    const env = this.begin(args);
    let taken: boolean[] | undefined;
    for (const i of this.freshOutputs) {
      let k: number | undefined;
      if (donated !== undefined) for (const d of this.donors[i] ?? []) if (donated[d] && !taken?.[d]) { k = d; break; }
      if (k === undefined) {
        env[i] = bufferFor(this.buffers[i]!.aval);
      } else {
        (taken ??= [])[k] = true;
        env[i] = args[k];
      }
    }
    this.execute(env);
    return this.outputBuffers.map((b, i) => (b === null ? symbolicZero(i) : env[b]!));
  }

  /** Run writing every output into `dests` (caller-owned, none of them an input). */
  runInto(args: readonly Storage[], dests: readonly Storage[]): void {
    const env = this.begin(args);
    const primary = this.primaryOutput;
    for (let i = 0; i < primary.length; i++) if (primary[i]) env[this.outputBuffers[i]!] = dests[i]!;
    this.execute(env);
    for (let i = 0; i < primary.length; i++) {
      if (primary[i]) continue;
      const b = this.outputBuffers[i];
      if (b === null || b === undefined) symbolicZero(i);
      dests[i]!.set(env[b]!);
    }
  }

  /** The plan as text: one line per step, buffers named by where they live (`describe.ts`). */
  toString(): string {
    return describePlan(this);
  }

  private begin(args: readonly Storage[]): (Storage | undefined)[] {
    if (this.running) throw new Error('internal: a plan was re-entered while running');
    const env = this.template.slice();
    for (let i = 0; i < this.inputBuffers.length; i++) env[this.inputBuffers[i]!] = args[i];
    return env;
  }

  private execute(env: (Storage | undefined)[]): void {
    this.running = true;
    try {
      for (const step of this.steps) {
        const { ins, outs, inScratch, outScratch } = step;
        for (let j = 0; j < ins.length; j++) inScratch[j] = env[ins[j]!]!;
        for (let j = 0; j < outs.length; j++) outScratch[j] = env[outs[j]!]!;
        step.kernel(inScratch, outScratch);
        // The argument lists must not keep a run's buffers (a caller's data) alive after it.
        inScratch.fill(undefined as unknown as Storage);
        outScratch.fill(undefined as unknown as Storage);
      }
    } catch (e) {
      for (const { inScratch, outScratch } of this.steps) {
        inScratch.fill(undefined as unknown as Storage);
        outScratch.fill(undefined as unknown as Storage);
      }
      throw e;
    } finally {
      this.running = false;
    }
  }
}

function symbolicZero(i: number): never {
  throw new Error(`internal: compiled program output ${i} is a symbolic zero`);
}

/**
 * Per output of `plan`: whether its buffer is not a fresh one of its own — an
 * input's, a const's, a literal's, or one another output also shows.
 */
export const borrowedOutputs = (plan: PlanLayout): boolean[] =>
  plan.outputBuffers.map((b, i) => b !== null && (plan.buffers[b]!.kind !== 'output' || plan.outputBuffers.indexOf(b) !== i || plan.outputBuffers.lastIndexOf(b) !== i));

const plans = new WeakMap<Program, Plan>();

/** The plan of `program`, made once per program (for the sub-programs control flow runs). */
export function planOf(program: Program): Plan {
  let plan = plans.get(program);
  if (plan === undefined) {
    plan = planProgram(program);
    plans.set(program, plan);
  }
  return plan;
}

interface Lowered {
  readonly kernel: Kernel;
  /** Reads every element of each input before storing that element of any output (see `donorsOf`). */
  readonly inPlace?: boolean;
  readonly fused?: { readonly text: string; readonly ops: number };
  readonly ins: readonly number[];
  readonly outs: readonly number[];
  readonly name: string;
  readonly params: object;
}

/** Lower `program` (its consts concrete) into a plan. */
export function planProgram(program: Program): Plan {
  // 1. Classes: every value gets a buffer class; a view joins its input's class.
  const classOf = new Map<Var, number>();
  const avals: Aval[] = [];
  const kinds: ('input' | 'const' | 'literal' | 'produced')[] = [];
  const fixed: (Storage | undefined)[] = [];
  const labels: (string | undefined)[] = [];
  const newClass = (aval: Aval, kind: (typeof kinds)[number], storage?: Storage, label?: string): number => {
    avals.push(aval);
    kinds.push(kind);
    fixed.push(storage);
    labels.push(label);
    return avals.length - 1;
  };
  const inputBuffers = program.inputs.map((v) => {
    const c = newClass(v.aval, 'input');
    classOf.set(v, c);
    return c;
  });
  for (const { v, value } of program.consts) classOf.set(v, newClass(v.aval, 'const', storageOf(value)));
  const atom = (a: Atom): number => {
    if (a instanceof Literal) return newClass(a.aval, 'literal', storageOf(a.value), showLiteral(a));
    const c = classOf.get(a);
    if (c === undefined) throw new Error('internal: a program reads a variable before it is written');
    return c;
  };

  const lowered: Lowered[] = [];
  const views: { name: string; params: object; cls: number; aval: Aval; at: number }[] = [];
  const lastRead: number[] = [];
  const fusion = planFusion(program);
  for (const eqn of program.eqns) {
    if (fusion.inlined.has(eqn)) continue;
    if (fusion.ops.has(eqn)) {
      const tree = fusedTree(eqn, fusion);
      const { leaves, text, ops } = leavesOf(tree);
      const ins = leaves.map(atom);
      const kernel = fusedKernel(tree, leaves, eqn.outs[0]!.aval.shape);
      const outs = [eqn, ...(fusion.stored.get(eqn) ?? [])].map((e) => {
        const c = newClass(e.outs[0]!.aval, 'produced');
        classOf.set(e.outs[0]!, c);
        return c;
      });
      for (const c of ins) lastRead[c] = lowered.length;
      const inPlace = isSimdKernel(kernel) || outs.length === 1;
      lowered.push({ kernel, ins, outs, name: eqn.prim.name, params: eqn.params, fused: { text, ops }, inPlace });
      continue;
    }
    const ins = eqn.inputs.map(atom);
    const l = eqn.prim.lower(eqn.inputs.map((a) => a.aval), eqn.params, eqn.outs.map((v) => v.aval));
    if (isAlias(l)) {
      const cls = ins[l.alias]!;
      classOf.set(eqn.outs[0]!, cls);
      views.push({ name: eqn.prim.name, params: eqn.params, cls, aval: eqn.outs[0]!.aval, at: lowered.length });
      continue;
    }
    const outs = eqn.outs.map((v) => {
      const c = newClass(v.aval, 'produced');
      classOf.set(v, c);
      return c;
    });
    for (const c of ins) lastRead[c] = lowered.length;
    lowered.push({ kernel: l, ins, outs, name: eqn.prim.name, params: eqn.params });
  }
  const outputClasses = program.outputs.map((o) => (o === null ? null : atom(o)));
  for (const c of outputClasses) if (c !== null && kinds[c] === 'produced') lastRead[c] = Infinity;

  // 2. Buffers: produced classes that are outputs get fresh buffers; the rest share arena slots by liveness.
  const outputClass = new Set(outputClasses.filter((c): c is number => c !== null && kinds[c] === 'produced'));
  const slotOf: number[] = [];
  const slots: Aval[] = [];
  const free = new Map<string, number[]>();
  const keyOf = (a: Aval): string => `${a.dtype}:${sizeOf(a.shape)}`;
  lowered.forEach((step, k) => {
    for (const c of step.outs) {
      if (outputClass.has(c)) continue;
      const pool = free.get(keyOf(avals[c]!));
      const reused = pool?.pop();
      slotOf[c] = reused ?? slots.push(avals[c]!) - 1;
    }
    for (const c of new Set([...step.ins, ...step.outs])) {
      if (kinds[c] !== 'produced' || outputClass.has(c) || (lastRead[c] ?? k) > k) continue;
      const key = keyOf(avals[c]!);
      free.set(key, [...(free.get(key) ?? []), slotOf[c]!]);
    }
  });
  const arena = slots.map(bufferFor);
  const buffers: PlanBuffer[] = avals.map((aval, c) => {
    const kind = kinds[c]!;
    if (kind === 'produced') {
      return outputClass.has(c)
        ? { kind: 'output', aval, index: outputClasses.indexOf(c), fixed: undefined }
        : { kind: 'arena', aval, index: slotOf[c]!, fixed: arena[slotOf[c]!] };
    }
    const label = labels[c];
    return { kind, aval, index: kind === 'input' ? inputBuffers.indexOf(c) : -1, fixed: fixed[c], ...(label === undefined ? {} : { label }) };
  });
  const steps: PlanStep[] = lowered.map(({ inPlace: _, ...s }) => ({
    ...s,
    inScratch: new Array<Storage>(s.ins.length),
    outScratch: new Array<Storage>(s.outs.length),
  }));
  const planViews = views.map((v) => ({ name: v.name, params: v.params, buffer: v.cls, aval: v.aval, at: v.at }));
  const shownInputs = new Set(inputBuffers.flatMap((b, k) => (outputClasses.includes(b) ? [k] : [])));
  const donors = donorsOf(avals, lowered, inputBuffers, outputClass, shownInputs, lastRead);
  return new Plan(buffers, steps, planViews, inputBuffers, outputClasses, donors, shownInputs);
}

/**
 * For each output buffer, the input positions whose buffer it may be written
 * into when donated: same dtype and size, the input's buffer not shown by
 * any output (the input itself or a view of it), and every read of it over by
 * the time the output is written (see the header).
 */
function donorsOf(
  avals: readonly Aval[], lowered: readonly Lowered[], inputBuffers: readonly number[], outputClass: ReadonlySet<number>,
  shownInputs: ReadonlySet<number>, lastRead: readonly number[],
): number[][] {
  const donors: number[][] = [];
  lowered.forEach((step, w) => {
    for (const c of step.outs) {
      if (!outputClass.has(c)) continue;
      const aval = avals[c]!;
      donors[c] = inputBuffers.flatMap((b, k) => {
        const input = avals[b]!;
        if (shownInputs.has(k) || input.dtype !== aval.dtype || sizeOf(input.shape) !== sizeOf(aval.shape)) return [];
        const last = lastRead[b] ?? -1;
        return last < w || (last === w && step.inPlace === true) ? [k] : [];
      });
    }
  });
  return donors;
}
