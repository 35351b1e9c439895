/**
 * The generator of the matrix-product module: for each float width, a packing
 * routine, a register-blocked micro-kernel and the macro-kernel that sweeps it
 * over packed panels (the structure of GotoBLAS/BLIS, in 128-bit SIMD).
 *
 * - `pack` copies a block of an operand, read through arbitrary byte strides
 *   (so a transposed operand is packed exactly like a plain one), into panels
 *   `w` wide: element (x, p) of the block lands at panel ⌊x/w⌋, row p, lane
 *   x mod w. Lanes beyond the block's edge are zero. Full panels are copied
 *   with vectors (a row at a time, or through a transpose in registers);
 *   the compact module that browsers compile copies element by element.
 * - `micro` holds an `mr` × `nr` tile of C in `mr·vr` vector registers and, for
 *   p = 0 … kc−1 in order, adds a(i, p)·b(p, j) to every c(i, j): one splat
 *   load per row of the A panel, `vr` vector loads from the B panel, then a
 *   multiply and an add per register. Each element sees exactly the sequence
 *   c ← c + a·b (product rounded, then sum rounded), the same as a plain loop,
 *   so results do not depend on the tile shape or on this code path.
 * - `macro` runs the micro-kernel over every tile of a packed mc × kc block of
 *   A against a packed kc × nc block of B, accumulating into C. Tiles that
 *   stick out of C are computed in a scratch tile and copied back.
 * - `gemm` is the cache-blocked driver over a batch of products: it packs and
 *   calls `macro`, so that one call computes any rectangle of C (the unit of
 *   work a thread receives).
 */

import { FunctionBuilder } from './body.ts';
import type { FunctionCode, SharedLimits } from './encode.ts';
import { encodeModule, I32, Op, Simd, V128 } from './encode.ts';

/** The register tile of one float width. */
export interface Tile {
  readonly suffix: 'f32' | 'f64';
  /** Bytes per element. */
  readonly es: 4 | 8;
  /** Rows of the tile (A panel width). */
  readonly mr: number;
  /** Vectors per row; the tile is mr × (vr · 16 / es) elements. */
  readonly vr: number;
}

export const TILES: { readonly f32: Tile; readonly f64: Tile } = {
  f32: { suffix: 'f32', es: 4, mr: 4, vr: 2 },
  f64: { suffix: 'f64', es: 8, mr: 4, vr: 2 },
};

/** Columns of a tile (B panel width). */
export const tileCols = (t: Tile): number => (t.vr * 16) / t.es;

/**
 * Steps of p per trip through the micro-kernel's main loop, the rest done one at a
 * time. Unrolling by 2 or 4 measured 25–40 % slower under V8 on this x86-64 (spills).
 */
const UNROLL = 1;

const log2 = (es: number): number => (es === 4 ? 2 : 3);

/** `i8x16.shuffle` lane bytes that pick lanes `lanes` (of `es` bytes each; indices past the first operand's lanes pick from the second). */
const shuffleBytes = (lanes: readonly number[], es: number): number[] =>
  lanes.flatMap((l) => Array.from({ length: es }, (_, b) => l * es + b));

/**
 * The transpose of a g × g block held in g vectors (g = 16 / es lanes), as
 * shuffles: for f32, a 4 × 4 transpose in two rounds of pairings; for f64, a
 * 2 × 2 one. `rows` hold the block's rows, `out` receives its columns.
 */
function transposeBlock(f: FunctionBuilder, es: 4 | 8, rows: readonly number[], tmp: readonly number[], out: readonly number[]): void {
  const shuffle = (x: number, y: number, lanes: readonly number[], to: number): void => {
    f.get(x).get(y).simd(Simd.shuffle).emit(...shuffleBytes(lanes, es)).set(to);
  };
  if (es === 8) {
    shuffle(rows[0]!, rows[1]!, [0, 2], out[0]!);
    shuffle(rows[0]!, rows[1]!, [1, 3], out[1]!);
    return;
  }
  const [r0, r1, r2, r3] = rows as [number, number, number, number];
  const [t0, t1, t2, t3] = tmp as [number, number, number, number];
  shuffle(r0, r1, [0, 4, 1, 5], t0);
  shuffle(r2, r3, [0, 4, 1, 5], t1);
  shuffle(r0, r1, [2, 6, 3, 7], t2);
  shuffle(r2, r3, [2, 6, 3, 7], t3);
  shuffle(t0, t1, [0, 1, 4, 5], out[0]!);
  shuffle(t0, t1, [2, 3, 6, 7], out[1]!);
  shuffle(t2, t3, [0, 1, 4, 5], out[2]!);
  shuffle(t2, t3, [2, 3, 6, 7], out[3]!);
}

