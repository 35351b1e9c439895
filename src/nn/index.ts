export * from './activations.ts';
export * from './losses.ts';
