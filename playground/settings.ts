/**
 * What a learner picks on the page: the data set, the network, the optimizer
 * and the regime (how many examples each update sees). A `Settings` value is
 * plain data, read from the form in one place (`readSettings`), so that the
 * training code never touches the DOM.
 */

export const DATASETS = ['xor', 'circles', 'spirals'] as const;
export const ACTIVATIONS = ['relu', 'tanh', 'sigmoid'] as const;
export const OPTIMIZERS = ['sgd', 'adam'] as const;
export const REGIMES = ['full', 'mini', 'single'] as const;

export type DatasetName = (typeof DATASETS)[number];
export type ActivationName = (typeof ACTIVATIONS)[number];
export type OptimizerName = (typeof OPTIMIZERS)[number];
/** Full batch (every example per update), mini-batches of `batchSize`, or one sample at a time. */
export type Regime = (typeof REGIMES)[number];

export interface Settings {
  readonly dataset: DatasetName;
  /** Sizes of the hidden layers, first first (the input has 2 features, the output 1 logit). */
  readonly hidden: readonly number[];
  readonly activation: ActivationName;
  readonly optimizer: OptimizerName;
  readonly learningRate: number;
  readonly regime: Regime;
  /** Examples per update in the mini-batch regime. */
  readonly batchSize: number;
  /** Seeds the data, the initial weights and the shuffling: the same seed replays the same run. */
  readonly seed: number;
}

export const DEFAULTS: Settings = Object.freeze({
  dataset: 'circles',
  hidden: Object.freeze([8, 8]),
  activation: 'tanh',
  optimizer: 'adam',
  learningRate: 0.03,
  regime: 'mini',
  batchSize: 16,
  seed: 0,
});

/** Hidden sizes from text such as "8, 8" (commas or spaces); an empty text means no hidden layer. */
export function parseHidden(text: string): readonly number[] | undefined {
  const parts = text.split(/[\s,]+/).filter((p) => p !== '');
  const sizes = parts.map(Number);
  const ok = sizes.every((n) => Number.isInteger(n) && n >= 1 && n <= 64) && sizes.length <= 4;
  return ok ? Object.freeze(sizes) : undefined;
}

const oneOf = <T extends string>(options: readonly T[], value: string, fallback: T): T =>
  (options as readonly string[]).includes(value) ? (value as T) : fallback;

const numberIn = (text: string, min: number, max: number, fallback: number): number => {
  const n = Number(text);
  return text.trim() !== '' && Number.isFinite(n) && n >= min && n <= max ? n : fallback;
};

/**
 * The settings in a form whose controls are named after the fields of `Settings`.
 * A value out of range falls back to its default, and `problems` says which.
 */
export function readSettings(form: HTMLFormElement): { settings: Settings; problems: readonly string[] } {
  const field = (name: keyof Settings): string => {
    const control = form.elements.namedItem(name);
    return control instanceof HTMLInputElement || control instanceof HTMLSelectElement ? control.value : '';
  };
  const problems: string[] = [];
  const hidden = parseHidden(field('hidden'));
  if (hidden === undefined) problems.push('hidden layers: up to 4 sizes between 1 and 64, e.g. "8, 8"');
  const learningRate = numberIn(field('learningRate'), 1e-5, 10, DEFAULTS.learningRate);
  if (Number(field('learningRate')) !== learningRate) problems.push('learning rate: a number between 0.00001 and 10');
  const batchSize = Math.round(numberIn(field('batchSize'), 1, 1024, DEFAULTS.batchSize));
  if (Number(field('batchSize')) !== batchSize) problems.push('batch size: a whole number between 1 and 1024');
  const settings: Settings = Object.freeze({
    dataset: oneOf(DATASETS, field('dataset'), DEFAULTS.dataset),
    hidden: hidden ?? DEFAULTS.hidden,
    activation: oneOf(ACTIVATIONS, field('activation'), DEFAULTS.activation),
    optimizer: oneOf(OPTIMIZERS, field('optimizer'), DEFAULTS.optimizer),
    learningRate,
    regime: oneOf(REGIMES, field('regime'), DEFAULTS.regime),
    batchSize,
    seed: Math.round(numberIn(field('seed'), 0, 2 ** 31 - 1, DEFAULTS.seed)),
  });
  return { settings, problems };
}
