/**
 * Images as NCHW planes: RGBA bytes ↔ float planes in [0, 1], replicate padding
 * and cropping. Pure functions, shared by the pages and the Node tests.
 */

/** A [1, C, H, W] float image. */
export interface Planes {
  data: Float32Array;
  channels: number;
  height: number;
  width: number;
}

/** RGBA bytes (ImageData layout, not premultiplied) → 4 planes of values in [0, 1]. */
export function rgbaToPlanes(rgba: ArrayLike<number>, width: number, height: number): Planes {
  const n = width * height;
  if (rgba.length !== 4 * n) throw new Error(`rgbaToPlanes: ${rgba.length} bytes for a ${width}×${height} RGBA image (needs ${4 * n})`);
  const data = new Float32Array(4 * n);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < 4; c++) data[c * n + i] = rgba[4 * i + c] / 255;
  }
  return { data, channels: 4, height, width };
}

/** 4 planes → RGBA bytes, rounded and clamped (what a canvas shows). */
export function planesToRgba(p: Planes): Uint8ClampedArray<ArrayBuffer> {
  if (p.channels !== 4) throw new Error(`planesToRgba: needs 4 channels (RGBA), got ${p.channels}`);
  const n = p.width * p.height;
  const out = new Uint8ClampedArray(4 * n);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < 4; c++) out[4 * i + c] = Math.round(p.data[c * n + i] * 255);
  }
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
  const data = new Float32Array(p.channels * height * width);
  for (let c = 0; c < p.channels; c++) {
    for (let y = 0; y < height; y++) {
      const from = (c * p.height + top + y) * p.width + left;
      data.set(p.data.subarray(from, from + width), (c * height + y) * width);
    }
  }
  return { data, channels: p.channels, height, width };
}
