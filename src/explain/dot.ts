/**
 * The explanation as a Graphviz graph. Each equation of `f` is a cluster
 * holding its forward equations (white boxes, data flowing down along black
 * edges) and, on the same rank, the backward equations it gave rise to (pink
 * boxes). Red edges carry cotangents from one backward equation to the next;
 * dashed grey edges show the forward values a backward equation reads. The
 * inputs are ellipses, the gradient of each a red double circle, the output
 * a double circle that also shows the seed.
 */

import type { DotOptions } from '../ir/dot.ts';
import { quote } from '../ir/dot.ts';
import type { Eqn } from '../ir/program.ts';
import { Literal, Var } from '../ir/program.ts';
import { showValue } from './labels.ts';
import type { Labels } from './labels.ts';
import { bar } from './math.ts';
import type { ExplanationRow, NamedValue } from './rows.ts';
import type { Trail } from './trail.ts';

export function explanationDot(
  labels: Labels,
  trail: Trail,
  rows: readonly ExplanationRow[],
  inputs: readonly { readonly name: string; readonly path: string }[],
  output: NamedValue,
  options: DotOptions = {},
): string {
  const { program, name } = labels;
  const nodes = new Map<Var, string>();
  const defs: string[] = [];
  const edges: string[] = [];
  const val = (v: Var): string => showValue(labels.valueOf(v));

  program.inputs.forEach((v, i) => {
    const id = `in_${name(v)}`;
    nodes.set(v, id);
    defs.push(`  ${id} [shape=ellipse, label=${quote(`${name(v)} = ${inputs[i]!.path}`, val(v))}];`);
  });
  program.consts.forEach((c) => {
    const id = `c_${name(c.v)}`;
    nodes.set(c.v, id);
    defs.push(`  ${id} [shape=box, style=dashed, label=${quote(`${name(c.v)} (const)`, val(c.v))}];`);
  });

  const define = (e: Eqn, prefix: string): string => {
    const id = `${prefix}_${name(e.outs[0]!)}`;
    e.outs.forEach((v) => nodes.set(v, id));
    return id;
  };
  trail.rows.forEach((r, k) => {
    const row = rows[k]!;
    const body: string[] = [];
    const forwardIds = r.forward.map((e, i) => {
      const id = define(e, 'f');
      const kept = row.forward[i]!.role === 'residual' ? ' (kept)' : '';
      body.push(`    ${id} [shape=box, label=${quote(`${row.forward[i]!.text}${kept}`, val(e.outs[0]!))}];`);
      return id;
    });
    const backward = trail.steps.filter((s) => s.row === k).flatMap((s) => s.eqns);
    const backwardIds = backward.map((e, i) => {
      const id = define(e, 'b');
      const line = row.backward[i]!;
      body.push(`    ${id} [shape=box, style=filled, fillcolor="#fde2e2", label=${quote(`#${line.order}  ${line.text}`, line.gloss)}];`);
      return id;
    });
    const primal = forwardIds[r.forward.findIndex((_, i) => row.forward[i]!.role === 'primal')] ?? forwardIds.at(-1);
    if (primal !== undefined && backwardIds.length > 0) body.push(`    { rank=same; ${[primal, ...backwardIds].join('; ')}; }`);
    defs.push(
      `  subgraph cluster_row${k} {`,
      `    label=${quote(row.source, ...row.derivative.map((d) => `local derivative: ${d}`))};`,
      '    style=rounded;',
      '    color=gray;',
      ...body,
      '  }',
    );
  });

  const isBackward = (v: Var): boolean => nodes.get(v)?.startsWith('b_') ?? false;
  for (const e of trail.rows.flatMap((r) => r.forward)) {
    const to = nodes.get(e.outs[0]!)!;
    for (const a of e.inputs) if (!(a instanceof Literal)) edges.push(`  ${nodes.get(a)!} -> ${to};`);
  }
  for (const e of trail.steps.flatMap((s) => s.eqns)) {
    const to = nodes.get(e.outs[0]!)!;
    for (const a of e.inputs) {
      if (a instanceof Literal) continue;
      edges.push(isBackward(a)
        ? `  ${nodes.get(a)!} -> ${to} [color=red, constraint=false];`
        : `  ${nodes.get(a)!} -> ${to} [style=dashed, color=gray, constraint=false, label=${quote(name(a))}];`);
    }
  }
  program.outputs.forEach((o, j) => {
    const input = program.inputs[trail.differentiated[j]!]!;
    const id = `grad_${name(input)}`;
    const shown = o === null ? '0' : o instanceof Literal ? name(o) : showValue(labels.valueOf(o));
    defs.push(`  ${id} [shape=doublecircle, color=red, label=${quote(bar(name(input)), shown)}];`);
    if (o instanceof Literal || o === null) return;
    edges.push(`  ${nodes.get(o)!} -> ${id} [color=red];`);
  });
  defs.push(`  out [shape=doublecircle, label=${quote(`${output.name} = ${showValue(output.value)}`, `${bar(output.name)} = 1 (seed)`)}];`);
  const outKey = labels.keyOf(trail.output);
  if (outKey instanceof Var && nodes.has(outKey)) edges.push(`  ${nodes.get(outKey)!} -> out;`);

  const header = ['rankdir=TB;', 'compound=true;', 'fontname="Courier";', 'node [fontname="Courier", fontsize=11];', 'edge [fontname="Courier", fontsize=9];'];
  const graph = options.name ?? 'explain';
  const title = /^[A-Za-z_][A-Za-z0-9_]*$/.test(graph) ? graph : quote(graph);
  return [`digraph ${title} {`, ...header.map((l) => `  ${l}`), ...defs, ...edges, '}', ''].join('\n');
}
