/**
 * Test-time augmentation (the native programs' `-x`): the model runs on the
 * eight flips and transposes of the image, each result is turned back, and
 * the eight are averaged in float. Each of the eight is a whole-image run
 * (tiled exactly, like any run), so TTA output does not depend on the tile
 * size either. Costs 8× the compute; the float result lives in one
 * accumulator of the output's size.
 */
import type { Planes } from './image.js';

/** Transform k ∈ 0…7: bit 0 flips columns, bit 1 flips rows, bit 2 transposes (applied last). */
export const TTA_TRANSFORMS = 8;

/** The planes under transform k. */
export function transformPlanes(p: Planes, k: number): Planes {
  const { channels: c, height: h, width: w, data } = p;
  const fx = (k & 1) !== 0;
  const fy = (k & 2) !== 0;
  const t = (k & 4) !== 0;
  const oh = t ? w : h;
  const ow = t ? h : w;
  const out = new Float32Array(data.length);
  for (let ch = 0; ch < c; ch++) {
    const base = ch * h * w;
    for (let y = 0; y < h; y++) {
      const sy = fy ? h - 1 - y : y;
      for (let x = 0; x < w; x++) {
        const v = data[base + sy * w + (fx ? w - 1 - x : x)];
        out[base + (t ? x * ow + y : y * ow + x)] = v;
      }
    }
  }
  return { data: out, channels: c, height: oh, width: ow };
}

/** Adds transform k's inverse of `p` to `acc` (planes of the untransformed layout). */
export function addInverse(acc: Float32Array, p: Planes, k: number): void {
  const fx = (k & 1) !== 0;
  const fy = (k & 2) !== 0;
  const t = (k & 4) !== 0;
  // p is the transformed image: untransposed first, then unflipped.
  const h = t ? p.width : p.height;
  const w = t ? p.height : p.width;
  for (let ch = 0; ch < p.channels; ch++) {
    const base = ch * h * w;
    for (let y = 0; y < h; y++) {
      const sy = fy ? h - 1 - y : y;
      for (let x = 0; x < w; x++) {
        const sx = fx ? w - 1 - x : x;
        acc[base + y * w + x] += p.data[base + (t ? sx * p.width + sy : sy * p.width + sx)];
      }
    }
  }
}

/**
 * The TTA average: `run` upscales whole planes (k tells which of the eight
 * runs it is, for progress); returns [C, H·s, W·s] in the model's output range.
 */
export async function ttaPlanes(input: Planes, scale: number, run: (planes: Planes, k: number) => Promise<Planes>): Promise<Planes> {
  const acc = new Float32Array(input.channels * input.height * scale * input.width * scale);
  for (let k = 0; k < TTA_TRANSFORMS; k++) addInverse(acc, await run(transformPlanes(input, k), k), k);
  for (let i = 0; i < acc.length; i++) acc[i] /= TTA_TRANSFORMS;
  return { data: acc, channels: input.channels, height: input.height * scale, width: input.width * scale };
}
