/**
 * Central finite differences, the reference every gradient check compares
 * against: (h(x + εv) − h(x − εv)) / 2ε, elementwise on h's outputs. The
 * truncation error is O(ε²·h‴) and the rounding error O(u/ε) (u the unit
 * roundoff of the arithmetic), so callers evaluate h in float64, where ε = 1e-4
 * (JAX's default) keeps both near 1e-8 for well-scaled functions.
 */

/**
 * `evaluate(step)` gives h's outputs at x + step·v (as float64 numbers); the
 * result is the central difference along v with step `eps`. Equal values on
 * both sides (infinities included) difference to 0, as in JAX's `numerical_jvp`.
 */
export function centralDifference(evaluate: (step: number) => ArrayLike<number>, eps: number): Float64Array {
  const plus = evaluate(eps);
  const minus = evaluate(-eps);
  const out = new Float64Array(plus.length);
  for (let i = 0; i < out.length; i++) {
    const [p, m] = [plus[i]!, minus[i]!];
    out[i] = p === m ? 0 : (p - m) / (2 * eps);
  }
  return out;
}

/** The central difference of a scalar function of the step. */
export const centralDifferenceOf = (evaluate: (step: number) => number, eps: number): number =>
  centralDifference((s) => [evaluate(s)], eps)[0]!;
