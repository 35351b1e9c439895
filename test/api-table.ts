/**
 * The public API as a table, for tests that sweep it: every entry is a
 * function with a valid call and the kind of each argument. The bad-input test
 * replaces one argument at a time with wrong values of its kind; the
 * immutability audit calls every entry on frozen inputs and checks that no
 * tensor changed.
 */

import * as pg from '../src/index.ts';
import type { Tensor } from '../src/index.ts';

const { nn, optim, random, tree } = pg;
type Opt = pg.optim.GradientTransformation<unknown>;

/** What an argument is, which decides the wrong values it is tried with. */
export type Kind =
  | 'tensor' // a Tensor, nothing else
  | 'operand' // a Tensor or a number
  | 'tensors' // an array of tensors
  | 'shape' // an array of non-negative integers
  | 'axis' // an integer (ranges are per op)
  | 'dtype'
  | 'options' // an options object (unknown keys are errors)
  | 'key' // a random key
  | 'fn' // a function
  | 'count' // a positive integer
  | 'size' // a non-negative integer
  | 'rate' // a learning rate or similar: a finite number ≥ 0
  | 'tree' // a tree of tensors
  | 'fixed'; // not swept

export interface Entry {
  readonly name: string;
  readonly args: () => readonly unknown[];
  readonly kinds: readonly Kind[];
  readonly call: (...args: readonly unknown[]) => unknown;
}

const any = <F>(f: F) => f as unknown as (...args: readonly unknown[]) => unknown;
const v = (...xs: number[]) => pg.tensor(xs);
const m = () => pg.tensor([[1, 2], [3, 4]]);
const k0 = () => random.key(0);

const unary = ['neg', 'exp', 'log', 'log1p', 'expm1', 'sqrt', 'sin', 'cos', 'tanh', 'abs', 'sign', 'square', 'erfInv'] as const;
const binary = ['add', 'sub', 'mul', 'div', 'pow', 'maximum', 'minimum', 'greater', 'greaterEqual', 'less', 'lessEqual', 'equal', 'notEqual'] as const;
const reductions = ['sum', 'mean', 'max', 'min', 'logsumexp'] as const;

const ops: Entry[] = [
  ...unary.map((n): Entry => ({ name: n, args: () => [v(0.5, 0.25)], kinds: ['operand'], call: any(pg[n]) })),
  ...binary.map((n): Entry => ({ name: n, args: () => [v(1, 2), v(3, 4)], kinds: ['operand', 'operand'], call: any(pg[n]) })),
  ...reductions.map((n): Entry => ({ name: n, args: () => [m(), { axis: 0 }], kinds: ['tensor', 'options'], call: any(pg[n]) })),
  { name: 'argmax', args: () => [m(), { axis: 1 }], kinds: ['tensor', 'options'], call: any(pg.argmax) },
  { name: 'argmin', args: () => [m(), { axis: 1 }], kinds: ['tensor', 'options'], call: any(pg.argmin) },
  { name: 'where', args: () => [pg.tensor([true, false]), v(1, 2), 0], kinds: ['tensor', 'operand', 'operand'], call: any(pg.where) },
  { name: 'stopGradient', args: () => [v(1)], kinds: ['tensor'], call: any(pg.stopGradient) },
  { name: 'matmul', args: () => [m(), m()], kinds: ['tensor', 'tensor'], call: any(pg.matmul) },
  { name: 'dot', args: () => [v(1, 2), v(3, 4)], kinds: ['tensor', 'tensor'], call: any(pg.dot) },
  { name: 'reshape', args: () => [m(), [4]], kinds: ['tensor', 'shape'], call: any(pg.reshape) },
  { name: 'transpose', args: () => [m(), [1, 0]], kinds: ['tensor', 'fixed'], call: any(pg.transpose) },
  { name: 'broadcastTo', args: () => [v(1, 2), [3, 2]], kinds: ['tensor', 'shape'], call: any(pg.broadcastTo) },
  { name: 'expandDims', args: () => [v(1, 2), 0], kinds: ['tensor', 'axis'], call: any(pg.expandDims) },
  { name: 'squeeze', args: () => [pg.zeros([1, 2]), 0], kinds: ['tensor', 'axis'], call: any(pg.squeeze) },
  { name: 'concatenate', args: () => [[v(1), v(2)], 0], kinds: ['tensors', 'axis'], call: any(pg.concatenate) },
  { name: 'stack', args: () => [[v(1), v(2)], 0], kinds: ['tensors', 'axis'], call: any(pg.stack) },
  { name: 'slice', args: () => [v(1, 2, 3), [1], [2]], kinds: ['tensor', 'fixed', 'fixed'], call: any(pg.slice) },
  { name: 'take', args: () => [v(1, 2, 3), [0, 2], {}], kinds: ['tensor', 'fixed', 'options'], call: any(pg.take) },
  { name: 'oneHot', args: () => [[0, 1], 3, {}], kinds: ['fixed', 'count', 'options'], call: any(pg.oneHot) },
  { name: 'cast', args: () => [v(1.5), 'int32'], kinds: ['tensor', 'dtype'], call: any(pg.cast) },
  { name: 'conv', args: () => [pg.zeros([1, 4, 4, 1]), pg.zeros([3, 3, 1, 2]), {}], kinds: ['tensor', 'tensor', 'options'], call: any(pg.conv) },
];

