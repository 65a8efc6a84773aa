/**
 * Anime4K end to end against WebSR itself, in one headless Chromium page
 * (WebGPU on SwiftShader): the same ImageBitmap goes through @websr/websr's
 * own networks and through loadAnime4k, and the interior of the ×2 outputs
 * agree to one 8-bit level.
 *
 * WebSR draws into a canvas's 'webgpu' context. Headless SwiftShader gives no
 * usable one, so the canvas gets a stub: an object on GPUCanvasContext.prototype
 * (WebSR checks `instanceof`) whose configure() does nothing and whose
 * getCurrentTexture() returns one rgba8unorm texture (RENDER_ATTACHMENT |
 * COPY_SRC) that the test reads back. Everything else is WebSR's code, run as
 * its UMD bundle (dist/websr.js).
 *
 * Tolerance, in 8-bit levels: WebSR's display pass writes rgba8unorm, and
 * float → unorm conversion may give either of the two nearest levels (WebGPU
 * and Vulkan allow both), so its byte q is within 1 level of its float w;
 * w and our float f differ only by float32 summation order (≤ δ, bounded as in
 * test/anime4k.test.ts). Hence |q − 255·clamp(f)| < 1 + 255·δ, and our
 * once-rounded byte differs from q by at most 1.
 *
 * Border: WebSR does not pad (its 3×3 taps wrap rows or read robust-access
 * values) and samples the residual with 'repeat'; it also dispatches
 * ⌊W/8⌋×⌊H/8⌋ workgroups of 8×8, so a frame whose sides are not multiples of
 * 8 has unwritten right/bottom pixels. We compare input pixels at least
 * receptiveRadius + 2 from every edge of a 64×48 frame, and print the border's
 * difference for information.
 *
 * Timing (printed, no thresholds): one frame is ImageBitmap → GPU → network →
 * the GPU queue drained, readback excluded, for both. WebSR's frame also
 * recompiles its first and last layers' pipelines (its feedForward calls
 * lazyLoadSetup every frame); that is its real per-frame cost, so it counts.
 * 320×180 is not a multiple of 8 in height, so WebSR leaves its last 4 rows
 * unwritten there (it does slightly less work than we do).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectWebGPUAdapter, openPage, useBrowser, type OpenedPage } from './harness.js';

const h = useBrowser();
const websrDir = dirname(createRequire(import.meta.url).resolve('@websr/websr/package.json'));
const weights = (file: string): unknown => JSON.parse(readFileSync(join(websrDir, 'weights/anime4k', `${file}.json`), 'utf8'));

interface Compared {
  /** max |q − 255·clamp(f)| over the interior, in levels (q: WebSR's byte, f: our float). */
  maxLevels: number;
  /** max |q − round(255·clamp(f))| over the interior (bytes). */
  maxBytes: number;
  /** How many interior values differ by one byte. */
  offByOne: number;
  compared: number;
  /** max byte difference over the whole image, border included (information only). */
  maxBytesAll: number;
  /** Float32 disagreement bound δ (as a fraction of 1). */
  delta: number;
  where: string;
  range: [number, number];
}

interface Timing {
  websrFirst: number;
  websr: number[];
  oursFirst: number;
  ours: number[];
}

/** What the page's kit returns (see `install` below). */
interface Kit {
  compare(network: string, json: unknown, W: number, H: number): Promise<Compared>;
  time(network: string, json: unknown, W: number, H: number, frames: number): Promise<Timing>;
}

