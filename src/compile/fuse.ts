/**
 * Fusion: chains of elementwise equations run as one generated loop.
 *
 * Equations whose lowering is tagged elementwise (`scalarOpOf`) form *groups*
 * (`planFusion`): a root, and the elementwise producers it pulls in — those
 * as large as the root's result (or `broadcast`s, which are only a way of
 * reading) whose every reader is in the group or runs after it. A member read
 * only inside the group has no buffer; one read later, or a program output,
 * is also stored by the group's loop. A group is a tree whose inner nodes are
 * its members (a node read twice is one node, computed once) and whose leaves
 * are buffers (inputs, consts, arena slots) and scalar literals.
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
import { scalarExpression, SELECT } from './scalar.ts';
import { simdKernel } from './simd.ts';
import type { FusedTree } from './group.ts';

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

export type { FusedTree } from './group.ts';

/** The equations of `program` that are fused into a group rooted elsewhere, and the op of every elementwise one. */
export interface Fusion {
  readonly inlined: ReadonlySet<Eqn>;
  readonly ops: ReadonlyMap<Eqn, ScalarOp>;
  readonly producer: ReadonlyMap<Var, Eqn>;
  /** Per group root: the inlined members whose values are also stored (read after the group, or program outputs). */
  readonly stored: ReadonlyMap<Eqn, readonly Eqn[]>;
  /** The root of the group of each elementwise equation (a root is its own). */
  readonly rootOf: ReadonlyMap<Eqn, Eqn>;
}

/**
 * Decide the groups of `program`. Walking backwards, every elementwise
 * equation not yet in a group roots one, and pulls in the elementwise
 * producers of its members' inputs while it can. A producer joins when its
 * result is as large as the root's (or it is a `broadcast` read by the group
 * alone) and every reader of its result is in the group or comes after the
 * root. In the first case its value lives only inside the loop; in the second
 * (or when it is a program output) the loop also stores it, so a value with
 * several readers — a ReLU's pre-activation and mask — costs no extra pass.
 * The group runs where its root stood: its leaves are all computed by then,
 * and nothing before it reads what it stores.
 */
export function planFusion(program: Program): Fusion {
  const ops = new Map<Eqn, ScalarOp>();
  const producer = new Map<Var, Eqn>();
  const readers = new Map<Var, Eqn[]>();
  const position = new Map<Eqn, number>();
  program.eqns.forEach((eqn, k) => {
    position.set(eqn, k);
    const op = eqn.outs.length === 1 ? scalarOpOf(eqn.prim.lower) : undefined;
    if (op !== undefined && fusionSettings.enabled) ops.set(eqn, op);
    for (const v of eqn.outs) producer.set(v, eqn);
    for (const a of eqn.inputs) if (a instanceof Var) readers.set(a, [...(readers.get(a) ?? []), eqn]);
  });
  const isOutput = new Set(program.outputs.filter((o): o is Var => o instanceof Var));
  const rootOf = new Map<Eqn, Eqn>();
  const inlined = new Set<Eqn>();
  const stored = new Map<Eqn, Eqn[]>();
  for (let k = program.eqns.length - 1; k >= 0; k--) {
    const root = program.eqns[k]!;
    if (!ops.has(root) || rootOf.has(root)) continue;
    rootOf.set(root, root);
    const size = sizeOf(root.outs[0]!.aval.shape);
    const members = [root];
    const keep: Eqn[] = [];
    for (let grew = true; grew; ) {
      grew = false;
      for (const m of [...members]) {
        for (const a of m.inputs) {
          const p = a instanceof Var ? producer.get(a) : undefined;
          if (p === undefined || !ops.has(p) || rootOf.has(p)) continue;
          const rs = readers.get(a as Var) ?? [];
          const inside = rs.every((r) => rootOf.get(r) === root);
          const after = rs.every((r) => rootOf.get(r) === root || position.get(r)! > k);
          const broadcast = ops.get(p) === 'broadcast';
          if (broadcast ? !(inside && !isOutput.has(a as Var)) : sizeOf((a as Var).aval.shape) !== size || !after) continue;
          rootOf.set(p, root);
          members.push(p);
          inlined.add(p);
          if (!inside || isOutput.has(a as Var)) keep.push(p);
          grew = true;
        }
      }
    }
    if (keep.length > 0) stored.set(root, keep.sort((x, y) => position.get(x)! - position.get(y)!));
  }
  return { inlined, ops, producer, stored, rootOf };
}

/** The tree of the group rooted at `root`: a node read twice is one object, computed once. */
export function fusedTree(root: Eqn, fusion: Fusion): FusedTree {
  const stored = fusion.stored.get(root) ?? [];
  const nodes = new Map<Eqn, FusedTree>();
  const node = (eqn: Eqn): FusedTree => {
    let t = nodes.get(eqn);
    if (t === undefined) {
      const store = eqn === root ? 0 : stored.indexOf(eqn) + 1;
      t = {
        op: fusion.ops.get(eqn)!,
        dtype: eqn.outs[0]!.aval.dtype,
        args: eqn.inputs.map(arg),
        ...(store > 0 ? { store } : {}),
      };
      nodes.set(eqn, t);
    }
    return t;
  };
  const arg = (a: Atom): FusedTree | Atom => {
    const p = a instanceof Var ? fusion.producer.get(a) : undefined;
    return p !== undefined && p !== root && fusion.rootOf.get(p) === root ? node(p) : a;
  };
  return node(root);
}

/**
 * The buffer leaves of a tree (each variable once, in first-use order; literals
 * are compiled into the loop), the tree as text over `$k` for leaf k, and its
 * number of ops. A stored node is marked `→@j` (output j of the step); a node
 * read twice is shown once as `%n=(…)` and then as `%n`.
 */
