/**
 * A result that may have failed: peers (and a half-rewritten engine) can
 * throw, and the bench reports the error in its table instead of stopping.
 */

export type Outcome<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: string };

export function attempt<T>(f: () => T): Outcome<T> {
  try {
    return { ok: true, value: f() };
  } catch (e) {
    const message = e instanceof Error ? `${e.constructor.name}: ${e.message}` : String(e);
    return { ok: false, error: message.split('\n')[0]!.slice(0, 140) };
  }
}

export const valueOr = <T>(o: Outcome<T> | undefined): T | undefined => (o?.ok ? o.value : undefined);
