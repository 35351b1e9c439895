/**
 * The inverse error function, erf⁻¹ on (−1, 1), by M. Giles' polynomial
 * approximations ("Approximating the erfinv function", GPU Computing Gems,
 * 2010), the same ones XLA evaluates for `lax.erf_inv`:
 *
 *   w = −log(1 − x²)            (as −log1p(−x·x))
 *   single precision:  w < 5    → p(w − 2.5),      else p(√w − 3)
 *   double precision:  w < 6.25 → p(w − 3.125), w < 16 → p(√w − 3.25), else p(√w − 5)
 *   erf⁻¹(x) = p · x,  erf⁻¹(±1) = ±∞,  NaN outside [−1, 1].
 *
 * The float32 kernel rounds every intermediate to single precision
 * (`Math.fround`) in XLA's order of operations, so `random.normal` agrees with
 * JAX's float32 samples to within the last bit or two (XLA's own log1p and
 * sqrt may differ from a correctly rounded one by an ulp).
 */

const SINGLE_LOW = [
  2.81022636e-8, 3.43273939e-7, -3.5233877e-6, -4.39150654e-6, 0.00021858087, -0.00125372503, -0.00417768164,
  0.246640727, 1.50140941,
].map(Math.fround);
const SINGLE_HIGH = [
  -0.000200214257, 0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773, -0.0076224613, 0.00943887047,
  1.00167406, 2.83297682,
].map(Math.fround);

const DOUBLE_LOW = [
  -3.6444120640178196996e-21, -1.685059138182016589e-19, 1.2858480715256400167e-18, 1.115787767802518096e-17,
  -1.333171662854620906e-16, 2.0972767875968561637e-17, 6.6376381343583238325e-15, -4.0545662729752068639e-14,
  -8.1519341976054721522e-14, 2.6335093153082322977e-12, -1.2975133253453532498e-11, -5.4154120542946279317e-11,
  1.051212273321532285e-9, -4.1126339803469836976e-9, -2.9070369957882005086e-8, 4.2347877827932403518e-7,
  -1.3654692000834678645e-6, -1.3882523362786468719e-5, 0.0001867342080340571352, -0.00074070253416626697512,
  -0.0060336708714301490533, 0.24015818242558961693, 1.6536545626831027356,
];
const DOUBLE_MID = [
  2.2137376921775787049e-9, 9.0756561938885390979e-8, -2.7517406297064545428e-7, 1.8239629214389227755e-8,
  1.5027403968909827627e-6, -4.013867526981545969e-6, 2.9234449089955446044e-6, 1.2475304481671778723e-5,
  -4.7318229009055733981e-5, 6.8284851459573175448e-5, 2.4031110387097893999e-5, -0.0003550375203628474796,
  0.00095328937973738049703, -0.0016882755560235047313, 0.0024914420961078508066, -0.0037512085075692412107,
  0.005370914553590063617, 1.0052589676941592334, 3.0838856104922207635,
];
const DOUBLE_HIGH = [
  -2.7109920616438573243e-11, -2.5556418169965252055e-10, 1.5076572693500548083e-9, -3.7894654401267369937e-9,
  7.6157012080783393804e-9, -1.4960026627149240478e-8, 2.9147953450901080826e-8, -6.7711997758452339498e-8,
  2.2900482228026654717e-7, -9.9298272942317002539e-7, 4.5260625972231537039e-6, -1.9681778105531670567e-5,
  7.5995277030017761139e-5, -0.00021503011930044477347, -0.00013871931833623122026, 1.0103004648645343977,
  4.8499064014085844221,
];

const f = Math.fround;
type Nine = [number, number, number, number, number, number, number, number, number];
const [L0, L1, L2, L3, L4, L5, L6, L7, L8] = SINGLE_LOW as Nine;
const [H0, H1, H2, H3, H4, H5, H6, H7, H8] = SINGLE_HIGH as Nine;
const [DL, DM, DH] = [Float64Array.from(DOUBLE_LOW), Float64Array.from(DOUBLE_MID), Float64Array.from(DOUBLE_HIGH)];

/** Horner's rule in double precision. */
function hornerDouble(c: Float64Array, t: number): number {
  let p = c[0]!;
  for (let i = 1; i < c.length; i++) p = c[i]! + p * t;
  return p;
}

/**
 * erf⁻¹ in single precision; `x` must already be a float32 value. Horner's
 * rule on SINGLE_LOW / SINGLE_HIGH unrolled by hand (it runs once per normal
 * sample), each product and sum rounded to float32.
 */
export function erfInvSingle(x: number): number {
  if (Math.abs(x) === 1) return x * Infinity;
  let w = -f(Math.log1p(-f(x * x)));
  let p: number;
  if (w < 5) {
    w = f(w - 2.5);
    p = f(L1 + f(L0 * w));
    p = f(L2 + f(p * w));
    p = f(L3 + f(p * w));
    p = f(L4 + f(p * w));
    p = f(L5 + f(p * w));
    p = f(L6 + f(p * w));
    p = f(L7 + f(p * w));
    p = f(L8 + f(p * w));
  } else {
    w = f(f(Math.sqrt(w)) - 3);
    p = f(H1 + f(H0 * w));
    p = f(H2 + f(p * w));
    p = f(H3 + f(p * w));
    p = f(H4 + f(p * w));
    p = f(H5 + f(p * w));
    p = f(H6 + f(p * w));
    p = f(H7 + f(p * w));
    p = f(H8 + f(p * w));
  }
  return f(p * x);
}

/** erf⁻¹ in double precision. */
export function erfInvDouble(x: number): number {
  if (Math.abs(x) === 1) return x * Infinity;
  const w = -Math.log1p(-x * x);
  const p = w < 6.25
    ? hornerDouble(DL, w - 3.125)
    : w < 16 ? hornerDouble(DM, Math.sqrt(w) - 3.25) : hornerDouble(DH, Math.sqrt(w) - 5);
  return p * x;
}

/** erf⁻¹ elementwise from `x` into `out`, in the precision of `x` (both the same length and kind). */
export function erfInvInto(x: Float32Array | Float64Array, out: Float32Array | Float64Array): void {
  const n = x.length;
  if (x instanceof Float32Array) for (let i = 0; i < n; i++) out[i] = erfInvSingle(x[i]!);
  else for (let i = 0; i < n; i++) out[i] = erfInvDouble(x[i]!);
}

/** erf⁻¹ elementwise into a fresh buffer of the same precision as `x`. */
export function erfInv(x: Float32Array | Float64Array): Float32Array | Float64Array {
  const out = x instanceof Float32Array ? new Float32Array(x.length) : new Float64Array(x.length);
  erfInvInto(x, out);
  return out;
}
