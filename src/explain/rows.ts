/**
 * The explanation as data: one row per equation of `f`, holding the forward
 * equations it became in the gradient program, its local derivative (as the
 * JVP rule wrote it, and as Jacobians), and the backward equations that apply
 * that derivative, each glossed in the chain rule's notation (`b̄ += c̄ ·
 * cos(b)`) with the forward values it reads.
 */

import type { Atom, Eqn } from '../ir/program.ts';
import { Literal, Program, Var } from '../ir/program.ts';
import { nestedPrograms, showParams } from '../ir/names.ts';
import type { Tensor } from '../tensor/tensor.ts';
import type { Key, Labels, Role } from './labels.ts';
import { derivativeOf } from './labels.ts';
import type { Expr } from './math.ts';
import { atomic, bar, dot, showMath } from './math.ts';
import type { PartialDerivative } from './partials.ts';
import { partialsOf } from './partials.ts';
import type { StepTrail, Trail } from './trail.ts';

/** A named value of the gradient program. */
export interface NamedValue {
  readonly name: string;
  readonly value: Tensor;
}

/** An equation of the forward half of the gradient program. */
export interface ForwardLine {
  /** As `Program.toString` prints it, without types: `c = sin b`. */
  readonly text: string;
  readonly outs: readonly NamedValue[];
  /** `primal`: computes the row's result; `residual`: kept for the backward pass; `step`: on the way to either. */
  readonly role: Role;
}

/** An equation of the backward half of the gradient program. */
export interface BackwardLine {
  /** Its position among the backward equations, counting from 1 in the order they run. */
  readonly order: number;
  readonly text: string;
  /** The same equation in the chain rule's notation: `b̄ += c̄ · cos(b)`. */
  readonly gloss: string;
  /** The forward values it reads. */
  readonly reads: readonly NamedValue[];
  readonly outs: readonly NamedValue[];
}

/** One equation of `f`, and what differentiating it added to the gradient program. */
export interface ExplanationRow {
  /** The equation of `f`, in the gradient program's names: `c = sin b`. */
  readonly source: string;
  /** The equation alone, as a program whose inputs are its variable operands: run it to check `partials`. */
  readonly equation: Program;
  /** The values of `equation`'s inputs. */
  readonly args: readonly Tensor[];
  readonly forward: readonly ForwardLine[];
  /** Its JVP, one formula per differentiable result: `ċ = ḃ · cos(b)`; empty when no input carries a tangent. */
  readonly derivative: readonly string[];
  readonly partials: readonly PartialDerivative[];
  /** The cotangent each result received (`c̄`), where it was used. */
  readonly cotangents: readonly NamedValue[];
  /** In the order they run. */
  readonly backward: readonly BackwardLine[];
  /** Cotangents handed on without an equation (`b̄ += ē`, as `add` does). */
  readonly notes: readonly string[];
}

export function rowsOf(labels: Labels, trail: Trail): ExplanationRow[] {
  const { name } = labels;
  const named = (v: Var): NamedValue => ({ name: name(v), value: labels.valueOf(v) });
  const order = new Map<Eqn, number>();
  trail.steps.flatMap((s) => s.eqns).forEach((e, i) => order.set(e, i + 1));
  const global = new Map<Key, string>();
  global.set(labels.keyOf(trail.seed), bar(labels.show(labels.keyOf(trail.output))));

  const backward = new Map<number, { lines: BackwardLine[]; notes: string[]; cts: NamedValue[] }>();
  for (const s of trail.steps) {
    const entry = backward.get(s.row) ?? { lines: [], notes: [], cts: [] };
    backward.set(s.row, entry);
    explainStep(labels, s, global, order, entry);
  }

  return trail.rows.map((r, k) => {
    const operands = [...new Set(r.source.inputs.filter((a): a is Var => a instanceof Var))];
    const equation = new Program(operands, [], [r.source], r.source.outs);
    const args = operands.map((u) => labels.valueOf(labels.keyOf(r.ins[r.source.inputs.indexOf(u)]!.primal)));
    const outNames = r.outs.map((p) => labels.show(labels.keyOf(p.primal)));
    const inNames = r.source.inputs.map((a, i) => (a instanceof Var ? labels.show(labels.keyOf(r.ins[i]!.primal)) : name(a)));
    const b = backward.get(k) ?? { lines: [], notes: [], cts: [] };
    const passed = r.linear.length === 0 ? passOn(labels, trail, k) : [];
    return Object.freeze({
      source: `${outNames.join(' ')} = ${r.source.prim.name}${sourceParams(r.source)} ${inNames.join(' ')}`,
      equation,
      args: Object.freeze(args),
      forward: Object.freeze(r.forward.map((e) => Object.freeze({ text: eqnText(labels, e), outs: Object.freeze(e.outs.map(named)), role: labels.role(e) }))),
      derivative: Object.freeze(derivativeOf(labels, trail, k)),
      partials: Object.freeze(partialsOf(labels, trail, k, operands).map((p) => Object.freeze(p))),
      cotangents: Object.freeze(b.cts),
      backward: Object.freeze(b.lines),
      notes: Object.freeze([...passed, ...b.notes]),
    });
  });
}

