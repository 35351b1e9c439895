export * from './elementwise.ts';
export * from './reduce.ts';
export * from './shape.ts';
export * from './linalg.ts';
export { conv } from './conv.ts';
export type { ConvOptions, Padding } from './conv.ts';
export type { Operand } from './operand.ts';
export type { TensorMethods } from './methods.ts';
import './methods.ts';
