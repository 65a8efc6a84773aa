/**
 * Images in the browser: decoding a file to RGBA pixels, drawing pixels into
 * canvases, and the browser's own resampler (the "bicubic" baseline).
 */

/**
 * Decodes an image file to straight (not premultiplied) RGBA pixels, without
 * colour-space conversion, so the numbers are the file's numbers.
 */
export async function decodeImage(blob: Blob): Promise<ImageData> {
  const bmp = await createImageBitmap(blob, { premultiplyAlpha: 'none', colorSpaceConversion: 'none' });
  try {
    const c = document.createElement('canvas');
    c.width = bmp.width;
    c.height = bmp.height;
    const ctx = c.getContext('2d', { willReadFrequently: true });
    if (!ctx) throw new Error('no 2D canvas context');
    ctx.drawImage(bmp, 0, 0);
    return ctx.getImageData(0, 0, bmp.width, bmp.height);
  } finally {
    bmp.close();
  }
}

/** Puts pixels into `canvas` (resized to the image). */
export function drawPixels(canvas: HTMLCanvasElement, img: ImageData): void {
  canvas.width = img.width;
  canvas.height = img.height;
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new Error('no 2D canvas context');
  ctx.putImageData(img, 0, 0);
}

/** A new canvas holding `img`. */
export function canvasOf(img: ImageData): HTMLCanvasElement {
  const c = document.createElement('canvas');
  drawPixels(c, img);
  return c;
}

/**
 * Draws `src` into `canvas` at width×height. smooth=false repeats pixels
 * (nearest neighbour, how the original looks enlarged); smooth=true uses the
 * browser's 'high' quality resampler (bicubic-class in Chromium).
 */
export function drawScaled(canvas: HTMLCanvasElement, src: CanvasImageSource, width: number, height: number, smooth: boolean): void {
  canvas.width = width;
  canvas.height = height;
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new Error('no 2D canvas context');
  ctx.imageSmoothingEnabled = smooth;
  if (smooth) ctx.imageSmoothingQuality = 'high';
  ctx.drawImage(src, 0, 0, width, height);
}

/** The browser's 'high' quality canvas resampling of `img` by an integer factor. */
export function canvasResize(img: ImageData, scale: number): ImageData {
  const c = document.createElement('canvas');
  drawScaled(c, canvasOf(img), img.width * scale, img.height * scale, true);
  const ctx = c.getContext('2d', { willReadFrequently: true });
  if (!ctx) throw new Error('no 2D canvas context');
  return ctx.getImageData(0, 0, c.width, c.height);
}
