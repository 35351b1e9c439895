/**
 * The puregrad demo, at this stage: trace a small function, print its program,
 * print the program `grad` builds from it, and run both.
 *
 *   npm run demo
 */

import type { Tensor } from '../src/index.ts';
import { add, grad, makeProgram, mul, scalar, sin, sum, tensor, valueAndGrad, matmul, nn } from '../src/index.ts';

const heading = (text: string) => console.log(`\n== ${text} ${'='.repeat(Math.max(0, 66 - text.length))}`);

// f(x) = sin(x²) + x²
const f = (x: Tensor) => {
  const y = mul(x, x);
  const z = sin(y);
  return add(z, y);
};

heading('f(x) = sin(x²) + x², traced into a program');
console.log(makeProgram(f)(scalar(2)).toString());

heading("grad(f): f's equations, then the backward pass, as one program");
console.log(makeProgram(grad(f))(scalar(2)).toString());

heading('values');
const x = scalar(2, 'float64');
const [value, slope] = valueAndGrad(f)(x);
console.log(`f(2)   = ${value.item().toFixed(6)}   (sin 4 + 4       = ${(Math.sin(4) + 4).toFixed(6)})`);
console.log(`f'(2)  = ${slope.item().toFixed(6)}   (2x·cos x² + 2x  = ${(4 * Math.cos(4) + 4).toFixed(6)})`);
console.log(`f''(2) = ${grad(grad(f))(x).item().toFixed(6)}   (by grad(grad(f)))`);

heading('a dense layer: the gradient has the parameters’ structure');
const params = { w: tensor([[0.5, -0.3], [0.2, 0.8], [-0.6, 0.1]]), b: tensor([0.1, -0.1]) };
const inputs = tensor([[1, 2, 3], [0.5, -1, 2]]);
const loss = (p: typeof params) => sum(nn.relu(add(matmul(inputs, p.w), p.b)));
const g = grad(loss)(params);
console.log('dloss/dw =', JSON.stringify(g.w.toArray()));
console.log('dloss/db =', JSON.stringify(g.b.toArray()));
heading('and its gradient program');
console.log(makeProgram(grad(loss))(params).toString());
