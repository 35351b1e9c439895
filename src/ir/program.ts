/**
 * The intermediate representation: a program is a list of equations in SSA form
 * over typed variables, like a jaxpr. Consts are values captured from outside
 * the traced function (closure-converted into extra inputs); literals are
 * scalar constants printed inline.
 */

import type { Tensor } from '../tensor/tensor.ts';
import type { DotOptions } from './dot.ts';
import { toDot } from './dot.ts';
import type { AtomView, ProgramView } from './names.ts';
import { isLiteral, nameVars, showAval, showLiteral, showParams } from './names.ts';
import type { Aval, Primitive } from './primitive.ts';

export { showAval };

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
  readonly prim: Primitive;
  readonly inputs: readonly Atom[];
  readonly params: object;
  /** One variable for a single-result primitive, several for `cond`, `scan` and custom rules. */
  readonly outs: readonly Var[];
  /** The user's line that made the equation, recorded only under `debugNans`. */
  readonly site?: string;
}

export interface ConstBinding {
  readonly v: Var;
  /** A concrete tensor, or a tracer of an enclosing transformation (a residual). */
  readonly value: Tensor;
}

/**
 * A traced function as a list of equations, made by `makeProgram` (or seen
 * through `jit(f).program(...args)`); print it with `toString()` and run it with `evalProgram`.
 * @example
 * const p = makeProgram((x: Tensor) => mul(x, 2))(scalar(1))
 * p.inputs.length // => 1
 * p.toString() // => "{ lambda ; a:f32[]. let\n    b:f32[] = mul a 2.0\n  in (b) }"
 */
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
    return show(this, nameVars(this), '');
  }

  /**
   * The program as a Graphviz `digraph`: a node per input, const and equation,
   * an edge per use of a variable, nested programs as clusters. Render it with
   * `dot -Tsvg`.
   *
   * @example
   * const text = makeProgram(sin)(scalar(1)).toDot({ name: 'f' });
   * text.split('\n')[0] // => "digraph f {"
   * text.includes('label="sin a\\n→ b: f32[]"') // => true
   */
  toDot(options?: DotOptions): string {
    return toDot(this, options);
  }
}

function show(program: ProgramView, names: ReadonlyMap<AtomView, string>, indent: string): string {
  const name = (v: AtomView): string => names.get(v)!;
  const decl = (v: AtomView): string => `${name(v)}:${showAval(v.aval)}`;
  const atom = (a: AtomView | null): string => (a === null ? '0' : isLiteral(a) ? showLiteral(a) : name(a));
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
