/**
 * `Program.toDot`: the DOT text is parsed back into nodes, edges and clusters
 * and its structure checked, so the tests need no Graphviz install.
 */

import { describe, expect, it } from 'vitest';
import type { Tensor } from '../src/index.ts';
import { add, grad, makeProgram, mul, scalar, sin } from '../src/index.ts';
import { Literal, Program, Var } from '../src/ir/program.ts';
import { registry } from '../src/primitives/registry.ts';

interface Graph {
  readonly name: string;
  /** Node id → its attributes as written (`shape=box, label="…"`). */
  readonly nodes: Map<string, string>;
  readonly edges: { readonly from: string; readonly to: string; readonly attrs: string }[];
  /** Cluster id → its label. */
  readonly clusters: Map<string, string>;
}

const ID = String.raw`(?:[A-Za-z_][A-Za-z0-9_]*|"(?:[^"\\]|\\.)*")`;

/** Enough of a DOT parser for what `toDot` writes: one statement a line. */
function parse(dot: string): Graph {
  const lines = dot.trimEnd().split('\n').map((l) => l.trim());
  const head = new RegExp(`^digraph (${ID}) \\{$`).exec(lines[0]!);
  if (head === null || lines.at(-1) !== '}') throw new Error(`not a digraph: ${lines[0]}`);
  const g: Graph = { name: head[1]!, nodes: new Map(), edges: [], clusters: new Map() };
  let cluster: string | null = null;
  for (const line of lines.slice(1, -1)) {
    let m: RegExpExecArray | null;
    if ((m = new RegExp(`^(${ID}) -> (${ID})(?: \\[(.*)\\])?;$`).exec(line))) g.edges.push({ from: m[1]!, to: m[2]!, attrs: m[3] ?? '' });
    else if ((m = /^subgraph (cluster_\d+) \{$/.exec(line))) cluster = m[1]!;
    else if ((m = /^label=(".*");$/.exec(line)) && cluster !== null) g.clusters.set(cluster, m[1]!);
    else if ((m = new RegExp(`^(${ID}) \\[(.*)\\];$`).exec(line)) && !['node', 'edge'].includes(m[1]!)) {
      expect(g.nodes.has(m[1]!), `node ${m[1]} declared twice`).toBe(false);
      g.nodes.set(m[1]!, m[2]!);
    } else if (!/^(rankdir=TB|compound=true|fontname="Courier"|style=dashed|\}|(node|edge) \[.*\]);?$/.test(line)) throw new Error(`unexpected line: ${line}`);
  }
  return g;
}

const label = (attrs: string): string => /label=("(?:[^"\\]|\\.)*")/.exec(attrs)![1]!;
const nodeByLabel = (g: Graph, prefix: string): string => {
  const found = [...g.nodes].filter(([, a]) => label(a).startsWith(`"${prefix}`));
  expect(found, `one node labelled ${prefix}…`).toHaveLength(1);
  return found[0]![0];
};
const into = (g: Graph, node: string) => g.edges.filter((e) => e.to === node);
const eqnNodes = (g: Graph) => [...g.nodes].filter(([id]) => id.startsWith('eqn'));

/** Every edge joins declared nodes. */
function expectClosed(g: Graph): void {
  for (const e of g.edges) {
    expect(g.nodes.has(e.from), `edge from undeclared ${e.from}`).toBe(true);
    expect(g.nodes.has(e.to), `edge to undeclared ${e.to}`).toBe(true);
  }
}

const f = (x: Tensor, y: Tensor) => add(sin(mul(x, y)), y);

