/**
 * Fusion: chains of elementwise equations run as one generated loop.
 *
 * An equation whose lowering is tagged elementwise (`scalarOpOf`) is *inlined*
 * into its consumer when its result has no other reader — one use in one
 * equation, not a program output — the consumer is elementwise too, and the
 * result is as large as the consumer's (or it is a `broadcast`, which is only a
 * way of reading). Every elementwise equation that is not inlined is the *root*
 * of a group: a tree whose inner nodes are the inlined equations and whose
 * leaves are buffers (inputs, consts, arena slots) and scalar literals.
 *
 * A group becomes one JavaScript function, generated once per plan with
 * `new Function`: a loop nest over the root's shape (axes collapsed as in
 * `src/kernels/strided.ts`), every leaf read through its broadcast strides, so
 * a fused-away `broadcast` costs nothing, and every node computed by
 * `scalar.ts` with its dtype's rounding. A fused intermediate therefore holds
 * exactly the value its buffer would have held, and a fused plan agrees with
 * eager evaluation bit for bit. Each group's function is its own, so the engine
 * sees one typed-array layout per loop and keeps it fast.
 */

import type { ScalarOp } from '../ir/lowering.ts';
import { scalarOpOf } from '../ir/lowering.ts';
import type { Kernel } from '../ir/primitive.ts';
import type { Atom, Eqn, Program } from '../ir/program.ts';
import { Literal, Var } from '../ir/program.ts';
import { broadcastStrides, collapse } from '../kernels/strided.ts';
import type { DType } from '../tensor/dtype.ts';
import type { Shape } from '../tensor/shape.ts';
import { sizeOf, stridesOf } from '../tensor/shape.ts';
import { storageOf } from '../tensor/tensor.ts';
import { showLiteral } from '../ir/names.ts';
import { numberSource, scalarExpression } from './scalar.ts';

const fusionSettings = { enabled: true };

/** Run `f` with fusion on or off for the plans it makes (on by default; tests compare the two). */
export function withFusion<T>(enabled: boolean, f: () => T): T {
  const before = fusionSettings.enabled;
  fusionSettings.enabled = enabled;
  try {
    return f();
  } finally {
    fusionSettings.enabled = before;
  }
}

/** A fused node: an equation whose result is computed inside its consumer's loop. */
export interface FusedTree {
  readonly op: ScalarOp;
  readonly dtype: DType;
  readonly args: readonly (FusedTree | Atom)[];
}

/** The equations of `program` that are fused into their consumers, and the op of every elementwise one. */
export interface Fusion {
  readonly inlined: ReadonlySet<Eqn>;
  readonly ops: ReadonlyMap<Eqn, ScalarOp>;
  readonly producer: ReadonlyMap<Var, Eqn>;
}

/** Decide which elementwise equations of `program` are inlined into their consumer. */
export function planFusion(program: Program): Fusion {
  const ops = new Map<Eqn, ScalarOp>();
  const producer = new Map<Var, Eqn>();
  const uses = new Map<Var, number>();
  const use = (a: Atom | null, n = 1) => {
    if (a instanceof Var) uses.set(a, (uses.get(a) ?? 0) + n);
  };
  for (const eqn of program.eqns) {
    const op = eqn.outs.length === 1 ? scalarOpOf(eqn.prim.lower) : undefined;
    if (op !== undefined && fusionSettings.enabled) ops.set(eqn, op);
    for (const v of eqn.outs) producer.set(v, eqn);
    for (const a of eqn.inputs) use(a);
  }
  for (const o of program.outputs) use(o, 2);
  const inlined = new Set<Eqn>();
  for (const eqn of program.eqns) {
    if (!ops.has(eqn)) continue;
    const size = sizeOf(eqn.outs[0]!.aval.shape);
    for (const a of eqn.inputs) {
      if (!(a instanceof Var) || uses.get(a) !== 1) continue;
      const p = producer.get(a);
      if (p === undefined || !ops.has(p)) continue;
      if (ops.get(p) === 'broadcast' || sizeOf(a.aval.shape) === size) inlined.add(p);
    }
  }
  return { inlined, ops, producer };
}

