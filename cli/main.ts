#!/usr/bin/env node
/**
 * The `puregrad` executable (package.json "bin"): runs the CLI of program.ts on the process's
 * arguments and exits with its code. `npx puregrad demo` from the package, `npm run demo` here.
 */

import { run } from './program.ts';

process.exitCode = await run(process.argv.slice(2));
