/**
 * Printing a plan: one line per kernel call, each buffer named by where it
 * lives — `in0` an input, `c0` a const, `t0` an arena slot (the same name on
 * two lines is one buffer reused), `out0` a fresh output buffer — and literals
 * written inline. A view (reshape) is a line marked `view`: no kernel runs.
 * A fused group (`fuse.ts`) is one line showing its tree, inner ops in
 * parentheses, marked with how many ops its one loop runs.
 */

import { showAval, showParams } from '../ir/names.ts';
import type { Storage } from '../tensor/dtype.ts';
import { sizeOf } from '../tensor/shape.ts';
import type { PlanBuffer, PlanLayout } from './layout.ts';

const BYTES: Readonly<Record<string, number>> = { float32: 4, float64: 8, int32: 4, bool: 1 };

/** The plan as text. */
export function describePlan(plan: PlanLayout): string {
  let consts = 0;
  const constNames = new Map<Storage, string>();
  const name = (b: PlanBuffer): string => {
    switch (b.kind) {
      case 'input':
        return `in${b.index}`;
      case 'arena':
        return `t${b.index}`;
      case 'output':
        return `out${b.index}`;
      case 'literal':
        return b.label ?? String(b.fixed![0]);
      case 'const': {
        let n = constNames.get(b.fixed!);
        if (n === undefined) constNames.set(b.fixed!, (n = `c${consts++}`));
        return n;
      }
    }
  };
  const named = (i: number): string => name(plan.buffers[i]!);
  const params = (p: object): string => showParams(p, () => '{…}');
  const lines: string[] = [];
  const views = (at: number) => {
    for (const v of plan.views.filter((w) => w.at === at)) {
      lines.push(`    ${named(v.buffer)}:${showAval(v.aval)} = ${v.name}${params(v.params)} ${named(v.buffer)}  (view)`);
    }
  };
  plan.steps.forEach((s, k) => {
    views(k);
    const outs = s.outs.map((o) => `${named(o)}:${showAval(plan.buffers[o]!.aval)}`).join(' ');
    if (s.fused === undefined) {
      lines.push(`    ${outs} = ${s.name}${params(s.params)} ${s.ins.map(named).join(' ')}`);
    } else {
      const text = s.fused.text
        .replace(/\$(\d+)/g, (_, k: string) => named(s.ins[Number(k)]!))
        .replace(/@(\d+)/g, (_, k: string) => named(s.outs[Number(k)]!));
      lines.push(`    ${outs} = ${text}${s.fused.ops > 1 ? `  (fused ${s.fused.ops})` : ''}`);
    }
  });
  views(plan.steps.length);
  const slots = new Map<number, PlanBuffer>();
  for (const b of plan.buffers) if (b.kind === 'arena') slots.set(b.index, b);
  const bytes = [...slots.values()].reduce((n, b) => n + sizeOf(b.aval.shape) * BYTES[b.aval.dtype]!, 0);
  const ins = plan.inputBuffers.map((i) => `${named(i)}:${showAval(plan.buffers[i]!.aval)}`).join(' ');
  const outs = plan.outputBuffers.map((o) => (o === null ? '0' : named(o))).join(', ');
  return [`plan (${ins}) arena ${slots.size} buffers, ${bytes} bytes`, ...lines, `  return (${outs})`].join('\n');
}
