/**
 * `single(def)`: a primitive with one result, written as one — one output
 * aval, one tangent, one cotangent, one batched value — turned into the
 * list-based record every interpreter reads. The adapter is the only place
 * that knows a primitive has one result; the trace machinery, `compile` and
 * the transformations have a single path for all primitives.
 */

import type { Primitive, PrimitiveDef } from '../ir/primitive.ts';
import { notLinear } from '../ir/primitive.ts';
import { bind } from '../trace/core.ts';

const noPruning = (): undefined => undefined;

export function single<P>(def: PrimitiveDef<P>): Primitive<P> {
  const transposeRule = def.transpose;
  const prim: Primitive<P> = {
    name: def.name,
    multipleResults: false,
    abstractEval: (avals, params) => [def.abstractEval(avals, params)],
    lower: def.lower,
    jvp: (primals, tangents, params) => {
      const out = bind(prim as Primitive<P & object>, primals, params as P & object);
      return [[out], [def.jvp(primals, tangents, params, out)]];
    },
    transpose:
      transposeRule === notLinear
        ? notLinear
        : ([ct], inputs, params) => (ct === null || ct === undefined ? inputs.map(() => null) : transposeRule(ct, inputs, params)),
    batch: (inputs, dims, params) => {
      const [out, dim] = def.batch(inputs, dims, params);
      return [[out], [dim]];
    },
    pruneResults: noPruning,
  };
  return prim;
}
