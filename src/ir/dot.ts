/**
 * A program as a Graphviz graph: data flows top to bottom from the inputs
 * (ellipses) and consts (dashed boxes) through one box per equation to the
 * outputs (a double circle). Each use of a variable is an edge from the node
 * that defines it; literals are written into the label of the equation that
 * uses them, which lists its operands in order as `toString` does. A program
 * nested in an equation's params (a `cond` branch, a `scan` body) is a
 * dashed cluster, joined to its equation by a dashed edge.
 *
 * Variables carry the names `Program.toString` gives them, so the text and
 * the picture of a program can be read side by side.
 */

import type { AtomView, ProgramView } from './names.ts';
import { isLiteral, nameVars, nestedPrograms, showAval, showLiteral, showParams } from './names.ts';

export interface DotOptions {
  /** The graph's name, `program` by default. */
  readonly name?: string;
}

/**
 * Graphviz DOT text for `program`; the same program always gives the same text.
 * `Program.toDot` calls this.
 */
export function toDot(program: ProgramView, options: DotOptions = {}): string {
  const names = nameVars(program);
  const name = (v: AtomView): string => names.get(v)!;
  const decl = (v: AtomView): string => `${name(v)}: ${showAval(v.aval)}`;
  const atom = (a: AtomView | null): string => (a === null ? '0' : isLiteral(a) ? showLiteral(a) : name(a));
  /** Where each variable is defined: its node, and whether that node defines several. */
  const producers = new Map<AtomView, { readonly node: string; readonly shared: boolean }>();
  let eqnCount = 0;
  let clusterCount = 0;

  const edge = (from: AtomView, to: string, indent: string, lines: string[]): void => {
    let p = producers.get(from);
    if (p === undefined) {
      // A free variable: defined by no enclosing program. Shown rather than dropped.
      p = { node: id(name(from)), shared: false };
      lines.push(`${indent}${p.node} [shape=ellipse, style=dotted, label=${quote(decl(from))}];`);
      producers.set(from, p);
    }
    lines.push(`${indent}${p.node} -> ${to}${p.shared ? ` [label=${quote(name(from))}]` : ''};`);
  };

  const render = (p: ProgramView, indent: string, out: string): string[] => {
    const lines: string[] = [];
    const define = (v: AtomView, attrs: string): void => {
      const node = id(name(v));
      lines.push(`${indent}${node} [${attrs}, label=${quote(decl(v))}];`);
      producers.set(v, { node, shared: false });
    };
    p.consts.forEach((c) => define(c.v, 'shape=box, style=dashed'));
    p.inputs.forEach((v) => define(v, 'shape=ellipse'));
    for (const e of p.eqns) {
      const node = `eqn${eqnCount++}`;
      const joins: string[] = [];
      for (const { path, program } of nestedPrograms(e.params)) {
        const c = ++clusterCount;
        lines.push(
          `${indent}subgraph cluster_${c} {`,
          `${indent}  label=${quote(`${e.prim.name} ${path}`)};`,
          `${indent}  style=dashed;`,
          ...render(program, `${indent}  `, `out${c}`),
          `${indent}}`,
        );
        joins.push(`${indent}out${c} -> ${node} [style=dashed, ltail=cluster_${c}];`);
      }
      const head = [`${e.prim.name}${showParams(e.params, () => '{…}')}`, ...e.inputs.map(atom)].join(' ');
      lines.push(`${indent}${node} [shape=box, label=${quote(head, `→ ${e.outs.map(decl).join(', ')}`)}];`);
      for (const a of e.inputs) if (!isLiteral(a)) edge(a, node, indent, lines);
      lines.push(...joins);
      const shared = e.outs.length > 1;
      for (const v of e.outs) producers.set(v, { node, shared });
    }
    lines.push(`${indent}${out} [shape=doublecircle, label=${quote('out', `(${p.outputs.map(atom).join(', ')})`)}];`);
    for (const a of p.outputs) if (a !== null && !isLiteral(a)) edge(a, out, indent, lines);
    return lines;
  };

  const body = render(program, '  ', 'out0');
  const header = ['rankdir=TB;', 'compound=true;', 'fontname="Courier";', 'node [fontname="Courier", fontsize=11];', 'edge [fontname="Courier", fontsize=9];'];
  return [`digraph ${id(options.name ?? 'program')} {`, ...header.map((l) => `  ${l}`), ...body, '}', ''].join('\n');
}

const KEYWORDS = new Set(['node', 'edge', 'graph', 'digraph', 'subgraph', 'strict']);

/** A DOT identifier: bare when it can be, quoted otherwise. */
const id = (s: string): string => (/^[A-Za-z_][A-Za-z0-9_]*$/.test(s) && !KEYWORDS.has(s.toLowerCase()) ? s : quote(s));

/** A quoted DOT string, one label line per argument. */
export const quote = (...lines: string[]): string =>
  `"${lines.map((l) => l.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\r?\n/g, '\\n')).join('\\n')}"`;