const creation: Entry[] = [
  { name: 'tensor', args: () => [[1, 2], { dtype: 'float64' }], kinds: ['fixed', 'options'], call: any(pg.tensor) },
  { name: 'zeros', args: () => [[2, 3], 'float32'], kinds: ['shape', 'dtype'], call: any(pg.zeros) },
  { name: 'ones', args: () => [[2], 'int32'], kinds: ['shape', 'dtype'], call: any(pg.ones) },
  { name: 'full', args: () => [[2], 7, 'float64'], kinds: ['shape', 'fixed', 'dtype'], call: any(pg.full) },
  { name: 'eye', args: () => [3], kinds: ['size'], call: any(pg.eye) },
  { name: 'arange', args: () => [4], kinds: ['fixed'], call: any(pg.arange) },
  { name: 'linspace', args: () => [0, 1, 5], kinds: ['fixed', 'fixed', 'size'], call: any(pg.linspace) },
];

const sq = (x: Tensor) => pg.sum(pg.mul(x, x));
const transforms: Entry[] = [
  { name: 'grad', args: () => [sq, v(1, 2)], kinds: ['fn', 'tensor'], call: (f, x) => pg.grad(f as never)(x as never) },
  { name: 'valueAndGrad', args: () => [sq, v(1, 2)], kinds: ['fn', 'tensor'], call: (f, x) => pg.valueAndGrad(f as never)(x as never) },
  { name: 'jit', args: () => [sq, v(1, 2)], kinds: ['fn', 'fixed'], call: (f, x) => pg.jit(f as never)(x as never) },
  { name: 'vmap', args: () => [sq, m()], kinds: ['fn', 'tensor'], call: (f, x) => pg.vmap(f as never)(x as never) },
  { name: 'jvp', args: () => [sq, [v(1, 2)], [v(1, 0)]], kinds: ['fn', 'fixed', 'fixed'], call: any(pg.jvp) },
  { name: 'vjp', args: () => [sq, v(1, 2)], kinds: ['fn', 'tensor'], call: any(pg.vjp) },
  { name: 'hessian', args: () => [sq, v(1, 2)], kinds: ['fn', 'tensor'], call: (f, x) => pg.hessian(f as never)(x as never) },
  { name: 'jacfwd', args: () => [pg.sin, v(1, 2)], kinds: ['fn', 'tensor'], call: (f, x) => pg.jacfwd(f as never)(x as never) },
  { name: 'jacrev', args: () => [pg.sin, v(1, 2)], kinds: ['fn', 'tensor'], call: (f, x) => pg.jacrev(f as never)(x as never) },
  { name: 'makeProgram', args: () => [sq, v(1, 2)], kinds: ['fn', 'fixed'], call: (f, x) => pg.makeProgram(f as never)(x as never) },
  { name: 'tree.map', args: () => [pg.neg, { a: v(1) }], kinds: ['fn', 'tree'], call: any(tree.map) },
];

