/**
 * `explain(f)(...args)`: backpropagation shown as the program it is. The
 * gradient program of `f` (what `makeProgram(grad(f))` prints) is laid out
 * beside `f`'s own program, one equation of `f` at a time: the forward value
 * it computes, the local derivative its JVP rule supplies, and the backward
 * equations that multiply the incoming cotangent by that derivative and add
 * the result into the cotangents of its inputs — the chain rule, applied by
 * a program. An optimizer step is this program followed by one subtraction.
 */

import type { DotOptions } from '../ir/dot.ts';
import type { Program } from '../ir/program.ts';
import { Literal, Var } from '../ir/program.ts';
import { PuregradError } from '../tensor/errors.ts';
import { showShape, sizeOf } from '../tensor/shape.ts';
import { filled, Tensor } from '../tensor/tensor.ts';
import { Tracer } from '../trace/core.ts';
import type { GradOf } from '../transforms/api.ts';
import type { Tree } from '../tree/tree.ts';
import { flatten, unflatten } from '../tree/tree.ts';
import { explanationDot } from './dot.ts';
import { labelsOf } from './labels.ts';
import { bar } from './math.ts';
import type { NamedValue } from './rows.ts';
import { rowsOf } from './rows.ts';
import type { ExplanationRow } from './rows.ts';
import { showExplanation } from './text.ts';
import { followTrail } from './trail.ts';

export type { BackwardLine, ExplanationRow, ForwardLine, NamedValue } from './rows.ts';
export type { PartialDerivative } from './partials.ts';

export interface ExplainOptions<N extends number | readonly number[]> {
  /** Which positional argument(s) to differentiate, as for `grad`; default 0. */
  readonly argnums?: N;
  /** The most elements any value of `f` may have (default 100): explanations are for small functions. */
  readonly maxSize?: number;
}

/** One tensor leaf of the arguments: its name in the program, where it sits, its value and, if differentiated, its gradient. */
export interface ExplainedInput {
  readonly name: string;
  /** `args[0].w1`: the argument and the path into its tree. */
  readonly path: string;
  readonly value: Tensor;
  readonly gradient?: NamedValue;
}

/**
 * What `explain(f)(...args)` returns (frozen): the rows that pair each
 * forward equation with its backward equations, the value and gradient, the
 * programs, and two renderings.
 */
export interface Explanation<G = unknown> {
  /** `f(...args)`. */
  readonly value: Tensor;
  /** The gradient, as `grad(f, options)(...args)` returns it. */
  readonly grad: G;
  readonly inputs: readonly ExplainedInput[];
  /** One per equation of `f`, in order. */
  readonly rows: readonly ExplanationRow[];
  readonly output: NamedValue;
  /** The cotangent the backward pass starts from: 1, as ∂f/∂f. */
  readonly seed: NamedValue;
  /** The gradient program, the same as `makeProgram(grad(f, options))(...args)`; its names are the ones used throughout. */
  readonly program: Program;
  /** `f` alone, as `makeProgram(f)(...args)`. */
  readonly forwardProgram: Program;
  /** Forward and backward side by side, one band per equation of `f`. */
  toString(): string;
  /** The same as a Graphviz `digraph` (render with `dot -Tsvg`). */
  toDot(options?: DotOptions): string;
}

/**
 * Explain the gradient of a scalar function of small tensors: its forward
 * program beside the backward program `grad` builds from it, each backward
 * equation beside the local derivative it applies and the forward values it
 * reads. Arguments may be trees; `argnums` picks the differentiated ones.
 * @example
 * const e = explain((x: Tensor) => sin(mul(x, x)))(scalar(2))
 * e.rows.map((r) => r.source) // => ["b = mul a a", "c = sin b"]
 * e.rows[1]!.derivative // => ["ċ = ḃ · cos(b)"]
 * e.rows[1]!.backward.map((b) => b.gloss) // => ["b̄ += c̄ · cos(b)"]
 * e.grad.item() === grad((x: Tensor) => sin(mul(x, x)))(scalar(2)).item() // => true
 * e.toString().includes('b̄ += c̄ · cos(b)') // => true
 * e.toDot().startsWith('digraph explain {') // => true
 */
