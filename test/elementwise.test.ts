import { describe, expect, it } from 'vitest';
import * as cpu from '../src/cpu/index.js';
import { useEngine } from './helpers/engine.js';
import { expectCloseSums, expectExact } from './helpers/compare.js';
import { randomData, rng } from './helpers/random.js';

const h = useEngine();

describe('element-wise ops and concat', () => {
  it('relu and add match the CPU reference exactly; leakyRelu and mul to float32 rounding', async () => {
    const e = h.engine;
    const shape = [2, 3, 4, 5];
    const a = cpu.cpuTensor(randomData(120, rng(1)), shape);
    const b = cpu.cpuTensor(randomData(120, rng(2)), shape);
    const ga = e.tensor(a.data, shape);
    const gb = e.tensor(b.data, shape);
    expectExact(await e.relu(ga).read(), cpu.relu(a).data, 'relu');
    // One multiply by 0.2, which float32 cannot hold exactly: within a couple of ulps of the float64 reference.
    const leaky = cpu.leakyRelu(a, 0.2).data;
    expectCloseSums(await e.leakyRelu(ga, 0.2).read(), leaky, leaky.map(Math.abs), 2, 'leakyRelu');
    const scaled = cpu.mul(a, 0.2).data;
    expectCloseSums(await e.mul(ga, 0.2).read(), scaled, scaled.map(Math.abs), 2, 'mul');
    expectExact(await e.add(ga, gb).read(), cpu.add(a, b).data, 'add');
  });

  it('concat along channels: [N, 2] ++ [N, 3] keeps each batch item contiguous', async () => {
    const e = h.engine;
    const a = cpu.cpuTensor(randomData(2 * 2 * 3 * 3, rng(3)), [2, 2, 3, 3]);
    const b = cpu.cpuTensor(randomData(2 * 3 * 3 * 3, rng(4)), [2, 3, 3, 3]);
    const y = e.concat([e.tensor(a.data, a.shape), e.tensor(b.data, b.shape)]);
    expect(y.shape).toEqual([2, 5, 3, 3]);
    const out = await y.read();
    expectExact(out, cpu.concat([a, b]).data, 'concat');
    // batch 1, channel 2 is b's batch 1 channel 0.
    expect(out[(1 * 5 + 2) * 9]).toBe(b.data[(1 * 3 + 0) * 9]);
  });
});
