/**
 * Program building: a trace that records each primitive as an equation instead
 * of running it. Used by `makeProgram`, `jit` and the bodies of `cond`, `scan`
 * and custom rules — which *stage* (omnistaging, see `core.ts`: ops on
 * concrete values are recorded too) — and by `linearize`, which records only
 * the tangent half of a jvp and lets known values be computed below it. Values
 * from outside — concrete tensors or tracers of enclosing transformations —
 * become consts (scalars become inline literals), so the recorded program is
 * closed.
 */

import type { Atom, ConstBinding, Eqn } from '../ir/program.ts';
import { Literal, Program, Var } from '../ir/program.ts';
import type { Aval, Primitive } from '../ir/primitive.ts';
import { Tensor } from '../tensor/tensor.ts';
import type { MainTrace } from './core.ts';
import { Trace, Tracer } from './core.ts';
import { siteForRecording } from './debug.ts';

export class BuilderTracer extends Tracer {
  constructor(
    readonly trace: BuilderTrace,
    readonly atom: Atom,
  ) {
    super(atom.aval);
    Object.freeze(this);
  }
  override knownValue(): Tensor | undefined {
    return this.atom instanceof Literal ? this.atom.value : undefined;
  }
}

export class BuilderTrace extends Trace {
  private readonly eqns: Eqn[] = [];
  private readonly consts = new Map<Tensor, Var>();

  /** `stages: false` for linearize's trace, which records only what depends on its own inputs. */
  constructor(
    main: MainTrace,
    private readonly stages = true,
  ) {
    super(main);
  }

  override get staging(): boolean {
    return this.stages;
  }

  /** A fresh program input. */
  newArg(aval: Aval): BuilderTracer {
    return new BuilderTracer(this, new Var({ shape: aval.shape, dtype: aval.dtype }));
  }

  lift(x: Tensor): BuilderTracer {
    if (!(x instanceof Tracer) && x.size === 1 && x.rank === 0) return new BuilderTracer(this, new Literal(x));
    let v = this.consts.get(x);
    if (v === undefined) {
      v = new Var({ shape: x.shape, dtype: x.dtype });
      this.consts.set(x, v);
    }
    return new BuilderTracer(this, v);
  }

  process(prim: Primitive, inputs: readonly Tracer[], params: object, outs: readonly Aval[]): readonly Tensor[] {
    const vs = outs.map((a) => new Var({ shape: a.shape, dtype: a.dtype }));
    const site = siteForRecording();
    this.eqns.push({ prim, inputs: (inputs as readonly BuilderTracer[]).map((t) => t.atom), params, outs: vs, ...(site === undefined ? {} : { site }) });
    return vs.map((v) => new BuilderTracer(this, v));
  }

  /** Close the recording into a program with the given inputs and outputs (`null` = zero output). */
  build(inputs: readonly BuilderTracer[], outputs: readonly (Tensor | null)[]): Program {
    const outAtoms = outputs.map((o) => {
      if (o === null) return null;
      const t = o instanceof BuilderTracer && o.trace === this ? o : this.lift(o);
      return t.atom;
    });
    const consts: ConstBinding[] = [...this.consts].map(([value, v]) => ({ v, value }));
    return new Program(
      inputs.map((t) => t.atom as Var),
      consts,
      [...this.eqns],
      outAtoms,
    );
  }
}