/** An equation's params as printed, or `[…]` for params that hold programs (a custom rule's, a scan's body). */
const sourceParams = (e: Eqn): string => (nestedPrograms(e.params).length > 0 ? '[…]' : showParams(e.params, () => '{…}'));

/** An equation as `Program.toString` prints it, without types; nested programs as `{…}`. */
const eqnText = (labels: Labels, e: Eqn): string =>
  `${e.outs.map(labels.name).join(' ')} = ${e.prim.name}${showParams(e.params, () => '{…}')} ${e.inputs.map(labels.name).join(' ')}`;

/** A row whose results carry their inputs' tangents unchanged (`s = sub o y` with `y` constant): the cotangent just passes. */
function passOn(labels: Labels, trail: Trail, k: number): string[] {
  const r = trail.rows[k]!;
  return r.outs.flatMap((p) => {
    if (p.tangent === null) return [];
    const owner = labels.ownerName(p.tangent);
    const self = labels.show(labels.keyOf(p.primal));
    if (owner === undefined || owner === self) return [];
    return [`${bar(owner)} += ${bar(self)}  (${dot(self)} = ${dot(owner)}, the same tangent: nothing to compute)`];
  });
}

/** Gloss the backward equations one transposed tangent equation recorded. */
function explainStep(
  labels: Labels,
  s: StepTrail,
  global: Map<Key, string>,
  order: ReadonlyMap<Eqn, number>,
  entry: { lines: BackwardLine[]; notes: string[]; cts: NamedValue[] },
): void {
  const { eqn, outCts, inCts, totals } = s.step;
  const local = new Map<Key, string>();
  eqn.outs.forEach((v, j) => {
    const ct = outCts[j];
    const o = labels.nameIn(s.row, v);
    if (ct === null || ct === undefined || o === undefined) return;
    local.set(labels.keyOf(ct), bar(o));
    global.set(labels.keyOf(ct), bar(o));
    entry.cts.push({ name: bar(o), value: labels.valueOf(labels.keyOf(ct)) });
  });
  const made = new Set<Key>(s.eqns.flatMap((e) => e.outs));
  const inner = new Map<Key, Expr>();
  const label = (a: Atom): Expr => {
    const k = labels.keyOfAtom(a);
    const l = local.get(k) ?? (labels.isForward(a) ? undefined : global.get(k));
    if (l !== undefined) return atomic(l);
    if (labels.isForward(a)) return labels.forward(a);
    return inner.get(k) ?? atomic(labels.name(a));
  };
  const target = (i: number): string | undefined => {
    const v = eqn.inputs[i];
    return v instanceof Var ? labels.nameIn(s.row, v) : undefined;
  };
  for (const e of s.eqns) {
    const out = e.outs[0]!;
    const sum = totals.findIndex((t, i) => t !== null && labels.keyOf(t) === out && inCts[i] !== t);
    const sent = inCts.findIndex((t) => t !== null && labels.keyOf(t) === out);
    const rhs = showMath(e.prim.name, e.params, e.inputs.map(sum >= 0 ? (a: Atom) => atomic(labels.name(a)) : label));
    let gloss: string;
    if (sum >= 0 && target(sum) !== undefined) gloss = `${bar(target(sum)!)} = ${rhs.text}  (its uses' cotangents add up)`;
    else if (sent >= 0 && target(sent) !== undefined) gloss = `${bar(target(sent)!)} += ${rhs.text}`;
    else {
      gloss = `${labels.name(out)} = ${rhs.text}`;
      if (sent < 0 && sum < 0) inner.set(out, rhs);
    }
    entry.lines.push({
      order: order.get(e)!,
      text: eqnText(labels, e),
      gloss,
      reads: e.inputs.filter((a) => labels.isForward(a)).map((a) => ({ name: labels.name(a), value: labels.valueOf(labels.keyOfAtom(a)) })),
      outs: e.outs.map((v) => ({ name: labels.name(v), value: labels.valueOf(v) })),
    });
  }
  // Cotangents handed on as they are (an `add`'s), or summed by folding two known scalars: no equation to show.
  inCts.forEach((t, i) => {
    const to = target(i);
    if (t === null || to === undefined) return;
    if (!made.has(labels.keyOf(t))) entry.notes.push(`${bar(to)} += ${label(atomOf(labels, t)).text}`);
    const total = totals[i];
    if (total !== null && total !== undefined && total !== t && !made.has(labels.keyOf(total))) {
      entry.notes.push(`${bar(to)} = ${labels.show(labels.keyOf(total))}  (its uses' cotangents add up)`);
    }
  });
}

/** The atom standing for a tensor, for labelling (a concrete value stands for itself as a literal). */
function atomOf(labels: Labels, t: Tensor): Atom {
  const k = labels.keyOf(t);
  return k instanceof Var ? k : new Literal(k);
}
