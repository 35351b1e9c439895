/**
 * The explanation as text: the forward program on the left, read top to
 * bottom, and the backward program on the right, read bottom to top (each
 * backward equation carries its place in the run, `#1` first). Each equation
 * of `f` is one band: its forward equations with their values beside its
 * local derivative, the cotangent that reached it, and the backward
 * equations that apply the derivative, each glossed in the chain rule's
 * notation with the forward values it reads.
 */

import type { Tensor } from '../tensor/tensor.ts';
import { showValue } from './labels.ts';
import { bar, pad, width } from './math.ts';
import type { ExplanationRow, NamedValue } from './rows.ts';

/** What the text needs of an explanation. */
export interface TextSource {
  readonly inputs: readonly { readonly name: string; readonly path: string; readonly value: Tensor; readonly gradient?: NamedValue }[];
  readonly rows: readonly ExplanationRow[];
  readonly output: NamedValue;
  readonly seed: NamedValue;
}

const named = (n: NamedValue): string => `${n.name} = ${showValue(n.value)}`;

export function showExplanation(e: TextSource): string {
  const all = e.rows.flatMap((r) => r.backward);
  const wText = Math.max(0, ...all.map((b) => width(b.text)));
  const wOut = Math.max(0, ...all.map((b) => width(showValue(b.outs[0]!.value))));
  const wGloss = Math.max(0, ...all.map((b) => width(b.gloss)));
  const wOrder = String(all.length).length + 1;
  const fwdLines = e.rows.flatMap((r) => r.forward);
  const wFwd = Math.max(0, ...fwdLines.map((f) => width(f.text) + 2), ...e.inputs.map((i) => width(`${i.name} = ${i.path}`))) + 2;

  const bands: [string[], string[]][] = [];
  bands.push([
    e.inputs.map((i) => `${pad(`${i.name} = ${i.path}`, wFwd)}${showValue(i.value)}`),
    e.inputs.map((i) => (i.gradient ? `${bar(i.name)} = ${named(i.gradient)}   ← the gradient` : `(${i.name} is not differentiated)`)),
  ]);
  for (const r of e.rows) {
    const expanded = !r.forward.some((f) => f.text === r.source);
    const left = [
      ...(expanded ? [`${r.source}, computed as:`] : []),
      ...r.forward.map((f) => {
        const line = `${pad(`${expanded ? '  ' : ''}${f.text}`, wFwd)}${showValue(f.outs[0]!.value)}`;
        return f.role === 'residual' ? `${line}   (kept for the backward pass)` : line;
      }),
    ];
    const right = [
      ...(r.derivative.length > 0 ? r.derivative.map((d) => `local derivative: ${d}`) : ['(no derivative: no input carries a tangent here)']),
      ...(r.cotangents.length > 0 ? [`cotangent in: ${r.cotangents.map(named).join(', ')}`] : []),
      ...r.backward.map((b) => {
        const reads = b.reads.length > 0 ? `   reads ${b.reads.map(named).join(', ')}` : '';
        const order = pad(`#${b.order}`, wOrder);
        return `${order} ${pad(b.text, wText)} → ${pad(showValue(b.outs[0]!.value), wOut)}   ${pad(b.gloss, wGloss)}${reads}`.trimEnd();
      }),
      ...r.notes.map((n) => `no equation: ${n}`),
    ];
    bands.push([left, right]);
  }
  bands.push([[`output ${named(e.output)}`], [`${named(e.seed)}   ← the seed: ∂${e.output.name}/∂${e.output.name} = 1`]]);

  const wLeft = Math.max(...bands.flatMap(([l]) => l.map(width)), 'forward (top to bottom)'.length);
  const wRight = Math.max(...bands.flatMap(([, r]) => r.map(width)), 1);
  const rule = (c: string, cross: string): string => `${c.repeat(wLeft + 1)}${cross}${c.repeat(Math.min(wRight + 1, 100))}`;
  const lines = [`${pad('forward (top to bottom)', wLeft)} │ backward (bottom to top, #1 runs first)`, rule('═', '╪')];
  bands.forEach(([l, r], k) => {
    if (k > 0) lines.push(rule('─', '┼'));
    for (let i = 0; i < Math.max(l.length, r.length); i++) lines.push(`${pad(l[i] ?? '', wLeft)} │ ${r[i] ?? ''}`.trimEnd());
  });
  return lines.join('\n');
}