describe('toDot', () => {
  const forward = makeProgram(f)(scalar(1), scalar(2));
  const g = parse(forward.toDot());

  it('has a node per input, equation and output, and only edges between them', () => {
    expect(g.name).toBe('program');
    expect(g.nodes.size).toBe(2 + 3 + 1);
    expect([...g.nodes.values()].filter((a) => a.includes('shape=ellipse')).map(label)).toEqual(['"a: f32[]"', '"b: f32[]"']);
    expect(eqnNodes(g)).toHaveLength(3);
    expect(g.edges).toHaveLength(2 + 1 + 2 + 1);
    expectClosed(g);
  });

  it('draws each use of a variable as an edge from where it is defined', () => {
    const mulNode = nodeByLabel(g, 'mul a b');
    expect(into(g, mulNode).map((e) => e.from)).toEqual(['a', 'b']);
    const addNode = nodeByLabel(g, 'add d b');
    expect(into(g, addNode).map((e) => e.from)).toEqual([nodeByLabel(g, 'sin c'), 'b']);
    const out = nodeByLabel(g, 'out');
    expect(g.nodes.get(out)).toContain('shape=doublecircle');
    expect(into(g, out).map((e) => e.from)).toEqual([addNode]);
  });

  it('names variables as toString does', () => {
    const printed = forward.toString();
    const declared = [...forward.toDot().matchAll(/([a-z]+): (f32\[[\d,]*\])/g)];
    expect(declared.length).toBeGreaterThan(0);
    for (const [, name, type] of declared) expect(printed).toContain(`${name}:${type}`);
  });

  it('renders the backward program with more equations than the forward one', () => {
    const backward = makeProgram(grad(f))(scalar(1), scalar(2));
    const gb = parse(backward.toDot({ name: 'grad f' }));
    expect(gb.name).toBe('"grad f"');
    expect(eqnNodes(gb).length).toBeGreaterThan(eqnNodes(g).length);
    expectClosed(gb);
    expect(label(gb.nodes.get(nodeByLabel(gb, 'mul 1.0'))!)).toBe('"mul 1.0 e\\n→ g: f32[]"');
  });

  it('is deterministic', () => {
    expect(makeProgram(f)(scalar(1), scalar(2)).toDot()).toBe(forward.toDot());
  });
});

describe('toDot with nested programs', () => {
  const f32 = { shape: [3], dtype: 'float32' } as const;
  const branch = (prim: typeof registry.sin): Program => {
    const u = new Var(f32);
    const w = new Var(f32);
    return new Program([u], [], [{ prim, inputs: [u], params: {}, outs: [w] }], [w]);
  };
  const x = new Var(f32);
  const [y, z, s] = [new Var(f32), new Var(f32), new Var(f32)];
  const program = new Program(
    [x],
    [],
    [
      // Any primitive will do as the owner: only the params are read.
      { prim: registry.neg, inputs: [x], params: { branches: [branch(registry.sin), branch(registry.cos)], note: 'say "hi" \\o/', rule: () => 0 }, outs: [y, z] },
      { prim: registry.mul, inputs: [z, new Literal(scalar(2))], params: {}, outs: [s] },
    ],
    [y, s, null],
  );
  const g = parse(program.toDot());

  it('draws each nested program as a labelled cluster joined to its equation', () => {
    expect([...g.clusters.values()]).toEqual(['"neg branches[0]"', '"neg branches[1]"']);
    const owner = nodeByLabel(g, 'neg');
    const joins = into(g, owner).filter((e) => e.attrs.includes('style=dashed'));
    expect(joins.map((e) => e.attrs)).toEqual(['style=dashed, ltail=cluster_1', 'style=dashed, ltail=cluster_2']);
    expect(nodeByLabel(g, 'sin d')).toBeDefined();
    expect(nodeByLabel(g, 'cos f')).toBeDefined();
    expect(g.nodes.size).toBe(1 + 2 + 2 * 3 + 1);
    expectClosed(g);
  });

  it('labels edges from an equation with several outputs by variable', () => {
    const owner = nodeByLabel(g, 'neg');
    expect(into(g, nodeByLabel(g, 'mul c 2.0'))).toEqual([{ from: owner, to: expect.any(String), attrs: 'label="c"' }]);
    expect(into(g, 'out0').map((e) => [e.from, e.attrs])).toEqual([[owner, 'label="b"'], [nodeByLabel(g, 'mul'), '']]);
    expect(label(g.nodes.get('out0')!)).toBe('"out\\n(b, h, 0)"');
  });

  it('escapes labels, leaves functions out and names variables as toString does', () => {
    const owner = label(g.nodes.get(nodeByLabel(g, 'neg'))!);
    expect(owner).toBe(String.raw`"neg[branches=({…},{…}) note=say \"hi\" \\o/] a\n→ b: f32[3], c: f32[3]"`);
    const printed = program.toString();
    for (const [, name, type] of program.toDot().matchAll(/([a-z]+): (f32\[[\d,]*\])/g)) expect(printed).toContain(`${name}:${type}`);
  });
});
