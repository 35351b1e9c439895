/**
 * The numeric kernels: the only code in puregrad with loops over elements.
 * Every kernel takes contiguous row-major storage and writes only its output
 * buffer, never an input. The destination-passing forms (`unaryInto`,
 * `binaryKernel`, `reduceSumKernel` …, which resolve strides once for fixed
 * shapes) write every element of an output buffer their caller owns — the
 * lowering layer (`src/ir/lowering.ts`) runs these; the allocating forms
 * (`unary`, `binary` …) wrap them and return a fresh buffer.
 */

export * from './elementwise.ts';
export * from './reduce.ts';
export * from './matmul.ts';
export * from './structural.ts';
export * from './conv.ts';
export * from './random.ts';
export * from './argsort.ts';
export * from './erfinv.ts';
