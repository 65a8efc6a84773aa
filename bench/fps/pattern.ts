/**
 * The synthetic video: deterministic opaque RGBA frames with something for a
 * network to do in every channel (smooth waves in R, hard vertical and
 * diagonal edges in G, a disc over a checkerboard in B, as the WebSR
 * cross-check's frame), drifting a few pixels per frame so consecutive frames
 * differ. Plain bytes: Node uploads them to a texture, the page makes
 * VideoFrames of them.
 */

/** How many distinct frames a source cycles through (enough that no two consecutive frames are equal). */
export const DISTINCT_FRAMES = 4;

/** Frame `t` (0, 1, …) of the pattern at width × height, RGBA, alpha 255. */
export function framePattern(width: number, height: number, t: number): Uint8ClampedArray<ArrayBuffer> {
  const out = new Uint8ClampedArray(4 * width * height);
  const dx = 3 * t;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const p = 4 * (y * width + x);
      const u = x + dx;
      out[p] = 128 + 100 * Math.sin(u / 5) * Math.cos(y / 7);
      out[p + 1] = u % width < width / 2 ? 30 + (u % 200) : x + y < width ? 220 : 120;
      const d = Math.hypot(x - width / 3 - dx, y - height / 2);
      out[p + 2] = d < height / 4 ? 240 : ((u >> 2) + (y >> 2)) % 2 ? 90 : 10;
      out[p + 3] = 255;
    }
  }
  return out;
}
