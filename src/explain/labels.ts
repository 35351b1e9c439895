/**
 * What every variable of a gradient program stands for, so that an equation
 * can be read in the chain rule's notation: a forward value (`b`, or an inline
 * `cos(b)` when it is a residual kept for the backward pass), the tangent of a
 * forward value in the linear program (`ḃ`), the cotangent of one (`b̄`).
 */

import type { Atom, Eqn } from '../ir/program.ts';
import { Literal, Program, Var } from '../ir/program.ts';
import { nameVars, nestedPrograms, showAval, showLiteral } from '../ir/names.ts';
import type { Tensor } from '../tensor/tensor.ts';
import { evalProgram } from '../transforms/eval.ts';
import { dot, showMath } from './math.ts';
import type { Expr } from './math.ts';
import { atomic } from './math.ts';
import { atomOf } from './trail.ts';
import type { Trail } from './trail.ts';

/** A variable of the gradient program or a concrete value (a literal cotangent, say): what identifies a value. */
export type Key = Var | Tensor;

export type Role = 'primal' | 'residual' | 'step';

export interface Labels {
  readonly program: Program;
  /** `b`, or a literal's value. */
  readonly name: (a: Atom) => string;
  readonly keyOf: (t: Tensor) => Key;
  readonly keyOfAtom: (a: Atom) => Key;
  readonly valueOf: (k: Key) => Tensor;
  /** Whether a variable is computed by the forward half (an input, a const, or a forward equation's result). */
  readonly isForward: (a: Atom) => boolean;
  /** A forward value as an operand: its name, or the expression of a residual computed from forward values. */
  readonly forward: (a: Atom) => Expr;
  /** The name of the forward value whose tangent a linear-program variable is (the first one that has it). */
  readonly ownerName: (tangent: Var) => string | undefined;
  readonly role: (eqn: Eqn) => Role;
  /**
   * The name the chain rule uses for a tangent inside row `row`: the row's own
   * input or result that carries it (`l` in `m = mul l l`, even when `l̇` is
   * `k̇` because `l = sub k y` with `y` constant), else its owner's.
   */
  readonly nameIn: (row: number, tangent: Var) => string | undefined;
  /** A key's name: a variable's, or a concrete value shown as a number. */
  readonly show: (k: Key) => string;
}

/** A value in a line of text: its numbers (4 significant digits) when it has few, else its type. */
export function showValue(t: Tensor, most = 6): string {
  if (t.size > most) return showAval(t);
  const num = (v: number): string => (t.dtype === 'bool' ? String(v !== 0) : t.dtype === 'int32' ? String(v) : String(Number(v.toPrecision(4))));
  const walk = (x: unknown): string => (Array.isArray(x) ? `[${x.map(walk).join(', ')}]` : num(Number(x)));
  return walk(t.toArray());
}

/** Every value of `program` at its inputs, by variable (the program rerun with every variable as an output). */
function allValues(program: Program, args: readonly Tensor[]): Map<Var, Tensor> {
  const vars = [...program.consts.map((c) => c.v), ...program.inputs, ...program.eqns.flatMap((e) => e.outs)];
  const values = evalProgram(new Program(program.inputs, program.consts, program.eqns, vars), args);
  return new Map(vars.map((v, i) => [v, values[i]!]));
}