/**
 * pack(src, sx, sp, nx, kc, dst): panels `w` wide of the nx × kc block at
 * `src` (byte strides sx, sp). With `vector`, a full panel whose source is
 * contiguous along x (a plain B, a transposed A) is copied a panel row per
 * vector pair, and one contiguous along p (a plain A, a transposed B) g rows
 * at a time through a g × g transpose in registers; the rest, and the whole
 * of the compact module, copies element by element. Either way the panels
 * hold the same bytes.
 */
function pack(t: Tile, w: number, fname: string, vector: boolean): FunctionCode {
  const f = new FunctionBuilder(fname, [I32, I32, I32, I32, I32, I32]);
  const [src, sx, sp, nx, kc, dst] = [0, 1, 2, 3, 4, 5];
  const [xp, xr, p, width, s, d, panel, panelBytes, p0] = Array.from({ length: 9 }, () => f.local(I32));
  const [load, store] = t.es === 4 ? [Op.i32Load, Op.i32Store] : [Op.i64Load, Op.i64Store];
  const g = 16 / t.es;
  const copy = (): void => {
    f.get(d!).get(s!).mem(load, log2(t.es)).mem(store, log2(t.es));
  };
  const rows = vector ? Array.from({ length: g }, () => f.local(V128)) : [];
  const tmp = vector && g === 4 ? Array.from({ length: 4 }, () => f.local(V128)) : [];
  const cols = vector ? Array.from({ length: g }, () => f.local(V128)) : [];
  const unaligned = (offset: number) => ({ alignLog2: 0, offset });
  /** Rows [0, p0) of a full panel by vectors; p0 is left at the first row still to copy. */
  const vectorRows = (): void => {
    f.get(width!).i32(w).op(Op.i32Eq).get(sx).i32(t.es).op(Op.i32Eq).op(Op.i32And).ifThen(
      () => {
        // Contiguous along x: each panel row is w·es bytes of one source row.
        f.forRange(p!, 0, kc, 1, () => {
          f.get(src).get(xp!).get(sx).op(Op.i32Mul).op(Op.i32Add).get(p!).get(sp).op(Op.i32Mul).op(Op.i32Add).set(s!);
          f.get(panel!).get(p!).i32(w * t.es).op(Op.i32Mul).op(Op.i32Add).set(d!);
          for (let v = 0; v < (w * t.es) / 16; v++) f.get(d!).get(s!).simd(Simd.load, unaligned(v * 16)).simd(Simd.store, unaligned(v * 16));
        });
        f.get(kc).set(p0!);
      },
      () => f.get(width!).i32(w).op(Op.i32Eq).get(sp).i32(t.es).op(Op.i32Eq).op(Op.i32And).ifThen(() => {
        // Contiguous along p: g source rows of g elements each, transposed into g panel rows.
        f.get(kc).get(kc).i32(g).op(Op.i32RemU).op(Op.i32Sub).set(p0!);
        f.forRange(p!, 0, p0!, g, () => {
          for (let gx = 0; gx < w / g; gx++) {
            rows.forEach((r, i) => {
              f.get(src).get(xp!).i32(gx * g + i).op(Op.i32Add).get(sx).op(Op.i32Mul).op(Op.i32Add)
                .get(p!).i32(t.es).op(Op.i32Mul).op(Op.i32Add).simd(Simd.load, unaligned(0)).set(r);
            });
            transposeBlock(f, t.es, rows, tmp, cols);
            cols.forEach((c, q) => {
              f.get(panel!).get(p!).i32(q).op(Op.i32Add).i32(w * t.es).op(Op.i32Mul).op(Op.i32Add)
                .get(c).simd(Simd.store, unaligned(gx * 16));
            });
          }
        });
      }),
    );
  };
  f.get(kc).i32(w * t.es).op(Op.i32Mul).set(panelBytes!);
  f.forRange(xp!, 0, nx, w, () => {
    // width = min(w, nx - xp); panel = dst + xp·kc·es
    f.get(nx).get(xp!).op(Op.i32Sub).set(width!);
    f.get(width!).i32(w).op(Op.i32GtS).ifThen(() => f.i32(w).set(width!));
    f.get(dst).get(xp!).get(kc).op(Op.i32Mul).i32(t.es).op(Op.i32Mul).op(Op.i32Add).set(panel!);
    f.get(width!).i32(w).op(Op.i32LtS).ifThen(() => {
      f.get(panel!).i32(0).get(panelBytes!).memoryFill();
    });
    f.i32(0).set(p0!);
    if (vector) vectorRows();
    // Rows [p0, kc) element by element; the inner loop runs along whichever source stride is shorter.
    f.get(sx).get(sp).op(Op.i32LtU).ifThen(
      () => f.forRange(p!, { local: p0! }, kc, 1, () => {
        f.get(src).get(xp!).get(sx).op(Op.i32Mul).op(Op.i32Add).get(p!).get(sp).op(Op.i32Mul).op(Op.i32Add).set(s!);
        f.get(panel!).get(p!).i32(w * t.es).op(Op.i32Mul).op(Op.i32Add).set(d!);
        f.forRange(xr!, 0, width!, 1, () => {
          copy();
          f.inc(s!, { local: sx }).inc(d!, t.es);
        });
      }),
      () => f.forRange(xr!, 0, width!, 1, () => {
        f.get(src).get(xp!).get(xr!).op(Op.i32Add).get(sx).op(Op.i32Mul).op(Op.i32Add).get(p0!).get(sp).op(Op.i32Mul).op(Op.i32Add).set(s!);
        f.get(panel!).get(xr!).i32(t.es).op(Op.i32Mul).op(Op.i32Add).get(p0!).i32(w * t.es).op(Op.i32Mul).op(Op.i32Add).set(d!);
        f.forRange(p!, { local: p0! }, kc, 1, () => {
          copy();
          f.inc(s!, { local: sp }).inc(d!, w * t.es);
        });
      }),
    );
  });
  return f.finish();
}

