/**
 * The video mode's synthetic source: frame t of a moving test pattern, as
 * RGBA bytes (a pure function of W, H and t, so a test can rebuild any frame
 * the page showed from its timestamp), and a live stream of VideoFrames made
 * from it at a steady rate, the way a camera pushes frames whether or not
 * anyone keeps up.
 */

/** Frame t, W×H RGBA, opaque: a drifting sine field (R), sliding bars (G) and a bouncing disc over a checker (B). */
export function patternFrame(W: number, H: number, t: number): Uint8ClampedArray<ArrayBuffer> {
  const data = new Uint8ClampedArray(W * H * 4);
  const cx = W / 2 + (W / 3) * Math.sin(t / 9);
  const cy = H / 2 + (H / 4) * Math.cos(t / 7);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const p = 4 * (y * W + x);
      data[p] = 128 + 110 * Math.sin((x + t) / 6) * Math.cos((y - t / 2) / 9);
      data[p + 1] = (x + 2 * t) % 24 < 12 ? 40 : 215;
      data[p + 2] = Math.hypot(x - cx, y - cy) < H / 5 ? 245 : ((x >> 3) + (y >> 3)) % 2 ? 100 : 15;
      data[p + 3] = 255;
    }
  }
  return data;
}

/** Microseconds per frame at `fps`; frame t has timestamp t · frameUs(fps) (so t = timestamp / frameUs). */
export const frameUs = (fps: number): number => Math.round(1e6 / fps);

/**
 * A live pattern: every 1/fps s the next frame is drawn on `canvas` (which
 * the page shows as the original) and pushed into `stream` as a VideoFrame.
 * Frames nobody has read yet are not kept: the newest replaces them (a
 * camera's behaviour), so a slow reader never builds a queue.
 */
export function livePattern(canvas: HTMLCanvasElement, fps: number): { stream: ReadableStream<VideoFrame>; stop(): void } {
  const { width: W, height: H } = canvas;
  const ctx = canvas.getContext('2d')!;
  let t = 0;
  let waiting: VideoFrame | null = null;
  let deliver: ((f: VideoFrame) => void) | null = null;
  const tick = (): void => {
    ctx.putImageData(new ImageData(patternFrame(W, H, t), W, H), 0, 0);
    const frame = new VideoFrame(canvas, { timestamp: t * frameUs(fps) });
    t++;
    if (deliver) {
      deliver(frame);
      deliver = null;
    } else {
      waiting?.close();
      waiting = frame;
    }
  };
  tick();
  const timer = setInterval(tick, 1000 / fps);
  const stream = new ReadableStream<VideoFrame>(
    {
      pull: (controller) =>
        new Promise<void>((resolve) => {
          const give = (f: VideoFrame): void => (controller.enqueue(f), resolve());
          if (waiting) {
            give(waiting);
            waiting = null;
          } else deliver = give;
        }),
      cancel: () => stop(),
    },
    { highWaterMark: 0 },
  );
  const stop = (): void => {
    clearInterval(timer);
    waiting?.close();
    waiting = null;
  };
  return { stream, stop };
}