/** The tree of the group rooted at `root`. */
export function fusedTree(root: Eqn, fusion: Fusion): FusedTree {
  const arg = (a: Atom): FusedTree | Atom => {
    const p = a instanceof Var ? fusion.producer.get(a) : undefined;
    return p !== undefined && fusion.inlined.has(p) ? fusedTree(p, fusion) : a;
  };
  return { op: fusion.ops.get(root)!, dtype: root.outs[0]!.aval.dtype, args: root.inputs.map(arg) };
}

/**
 * The buffer leaves of a tree (each variable once, in first-use order; literals
 * are compiled into the loop), the tree as text over `$k` for leaf k, and its
 * number of ops.
 */
export function leavesOf(tree: FusedTree): { leaves: Var[]; text: string; ops: number } {
  const leaves: Var[] = [];
  let ops = 0;
  const show = (t: FusedTree | Atom): string => {
    if (t instanceof Literal) return showLiteral(t);
    if (t instanceof Var) {
      let k = leaves.indexOf(t);
      if (k < 0) k = leaves.push(t) - 1;
      return `$${k}`;
    }
    ops++;
    const inner = `${t.op} ${t.args.map(show).join(' ')}`;
    return t === tree ? inner : `(${inner})`;
  };
  const text = show(tree);
  return { leaves, text, ops };
}

const factories = new Map<string, () => Kernel>();

/**
 * The kernel of a group: reads the leaves (in `leavesOf` order, as buffers)
 * and writes the root's buffer of `shape`.
 */
export function fusedKernel(tree: FusedTree, leaves: readonly Var[], shape: Shape): Kernel {
  const strides = leaves.map((l) => broadcastStrides(l.aval.shape, shape));
  const walk = collapse(shape, [stridesOf(shape), ...strides]);
  const rank = walk.shape.length;
  const lines: string[] = [];
  const consts: string[] = [];
  let next = 0;
  const literals = new Map<Literal, string>();
  const emit = (t: FusedTree | Atom): string => {
    if (t instanceof Literal) {
      let name = literals.get(t);
      if (name === undefined) {
        const s = storageOf(t.value);
        name = `k${literals.size}`;
        literals.set(t, name);
        consts.push(`const ${name} = ${numberSource(s[0]!)};`);
      }
      return name;
    }
    if (t instanceof Var) {
      const k = leaves.indexOf(t);
      return `a${k}[p${k + 1}_${rank - 1}]`;
    }
    const args = t.args.map((a) => {
      const e = emit(a);
      if (a instanceof Var) {
        const name = `v${next++}`;
        lines.push(`const ${name} = ${e};`);
        return name;
      }
      return e;
    });
    const name = `v${next++}`;
    lines.push(`const ${name} = ${scalarExpression(t.op, args, t.dtype)};`);
    return name;
  };
  const result = emit(tree);
  const operands = walk.strides.length;
  // One loop per collapsed axis; operand k's offset at depth d is p{k}_{d}, starting from its offset at depth d - 1.
  let body = [...lines, `o[p0_${rank - 1}] = ${result};`].join(' ');
  for (let d = rank - 1; d >= 0; d--) {
    const init: string[] = [`i${d} = 0`];
    const step: string[] = [`i${d}++`];
    for (let k = 0; k < operands; k++) {
      init.push(`p${k}_${d} = ${d === 0 ? '0' : `p${k}_${d - 1}`}`);
      const s = walk.strides[k]![d]!;
      if (s !== 0) step.push(`p${k}_${d} += ${s}`);
    }
    body = `for (let ${init.join(', ')}; i${d} < ${walk.shape[d]}; ${step.join(', ')}) { ${body} }`;
  }
  const reads = leaves.map((_, k) => `const a${k} = ins[${k}];`).join(' ');
  const source = `${consts.join(' ')} return (ins, outs) => { const o = outs[0]; ${reads} ${body} };`;
  let factory = factories.get(source);
  if (factory === undefined) {
    factory = new Function(source) as () => Kernel;
    factories.set(source, factory);
  }
  return factory();
}