/** micro(a, b, c, ldc, kc): C tile (row stride ldc bytes) += A panel · B panel over kc ≥ 1 steps. */
function micro(t: Tile): FunctionCode {
  const f = new FunctionBuilder(`micro_${t.suffix}`, [I32, I32, I32, I32, I32]);
  const [a, b, c, ldc, kc] = [0, 1, 2, 3, 4];
  const nr = tileCols(t);
  const acc = Array.from({ length: t.mr }, () => Array.from({ length: t.vr }, () => f.local(V128)));
  const bv = Array.from({ length: t.vr }, () => f.local(V128));
  const av = f.local(V128);
  const [end, row] = [f.local(I32), f.local(I32)];
  const [splat, add, mul] = t.es === 4
    ? [Simd.load32Splat, Simd.f32x4Add, Simd.f32x4Mul]
    : [Simd.load64Splat, Simd.f64x2Add, Simd.f64x2Mul];
  const vec = (offset: number) => ({ alignLog2: 4, offset });
  const eachRow = (body: (r: number) => void): void => {
    f.get(c).set(row);
    for (let r = 0; r < t.mr; r++) {
      body(r);
      if (r + 1 < t.mr) f.inc(row, { local: ldc });
    }
  };
  eachRow((r) => acc[r]!.forEach((reg, v) => f.get(row).simd(Simd.load, vec(v * 16)).set(reg)));
  // One step of p at `s` steps past the current panel pointers.
  const step = (s: number): void => {
    bv.forEach((reg, v) => f.get(b).simd(Simd.load, vec(s * nr * t.es + v * 16)).set(reg));
    for (let r = 0; r < t.mr; r++) {
      f.get(a).simd(splat, { alignLog2: log2(t.es), offset: (s * t.mr + r) * t.es }).set(av);
      for (let v = 0; v < t.vr; v++) {
        f.get(acc[r]![v]!).get(av).get(bv[v]!).simd(mul).simd(add).set(acc[r]![v]!);
      }
    }
  };
  // Steps in groups of UNROLL while whole groups remain, then one at a time.
  f.get(a).get(kc).i32(UNROLL).op(Op.i32DivU).i32(UNROLL * t.mr * t.es).op(Op.i32Mul).op(Op.i32Add).set(end);
  f.get(a).get(end).op(Op.i32LtU).ifThen(() => f.loop(() => {
    for (let s = 0; s < UNROLL; s++) step(s);
    f.inc(a, UNROLL * t.mr * t.es).inc(b, UNROLL * nr * t.es);
    f.get(a).get(end).op(Op.i32LtU).brIf(0);
  }));
  f.get(end).get(kc).i32(UNROLL).op(Op.i32RemU).i32(t.mr * t.es).op(Op.i32Mul).op(Op.i32Add).set(end);
  f.get(a).get(end).op(Op.i32LtU).ifThen(() => f.loop(() => {
    step(0);
    f.inc(a, t.mr * t.es).inc(b, nr * t.es);
    f.get(a).get(end).op(Op.i32LtU).brIf(0);
  }));
  eachRow((r) => acc[r]!.forEach((reg, v) => f.get(row).get(reg).simd(Simd.store, vec(v * 16))));
  return f.finish();
}

