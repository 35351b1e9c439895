/**
 * `explain(f)(...args)` (issue 9, item 5). The explanation must be true to the
 * gradient program, checked by laws rather than pasted numbers:
 * - each row's local derivative (its Jacobians) agrees with central finite
 *   differences of that forward equation alone;
 * - applying the chain rule by hand to the rows' Jacobians, last row first,
 *   summing what reaches each value, gives `grad(f)`;
 * - the gradient program is `makeProgram(grad(f))`'s, and every one of its
 *   backward equations is shown exactly once, beside the row it came from;
 * - `toDot` is well-formed DOT.
 */

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Explanation, Tensor } from '../src/index.ts';
import {
  add, evalProgram, explain, grad, makeProgram, matmul, mul, nn, PuregradError, scalar, sin, sub, sum, tanh, tensor,
} from '../src/index.ts';

const f64 = (data: number | number[] | number[][]) => (typeof data === 'number' ? scalar(data, 'float64') : tensor(data, { dtype: 'float64' }));
const values = (t: Tensor): number[] => Array.from(t.toTypedArray(), Number);

const sinSquare = (x: Tensor) => {
  const y = mul(x, x);
  return add(sin(y), y);
};

type Xor = { w1: Tensor; b1: Tensor; w2: Tensor; b2: Tensor };
const xorNet = (p: Xor, x: Tensor, y: Tensor) => {
  const h = nn.sigmoid(add(matmul(x, p.w1), p.b1));
  const out = nn.sigmoid(add(matmul(h, p.w2), p.b2));
  return nn.mse(out, y);
};
const xorParams: Xor = { w1: f64([[0.5, -1.2], [0.8, 0.3]]), b1: f64([0.1, -0.2]), w2: f64([[1.5], [-0.7]]), b2: f64([0.05]) };
const xorSample = [f64([[1, 0]]), f64([[1]])] as const;

// w is used three times: the cotangents of its uses must add up.
const usedTwice = (w: Tensor, x: Tensor) => add(sum(mul(w, x)), sum(mul(w, w)));

const cases: { name: string; explanation: () => Explanation; gradient: () => unknown; program: () => string }[] = [
  { name: 'sin(x²) + x²', explanation: () => explain(sinSquare)(f64(2)), gradient: () => grad(sinSquare)(f64(2)), program: () => makeProgram(grad(sinSquare))(f64(2)).toString() },
  {
    name: 'a 2-2-1 sigmoid network on one XOR sample',
    explanation: () => explain(xorNet)(xorParams, ...xorSample),
    gradient: () => grad(xorNet)(xorParams, ...xorSample),
    program: () => makeProgram(grad(xorNet))(xorParams, ...xorSample).toString(),
  },
  {
    name: 'a value used several times',
    explanation: () => explain(usedTwice)(f64([1, -2]), f64([3, 0.5])),
    gradient: () => grad(usedTwice)(f64([1, -2]), f64([3, 0.5])),
    program: () => makeProgram(grad(usedTwice))(f64([1, -2]), f64([3, 0.5])).toString(),
  },
  {
    name: 'ReLU at 0',
    explanation: () => explain((x: Tensor) => sum(nn.relu(x)))(f64([0, 1.5, -1])),
    gradient: () => grad((x: Tensor) => sum(nn.relu(x)))(f64([0, 1.5, -1])),
    program: () => makeProgram(grad((x: Tensor) => sum(nn.relu(x))))(f64([0, 1.5, -1])).toString(),
  },
  {
    name: 'two arguments differentiated, in argnums order',
    explanation: () => explain(usedTwice, { argnums: [1, 0] })(f64([1, -2]), f64([3, 0.5])),
    gradient: () => grad(usedTwice, { argnums: [1, 0] })(f64([1, -2]), f64([3, 0.5])),
    program: () => makeProgram(grad(usedTwice, { argnums: [1, 0] }))(f64([1, -2]), f64([3, 0.5])).toString(),
  },
];

/** Central differences of one forward equation, moving the given inputs together; shape [...out, ...in] flattened. */
function finiteJacobian(e: Explanation['rows'][number], output: number, inputs: readonly number[], h = 1e-6): number[] {
  const moved = e.args[inputs[0]!]!;
  const columns: number[][] = [];
  for (let j = 0; j < moved.size; j++) {
    const at = (step: number) => {
      const args = e.args.map((a, q) => {
        if (!inputs.includes(q)) return a;
        const data = values(a);
        data[j] = data[j]! + step;
        return tensor(data, { dtype: 'float64', shape: a.shape });
      });
      return values(evalProgram(e.equation, args)[output]!);
    };
    const [plus, minus] = [at(h), at(-h)];
    columns.push(plus.map((p, i) => (p - minus[i]!) / (2 * h)));
  }
  const outSize = columns[0]?.length ?? 0;
  return Array.from({ length: outSize * moved.size }, (_, k) => columns[k % moved.size]![Math.floor(k / moved.size)]!);
}

