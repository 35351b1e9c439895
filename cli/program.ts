/**
 * The `puregrad` command line, parsed with commander:
 *
 *   puregrad demo [xor|spiral|digits] [--model mlp|cnn] [--epochs N] [--batch-size N|full]
 *                 [--optimizer NAME] [--lr X] [--seed N] [--augment N] [--out DIR] [--no-figures] [--quiet]
 *
 * `puregrad demo` with no name runs XOR and then the digits MLP (what `npm run demo` does).
 * `run` takes the arguments and the output streams and resolves to the exit code, so tests
 * call it in-process; main.ts calls it with the process's own.
 */

import { Argument, Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { createRequire } from 'node:module';
import { PuregradError } from '../src/index.ts';
import type { BatchSize } from '../src/index.ts';
import type { DemoOptions, DemoSummary } from './demos/common.ts';
import { digitsDemo } from './demos/digits.ts';
import { spiralDemo } from './demos/spiral.ts';
import { xorDemo } from './demos/xor.ts';
import { CliError } from './errors.ts';
import { OPTIMIZER_NAMES } from './optimizers.ts';
import { formatSummary, progressBar } from './report.ts';
import type { Io } from './report.ts';

const DEMOS = ['xor', 'spiral', 'digits'] as const;
type DemoName = (typeof DEMOS)[number];

/** The flags of `puregrad demo`, as commander hands them over. */
interface DemoFlags {
  readonly model?: 'mlp' | 'cnn';
  readonly epochs?: number;
  readonly batchSize?: BatchSize;
  readonly optimizer?: string;
  readonly lr?: number;
  readonly seed: number;
  readonly augment?: number;
  readonly out: string;
  readonly figures: boolean;
  readonly quiet?: boolean;
}

/** A parser for a numeric flag that rejects anything `accept` does not, with `what` in the message. */
const numeric = (accept: (n: number) => boolean, what: string) => (value: string): number => {
  const n = value.trim() === '' ? Number.NaN : Number(value);
  if (!accept(n)) throw new InvalidArgumentError(`expected ${what}.`);
  return n;
};
const positiveInteger = numeric((n) => Number.isSafeInteger(n) && n >= 1, 'a positive integer');
const count = numeric((n) => Number.isSafeInteger(n) && n >= 0, 'a whole number ≥ 0');
const seed = numeric((n) => Number.isSafeInteger(n) && n >= 0 && n < 2 ** 32, 'a whole number from 0 to 2³² − 1');
const learningRate = numeric((n) => Number.isFinite(n) && n > 0, 'a positive number, such as 0.01 or 1e-3');
const batchSize = (value: string): BatchSize =>
  value === 'full' ? 'full' : numeric((n) => Number.isSafeInteger(n) && n >= 1, "a positive integer or 'full'")(value);

/** The package's version, from its package.json (found by the package's own name). */
function version(): string {
  try {
    return (createRequire(import.meta.url)('puregrad/package.json') as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

/** Runs one demo by name with a progress bar, then prints its summary. */
async function runDemo(name: DemoName, flags: DemoFlags, io: Io): Promise<DemoSummary> {
  const progress = progressBar(io, name, flags.quiet === true);
  const options: DemoOptions = {
    ...(flags.epochs === undefined ? {} : { epochs: flags.epochs }),
    ...(flags.batchSize === undefined ? {} : { batchSize: flags.batchSize }),
    ...(flags.optimizer === undefined ? {} : { optimizer: flags.optimizer }),
    ...(flags.lr === undefined ? {} : { lr: flags.lr }),
    ...(flags.figures ? { out: flags.out } : {}),
    seed: flags.seed,
    onStep: progress.onStep,
  };
  let summary: DemoSummary;
  try {
    summary = name === 'xor' ? await xorDemo(options)
      : name === 'spiral' ? await spiralDemo(options)
      : await digitsDemo({
        ...options,
        ...(flags.model === undefined ? {} : { model: flags.model }),
        ...(flags.augment === undefined ? {} : { augment: flags.augment }),
      });
  } finally {
    progress.stop();
  }
  io.stdout.write(formatSummary(summary, { chart: flags.quiet !== true }));
  return summary;
}

/** The commander program, writing to `io` and throwing instead of exiting. */
function program(io: Io, done: (summaries: readonly DemoSummary[]) => void): Command {
  const cli = new Command('puregrad')
    .description('puregrad: functional, immutable differentiation for TypeScript')
    .version(version())
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) });
  cli.command('demo')
    .description('train a small network and watch it learn (no name: xor, then digits)')
    .addArgument(new Argument('[name]', 'which demo').choices(DEMOS))
    .addOption(new Option('--model <model>', 'digits: the network').choices(['mlp', 'cnn']))
    .option('--epochs <n>', 'passes over the training data', positiveInteger)
    .option('--batch-size <n|full>', "examples per step: n, 1 (one at a time) or 'full'", batchSize)
    .addOption(new Option('--optimizer <name>', 'the update rule').choices(OPTIMIZER_NAMES))
    .option('--lr <x>', 'learning rate', learningRate)
    .option('--seed <n>', 'seed of every key: data split, weights, shuffling', seed, 0)
    .option('--augment <copies>', 'digits: shifted copies of each training digit', count)
    .option('--out <dir>', 'folder for the SVG figures', './puregrad-demo')
    .option('--no-figures', 'draw no figures')
    .option('--quiet', 'no progress bar and no chart: only the summaries')
    .showHelpAfterError('(puregrad demo --help lists the options)')
    .action(async (name: DemoName | undefined, flags: DemoFlags) => {
      const names: readonly DemoName[] = name === undefined ? ['xor', 'digits'] : [name];
      if (!names.includes('digits')) {
        const misplaced = (['model', 'augment'] as const).find((f) => flags[f] !== undefined);
        if (misplaced !== undefined) throw new CliError(`--${misplaced} applies to the digits demo only, not to ${name}`);
      }
      const summaries: DemoSummary[] = [];
      for (const [i, demo] of names.entries()) {
        if (i > 0) io.stdout.write('\n');
        summaries.push(await runDemo(demo, flags, io));
      }
      done(summaries);
    });
  return cli;
}

/**
 * Runs the CLI on `argv` (the arguments after the command name) and resolves to the exit code:
 * 0 when it ran (or printed help), 1 with a one-line message for a bad flag, value or set-up.
 * `onDone` receives the summaries of the demos that ran.
 */
export async function run(
  argv: readonly string[],
  io: Io = { stdout: process.stdout, stderr: process.stderr },
  onDone: (summaries: readonly DemoSummary[]) => void = () => {},
): Promise<number> {
  try {
    await program(io, onDone).parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode; // commander has printed its message
    if (error instanceof CliError || error instanceof PuregradError) {
      io.stderr.write(`puregrad: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}