/**
 * macro(ap, bp, c, mc, nc, kc, ldc, scratch): C (mc × nc, row stride ldc
 * bytes) += packed A (mc × kc) · packed B (kc × nc). `microIndex` is the
 * function index of this width's micro-kernel.
 */
function macro(t: Tile, microIndex: number): FunctionCode {
  const f = new FunctionBuilder(`macro_${t.suffix}`, [I32, I32, I32, I32, I32, I32, I32, I32]);
  const [ap, bp, c, mc, nc, kc, ldc, scratch] = [0, 1, 2, 3, 4, 5, 6, 7];
  const [jr, ir, mv, nv, tile, r, q, src, dst] = Array.from({ length: 9 }, () => f.local(I32));
  const nr = tileCols(t);
  const [load, store] = t.es === 4 ? [Op.i32Load, Op.i32Store] : [Op.i64Load, Op.i64Store];
  const call = (cPtr: () => void, ldcBytes: () => void): void => {
    f.get(ap).get(ir).get(kc).op(Op.i32Mul).i32(t.es).op(Op.i32Mul).op(Op.i32Add);
    f.get(bp).get(jr).get(kc).op(Op.i32Mul).i32(t.es).op(Op.i32Mul).op(Op.i32Add);
    cPtr();
    ldcBytes();
    f.get(kc).call(microIndex);
  };
  // Copy the valid mv × nv corner between the C tile and the scratch tile (row stride nr·es).
  const copyCorner = (toScratch: boolean): void => {
    f.forRange(r, 0, mv, 1, () => {
      f.get(tile).get(r).get(ldc).op(Op.i32Mul).op(Op.i32Add).set(toScratch ? src : dst);
      f.get(scratch).get(r).i32(nr * t.es).op(Op.i32Mul).op(Op.i32Add).set(toScratch ? dst : src);
      f.forRange(q, 0, nv, 1, () => {
        f.get(dst).get(src).mem(load, log2(t.es)).mem(store, log2(t.es));
        f.inc(src, t.es).inc(dst, t.es);
      });
    });
  };
  f.forRange(jr, 0, nc, nr, () => {
    f.get(nc).get(jr).op(Op.i32Sub).set(nv);
    f.get(nv).i32(nr).op(Op.i32GtS).ifThen(() => f.i32(nr).set(nv));
    f.forRange(ir, 0, mc, t.mr, () => {
      f.get(mc).get(ir).op(Op.i32Sub).set(mv);
      f.get(mv).i32(t.mr).op(Op.i32GtS).ifThen(() => f.i32(t.mr).set(mv));
      f.get(c).get(ir).get(ldc).op(Op.i32Mul).op(Op.i32Add).get(jr).i32(t.es).op(Op.i32Mul).op(Op.i32Add).set(tile);
      f.get(mv).i32(t.mr).op(Op.i32Eq).get(nv).i32(nr).op(Op.i32Eq).op(Op.i32And).ifThen(
        () => call(() => f.get(tile), () => f.get(ldc)),
        () => {
          f.get(scratch).i32(0).i32(t.mr * nr * t.es).memoryFill();
          copyCorner(true);
          call(() => f.get(scratch), () => f.i32(nr * t.es));
          copyCorner(false);
        },
      );
    });
  });
  return f.finish();
}

/** Cache blocking, in elements: a kc-deep slice of B and an mc × kc block of A (L1/L2-sized). */
export const BLOCKS: { readonly f32: Block; readonly f64: Block } = {
  f32: { kc: 256, mc: 128 },
  f64: { kc: 128, mc: 128 },
};
export interface Block {
  readonly kc: number;
  readonly mc: number;
}

