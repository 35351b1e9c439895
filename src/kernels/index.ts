/**
 * The numeric kernels: the only code in puregrad with loops over elements.
 * Every kernel takes contiguous row-major storage, never writes its inputs and
 * returns a freshly allocated buffer.
 */

export * from './elementwise.ts';
export * from './reduce.ts';
export * from './matmul.ts';
export * from './structural.ts';
export * from './conv.ts';
export * from './random.ts';
export * from './erfinv.ts';