/** Installs the kit in the page: WebSR's bundle, our library, the stub context and the test frame. */
async function install(opened: OpenedPage): Promise<void> {
  const { page } = opened;
  await expectWebGPUAdapter(page);
  await page.addScriptTag({ content: readFileSync(join(websrDir, 'dist/websr.js'), 'utf8') });
  await page.evaluate(async () => {
    // Through Function: vitest would rewrite a literal import() in this (serialized) callback.
    const m = await (new Function('p', 'return import(p)') as (p: string) => Promise<any>)('/src/index.ts'); // eslint-disable-line @typescript-eslint/no-explicit-any
    const WebSR = (globalThis as any).WebSR; // eslint-disable-line @typescript-eslint/no-explicit-any
    if (typeof WebSR !== 'function') throw new Error(`dist/websr.js did not define window.WebSR (got ${typeof WebSR})`);
    const engine = await m.createEngine();

    /** W×H frame: smooth waves in R, hard vertical/diagonal edges in G, a disc and a checker in B. */
    const frame = async (W: number, H: number): Promise<ImageBitmap> => {
      const canvas = document.createElement('canvas');
      [canvas.width, canvas.height] = [W, H];
      const ctx = canvas.getContext('2d')!;
      const img = ctx.createImageData(W, H);
      for (let y = 0; y < H; y++) {
        for (let x = 0; x < W; x++) {
          const p = 4 * (y * W + x);
          img.data[p] = 128 + 100 * Math.sin(x / 5) * Math.cos(y / 7);
          img.data[p + 1] = x < W / 2 ? 30 + x : x + y < W ? 220 : 120;
          const d = Math.hypot(x - W / 3, y - H / 2);
          img.data[p + 2] = d < H / 4 ? 240 : ((x >> 2) + (y >> 2)) % 2 ? 90 : 10;
          img.data[p + 3] = 255;
        }
      }
      ctx.putImageData(img, 0, 0);
      return createImageBitmap(canvas);
    };

    /** WebSR on its own device, drawing into a stub canvas context; returns a function per frame and a reader. */
    const websr = async (network: string, json: unknown) => {
      const adapter = (await navigator.gpu.requestAdapter())!;
      const device = await adapter.requestDevice();
      const errors: string[] = [];
      device.addEventListener('uncapturederror', (e) => errors.push((e as GPUUncapturedErrorEvent).error.message));
      const canvas = document.createElement('canvas');
      let texture: GPUTexture | null = null;
      const stub = Object.create(GPUCanvasContext.prototype) as GPUCanvasContext;
      Object.defineProperties(stub, {
        canvas: { value: canvas },
        configure: { value: () => {} },
        unconfigure: { value: () => {} },
        getCurrentTexture: {
          value: () =>
            (texture ??= device.createTexture({
              size: [canvas.width, canvas.height],
              format: 'rgba8unorm',
              usage: GPUTextureUsage.RENDER_ATTACHMENT | GPUTextureUsage.COPY_SRC,
            })),
        },
      });
      const getContext = canvas.getContext.bind(canvas) as (t: string, o?: unknown) => unknown;
      (canvas as unknown as { getContext: unknown }).getContext = (type: string, o?: unknown) =>
        type === 'webgpu' ? stub : getContext(type, o);
      const sr = new WebSR({ network_name: network, weights: json, gpu: device, canvas });
      const render = async (bitmap: ImageBitmap): Promise<void> => {
        await sr.render(bitmap);
        await device.queue.onSubmittedWorkDone();
        if (errors.length) throw new Error(`WebSR (${network}): ${errors[0]}`);
      };
      const read = async (): Promise<{ bytes: Uint8Array; width: number; height: number }> => {
        const t = texture!;
        const bytesPerRow = Math.ceil((4 * t.width) / 256) * 256;
        const buf = device.createBuffer({ size: bytesPerRow * t.height, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
        const enc = device.createCommandEncoder();
        enc.copyTextureToBuffer({ texture: t }, { buffer: buf, bytesPerRow }, [t.width, t.height]);
        device.queue.submit([enc.finish()]);
        await buf.mapAsync(GPUMapMode.READ);
        const padded = new Uint8Array(buf.getMappedRange());
        const bytes = new Uint8Array(4 * t.width * t.height);
        for (let y = 0; y < t.height; y++) bytes.set(padded.subarray(y * bytesPerRow, y * bytesPerRow + 4 * t.width), 4 * t.width * y);
        buf.destroy();
        return { bytes, width: t.width, height: t.height };
      };
      // WebSR.destroy() destroys the device it was given (ours, made above).
      return { render, read, destroy: () => sr.destroy() };
    };

    /** Our model on the page's engine: ImageBitmap → fromImage → run; the output tensor (caller disposes). */
    const ours = (json: unknown) => {
      const model = m.loadAnime4k(engine, json);
      const run = async (bitmap: ImageBitmap) => {
        const x = await m.fromImage(engine, bitmap, { range: [0, 1] });
        const y = model.run(x);
        x.dispose();
        await engine.flush();
        return y;
      };
      return { model, run };
    };

    const kit: Kit = {
      async compare(network, json, W, H) {
        const bitmap = await frame(W, H);
        const theirs = await websr(network, json);
        await theirs.render(bitmap);
        const { bytes, width: oW, height: oH } = await theirs.read();
        await theirs.destroy();
        const { model, run } = ours(json);
        const y = await run(bitmap);
        const f: Float32Array = await y.read();
        y.dispose();
        const R: number = model.receptiveRadius;
        const s: number = model.scale;
        if (oW !== s * W || oH !== s * H) throw new Error(`WebSR output ${oW}×${oH}, ours ${s * W}×${s * H}`);
        // δ: each float32 implementation is within terms·2⁻²⁴·peak of the exact sums (peak ≤ 4 here).
        let terms = 0;
        for (const n of model.graph.nodes) if (n.kind === 'conv') terms += n.weightShape[1] * n.weightShape[2] * n.weightShape[3];
        const delta = 2 * terms * 2 ** -24 * 4;
        model.dispose();
        const margin = s * (R + 2);
        let [maxLevels, maxBytes, offByOne, compared, maxBytesAll, where] = [0, 0, 0, 0, 0, ''];
        let [lo, hi] = [Infinity, -Infinity];
        for (let c = 0; c < 3; c++) {
          for (let oy = 0; oy < oH; oy++) {
            for (let ox = 0; ox < oW; ox++) {
              const v = f[(c * oH + oy) * oW + ox];
              [lo, hi] = [Math.min(lo, v), Math.max(hi, v)];
              const level = 255 * Math.min(1, Math.max(0, v));
              const q = bytes[4 * (oy * oW + ox) + c];
              const db = Math.abs(q - Math.round(level));
              maxBytesAll = Math.max(maxBytesAll, db);
              if (oy < margin || ox < margin || oy >= oH - margin || ox >= oW - margin) continue;
              compared++;
              if (db === 1) offByOne++;
              maxBytes = Math.max(maxBytes, db);
              const dl = Math.abs(q - level);
              if (dl > maxLevels) [maxLevels, where] = [dl, `c${c} y${oy} x${ox}: WebSR ${q}, ours ${level.toFixed(4)}`];
            }
          }
        }
        return { maxLevels, maxBytes, offByOne, compared, maxBytesAll, delta, where, range: [lo, hi] };
      },

      async time(network, json, W, H, frames) {
        const bitmap = await frame(W, H);
        const clock = async (fn: () => Promise<void>) => {
          const t0 = performance.now();
          await fn();
          return performance.now() - t0;
        };
        const theirs = await websr(network, json);
        const websrFirst = await clock(() => theirs.render(bitmap));
        const websrMs: number[] = [];
        for (let i = 0; i < frames; i++) websrMs.push(await clock(() => theirs.render(bitmap)));
        await theirs.destroy();
        const { model, run } = ours(json);
        const oursFrame = async () => (await run(bitmap)).dispose();
        const oursFirst = await clock(oursFrame);
        const oursMs: number[] = [];
        for (let i = 0; i < frames; i++) oursMs.push(await clock(oursFrame));
        model.dispose();
        return { websrFirst, websr: websrMs, oursFirst, ours: oursMs };
      },
    };
    (globalThis as unknown as { websrKit: Kit }).websrKit = kit;
  });
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

describe('Anime4K: our loadAnime4k == WebSR itself, same frame, same page (interior, 8-bit)', () => {
  let opened: OpenedPage;
  beforeAll(async () => {
    opened = await openPage(h, '/demo/index.html?method=engine:conv-transpose&image=sample');
    await install(opened);
  }, 120_000);

  const nets: [file: string, network: string][] = [
    ['cnn-2x-s-an', 'anime4k/cnn-2x-s'],
    ['cnn-2x-m-an', 'anime4k/cnn-2x-m'],
    ['cnn-2x-l-an', 'anime4k/cnn-2x-l'],
  ];
  for (const [file, network] of nets) {
    it(`${file}: |WebSR byte − 255·ours| < 1 + 255·δ on the interior of a 64×48 frame`, async () => {
      const json = weights(file);
      const r = await opened.page.evaluate(([n, j]) => (globalThis as unknown as { websrKit: Kit }).websrKit.compare(n, j, 64, 48), [
        network,
        json,
      ] as const);
      console.log(
        `${file} 64×48 → 128×96: interior ${r.compared} values, max ${r.maxLevels.toFixed(4)} levels (${r.maxBytes} byte; ${r.offByOne} off by one); ` +
          `whole image incl. border: max ${r.maxBytesAll} bytes; ours in [${r.range[0].toFixed(3)}, ${r.range[1].toFixed(3)}]; worst at ${r.where}`,
      );
      expect(r.compared).toBeGreaterThan(1000);
      // Not a blank image: the frame's edges and waves span most of [0, 1].
      expect(r.range[1] - r.range[0]).toBeGreaterThan(0.5);
      expect(r.maxLevels, r.where).toBeLessThan(1 + 255 * r.delta);
      expect(r.maxBytes).toBeLessThanOrEqual(1);
      expect(opened.errors).toEqual([]);
    }, 120_000);
  }

  // Printed for the record, no thresholds; S only, to keep the suite short (M and L: ~30 s more on SwiftShader).
  it('per-frame time at 320×180, WebSR vs ours, cnn-2x-s (SwiftShader; printed, no thresholds)', async () => {
    const lines: string[] = [];
    for (const [file, network] of nets.slice(0, 1)) {
      const json = weights(file);
      const frames = 3;
      const t = await opened.page.evaluate(([n, j, k]) => (globalThis as unknown as { websrKit: Kit }).websrKit.time(n, j, 320, 180, k), [
        network,
        json,
        frames,
      ] as const);
      lines.push(
        `${file} 320×180 → 640×360, median of ${t.ours.length} frames after one warm-up: ` +
          `WebSR ${median(t.websr).toFixed(0)} ms (first ${t.websrFirst.toFixed(0)} ms), ours ${median(t.ours).toFixed(0)} ms (first ${t.oursFirst.toFixed(0)} ms)`,
      );
    }
    console.log(lines.join('\n'));
    expect(opened.errors).toEqual([]);
  }, 600_000);
});