/**
 * gemm(a, b, c, m, n, k, asx, asp, bsx, bsp, ldc, ap, bp, scratch, batch, aStep, bStep, cStep):
 * for each of `batch` products (operand and result pointers advancing by the
 * byte steps), C (m × n, row stride ldc) += op(A) · op(B), where element (i, p)
 * of A is at a + i·asx + p·asp and (p, j) of B at b + p·bsp + j·bsx. Blocked
 * as GotoBLAS: B packed once per kc-slice (once for the whole batch when it is
 * shared, bStep = 0, and k fits one slice), A once per (slice, mc rows). The
 * order in k is the same for every block of C, so any split of C's rows or
 * columns between callers gives the same bits.
 */
function driver(
  t: Tile, block: Block, fn: { readonly packA: number; readonly packB: number; readonly macro: number },
): FunctionCode {
  const f = new FunctionBuilder(`gemm_${t.suffix}`, Array.from({ length: 18 }, () => I32));
  const [a, b, c, m, n, k, asx, asp, bsx, bsp, ldc, ap, bp, scratch, batch, aStep, bStep, cStep] =
    Array.from({ length: 18 }, (_, i) => i);
  const [ti, pc, ic, kc, mc] = Array.from({ length: 5 }, () => f.local(I32));
  f.forRange(ti!, 0, batch, 1, () => {
    f.forRange(pc!, 0, k, block.kc, () => {
      f.get(k).get(pc!).op(Op.i32Sub).set(kc!);
      f.get(kc!).i32(block.kc).op(Op.i32GtS).ifThen(() => f.i32(block.kc).set(kc!));
      // Pack B unless a shared B already sits packed (t > 0, one slice).
      f.get(ti!).op(Op.i32Eqz).get(bStep).op(Op.i32Or).get(k).i32(block.kc).op(Op.i32GtS).op(Op.i32Or).ifThen(() => {
        f.get(b).get(pc!).get(bsp).op(Op.i32Mul).op(Op.i32Add).get(bsx).get(bsp).get(n).get(kc!).get(bp).call(fn.packB);
      });
      f.forRange(ic!, 0, m, block.mc, () => {
        f.get(m).get(ic!).op(Op.i32Sub).set(mc!);
        f.get(mc!).i32(block.mc).op(Op.i32GtS).ifThen(() => f.i32(block.mc).set(mc!));
        f.get(a).get(ic!).get(asx).op(Op.i32Mul).op(Op.i32Add).get(pc!).get(asp).op(Op.i32Mul).op(Op.i32Add);
        f.get(asx).get(asp).get(mc!).get(kc!).get(ap).call(fn.packA);
        f.get(ap).get(bp).get(c).get(ic!).get(ldc).op(Op.i32Mul).op(Op.i32Add);
        f.get(mc!).get(n).get(kc!).get(ldc).get(scratch).call(fn.macro);
      });
    });
    f.inc(a, { local: aStep }).inc(b, { local: bStep }).inc(c, { local: cStep });
  });
  return f.finish();
}

/** The exported functions: one blocked driver per float width (the helpers they call stay internal). */
export const GEMM_EXPORTS = ['gemm_f32', 'gemm_f64'] as const;

/**
 * The bytes of the module: the drivers of GEMM_EXPORTS and their helpers over
 * an imported memory of at least `minPages` (shared and bounded when `limits`
 * is given).
 */
export function gemmModuleBytes(minPages: number, limits?: SharedLimits, vector = true): Uint8Array<ArrayBuffer> {
  const { f32, f64 } = TILES;
  const internal = (f: FunctionCode): FunctionCode => ({ ...f, exported: false });
  // Function indices: micro 0–1, then packA, packB, macro per width (2–4 for f32, 5–7 for f64), drivers 8–9.
  return encodeModule([
    micro(f32),
    micro(f64),
    pack(f32, f32.mr, 'packA_f32', vector),
    pack(f32, tileCols(f32), 'packB_f32', vector),
    macro(f32, 0),
    pack(f64, f64.mr, 'packA_f64', vector),
    pack(f64, tileCols(f64), 'packB_f64', vector),
    macro(f64, 1),
  ].map(internal).concat([
    driver(f32, BLOCKS.f32, { packA: 2, packB: 3, macro: 4 }),
    driver(f64, BLOCKS.f64, { packA: 5, packB: 6, macro: 7 }),
  ]), minPages, limits);
}
