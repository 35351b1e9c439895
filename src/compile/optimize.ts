/**
 * Program → program rewrites run before compiling: dead-code elimination and
 * common-subexpression elimination. Both keep the program's inputs and
 * outputs; they only drop or share equations, so the results are the same bits.
 */

import type { Atom, Eqn } from '../ir/program.ts';
import { Literal, Program, Var } from '../ir/program.ts';
import { numbering } from './numbering.ts';

/** Drop equations whose results no output needs, and consts nothing reads. */
export function eliminateDeadCode(program: Program): Program {
  const live = new Set<Var>();
  for (const o of program.outputs) if (o instanceof Var) live.add(o);
  const kept: Eqn[] = [];
  for (let i = program.eqns.length - 1; i >= 0; i--) {
    const eqn = pruneResults(program.eqns[i]!, live);
    if (eqn === undefined) continue;
    kept.push(eqn);
    for (const a of eqn.inputs) if (a instanceof Var) live.add(a);
  }
  kept.reverse();
  const consts = program.consts.filter((c) => live.has(c.v));
  return new Program(program.inputs, consts, kept, program.outputs);
}

/** The equation, computing only its live results where its primitive allows; `undefined` if none is live. */
function pruneResults(eqn: Eqn, live: ReadonlySet<Var>): Eqn | undefined {
  const used = eqn.outs.map((v) => live.has(v));
  if (!used.some(Boolean)) return undefined;
  if (used.every(Boolean) || !eqn.prim.multipleResults) return eqn;
  const pruned = eqn.prim.pruneResults(eqn.params, used);
  return pruned === undefined ? eqn : { ...eqn, params: pruned.params, outs: eqn.outs.filter((_, i) => pruned.keep[i]) };
}

/**
 * The primitives whose two operands can be swapped without changing a bit of
 * the result (IEEE addition and multiplication are commutative; `maximum` is
 * `Math.max`, which propagates NaN from either side and orders −0 below +0;
 * its derivative splits ties evenly), so CSE compares their operands as a set.
 */
const COMMUTATIVE: ReadonlySet<string> = new Set(['add', 'mul', 'maximum', 'equal', 'notEqual']);

/**
 * Share equations that apply the same primitive with the same params to the
 * same operands (every primitive is a pure function), in either order for a
 * commutative primitive. Operands are compared by variable identity and
 * literal value; params by value, with nested programs and functions compared
 * by identity.
 */
export function eliminateCommonSubexpressions(program: Program): Program {
  const id = numbering<Var>();
  const rename = new Map<Var, Var>();
  const resolve = (a: Atom): Atom => (a instanceof Var ? rename.get(a) ?? a : a);
  const atomKey = (a: Atom): string => (a instanceof Literal ? `${a.value.dtype}:${Object.is(a.value.item(), -0) ? '-0' : a.value.item()}` : `v${id(a)}`);
  const seen = new Map<string, Eqn>();
  const eqns: Eqn[] = [];
  for (const eqn of program.eqns) {
    const inputs = eqn.inputs.map(resolve);
    const operands = inputs.map(atomKey);
    if (COMMUTATIVE.has(eqn.prim.name) && operands.length === 2 && operands[1]! < operands[0]!) operands.reverse();
    const key = `${eqn.prim.name}|${paramsKey(eqn.params)}|${operands.join(',')}`;
    const prior = seen.get(key);
    if (prior !== undefined) {
      eqn.outs.forEach((v, i) => rename.set(v, prior.outs[i]!));
      continue;
    }
    const rewritten = { ...eqn, inputs };
    seen.set(key, rewritten);
    eqns.push(rewritten);
  }
  const outputs = program.outputs.map((o) => (o === null ? null : resolve(o)));
  return new Program(program.inputs, program.consts, eqns, outputs);
}

const objectIds = new WeakMap<object, number>();
let nextObjectId = 0;

function paramsKey(params: object): string {
  return JSON.stringify(params, (_k, v: unknown) => {
    if (v instanceof Program || typeof v === 'function') {
      let n = objectIds.get(v as object);
      if (n === undefined) {
        n = nextObjectId++;
        objectIds.set(v as object, n);
      }
      return `#${n}`;
    }
    return v;
  });
}

/**
 * Both passes, CSE first so that DCE drops what sharing made dead, applied
 * also to the programs inside params (branches of `cond`, the body of `scan`):
 * their inputs and outputs stay as they are, only their equations shrink.
 */
export function optimize(program: Program): Program {
  const shallow = eliminateDeadCode(eliminateCommonSubexpressions(program));
  const eqns = shallow.eqns.map((e) => {
    const params = optimizeParams(e.params);
    return params === e.params ? e : { ...e, params };
  });
  return new Program(shallow.inputs, shallow.consts, eqns, shallow.outputs);
}

function optimizeParams(params: object): object {
  let changed = false;
  const visit = (v: unknown): unknown => {
    if (v instanceof Program) {
      changed = true;
      return optimize(v);
    }
    if (Array.isArray(v) && v.some((x) => x instanceof Program)) return v.map(visit);
    return v;
  };
  const out = Object.fromEntries(Object.entries(params).map(([k, v]) => [k, visit(v)]));
  return changed ? out : params;
}
