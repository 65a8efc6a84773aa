/** The model zoo's ops (pad2d … hardSwishBackward) free what they allocate: live buffers return to 0 after dispose and trim. */
import { expect, it } from 'vitest';
import { createEngine, type Tensor } from '../src/index.js';
import { randomData, rng } from './helpers/random.js';

it('no GPU buffer leaks across pad2d, crop2d, globalAvgPool, binary, clip, mish, hardSwish and their gradients', async () => {
  const e = await createEngine();
  try {
    const r = rng(3);
    for (let i = 0; i < 2; i++) {
      const x = e.tensor(randomData(2 * 3 * 6 * 5, r), [2, 3, 6, 5]);
      const gate = e.tensor(randomData(3, r), [1, 3, 1, 1]);
      const out: Tensor[] = [];
      const p = e.pad2d(x, { pads: [1, 2, 3, 1], mode: 'reflect' });
      const c = e.crop2d(p, { top: 1, left: 3, height: 6, width: 5 });
      const g = e.globalAvgPool(c);
      const m = e.binary(x, gate, { op: 'mul' });
      out.push(p, c, g, m, e.clip(m, { min: -0.5, max: Infinity }), e.mish(m), e.hardSwish(m, { alpha: 0.2, beta: 0.5 }));
      out.push(e.pad2dBackward(p, { pads: [1, 2, 3, 1], mode: 'replicate' }));
      out.push(e.crop2dBackward(c, { top: 1, left: 3, height: 6, width: 5, inputShape: p.shape }));
      out.push(e.globalAvgPoolBackward(g, { inputShape: x.shape }));
      const { da, db } = e.binaryBackward(x, gate, m, { op: 'mul' });
      out.push(da!, db!, e.clipBackward(m, x, { min: -1, max: 1 }), e.mishBackward(m, x), e.hardSwishBackward(m, x));
      await db!.read();
      for (const t of [x, gate, ...out]) t.dispose();
    }
    expect(e.stats().liveTensors).toBe(0);
    await e.flush();
    e.trim();
    expect(e.stats().liveBuffers).toBe(0);
  } finally {
    e.destroy();
  }
});