export function explain<A extends readonly unknown[], const N extends number | readonly number[] = 0>(
  f: (...args: A) => Tensor,
  options: ExplainOptions<N> = {},
): (...args: A) => Explanation<GradOf<A, N>> {
  const argnums = options.argnums ?? 0;
  const nums: readonly number[] = Object.freeze(typeof argnums === 'number' ? [argnums] : [...(argnums as readonly number[])]);
  const maxSize = options.maxSize ?? 100;
  if (!(Number.isInteger(maxSize) && maxSize > 0)) throw new PuregradError('explain', `maxSize must be a positive integer, got ${maxSize}`);
  return (...args: A) => {
    const [allLeaves] = flatten(args as unknown as Tree<unknown>);
    if (allLeaves.some((l) => l instanceof Tracer)) {
      throw new PuregradError('explain', 'the arguments must be concrete tensors: call explain outside jit, grad and vmap, on real values');
    }
    const trail = followTrail('explain', f as (...args: never[]) => unknown, args, nums);
    const src = trail.source;
    for (const v of [...src.inputs, ...src.consts.map((c) => c.v), ...src.eqns.flatMap((e) => e.outs)]) {
      if (sizeOf(v.aval.shape) > maxSize) {
        throw new PuregradError('explain', `a value of shape ${showShape(v.aval.shape)} has ${sizeOf(v.aval.shape)} elements, more than ` +
          `maxSize ${maxSize}: explain a smaller instance (fewer units, one sample), or raise { maxSize }`);
      }
    }
    const leaves = allLeaves.filter((l): l is Tensor => l instanceof Tensor);
    const labels = labelsOf(trail, leaves);
    const rows = Object.freeze(rowsOf(labels, trail));
    const { program } = trail;
    const gradients = program.outputs.map((o, j): NamedValue => {
      const leaf = leaves[trail.differentiated[j]!]!;
      const value = o instanceof Var ? labels.valueOf(o) : o instanceof Literal ? o.value : filled(leaf.shape, leaf.dtype, 0);
      return Object.freeze({ name: o === null ? '0' : labels.name(o), value });
    });
    const paths = leafPaths(args);
    const inputs = Object.freeze(program.inputs.map((v, i): ExplainedInput => {
      const j = trail.differentiated.indexOf(i);
      const gradient = j < 0 ? {} : { gradient: gradients[j]! };
      return Object.freeze({ name: labels.name(v), path: paths[i]!, value: leaves[i]!, ...gradient });
    }));
    const outKey = labels.keyOf(trail.output);
    const output = Object.freeze({ name: labels.show(outKey), value: labels.valueOf(outKey) });
    const seed = Object.freeze({ name: bar(output.name), value: trail.seed });
    const [, def] = flatten(nums.map((n) => args[n]) as Tree<unknown>);
    const grads = unflatten(def, gradients.map((g) => g.value)) as unknown[];
    const explanation: Explanation<GradOf<A, N>> = {
      value: output.value,
      grad: (typeof argnums === 'number' ? grads[0] : grads) as GradOf<A, N>,
      inputs,
      rows,
      output,
      seed,
      program,
      forwardProgram: src,
      toString: () => showExplanation(explanation),
      toDot: (dotOptions?: DotOptions) => explanationDot(labels, trail, rows, inputs, output, dotOptions),
    };
    return Object.freeze(explanation);
  };
}

/** `args[0].w1` for each tensor leaf of the arguments, in flattening order (arrays by index, objects by sorted key). */
function leafPaths(args: readonly unknown[]): string[] {
  const paths: string[] = [];
  const walk = (node: unknown, path: string): void => {
    if (node === null || node === undefined) return;
    if (Array.isArray(node)) node.forEach((c, i) => walk(c, `${path}[${i}]`));
    else if (node instanceof Tensor) paths.push(path);
    else if (typeof node === 'object' && Object.getPrototypeOf(node) === Object.prototype) {
      for (const k of Object.keys(node).sort()) walk((node as Record<string, unknown>)[k], /^[A-Za-z_$][\w$]*$/.test(k) ? `${path}.${k}` : `${path}[${JSON.stringify(k)}]`);
    }
  };
  args.forEach((a, i) => walk(a, `args[${i}]`));
  return paths;
}