const programLines = (p: string): string[] =>
  p.split('\n').slice(1, -1).map((l) => l.trim().replace(/^((?:\w+:\S+ ?)+) =/, (lhs) => lhs.replace(/:\S+/g, '')));

describe.each(cases)('explain: $name', ({ explanation, gradient, program }) => {
  const e = explanation();

  it("each row's local derivative agrees with finite differences of its forward equation", () => {
    let checked = 0;
    for (const row of e.rows) {
      for (const p of row.partials) {
        const fd = finiteJacobian(row, p.output, p.inputs);
        const jac = values(p.jacobian);
        expect(jac.length).toBe(fd.length);
        jac.forEach((v, i) => expect(v).toBeCloseTo(fd[i]!, 6));
        checked += 1;
      }
    }
    expect(checked).toBeGreaterThan(1);
  });

  it("the chain rule over the rows' Jacobians, summed over uses, gives grad(f)", () => {
    const ct = new Map<string, number[]>([[e.output.name, [1]]]);
    for (const row of [...e.rows].reverse()) {
      for (const p of row.partials) {
        const upstream = ct.get(p.of);
        if (upstream === undefined) continue;
        const jac = values(p.jacobian);
        const m = jac.length / upstream.length;
        const sent = Array.from({ length: m }, (_, j) => upstream.reduce((s, u, i) => s + u * jac[i * m + j]!, 0));
        const prev = ct.get(p.into);
        ct.set(p.into, prev === undefined ? sent : prev.map((v, j) => v + sent[j]!));
      }
    }
    for (const input of e.inputs) {
      if (input.gradient === undefined) continue;
      const expected = values(input.gradient.value);
      const got = ct.get(input.name) ?? expected.map(() => 0);
      got.forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 10));
    }
  });

  it('reports the gradient grad(f) computes, and its program is makeProgram(grad(f))', () => {
    const plain = (g: unknown): unknown => (g instanceof Object && 'toArray' in g ? (g as Tensor).toArray() : Array.isArray(g) ? g.map(plain) : g !== null && typeof g === 'object' ? Object.fromEntries(Object.entries(g).map(([k, v]) => [k, plain(v)])) : g);
    expect(plain(e.grad)).toEqual(plain(gradient()));
    expect(e.program.toString()).toBe(program());
  });

  it('shows every equation of the gradient program exactly once: forward in order, backward by the order they run', () => {
    const lines = programLines(e.program.toString());
    const forward = e.rows.flatMap((r) => r.forward.map((f) => f.text));
    const backward = e.rows.flatMap((r) => r.backward).sort((a, b) => a.order - b.order);
    expect(backward.map((b) => b.order)).toEqual(backward.map((_, i) => i + 1));
    expect([...forward, ...backward.map((b) => b.text)]).toEqual(lines);
    // Rows run backwards: a later row's backward equations run before an earlier row's.
    const firstOrder = e.rows.map((r) => r.backward[0]?.order).filter((o): o is number => o !== undefined);
    expect(firstOrder).toEqual([...firstOrder].sort((a, b) => b - a));
  });

  it('prints the forward and backward programs side by side', () => {
    const text = e.toString();
    for (const line of e.rows.flatMap((r) => [...r.forward.map((f) => f.text), ...r.backward.map((b) => b.gloss)])) expect(text).toContain(line);
    for (const line of text.split('\n').slice(2)) expect(line.includes('│') || line.includes('┼')).toBe(true);
  });

  it('draws well-formed DOT: balanced braces, every node on an edge defined once', () => {
    const dot = e.toDot({ name: 'grad_f' });
    expect(dot.startsWith('digraph grad_f {')).toBe(true);
    const text = dot.replace(/"(?:[^"\\]|\\.)*"/g, '""');
    let depth = 0;
    let lowest = 0;
    for (const c of text) {
      depth += c === '{' ? 1 : c === '}' ? -1 : 0;
      lowest = Math.min(lowest, depth);
    }
    expect([depth, lowest]).toEqual([0, 0]);
    const defined = [...text.matchAll(/^\s*(\w+) \[/gm)].map((m) => m[1]!).filter((n) => !['node', 'edge', 'graph'].includes(n));
    expect(new Set(defined).size).toBe(defined.length);
    const used = [...text.matchAll(/(\w+) -> (\w+)/g)].flatMap((m) => [m[1]!, m[2]!]);
    expect(used.length).toBeGreaterThan(0);
    for (const n of used) expect(defined).toContain(n);
  });
});