export function leavesOf(tree: FusedTree): { leaves: Var[]; text: string; ops: number } {
  const refs = new Map<FusedTree, number>();
  const count = (t: FusedTree | Atom): void => {
    if (t instanceof Literal || t instanceof Var) return;
    refs.set(t, (refs.get(t) ?? 0) + 1);
    if (refs.get(t) === 1) t.args.forEach(count);
  };
  count(tree);
  const leaves: Var[] = [];
  const labels = new Map<FusedTree, string>();
  let ops = 0;
  const show = (t: FusedTree | Atom): string => {
    if (t instanceof Literal) return showLiteral(t);
    if (t instanceof Var) {
      let k = leaves.indexOf(t);
      if (k < 0) k = leaves.push(t) - 1;
      return `$${k}`;
    }
    const label = labels.get(t);
    if (label !== undefined) return label;
    ops++;
    const inner = `${t.op} ${t.args.map(show).join(' ')}${t.store === undefined || t === tree ? '' : ` →@${t.store}`}`;
    if (t === tree) return inner;
    if (refs.get(t)! > 1) {
      const name = `%${labels.size}`;
      labels.set(t, name);
      return `${name}=(${inner})`;
    }
    return `(${inner})`;
  };
  const text = show(tree);
  return { leaves, text, ops };
}

/** Generated kernel factories by source text; bounded, oldest first out (a Map keeps insertion order). */
const factories = new Map<string, (...values: number[]) => Kernel>();
const MAX_FACTORIES = 2048;

/**
 * The kernel of a group: reads the leaves (in `leavesOf` order, as buffers)
 * and writes the root's buffer of `shape`, then the buffers of its stored
 * nodes (outputs 1, 2, … in `store` order; each as large as the root's).
 *
 * The source holds only the group's structure (its ops and dtypes, the loop
 * depth, which strides are zero); loop bounds, strides and literal values are
 * arguments of the generated factory. Groups of one form — `w - lr·g` for every
 * parameter, a ReLU at every layer — therefore share one function across shapes
 * and plans, and the engine warms it up once instead of once per group.
 */
export function fusedKernel(tree: FusedTree, leaves: readonly Var[], shape: Shape): Kernel {
  const simd = simdKernel(tree, leaves, shape);
  if (simd !== undefined) return simd;
  const strides = leaves.map((l) => broadcastStrides(l.aval.shape, shape));
  const walk = collapse(shape, [stridesOf(shape), ...strides]);
  const rank = walk.shape.length;
  const lines: string[] = [];
  const names: string[] = [];
  const values: number[] = [];
  const value = (name: string, v: number): string => (names.push(name), values.push(v), name);
  const literals = new Map<Literal, string>();
  const computed = new Map<FusedTree, string>();
  const outDtypes: DType[] = [tree.dtype];
  let next = 0;
  const emit = (t: FusedTree | Atom): string => {
    if (t instanceof Literal) {
      let name = literals.get(t);
      if (name === undefined) {
        name = value(`k${literals.size}`, storageOf(t.value)[0]!);
        literals.set(t, name);
      }
      return name;
    }
    if (t instanceof Var) {
      const k = leaves.indexOf(t);
      return `a${k}[p${k + 1}_${rank - 1}]`;
    }
    const done = computed.get(t);
    if (done !== undefined) return done;
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
    if (t.store !== undefined && t !== tree) {
      lines.push(`o${t.store}[p0_${rank - 1}] = ${name};`);
      outDtypes[t.store] = t.dtype;
    }
    computed.set(t, name);
    return name;
  };
  const result = emit(tree);
  const operands = walk.strides.length;
  // Bounds and strides are copied from the factory's arguments into locals of the kernel.
  const locals: string[] = [];
  const local = (name: string, v: number): string => {
    locals.push(`${name.toUpperCase()} = ${value(name, v)}`);
    return name.toUpperCase();
  };
  // One loop per collapsed axis; operand k's offset at depth d is p{k}_{d}, starting from its offset at depth d - 1.
  let body = [...lines, `o0[p0_${rank - 1}] = ${result};`].join(' ');
  for (let d = rank - 1; d >= 0; d--) {
    const init: string[] = [`i${d} = 0`];
    const step: string[] = [`i${d}++`];
    for (let k = 0; k < operands; k++) {
      init.push(`p${k}_${d} = ${d === 0 ? '0' : `p${k}_${d - 1}`}`);
      const s = walk.strides[k]![d]!;
      if (s !== 0) step.push(`p${k}_${d} += ${local(`s${k}_${d}`, s)}`);
    }
    body = `for (let ${init.join(', ')}; i${d} < ${local(`n${d}`, walk.shape[d]!)}; ${step.join(', ')}) { ${body} }`;
  }
  const reads = leaves.map((_, k) => `const a${k} = ins[${k}];`).join(' ');
  const consts = body.includes(`${SELECT}[`) ? `const ${SELECT} = new Float64Array(2);` : '';
  const writes = Array.from(outDtypes, (_, j) => `const o${j} = outs[${j}];`).join(' ');
  // The buffers' dtypes are part of the source, so each function sees one typed-array layout.
  const layout = `// ${leaves.map((l) => l.aval.dtype).join(',')} -> ${Array.from(outDtypes).join(',')}`;
  const bounds = locals.length > 0 ? `const ${locals.join(', ')};` : '';
  const source = `${layout}\n${consts} return (ins, outs) => { ${bounds} ${writes} ${reads} ${body} };`;
  let factory = factories.get(source);
  if (factory === undefined) {
    factory = new Function(...names, source) as (...values: number[]) => Kernel;
    if (factories.size >= MAX_FACTORIES) factories.delete(factories.keys().next().value!);
    factories.set(source, factory);
  }
  return factory(...values);
}
