/**
 * Images as NCHW planes for the pages: RGBA bytes ↔ 4 float planes in [0, 1],
 * replicate padding and cropping. The plane type, the pixel ↔ plane mapping
 * and the crop are the library's own (src/upscale/image.ts); only the
 * 4-channel framing and replicate padding are the pages' own. Pure functions,
 * shared by the pages and the Node tests.
 */
import { cropPlanes, readRegion, writePlanesToRgba, type Planes } from '../../src/upscale/image.js';

export type { Planes };

/** RGBA bytes (ImageData layout, not premultiplied) → 4 planes of values in [0, 1]. */
export function rgbaToPlanes(rgba: Uint8ClampedArray | Uint8Array, width: number, height: number): Planes {
  const n = width * height;
  if (rgba.length !== 4 * n) throw new Error(`rgbaToPlanes: ${rgba.length} bytes for a ${width}×${height} RGBA image (needs ${4 * n})`);
  const image = { data: rgba, width, height };
  const whole = { y: 0, x: 0, height, width };
  const data = new Float32Array(4 * n);
  data.set(readRegion(image, whole, 'rgb', [0, 1]));
  // readRegion gives alpha as stored (0–255): scale it like the colours.
  data.set(
    readRegion(image, whole, 'alpha').map((a) => a / 255),
    3 * n,
  );
  return { data, channels: 4, height, width };
}

/** 4 planes → RGBA bytes, rounded (half up) and clamped (what a canvas shows). */
export function planesToRgba(p: Planes): Uint8ClampedArray<ArrayBuffer> {
  if (p.channels !== 4) throw new Error(`planesToRgba: needs 4 channels (RGBA), got ${p.channels}`);
  const out = new Uint8ClampedArray(4 * p.width * p.height);
  writePlanesToRgba(out, p.width, p, 0, 0, 0, [0, 1]);
  return out;
}

/**
 * Pads by `pad` pixels on every side, repeating the edge pixel (PyTorch's
 * padding_mode='replicate'). Upsampling kernels then see a continuation of the
 * image at the border instead of zeros, so edges do not darken.
 */
export function padReplicate(p: Planes, pad: number): Planes {
  const H = p.height + 2 * pad;
  const W = p.width + 2 * pad;
  const data = new Float32Array(p.channels * H * W);
  for (let c = 0; c < p.channels; c++) {
    for (let y = 0; y < H; y++) {
      const sy = Math.min(p.height - 1, Math.max(0, y - pad));
      for (let x = 0; x < W; x++) {
        const sx = Math.min(p.width - 1, Math.max(0, x - pad));
        data[(c * H + y) * W + x] = p.data[(c * p.height + sy) * p.width + sx];
      }
    }
  }
  return { data, channels: p.channels, height: H, width: W };
}

/** The height×width window of `p` whose top-left corner is (top, left). */
export function crop(p: Planes, top: number, left: number, height: number, width: number): Planes {
  if (top < 0 || left < 0 || top + height > p.height || left + width > p.width) {
    throw new Error(`crop: window ${height}×${width} at (${top}, ${left}) is outside the ${p.height}×${p.width} image`);
  }
  return cropPlanes(p, { y: top, x: left, height, width });
}
