/**
 * engine.profile (src/gpu/profile.ts): one entry per dispatch a normal run records, FLOPs that add
 * up to the network's direct-convolution FLOPs whichever conv kernel runs, bytes of what each binds,
 * and nothing leaked. Timings are only checked to be real numbers (never a threshold).
 */
import { describe, expect, it } from 'vitest';
import { formatProfile, profileDispatches } from '../src/gpu/profile.js';
import type { CommandRunner } from '../src/gpu/command-runner.js';
import type { Engine, Tensor } from '../src/index.js';
import { useEngine } from './helpers/engine.js';
import { randomData, rng } from './helpers/random.js';

const auto = useEngine({ winograd: 'auto' });
const off = useEngine({ winograd: 'off' });

/** conv 3→16 (3×3, relu) → conv 16→16 (3×3) → convT 16→3 (4×4, stride 2). */
function smallNet(e: Engine) {
  const r = rng(11);
  const w1 = e.tensor(randomData(16 * 3 * 9, r), [16, 3, 3, 3]);
  const w2 = e.tensor(randomData(16 * 16 * 9, r), [16, 16, 3, 3]);
  const b2 = e.tensor(randomData(16, r), [16]);
  const w3 = e.tensor(randomData(16 * 3 * 16, r), [16, 3, 4, 4]);
  return {
    run: (x: Tensor): Tensor => {
      const a = e.conv2d(x, w1, null, { padding: 1, activation: 'relu' });
      const b = e.conv2d(a, w2, b2, { padding: 1, activation: 'leakyRelu' });
      a.dispose();
      const y = e.convTranspose2d(b, w3, null, { stride: 2, padding: 1 });
      b.dispose();
      return y;
    },
    dispose: () => [w1, w2, b2, w3].forEach((t) => t.dispose()),
  };
}

const H = 10;
const W = 7;
/** Direct-conv FLOPs: 2 per multiply-add of every tap. */
const FLOPS = 2 * (16 * H * W * 3 * 9) + 2 * (16 * H * W * 16 * 9) + 2 * (16 * H * W * 3 * 16);
/**
 * Under Winograd the convT (k4 s2 p1) runs as its phase conv (src/kernels/conv-transpose-phases.ts):
 * a 3×3 conv of 2²·3 = 12 channels on the H×W input, counted as such (its zero taps included).
 */
const FLOPS_WINOGRAD = 2 * (16 * H * W * 3 * 9) + 2 * (16 * H * W * 16 * 9) + 2 * (12 * H * W * 16 * 9);

describe('engine.profile', () => {
  for (const [name, h] of [
    ['winograd auto', auto],
    ['winograd off', off],
  ] as const) {
    it(`${name}: one entry per dispatch, conv FLOPs add up to the network's, bytes and shapes of what each pass binds`, async () => {
      const e = h.engine;
      const net = smallNet(e);
      const x = e.tensor(randomData(3 * H * W, rng(3)), [1, 3, H, W]);
      // A first run packs the weights (cached), so the profiled run has only the network's own dispatches.
      net.run(x).dispose();
      await e.flush();
      const before = e.stats();
      net.run(x).dispose();
      await e.flush();
      const normal = e.stats().dispatches - before.dispatches;
      const live = e.stats().liveTensors;

      const p = await e.profile(net, x);
      expect(p.dispatches.length).toBe(normal);
      // Under Winograd ('auto' on a software adapter) each 3×3 conv is three passes, the convT's phase conv too.
      const wino = e.winograd !== 'off';
      const passes = wino ? 9 : 3;
      expect(p.dispatches.length).toBe(passes);
      expect(p.timing).toBe(e.canTimeGpu ? 'timestamps' : 'wall');
      const flops = p.dispatches.reduce((s, d) => s + (d.flops ?? 0), 0);
      expect(flops).toBe(wino ? FLOPS_WINOGRAD : FLOPS);
      for (const d of p.dispatches) {
        expect(Number.isFinite(d.ms) && d.ms >= 0, `${d.name} ms ${d.ms}`).toBe(true);
        expect(d.bytes).toBeGreaterThan(0);
      }
      const last = p.dispatches[p.dispatches.length - 1];
      expect(last.name).toBe(wino ? 'conv2d-winograd-out' : 'convTranspose2d');
      expect(last.outShape).toEqual([1, 3, 2 * H, 2 * W]);
      // The input (3·H·W floats), the packed weights and the output (3·2H·2W floats) at least.
      expect(last.bytes).toBeGreaterThan(4 * (16 * H * W + 3 * 4 * H * W));
      if (wino) {
        const passNames = ['conv2d-winograd-in', 'conv2d-winograd-gemm', 'conv2d-winograd-out'];
        expect(p.dispatches.map((d) => d.name)).toEqual([...passNames, ...passNames, ...passNames]);
      }
      expect(formatProfile(p)).toContain(`total (${passes} dispatches)`);
      // profile disposes its output and nothing else; the input is still usable.
      expect(e.stats().liveTensors).toBe(live);
      expect((await x.read()).length).toBe(3 * H * W);
      x.dispose();
      net.dispose();
    });
  }

  it("without timestamps ('wall'): the same entries, each timed from the queue's completions", async () => {
    const e = off.engine;
    const net = smallNet(e);
    const x = e.tensor(randomData(3 * H * W, rng(4)), [1, 3, H, W]);
    net.run(x).dispose();
    await e.flush();
    const internals = e as unknown as { runner: CommandRunner; device: GPUDevice };
    const { result, profile } = await profileDispatches(internals.runner, internals.device, null, () => net.run(x));
    result.dispose();
    expect(profile.timing).toBe('wall');
    expect(profile.dispatches.map((d) => d.name)).toEqual(['conv2d', 'conv2d', 'convTranspose2d']);
    for (const d of profile.dispatches) expect(Number.isFinite(d.ms) && d.ms >= 0, `${d.name} ms ${d.ms}`).toBe(true);
    expect(profile.dispatches.reduce((s, d) => s + (d.flops ?? 0), 0)).toBe(FLOPS);
    x.dispose();
    net.dispose();
  });

  it('refuses an input of another engine', async () => {
    const x = off.engine.tensor(new Float32Array(3), [1, 3, 1, 1]);
    await expect(auto.engine.profile({ run: (t) => t }, x)).rejects.toThrow(/another engine/);
    x.dispose();
  });
});
