/**
 * The image the upscaler starts with: assets/sample.png when the project has
 * one, otherwise a small picture drawn here with edges, text, gradients and
 * fine stripes (the things upscalers get right or wrong).
 */
import { decodeImage } from './canvas-image.js';

// A glob, not an import: it resolves to {} (no build error) while the file does not exist.
const sampleFiles = import.meta.glob('../../../assets/sample.png', { query: '?url', import: 'default', eager: true }) as Record<
  string,
  string
>;

// The full 128×128 photo that assets/sample.png was made from (scripts/make-sample.mjs): UpscalerJS's own test
// picture (MIT, © 2022 Kevin Scott), from the devDependency the demo already serves its models from.
const photoFiles = import.meta.glob('../../../node_modules/@upscalerjs/default-model/assets/fixture.png', {
  query: '?url',
  import: 'default',
  eager: true,
}) as Record<string, string>;

/** What a first visit opens: the 128×128 flower photo (a real photo a network visibly improves), else the sample. */
export async function loadPhoto(): Promise<{ image: ImageData; name: string }> {
  const url = Object.values(photoFiles)[0];
  if (url) {
    const res = await fetch(url);
    if (res.ok) return { image: await decodeImage(await res.blob()), name: 'flower.png' };
  }
  return loadSample();
}

/** The starting image: assets/sample.png when present, else the drawn picture. */
export async function loadSample(): Promise<{ image: ImageData; name: string }> {
  const url = Object.values(sampleFiles)[0];
  if (url) {
    const res = await fetch(url);
    if (res.ok) return { image: await decodeImage(await res.blob()), name: 'sample.png' };
  }
  return { image: drawnSample(), name: 'drawn sample' };
}

/** A 128×96 test picture drawn on a canvas. */
export function drawnSample(): ImageData {
  const W = 128;
  const H = 96;
  const c = document.createElement('canvas');
  c.width = W;
  c.height = H;
  const ctx = c.getContext('2d', { willReadFrequently: true });
  if (!ctx) throw new Error('no 2D canvas context');
  const sky = ctx.createLinearGradient(0, 0, 0, H);
  sky.addColorStop(0, '#1e3c72');
  sky.addColorStop(1, '#f5a25d');
  ctx.fillStyle = sky;
  ctx.fillRect(0, 0, W, H);
  ctx.fillStyle = '#ffe66d';
  ctx.beginPath();
  ctx.arc(96, 30, 14, 0, 2 * Math.PI);
  ctx.fill();
  ctx.fillStyle = '#2d6a4f';
  ctx.beginPath();
  ctx.moveTo(0, H);
  ctx.lineTo(0, 62);
  ctx.quadraticCurveTo(40, 40, 80, 66);
  ctx.quadraticCurveTo(104, 58, W, 70);
  ctx.lineTo(W, H);
  ctx.fill();
  // Fine stripes and a checker: where aliasing and ringing show.
  for (let x = 0; x < 40; x += 2) {
    ctx.fillStyle = '#fff';
    ctx.fillRect(6 + x, 8, 1, 14);
  }
  for (let y = 0; y < 4; y++) {
    for (let x = 0; x < 4; x++) {
      ctx.fillStyle = (x + y) % 2 ? '#111' : '#eee';
      ctx.fillRect(8 + 3 * x, 28 + 3 * y, 3, 3);
    }
  }
  ctx.fillStyle = '#fff';
  ctx.font = 'bold 13px sans-serif';
  ctx.fillText('WebGPU', 8, 88);
  ctx.strokeStyle = '#000';
  ctx.lineWidth = 1;
  ctx.beginPath();
  ctx.moveTo(60, 10);
  ctx.lineTo(122, 50);
  ctx.stroke();
  return ctx.getImageData(0, 0, W, H);
}
