/**
 * Errors raised to users. Every message names the op and the shapes involved
 * and ends with the line of the user's code that called the op, found by
 * walking the stack past puregrad's own frames.
 */

// Where puregrad's own modules live, to skip their frames. In a bundle that is not an ES module
// (an IIFE or CommonJS build), `import.meta.url` is missing: then only bundlers' own frames are skipped.
const OWN_SRC: string | undefined = typeof import.meta.url === 'string' ? new URL('..', import.meta.url).pathname : undefined;

/** The first stack frame outside puregrad's `src/`, or `undefined` if none is found. */
export function userCallSite(): string | undefined {
  // Nested transformations put many of puregrad's frames above the user's.
  const V8Error = Error as { stackTraceLimit?: number }; // V8's; typed here so users need no Node types
  const limit = V8Error.stackTraceLimit;
  V8Error.stackTraceLimit = 200;
  const stack = new Error().stack ?? '';
  V8Error.stackTraceLimit = limit;
  for (const line of stack.split('\n').slice(1)) {
    const frame = line.trim();
    if (!frame.startsWith('at ')) continue;
    if ((OWN_SRC !== undefined && frame.includes(OWN_SRC)) || frame.includes('node:') || frame.includes('node_modules')) continue;
    if (!/:\d+:\d+\)?$/.test(frame)) continue; // built-ins such as Array.forEach (<anonymous>)
    return frame.slice(3);
  }
  return undefined;
}

/**
 * A bad shape, dtype or argument, raised while tracing and before any arithmetic.
 * `op` names the op that refused, and the message ends with the caller's line.
 * @example
 * let caught: unknown
 * try { squeeze(zeros([2]), 0) } catch (e) { caught = e }
 * caught instanceof PuregradError // => true
 * (caught as PuregradError).op // => "squeeze"
 */
export class PuregradError extends Error {
  constructor(
    readonly op: string,
    readonly detail: string,
  ) {
    const site = userCallSite();
    super(`${op}: ${detail}${site === undefined ? '' : `\n  called at ${site}`}`);
    this.name = 'PuregradError';
  }
}

/**
 * Reading a value that only exists when the program runs (under `jit` or `makeProgram`).
 * @example
 * let caught: unknown
 * try { jit((x: Tensor) => x.item())(scalar(1)) } catch (e) { caught = e }
 * caught instanceof ConcretizationError // => true
 * (caught as ConcretizationError).op // => "item"
 */
export class ConcretizationError extends PuregradError {
  /** `why` says what makes the value unknown (which transformation traces it). */
  constructor(
    what: string,
    why = 'it is traced into a program (by jit or makeProgram, or as a cond, scan or custom-rule body)',
    advice = 'Branch with `where(cond, x, y)` or `cond(pred, trueFn, falseFn, ...)` instead of reading the value.',
  ) {
    super(what, `this tensor's value is not known here: ${why}. ${advice}`);
    this.name = 'ConcretizationError';
  }
}

/**
 * `f` if it is a function, else a `PuregradError` naming `op` (the transformations check this
 * when they are applied, not later when the transformed function first runs). @internal
 */
export function checkFunction<F>(op: string, f: F, what = 'f'): F {
  if (typeof f === 'function') return f;
  const got = f === null ? 'null' : Array.isArray(f) ? 'an array' : typeof f === 'object' ? `a ${(f as object).constructor?.name ?? 'object'}` : `${typeof f} ${String(f)}`;
  throw new PuregradError(op, `${what} must be a function, got ${got}`);
}