export function labelsOf(trail: Trail, args: readonly Tensor[]): Labels {
  const { program } = trail;
  const names = nameVars(program);
  const values = allValues(program, args);
  const name = (a: Atom): string => (a instanceof Literal ? (a.value.size === 1 ? showLiteral(a) : show(a.value)) : names.get(a) ?? '?');
  const keyOfAtom = (a: Atom): Key => (a instanceof Literal ? a.value : a);
  const keyOf = (t: Tensor): Key => {
    const a = atomOf(program, t);
    return a instanceof Literal || a instanceof Var ? keyOfAtom(a) : a;
  };
  const valueOf = (k: Key): Tensor => (k instanceof Var ? values.get(k)! : k);
  const show = (k: Key): string => (k instanceof Var ? name(k) : showValue(k));

  const forwardEqns = trail.rows.flatMap((r) => r.forward);
  const forwardVars = new Set<Var>([...program.inputs, ...program.consts.map((c) => c.v), ...forwardEqns.flatMap((e) => e.outs)]);
  const defs = new Map<Var, Eqn>();
  forwardEqns.forEach((e) => e.outs.forEach((v) => defs.set(v, e)));
  const primals = new Set<Key>(trail.rows.flatMap((r) => r.outs.map((p) => keyOf(p.primal))));
  const readBack = new Set<Atom>(trail.steps.flatMap((s) => s.eqns.flatMap((e) => e.inputs)));
  const role = (e: Eqn): Role => (e.outs.some((v) => primals.has(v)) ? 'primal' : e.outs.some((v) => readBack.has(v)) ? 'residual' : 'step');

  const isForward = (a: Atom): boolean => a instanceof Var && forwardVars.has(a);
  const forward = (a: Atom): Expr => {
    const e = a instanceof Var ? defs.get(a) : undefined;
    const inline = e !== undefined && role(e) === 'residual' && e.outs.length === 1 && e.inputs.length <= 2 &&
      nestedPrograms(e.params).length === 0 && e.inputs.every((x) => x instanceof Literal || forwardVars.has(x));
    return inline ? showMath(e.prim.name, e.params, e.inputs.map((x) => atomic(name(x)))) : atomic(name(a));
  };

  const owners = new Map<Var, Key>();
  const own = (tangent: Var | null, primal: Key): void => {
    if (tangent !== null && !owners.has(tangent)) owners.set(tangent, primal);
  };
  trail.inputTangents.forEach((t, i) => {
    if (t !== null && !owners.has(t)) owners.set(t, program.inputs[i]!);
  });
  trail.rows.forEach((r) => r.outs.forEach((p) => own(p.tangent, keyOf(p.primal))));
  const ownerName = (t: Var): string | undefined => {
    const k = owners.get(t);
    return k === undefined ? undefined : show(k);
  };
  const nameIn = (row: number, t: Var): string | undefined => {
    const r = trail.rows[row]!;
    const port = r.ins.find((p) => p.tangent === t) ?? r.outs.find((p) => p.tangent === t);
    return port !== undefined ? show(keyOf(port.primal)) : ownerName(t);
  };
  return { program, name, keyOf, keyOfAtom, valueOf, isForward, forward, ownerName, role, show, nameIn };
}

/**
 * The tangent half of one forward equation as formulas, one per result:
 * `ċ = ḃ · cos(b)` from the JVP rule's equations in the linear program.
 */
export function derivativeOf(labels: Labels, trail: Trail, row: number): string[] {
  const r = trail.rows[row]!;
  const linearConsts = new Map(trail.linear.consts.map((c) => [c.v, c.value]));
  const defs = new Map<Var, Eqn>();
  r.linear.forEach((e) => e.outs.forEach((v) => defs.set(v, e)));
  const label = (a: Atom, top = false): Expr => {
    if (a instanceof Literal) return atomic(showLiteral(a));
    const c = linearConsts.get(a);
    if (c !== undefined) {
      const k = labels.keyOf(c);
      return k instanceof Var ? labels.forward(k) : atomic(labels.show(k));
    }
    const o = labels.nameIn(row, a);
    const e = defs.get(a);
    if (o !== undefined && !top) return atomic(dot(o));
    if (e !== undefined && e.outs.length === 1) return showMath(e.prim.name, e.params, e.inputs.map((x) => label(x)));
    return atomic(o !== undefined ? dot(o) : '?');
  };
  return r.outs.flatMap((p) => {
    if (p.tangent === null) return [];
    return [`${dot(labels.show(labels.keyOf(p.primal)))} = ${label(p.tangent, true).text}`];
  });
}
