/**
 * A function-body builder: the stack-machine code of one WebAssembly function
 * written as method calls (`f.get(x).i32(4).op(Op.i32Add).set(x)`), with
 * structured control flow taking the body as a callback, so that nesting in
 * the generator mirrors nesting in the code. Locals are numbered after the
 * parameters, as the format requires.
 */

import type { FunctionCode, ValType } from './encode.ts';
import { BULK_PREFIX, Op, SIMD_PREFIX, sleb, uleb } from './encode.ts';

const EMPTY_BLOCK = 0x40;

export class FunctionBuilder {
  private readonly code: number[] = [];
  private readonly extra: ValType[] = [];

  constructor(
    readonly name: string,
    readonly params: readonly ValType[],
    readonly results: readonly ValType[] = [],
  ) {}

  /** A fresh local of type `t`; returns its index. */
  local(t: ValType): number {
    this.extra.push(t);
    return this.params.length + this.extra.length - 1;
  }

  /** Raw bytes. */
  emit(...bytes: readonly number[]): this {
    for (const b of bytes) this.code.push(b);
    return this;
  }

  /** A core instruction without immediates. */
  op(code: number): this {
    return this.emit(code);
  }

  get(local: number): this {
    return this.emit(Op.localGet, ...uleb(local));
  }

  set(local: number): this {
    return this.emit(Op.localSet, ...uleb(local));
  }

  tee(local: number): this {
    return this.emit(Op.localTee, ...uleb(local));
  }

  /** `i32.const n`. */
  i32(n: number): this {
    return this.emit(Op.i32Const, ...sleb(n));
  }

  /** A core load or store with its alignment (log2 of bytes) and constant byte offset. */
  mem(code: number, alignLog2: number, offset = 0): this {
    return this.emit(code, alignLog2, ...uleb(offset));
  }

  /** A SIMD instruction; loads and stores take a memory argument. */
  simd(code: number, memarg?: { readonly alignLog2: number; readonly offset: number }): this {
    this.emit(SIMD_PREFIX, ...uleb(code));
    return memarg === undefined ? this : this.emit(memarg.alignLog2, ...uleb(memarg.offset));
  }

  /** `memory.fill` (dest, value, length on the stack). */
  memoryFill(): this {
    return this.emit(BULK_PREFIX, ...uleb(0x0b), 0x00);
  }

  /** `memory.copy` (dest, src, length on the stack). */
  memoryCopy(): this {
    return this.emit(BULK_PREFIX, ...uleb(0x0a), 0x00, 0x00);
  }

  /** `local += n` for an i32 local. */
  inc(local: number, n: number | { readonly local: number }): this {
    this.get(local);
    if (typeof n === 'number') this.i32(n);
    else this.get(n.local);
    return this.op(Op.i32Add).set(local);
  }

  /** A block: `br 0` inside it jumps past its end. */
  block(body: () => void): this {
    this.emit(Op.block, EMPTY_BLOCK);
    body();
    return this.emit(Op.end);
  }

  /** A loop: `br 0` inside it jumps back to its start. */
  loop(body: () => void): this {
    this.emit(Op.loop, EMPTY_BLOCK);
    body();
    return this.emit(Op.end);
  }

  /** `if` on the i32 on the stack, with an optional `else`. */
  ifThen(then: () => void, otherwise?: () => void): this {
    this.emit(Op.if, EMPTY_BLOCK);
    then();
    if (otherwise !== undefined) {
      this.emit(Op.else);
      otherwise();
    }
    return this.emit(Op.end);
  }

  /** `call` of the function with index `index`, its arguments on the stack. */
  call(index: number): this {
    return this.emit(Op.call, ...uleb(index));
  }

  br(depth: number): this {
    return this.emit(Op.br, ...uleb(depth));
  }

  brIf(depth: number): this {
    return this.emit(Op.brIf, ...uleb(depth));
  }

  /**
   * `for (i = from; i < to; i += step) body()` over i32 locals, skipped when
   * `from >= to` (signed). `to` is a local read on every test.
   */
  forRange(i: number, from: number | { readonly local: number }, to: number, step: number, body: () => void): this {
    if (typeof from === 'number') this.i32(from);
    else this.get(from.local);
    this.set(i);
    return this.block(() => {
      this.get(i).get(to).op(Op.i32GeS).brIf(0);
      this.loop(() => {
        body();
        this.inc(i, step);
        this.get(i).get(to).op(Op.i32LtS).brIf(0);
      });
    });
  }

  finish(): FunctionCode {
    const { name, params, results } = this;
    return { name, params, results, locals: [...this.extra], code: [...this.code] };
  }
}
