/**
 * The intermediate representation: a program is a list of equations in SSA form
 * over typed variables, like a jaxpr. Consts are values captured from outside
 * the traced function (closure-converted into extra inputs); literals are
 * scalar constants printed inline.
 */

import { SHORT_NAME } from '../tensor/dtype.ts';
import type { Tensor } from '../tensor/tensor.ts';
import type { AnyPrimitive, Aval } from './primitive.ts';

export class Var {
  constructor(readonly aval: Aval) {}
}

/** A scalar constant used inline in an equation. */
export class Literal {
  constructor(readonly value: Tensor) {}
  get aval(): Aval {
    return this.value;
  }
}

export type Atom = Var | Literal;

export interface Eqn {
  readonly prim: AnyPrimitive;
  readonly inputs: readonly Atom[];
  readonly params: object;
  /** One variable for a single-result primitive, several for `cond`, `scan` and custom rules. */
  readonly outs: readonly Var[];
}

export interface ConstBinding {
  readonly v: Var;
  /** A concrete tensor, or a tracer of an enclosing transformation (a residual). */
  readonly value: Tensor;
}

export class Program {
  constructor(
    readonly inputs: readonly Var[],
    readonly consts: readonly ConstBinding[],
    readonly eqns: readonly Eqn[],
    /** `null` marks an output that is identically zero (a symbolic zero tangent). */
    readonly outputs: readonly (Atom | null)[],
  ) {
    Object.freeze(inputs);
    Object.freeze(consts);
    Object.freeze(eqns);
    Object.freeze(outputs);
    Object.freeze(this);
  }

  /** One equation per line, jaxpr style: `{ lambda consts ; inputs. let … in (outputs) }`. */
  toString(): string {
    return show(this, new Map(), '');
  }
}

function show(program: Program, names: Map<Var, string>, indent: string): string {
  const name = (v: Var): string => {
    let n = names.get(v);
    if (n === undefined) {
      n = varName(names.size);
      names.set(v, n);
    }
    return n;
  };
  const decl = (v: Var): string => `${name(v)}:${showAval(v.aval)}`;
  const atom = (a: Atom | null): string => (a === null ? '0' : a instanceof Var ? name(a) : showLiteral(a));
  const consts = program.consts.map((c) => decl(c.v)).join(' ');
  const inputs = program.inputs.map(decl).join(' ');
  const lines = program.eqns.map((e) => {
    const outs = e.outs.map(decl).join(' ');
    const params = showParams(e.params, (p) => show(p, names, `${indent}      `));
    return `${indent}    ${outs} = ${e.prim.name}${params} ${e.inputs.map(atom).join(' ')}`;
  });
  const outs = program.outputs.map(atom).join(', ');
  return [`{ lambda ${consts}${consts ? ' ' : ''}; ${inputs}. let`, ...lines, `${indent}  in (${outs}) }`].join('\n');
}

export const showAval = (a: Aval): string => `${SHORT_NAME[a.dtype]}[${a.shape.join(',')}]`;

function varName(i: number): string {
  let s = '';
  let n = i;
  do {
    s = String.fromCharCode(97 + (n % 26)) + s;
    n = Math.floor(n / 26) - 1;
  } while (n >= 0);
  return s;
}

function showLiteral(l: Literal): string {
  const v = l.value.item();
  if (l.value.dtype === 'bool') return v ? 'True' : 'False';
  return Number.isInteger(v) && l.value.dtype.startsWith('float') ? `${v}.0` : String(v);
}

function showParams(params: object, showProgram: (p: Program) => string): string {
  const entries = Object.entries(params).filter(([, v]) => typeof v !== 'function');
  if (entries.length === 0) return '';
  const value = (v: unknown): string =>
    v instanceof Program ? showProgram(v) : Array.isArray(v) ? `(${v.map(value).join(',')})` : String(v);
  return `[${entries.map(([k, v]) => `${k}=${value(v)}`).join(' ')}]`;
}
