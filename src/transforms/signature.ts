/**
 * Call signatures of `jit`: what must match for a traced program to be reused.
 *
 * A signature mirrors the argument tree: a tensor leaf by its shape and dtype,
 * a number by its weak kind (its value is a program input), a string or a
 * boolean, and every static argument, by value. `matches` compares a call's
 * arguments against a signature in one walk, without building strings, and
 * collects the program's inputs on the way; `describeCall` builds a signature
 * (validating the arguments) and `differences` says, for warnings and errors,
 * what changed between two signatures.
 */

import type { DType } from '../tensor/dtype.ts';
import { PuregradError } from '../tensor/errors.ts';
import { showShape } from '../tensor/shape.ts';
import { Tensor } from '../tensor/tensor.ts';
import type { WeakKind } from '../tensor/weak.ts';
import { numberKind, weakKindOf } from '../tensor/weak.ts';
import { Tracer } from '../trace/core.ts';

export type Sig =
  | { readonly k: 'tensor'; readonly dtype: DType; readonly shape: readonly number[] }
  /** A JavaScript number, traced as a weakly typed float64 scalar input. */
  | { readonly k: 'number'; readonly kind: WeakKind }
  /** A weak scalar of an enclosing `jit` (a number argument of the outer function). */
  | { readonly k: 'weak'; readonly kind: WeakKind }
  /** A string or boolean leaf, or a static argument: part of the signature by value. */
  | { readonly k: 'static'; readonly value: unknown }
  | { readonly k: 'none'; readonly value: null | undefined }
  | { readonly k: 'array'; readonly children: readonly Sig[] }
  | { readonly k: 'object'; readonly keys: readonly string[]; readonly children: readonly Sig[] };

/** Which arguments are static: positions, and keys of a trailing plain-object argument. */
export interface Statics {
  readonly argnums: ReadonlySet<number>;
  readonly argnames: ReadonlySet<string>;
}

const hasOwn = Object.prototype.hasOwnProperty;

export const isPlainObject = (x: unknown): x is Readonly<Record<string, unknown>> => {
  if (typeof x !== 'object' || x === null) return false;
  const proto = Object.getPrototypeOf(x);
  return proto === Object.prototype || proto === null;
};

/**
 * Whether `x` has signature `sig`; pushes each program input (tensor, number
 * or weak scalar, in leaf order) onto `inputs`, which holds junk on `false`.
 */
export function matches(sig: Sig, x: unknown, inputs: unknown[]): boolean {
  switch (sig.k) {
    case 'tensor': {
      if (!(x instanceof Tensor) || x.dtype !== sig.dtype) return false;
      const s = x.shape;
      const t = sig.shape;
      if (s.length !== t.length) return false;
      for (let i = 0; i < s.length; i++) if (s[i] !== t[i]) return false;
      if (x instanceof Tracer && weakKindOf(x) !== undefined) return false;
      inputs.push(x);
      return true;
    }
    case 'number':
      if (typeof x !== 'number' || numberKind(x) !== sig.kind) return false;
      inputs.push(x);
      return true;
    case 'weak':
      if (!(x instanceof Tracer) || weakKindOf(x) !== sig.kind) return false;
      inputs.push(x);
      return true;
    case 'static':
      return sameStatic(sig.value, x);
    case 'none':
      return x === sig.value;
    case 'array': {
      const cs = sig.children;
      if (!Array.isArray(x) || x.length !== cs.length) return false;
      for (let i = 0; i < cs.length; i++) if (!matches(cs[i]!, x[i], inputs)) return false;
      return true;
    }
    case 'object': {
      if (!isPlainObject(x)) return false;
      // Same keys in the same order: the traced function saw the caller's order, and its results keep it.
      const keys = sig.keys;
      let n = 0;
      for (const k in x) {
        if (!hasOwn.call(x, k)) continue;
        if (keys[n] !== k) return false;
        n++;
      }
      if (n !== keys.length) return false;
      for (let i = 0; i < keys.length; i++) if (!matches(sig.children[i]!, x[keys[i]!], inputs)) return false;
      return true;
    }
  }
}

/** Static values are equal when identical (NaN equals NaN, −0 differs from 0) or frozen data of equal content. */
function sameStatic(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null || !Object.isFrozen(b)) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameStatic(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b) || !isPlainObject(b)) return false;
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  return ka.every((k) => hasOwn.call(b, k) && sameStatic((a as Record<string, unknown>)[k], b[k]));
}

/** The signature of a call, or a `PuregradError` naming the first argument jit cannot take. */
export function describeCall(args: readonly unknown[], statics: Statics): Sig {
  for (const i of statics.argnums) {
    if (i >= args.length) {
      const passed = `${args.length} argument${args.length === 1 ? '' : 's'}`;
      throw new PuregradError('jit', `staticArgnums lists argument ${i} but the call passed ${passed}`);
    }
  }
  const last = args.length - 1;
  const children = args.map((a, i): Sig => {
    const at = `argument ${i}`;
    if (statics.argnums.has(i)) return staticSig(a, at);
    if (i === last && statics.argnames.size > 0 && isPlainObject(a)) {
      const keys = Object.keys(a);
      return {
        k: 'object',
        keys,
        children: keys.map((k) =>
          statics.argnames.has(k) ? staticSig(a[k], `${at} key ${k}`) : describe(a[k], at, `.${k}`)),
      };
    }
    return describe(a, at, '');
  });
  return { k: 'array', children };
}

