/**
 * train(), makeTrainingPairs, safetensors, toUpscaleModel and cancellation, on a
 * tiny ×2 upsampler (convT k4 s2 p1 + relu + conv k3 p1) and the bundled sample.
 */
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import {
  fromSafetensors,
  layers,
  makeTrainingPairs,
  ModelError,
  Sequential,
  ShapeError,
  toSafetensors,
  train,
  upscale,
  upscalePlanes,
  type Engine,
  type TrainingImage,
} from '../src/index.js';
import { useEngine } from './helpers/engine.js';

const h = useEngine();
const SAMPLE = new URL('../assets/sample.png', import.meta.url).pathname;

async function samplePlanes(): Promise<TrainingImage> {
  const { data, info } = await sharp(SAMPLE).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const { width, height } = info;
  const planes = new Float32Array(3 * width * height);
  for (let i = 0; i < width * height; i++) for (let c = 0; c < 3; c++) planes[c * width * height + i] = data[i * 3 + c] / 255;
  return { data: planes, height, width };
}

function tinyUpsampler(e: Engine, seed = 1): Sequential {
  return new Sequential(
    e,
    [
      layers.convTranspose2d({ inChannels: 3, outChannels: 8, kernel: 4, stride: 2, padding: 1, init: 'balanced' }),
      layers.relu(),
      layers.conv2d({ inChannels: 8, outChannels: 3, kernel: 3, padding: 1 }),
    ],
    { seed },
  );
}