const mlp = nn.mlp([2, 3, 1]);
const dense = nn.dense(2, 3);
const layers: Entry[] = [
  { name: 'nn.relu', args: () => [v(-1, 1)], kinds: ['tensor'], call: any(nn.relu) },
  { name: 'nn.sigmoid', args: () => [v(-1, 1)], kinds: ['tensor'], call: any(nn.sigmoid) },
  { name: 'nn.softmax', args: () => [v(1, 2)], kinds: ['tensor'], call: any(nn.softmax) },
  { name: 'nn.logSoftmax', args: () => [v(1, 2)], kinds: ['tensor'], call: any(nn.logSoftmax) },
  { name: 'nn.mse', args: () => [v(1, 2), v(1, 3)], kinds: ['tensor', 'tensor'], call: any(nn.mse) },
  { name: 'nn.binaryCrossEntropy', args: () => [v(0.5, 0.25), v(1, 0)], kinds: ['tensor', 'tensor'], call: any(nn.binaryCrossEntropy) },
  { name: 'nn.softmaxCrossEntropy', args: () => [m(), pg.tensor([[1, 0], [0, 1]])], kinds: ['tensor', 'tensor'], call: any(nn.softmaxCrossEntropy) },
  { name: 'nn.sparseSoftmaxCrossEntropy', args: () => [m(), pg.tensor([0, 1], { dtype: 'int32' })], kinds: ['tensor', 'tensor'], call: any(nn.sparseSoftmaxCrossEntropy) },
  { name: 'nn.accuracy', args: () => [m(), pg.tensor([0, 1], { dtype: 'int32' })], kinds: ['tensor', 'tensor'], call: any(nn.accuracy) },
  { name: 'nn.dense', args: () => [2, 3], kinds: ['count', 'count'], call: any(nn.dense) },
  { name: 'nn.mlp.init', args: () => [k0()], kinds: ['key'], call: (k) => mlp.init(k as Tensor) },
  { name: 'nn.dense.apply', args: () => [dense.init(k0()), m()], kinds: ['tree', 'tensor'], call: (p, x) => dense.apply(p as never, x as Tensor) },
  { name: 'nn.init.heNormal', args: () => [k0(), [2, 3]], kinds: ['key', 'shape'], call: (k, s) => nn.init.heNormal(k as Tensor, s as number[]) },
  { name: 'nn.dropout', args: () => [k0(), 0.5, m()], kinds: ['key', 'fixed', 'tensor'], call: any(nn.dropout) },
];

const randomness: Entry[] = [
  { name: 'random.key', args: () => [0], kinds: ['fixed'], call: any(random.key) },
  { name: 'random.split', args: () => [k0(), 3], kinds: ['key', 'size'], call: any(random.split) },
  { name: 'random.splitN', args: () => [k0(), 3], kinds: ['key', 'size'], call: any(random.splitN) },
  { name: 'random.foldIn', args: () => [k0(), 7], kinds: ['key', 'fixed'], call: any(random.foldIn) },
  { name: 'random.bits', args: () => [k0(), [3]], kinds: ['key', 'shape'], call: any(random.bits) },
  { name: 'random.uniform', args: () => [k0(), [3], {}], kinds: ['key', 'shape', 'options'], call: any(random.uniform) },
  { name: 'random.normal', args: () => [k0(), [3], {}], kinds: ['key', 'shape', 'options'], call: any(random.normal) },
  { name: 'random.permutation', args: () => [k0(), 5], kinds: ['key', 'fixed'], call: any(random.permutation) },
  { name: 'random.categorical', args: () => [k0(), m(), {}], kinds: ['key', 'tensor', 'options'], call: any(random.categorical) },
];