describe('explain: what the rows say', () => {
  it("pairs sin's backward equation with cos, the residual its JVP rule kept", () => {
    const e = explain(sinSquare)(f64(2));
    const row = e.rows.find((r) => r.source === 'c = sin b')!;
    expect(row.derivative).toEqual(['ċ = ḃ · cos(b)']);
    expect(row.forward.map((f) => [f.text, f.role])).toEqual([['c = sin b', 'primal'], ['d = cos b', 'residual']]);
    expect(row.backward.map((b) => [b.text, b.gloss])[0]).toEqual(['f = mul 1.0 d', 'b̄ += c̄ · cos(b)']);
    expect(row.backward[0]!.reads.map((r) => r.name)).toEqual(['d']);
  });

  it('sums the cotangents of a value used several times, in an add the row shows', () => {
    const e = explain(usedTwice)(f64([1, -2]), f64([3, 0.5]));
    const sums = e.rows.flatMap((r) => r.backward).filter((b) => b.gloss.startsWith('ā = '));
    expect(sums.length).toBe(2); // three uses of w: two additions
    expect(e.rows.flatMap((r) => r.backward).filter((b) => b.gloss.startsWith('ā += ')).length).toBe(3);
  });

  it("ReLU at 0: the select's mask is fixed by the forward pass, so the local derivative there is 0", () => {
    const e = explain((x: Tensor) => sum(nn.relu(x)))(f64([0, 1.5, -1]));
    const row = e.rows.find((r) => r.source.includes('select'))!;
    const jac = row.partials[0]!.jacobian.toArray() as number[][];
    expect(jac.map((r, i) => r[i])).toEqual([0, 1, 0]); // relu'(0) = 0, as documented
    expect(e.inputs[0]!.gradient!.value.toArray()).toEqual([0, 1, 0]);
  });

  it('names tree leaves by their path, and marks arguments that are not differentiated', () => {
    const e = explain(xorNet)(xorParams, ...xorSample);
    expect(e.inputs.map((i) => i.path)).toEqual(['args[0].b1', 'args[0].b2', 'args[0].w1', 'args[0].w2', 'args[1]', 'args[2]']);
    expect(e.inputs.map((i) => i.gradient !== undefined)).toEqual([true, true, true, true, false, false]);
    expect(Object.isFrozen(e)).toBe(true);
    expect(Object.isFrozen(e.rows[0])).toBe(true);
  });
});

describe('explain: errors', () => {
  it('rejects a function whose output is not a float scalar', () => {
    expect(() => explain((x: Tensor) => mul(x, 2))(f64([1, 2]))).toThrow(PuregradError);
    expect(() => explain((x: Tensor) => mul(x, 2))(f64([1, 2]))).toThrow(/explain: the function must return a float scalar \(shape \[\]\), got a float64 tensor of shape \[2\]/);
  });

  it('rejects integer arguments to differentiate, bad argnums and values over maxSize', () => {
    expect(() => explain((x: Tensor) => sum(x))(tensor([1, 2], { dtype: 'int32' }))).toThrow(/can only differentiate float inputs/);
    expect(() => explain((x: Tensor) => sum(x), { argnums: 1 })(f64([1]))).toThrow(/argnums 1 is out of range/);
    expect(() => explain((x: Tensor) => sum(mul(x, x)), { maxSize: 4 })(f64([1, 2, 3, 4, 5]))).toThrow(/5 elements, more than maxSize 4/);
  });

  it('needs concrete arguments', () => {
    expect(() => grad((x: Tensor) => explain(sinSquare)(x).value)(f64(1))).toThrow(/must be concrete tensors/);
  });

  it('leaves its inputs untouched', () => {
    const x = f64([1, -2]);
    const before = x.toArray();
    explain(usedTwice)(x, x);
    expect(x.toArray()).toEqual(before);
  });
});

describe('docs/backprop.md', () => {
  // The guide's two functions, as it defines them.
  const f = sinSquare;
  type Params = { w1: Tensor; b1: Tensor; w2: Tensor };
  const loss = (p: Params, x: Tensor, y: Tensor) => {
    const err = sub(matmul(tanh(add(matmul(x, p.w1), p.b1)), p.w2), y);
    return sum(mul(err, err));
  };
  const params: Params = { w1: tensor([[0.5, -0.5], [0.3, 0.8]]), b1: tensor([0, 0.1]), w2: tensor([[1], [-1]]) };
  const shown: Record<string, () => string> = {
    program: () => makeProgram(f)(scalar(2)).toString(),
    gradProgram: () => makeProgram(grad(f))(scalar(2)).toString(),
    explainF: () => explain(f)(scalar(2)).toString(),
    explainNet: () => explain(loss)(params, tensor([[1, 0]]), tensor([[1]])).toString(),
  };

  it('quotes the printouts as the library makes them', () => {
    const text = readFileSync(new URL('../docs/backprop.md', import.meta.url), 'utf8');
    const quoted = [...text.matchAll(/<!-- output: (\w+) -->\n```text\n([\s\S]*?)\n```/g)];
    expect(quoted.map((m) => m[1])).toEqual(Object.keys(shown));
    for (const [, which, body] of quoted) expect(body).toBe(shown[which!]!());
  });
});
