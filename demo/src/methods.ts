/**
 * The engine-computed upscaling methods of the upscaler page, written once
 * against a Backend (WebGPU engine or CPU reference). Each works on RGBA planes
 * channel by channel (groups = C), so alpha is upscaled like colour.
 *
 * Every method first pads the input by one pixel, repeating the edge
 * (replicate padding), and crops the centre of the result: the kernels then
 * see a continuation of the image at the border instead of zeros, and the
 * bilinear transposed convolution becomes exactly bilinear interpolation
 * (PyTorch align_corners=false, whose edge rule is also "repeat the edge").
 */
import type { Backend } from './backend.js';
import { crop, padReplicate, type Planes } from './planes.js';
import { bilinearConvTranspose, bilinearGeometry, depthwise, icnr, smoothingKernel, type Weights } from './weights.js';

export type MethodId = 'resize-conv' | 'conv-transpose' | 'pixel-shuffle';

export interface MethodInfo {
  id: MethodId;
  label: string;
  /** One line on what runs, for the page. */
  describe(scale: number): string;
}

export const METHODS: readonly MethodInfo[] = [
  {
    id: 'conv-transpose',
    label: 'Transposed conv (bilinear)',
    describe: (f) => {
      const g = bilinearGeometry(f);
      return `convTranspose2d k${g.kernel} s${g.stride} p${g.padding}, depthwise, bilinear-initialised weights`;
    },
  },
  {
    id: 'pixel-shuffle',
    label: 'Pixel shuffle (ICNR init)',
    describe: (f) => `conv2d 3×3 → ${f * f}·C channels (ICNR of a smoothing kernel), then pixelShuffle(${f})`,
  },
  {
    id: 'resize-conv',
    label: 'Resize, then convolve',
    describe: (f) => `upsample ×${f} nearest, then conv2d 3×3 binomial smoothing`,
  },
];

export interface MethodRunOptions {
  scale: number;
  signal?: AbortSignal;
  /**
   * Called with the fraction of steps done (0…1) and the step's name. If it
   * returns a promise the run waits for it (the page uses that to repaint
   * between the synchronous CPU-reference steps).
   */
  onProgress?: (fraction: number, step: string) => void | Promise<void>;
}

/** Edge pixels repeated around the input; enough for every kernel here (radius ≤ 1 input pixel). */
const PAD = 1;

/**
 * Upscales `image` by `options.scale` with the given method. Returns planes of
 * size scale·H × scale·W. Every intermediate tensor is disposed, also on abort.
 */
export async function upscaleWithMethod<T>(b: Backend<T>, id: MethodId, image: Planes, options: MethodRunOptions): Promise<Planes> {
  const f = options.scale;
  if (!Number.isInteger(f) || f < 2 || f > 8) throw new RangeError(`scale ${f} must be an integer from 2 to 8`);
  const C = image.channels;
  const padded = padReplicate(image, PAD);
  const owned: T[] = [];
  const keep = (t: T): T => (owned.push(t), t);
  const weights = (w: Weights): T => keep(b.tensor(w.data, w.shape));
  const steps = 3; // upload, the first op, read back
  let done = 0;
  const step = async (name: string): Promise<void> => {
    options.signal?.throwIfAborted();
    await options.onProgress?.(++done / steps, name);
    options.signal?.throwIfAborted();
  };
  try {
    const x = keep(b.tensor(padded.data, [1, C, padded.height, padded.width]));
    await step('upload');
    let y: T;
    switch (id) {
      case 'conv-transpose': {
        const g = bilinearGeometry(f);
        y = keep(b.convTranspose2d(x, weights(bilinearConvTranspose(C, f)), null, { stride: g.stride, padding: g.padding, groups: C }));
        await step('convTranspose2d');
        break;
      }
      case 'pixel-shuffle': {
        const z = keep(b.conv2d(x, weights(icnr(depthwise(smoothingKernel(), C), f)), null, { groups: C }));
        await step('conv2d');
        y = keep(b.pixelShuffle(z, f));
        break;
      }
      case 'resize-conv': {
        const up = keep(b.upsample(x, { scale: f, mode: 'nearest' }));
        await step('upsample');
        y = keep(b.conv2d(up, weights(depthwise(smoothingKernel(), C)), null, { groups: C }));
        break;
      }
      default:
        throw new RangeError(`unknown method '${String(id)}'`);
    }
    const data = await b.read(y);
    await step('read back');
    const [, , outH, outW] = b.shape(y);
    const full: Planes = { data, channels: C, height: outH, width: outW };
    // The padded input grew the output by the same amount on both sides.
    const H = f * image.height;
    const W = f * image.width;
    const result = crop(full, (outH - H) / 2, (outW - W) / 2, H, W);
    await options.onProgress?.(1, 'done');
    return result;
  } finally {
    for (const t of owned) b.dispose(t);
  }
}
