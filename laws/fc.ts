/**
 * fast-check for the law kit. It is an optional peer dependency of the package, needed only by
 * `puregrad/testing`, so it is loaded here by a dynamic import: a project without it gets an
 * error that names the fix, where a static import would fail with the loader's "cannot find
 * package" from deep inside the kit. Every law module takes `fc` from here; other modules may
 * import types only from 'fast-check'.
 */

import type fcModule from 'fast-check';
import { PuregradError } from '../src/index.ts';

async function load(): Promise<typeof fcModule> {
  try {
    return (await import('fast-check')).default;
  } catch (cause) {
    const missing = (cause as { code?: unknown }).code === 'ERR_MODULE_NOT_FOUND' || String(cause).includes('fast-check');
    if (!missing) throw cause;
    const error = new PuregradError('puregrad/testing', 'needs fast-check, which is not installed (npm i -D fast-check)');
    error.cause = cause;
    throw error;
  }
}

const fc: typeof fcModule = await load();

/** The fast-check types the laws name as `fc.…`, as with fast-check's own default export. */
declare namespace fc {
  export type Arbitrary<T> = fcModule.Arbitrary<T>;
}

export default fc;
