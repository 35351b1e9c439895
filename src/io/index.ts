/**
 * `io`: parameter trees in and out of the safetensors format, the file format
 * PyTorch, JAX/flax, NumPy and the Hugging Face hub exchange weights in. See
 * `docs/io.md`.
 */

export { loadSafetensors } from './load.ts';
export type { LoadOptions, Safetensors } from './load.ts';
export { saveSafetensors } from './save.ts';
export type { IoError, IoErrorKind } from './errors.ts';