describe('train()', () => {
  it('reduces the loss of a tiny ×2 upsampler on patches of assets/sample.png over 30 steps', async () => {
    const e = h.engine;
    const image = await samplePlanes();
    const net = tinyUpsampler(e);
    const pairs = makeTrainingPairs(e, [image], { patch: 16, scale: 2, batch: 4, seed: 3 });
    const seen: number[] = [];
    const { losses } = await train(net, { pairs, steps: 30, optimizer: { kind: 'adam', lr: 3e-3 }, onStep: (s) => seen.push(s.step) });
    expect(losses.map((l) => l.step)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    expect(seen).toHaveLength(30);
    const mean = (xs: { loss: number }[]): number => xs.reduce((a, b) => a + b.loss, 0) / xs.length;
    expect(losses.every((l) => Number.isFinite(l.loss))).toBe(true);
    expect(mean(losses.slice(-5))).toBeLessThan(mean(losses.slice(0, 5)));
    net.dispose();
  });

  it('with logEvery reads back every N steps and the last; the checkerboard regularizer runs', async () => {
    const e = h.engine;
    const image = await samplePlanes();
    const net = tinyUpsampler(e);
    const pairs = makeTrainingPairs(e, [image], { patch: 8, scale: 2, batch: 2 });
    const { losses } = await train(net, {
      pairs,
      steps: 5,
      logEvery: 2,
      loss: 'charbonnier',
      regularizer: { weight: 0.1 },
      optimizer: { kind: 'sgd', lr: 0.01, momentum: 0.9 },
    });
    expect(losses.map((l) => l.step)).toEqual([2, 4, 5]);
    net.dispose();
  });

  it('an aborted signal stops it between steps, and nothing leaks', async () => {
    const e = h.engine;
    const before = e.stats();
    const image = await samplePlanes();
    const net = tinyUpsampler(e);
    const pairs = makeTrainingPairs(e, [image], { patch: 8, scale: 2, batch: 1 });
    const ac = new AbortController();
    const run = train(net, { pairs, steps: 1000, signal: ac.signal, onStep: (s) => s.step === 3 && ac.abort() });
    await expect(run).rejects.toMatchObject({ name: 'AbortError', message: expect.stringContaining('after 3 of 1000 steps') });
    const reason = new Error('stop');
    const ac2 = new AbortController();
    ac2.abort(reason);
    await expect(train(net, { pairs, steps: 2, signal: ac2.signal })).rejects.toBe(reason);
    expect(net.parameters().every((p) => p.grad === null)).toBe(true);
    net.dispose();
    await e.flush();
    expect(e.stats().liveTensors).toBe(before.liveTensors);
    expect(e.stats().liveBuffers - e.stats().pooledBuffers).toBe(before.liveBuffers - before.pooledBuffers);
  });
});

describe('safetensors', () => {
  it("stateDict → toSafetensors → fromSafetensors → loadStateDict round-trips exactly; the header is the format's", async () => {
    const e = h.engine;
    const net = tinyUpsampler(e, 5);
    const sd = await net.stateDict();
    // PyTorch nn.Sequential names: activations take an index too.
    expect(Object.keys(sd)).toEqual(['0.weight', '0.bias', '2.weight', '2.bias']);
    expect(sd['0.weight'].shape).toEqual([3, 8, 4, 4]);
    const bytes = toSafetensors(sd);
    const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect(n % 8).toBe(0);
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
    let offset = 0;
    for (const [name, t] of Object.entries(sd)) {
      expect(header[name]).toEqual({ dtype: 'F32', shape: t.shape, data_offsets: [offset, offset + 4 * t.data.length] });
      offset += 4 * t.data.length;
    }
    expect(bytes.length).toBe(8 + n + offset);
    const back = fromSafetensors(bytes);
    expect(back).toEqual(sd);

    const other = tinyUpsampler(e, 6);
    expect((await other.stateDict())['0.weight'].data).not.toEqual(sd['0.weight'].data);
    other.loadStateDict(back);
    const reloaded = await other.stateDict();
    for (const k of Object.keys(sd)) expect(reloaded[k].data).toEqual(sd[k].data);

    expect(() => other.loadStateDict({ ...back, '0.weight': { shape: [8, 3, 4, 4], data: back['0.weight'].data } })).toThrow(ShapeError);
    expect(() => other.loadStateDict({ ...back, '9.weight': back['0.bias'] })).toThrow(/unexpected key '9.weight'/);
    const { '2.bias': _dropped, ...missing } = back;
    expect(() => other.loadStateDict(missing)).toThrow(ModelError);
    expect(() => fromSafetensors(bytes.subarray(0, bytes.length - 4))).toThrow(ModelError);
    net.dispose();
    other.dispose();
  });
});

describe('toUpscaleModel', () => {
  it('runs through upscale(); tiled (tileSize 5) equals untiled', async () => {
    const e = h.engine;
    const net = tinyUpsampler(e, 2);
    const model = net.toUpscaleModel({ scale: 2 });
    // Output 2J + A: the conv reads ×2 positions 2J + A − 1 … 2J + A + 1, which the convT (k4 s2 p1) makes from
    // inputs J − 1 … J + 1 for A = 0 and A = 1 alike: radius 1 (the per-layer sum 1 + ½ would round up to 2).
    expect(model.receptiveRadius).toBe(1);
    const [H, W] = [13, 11];
    const data = new Float32Array(3 * H * W).map((_, i) => ((i * 37) % 101) / 100);
    const input = { data, channels: 3, height: H, width: W };
    const untiled = await upscalePlanes(e, input, { model, tileSize: 64 });
    const tiled = await upscalePlanes(e, input, { model, tileSize: 5 });
    let worst = 0;
    for (let i = 0; i < untiled.data.length; i++) worst = Math.max(worst, Math.abs(untiled.data[i] - tiled.data[i]));
    // Same taps, same order, same weights: each output is computed identically.
    expect(worst).toBe(0);
    const rgba = new Uint8ClampedArray(4 * H * W).map((_, i) => (i * 13) % 256);
    const img = await upscale(e, { data: rgba, width: W, height: H }, { model, tileSize: 4 });
    expect([img.width, img.height]).toEqual([2 * W, 2 * H]);
    expect(() => new Sequential(e, [layers.conv2d({ inChannels: 3, outChannels: 3, kernel: 3 })]).toUpscaleModel({ scale: 2 })).toThrow(
      ModelError,
    );
    net.dispose();
  });
});