function describe(x: unknown, at: string, path: string): Sig {
  if (x === null || x === undefined) return { k: 'none', value: x };
  if (x instanceof Tensor) {
    const kind = x instanceof Tracer ? weakKindOf(x) : undefined;
    return kind === undefined ? { k: 'tensor', dtype: x.dtype, shape: x.shape } : { k: 'weak', kind };
  }
  if (typeof x === 'number') return { k: 'number', kind: numberKind(x) };
  if (typeof x === 'string' || typeof x === 'boolean') return { k: 'static', value: x };
  if (Array.isArray(x)) return { k: 'array', children: x.map((c, i) => describe(c, at, `${path}[${i}]`)) };
  if (isPlainObject(x)) {
    const keys = Object.keys(x);
    return { k: 'object', keys, children: keys.map((k) => describe(x[k], at, `${path}.${k}`)) };
  }
  throw new PuregradError('jit', `${where(at, path)} is ${kindOfValue(x)}; jit's arguments are trees (plain objects and arrays) ` +
    'of tensors, numbers, strings and booleans: close over other values, or list the argument in staticArgnums');
}

const where = (at: string, path: string): string => (path === '' ? at : `${at} leaf ${path}`);

const kindOfValue = (x: unknown): string =>
  typeof x === 'object' && x !== null ? `a ${(x as object).constructor?.name ?? 'object'}` : `a ${typeof x}`;

/** A static argument, checked: primitives, functions (by identity) and deeply frozen plain data. */
function staticSig(x: unknown, at: string): Sig {
  checkStatic(x, at);
  return { k: 'static', value: x };
}

function checkStatic(x: unknown, at: string): void {
  if (x instanceof Tensor) {
    throw new PuregradError('jit', `static ${at} is a tensor; a static argument is compared by value on every call, ` +
      'so it must be a number, string, boolean or frozen plain data: pass the tensor as an ordinary (traced) argument');
  }
  if (typeof x !== 'object' || x === null) return;
  if (!Array.isArray(x) && !isPlainObject(x)) {
    throw new PuregradError('jit', `static ${at} is ${kindOfValue(x)}; static arguments must be numbers, strings, booleans, functions ` +
      'or frozen plain arrays and objects of those');
  }
  if (!Object.isFrozen(x)) {
    throw new PuregradError('jit', `static ${at} is a mutable ${Array.isArray(x) ? 'array' : 'object'}; freeze it (deeply, ` +
      'with Object.freeze) so that it cannot change after jit has keyed a program on its value');
  }
  for (const v of Object.values(x)) checkStatic(v, at);
}

const showStatic = (v: unknown): string =>
  typeof v === 'string' ? JSON.stringify(v)
    : typeof v === 'number' && Object.is(v, -0) ? '-0'
    : typeof v === 'function' ? `function ${v.name || '(anonymous)'}`
    : typeof v === 'object' && v !== null ? JSON.stringify(v)
    : String(v);

const KIND_NAMES: Readonly<Record<WeakKind, string>> = {
  int32: 'an int32 integer',
  int: 'an integer beyond int32',
  float: 'a non-integer',
};

/** A short description of one node, for messages. */
export function showSig(s: Sig): string {
  switch (s.k) {
    case 'tensor':
      return `a ${s.dtype}${showShape(s.shape)} tensor`;
    case 'number':
      return `a number (${KIND_NAMES[s.kind]})`;
    case 'weak':
      return `an enclosing jit's number argument (${KIND_NAMES[s.kind]})`;
    case 'static':
      return `the value ${showStatic(s.value)}`;
    case 'none':
      return String(s.value);
    case 'array':
      return `an array of ${s.children.length}`;
    case 'object':
      return `an object with keys {${s.keys.join(', ')}}`;
  }
}

/** What differs from signature `a` to signature `b` (both of whole calls), one line per difference. */
export function differences(a: Sig, b: Sig): string[] {
  const out: string[] = [];
  if (a.k !== 'array' || b.k !== 'array') return out;
  if (a.children.length !== b.children.length) {
    out.push(`the number of arguments changed ${a.children.length} → ${b.children.length}`);
  }
  const n = Math.min(a.children.length, b.children.length);
  for (let i = 0; i < n; i++) diff(a.children[i]!, b.children[i]!, `argument ${i}`, '', out);
  return out;
}

function diff(a: Sig, b: Sig, at: string, path: string, out: string[]): void {
  const w = where(at, path);
  if (a.k === 'tensor' && b.k === 'tensor') {
    if (a.dtype !== b.dtype) out.push(`${w} changed dtype ${a.dtype} → ${b.dtype}`);
    if (a.shape.length !== b.shape.length || a.shape.some((d, i) => d !== b.shape[i])) {
      out.push(`${w} changed shape ${showShape(a.shape)} → ${showShape(b.shape)}`);
    }
  } else if ((a.k === 'number' && b.k === 'number') || (a.k === 'weak' && b.k === 'weak')) {
    if (a.kind !== b.kind) out.push(`${w} changed from ${KIND_NAMES[a.kind]} to ${KIND_NAMES[b.kind]}`);
  } else if (a.k === 'static' && b.k === 'static') {
    if (!sameStatic(a.value, b.value)) out.push(`${w} changed static value ${showStatic(a.value)} → ${showStatic(b.value)}`);
  } else if (a.k === 'array' && b.k === 'array' && a.children.length === b.children.length) {
    a.children.forEach((c, i) => diff(c, b.children[i]!, at, `${path}[${i}]`, out));
  } else if (a.k === 'object' && b.k === 'object' && a.keys.join('\u0000') === b.keys.join('\u0000')) {
    a.keys.forEach((k, i) => diff(a.children[i]!, b.children[i]!, at, `${path}.${k}`, out));
  } else if (!(a.k === 'none' && b.k === 'none' && a.value === b.value)) {
    out.push(`${w} changed from ${showSig(a)} to ${showSig(b)}`);
  }
}