const params = () => ({ w: v(1, 2), b: v(0.5) });
const grads = () => ({ w: v(0.1, -0.2), b: v(0.3) });
const optimizers: Entry[] = [
  ...(['sgd', 'adam', 'adamw', 'adagrad', 'rmsprop', 'lion', 'lamb'] as const).map((n): Entry => ({
    name: `optim.${n}`,
    args: () => [0.1],
    kinds: ['rate'],
    call: (lr) => (optim[n] as (lr: unknown) => unknown)(lr),
  })),
  ...(['sgd', 'adam', 'adamw', 'lion'] as const).map((n): Entry => ({
    name: `optim.${n}.update`,
    args: () => {
      const opt = (optim[n] as (lr: number) => Opt)(0.1);
      return [opt, grads(), opt.init(params()), params()];
    },
    kinds: ['fixed', 'tree', 'tree', 'fixed'], // sgd, adam and lion do not read the params
    call: (opt, g, s, p) => (opt as Opt).update(g as never, s, p as never),
  })),
  { name: 'optim.applyUpdates', args: () => [params(), grads()], kinds: ['tree', 'tree'], call: any(optim.applyUpdates) },
  { name: 'optim.clipByGlobalNorm', args: () => [1], kinds: ['rate'], call: any(optim.clipByGlobalNorm) },
  { name: 'optim.exponentialDecay', args: () => [{ initValue: 1, transitionSteps: 10, decayRate: 0.5 }], kinds: ['options'], call: any(optim.exponentialDecay) },
];

/** Every entry of the public API the sweeps cover. */
export const API: readonly Entry[] = [...ops, ...creation, ...transforms, ...layers, ...randomness, ...optimizers];

/** Wrong values for an argument of each kind. */
export const BAD: Readonly<Record<Kind, readonly (readonly [string, () => unknown])[]>> = {
  tensor: [
    ['a nested array', () => [[1, 2]]],
    ['a string', () => 'x'],
    ['undefined', () => undefined],
    ['null', () => null],
    ['a plain object', () => ({ data: [1] })],
    ['a number', () => 3],
  ],
  operand: [
    ['an array', () => [1, 2]],
    ['a string', () => '2'],
    ['undefined', () => undefined],
    ['null', () => null],
    ['a boolean', () => true],
  ],
  tensors: [
    ['an array of arrays', () => [[1], [2]]],
    ['a tensor', () => pg.tensor([1])],
    ['an empty array', () => []],
  ],
  shape: [
    ['a negative size', () => [-3, 2]],
    ['a fraction', () => [1.5]],
    ['NaN', () => [NaN]],
    ['a string', () => '2,3'],
    ['a huge shape', () => [1e6, 1e6]],
  ],
  axis: [
    ['a string', () => 'x'],
    ['a fraction', () => 0.5],
    ['out of range', () => 7],
  ],
  dtype: [
    ['a bad dtype string', () => 'bogus'],
    ['uint8', () => 'uint8'],
    ['a number', () => 32],
  ],
  options: [
    ['a number', () => 5],
    ['a string', () => 'fast'],
    ['an unknown key', () => ({ bogusOption: 1 })],
  ],
  key: [
    ['a float vector', () => pg.tensor([1, 2])],
    ['three words', () => pg.tensor([1, 2, 3], { dtype: 'int32' })],
    ['a number', () => 0],
    ['a string', () => 'key'],
  ],
  fn: [
    ['a number', () => 5],
    ['a tensor', () => pg.tensor([1])],
  ],
  size: [
    ['a negative number', () => -2],
    ['a fraction', () => 1.5],
    ['NaN', () => NaN],
    ['a string', () => '3'],
  ],
  count: [
    ['zero', () => 0],
    ['a negative number', () => -2],
    ['a fraction', () => 1.5],
    ['NaN', () => NaN],
    ['a string', () => '3'],
  ],
  rate: [
    ['NaN', () => NaN],
    ['a negative number', () => -0.1],
    ['Infinity', () => Infinity],
    ['a string', () => '0.1'],
  ],
  tree: [
    ['a cyclic tree', () => {
      const t: Record<string, unknown> = { w: pg.tensor([1]) };
      t['me'] = t;
      return t;
    }],
    ['a tree with a string leaf', () => ({ w: 'x', b: pg.tensor([1]) })],
  ],
  fixed: [],
};
