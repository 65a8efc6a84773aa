#!/usr/bin/env node
// Per-frame submits, CPU waits and time of the video path, before/after the one-submission-path change,
// interleaved A/B in ONE process (Dawn; SwiftShader unless --hardware): both trees are loaded through
// Vite's SSR loader, each with its own engine, and frames alternate between them.
//
//   git archive <before-commit> | tar -x -C /tmp/before && ln -s "$PWD/node_modules" /tmp/before/node_modules
//   node bench/submission-ab.mjs --before /tmp/before [--after /tmp/after] [--reps 7] [--filter TEXT] [--hardware]
//
// A frame is what createVideoUpscaler does per frame, minus the DOM: the frame's bytes are written into
// the input texture (standing in for copyExternalImageToTexture), upscaled, and shown:
//  - '2d': read back to the CPU (what the upscaler does on SwiftShader);
//  - 'webgpu': written into a storage texture standing in for the canvas's current texture (after) or
//    copied into one (before); frames are paced as the upscaler paces them, and the time per frame is a
//    run of frames (ending with a wait for the GPU) divided by their number.
// "before" runs the old createVideoUpscaler's steps (upscaleTexture, then its own copy/readback submit),
// "after" the new one's (recordTextureTiles, the readback copy in the same command buffer). Submits and
// waits are counted by wrapping GPUQueue.submit / onSubmittedWorkDone, GPUBuffer.mapAsync and
// GPUDevice.popErrorScope, the same counter for both trees (the new 'webgpu' path's completion watch, an
// onSubmittedWorkDone nobody awaits, is not a wait; its pacing wait, when the GPU is a frame behind, is).
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { tmpdir } from 'node:os';
import { createServer } from 'vite';

const argv = process.argv.slice(2);
const arg = (name, fallback) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : fallback;
};
const before = resolve(arg('--before', '/tmp/before'));
// Default: this checkout (with whatever else is in it); a clean `git archive` of the commit to measure keeps others' work out.
const after = resolve(arg('--after', new URL('..', import.meta.url).pathname));
const reps = Number(arg('--reps', 7));
const ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';
if (!argv.includes('--hardware') && !process.env.VK_ICD_FILENAMES && existsSync(ICD)) process.env.VK_ICD_FILENAMES = ICD;
process.env.XDG_RUNTIME_DIR ??= tmpdir();

const root = new URL('..', import.meta.url).pathname;
const server = await createServer({
  configFile: join(root, 'vite.config.ts'),
  logLevel: 'error',
  server: { middlewareMode: true, hmr: false, watch: null, fs: { allow: [root, before, after] } },
});

/** One tree's modules: '/src/…' of the repository, or of the `before` checkout. */
async function tree(label, dir) {
  const load = (p) => server.ssrLoadModule(resolve(dir) === resolve(root) ? p : `/@fs${join(dir, p)}`);
  // Not src/index.ts: only what the bench needs, so unrelated half-committed modules cannot stop it.
  const [engine, anime4k, texture, loadNode] = await Promise.all([
    load('/src/engine.ts'),
    load('/src/model/anime4k.ts'),
    load('/src/upscale/upscale-texture.ts'),
    load('/src/model/load-node.ts'),
  ]);
  return { label, index: { createEngine: engine.createEngine, loadAnime4k: anime4k.loadAnime4k }, texture, loadNode };
}

const counts = { submits: 0, waits: 0, dispatches: 0 };
/** While set, calls are not counted: the new path's completion watch (an onSubmittedWorkDone nobody awaits). */
let watching = false;
function countCalls(device) {
  const wrap = (proto, name, key) => {
    const f = proto[name];
    if (f.__counted) return;
    proto[name] = function (...a) {
      if (!watching) counts[key]++;
      return f.apply(this, a);
    };
    proto[name].__counted = true;
  };
  wrap(Object.getPrototypeOf(device.queue), 'submit', 'submits');
  wrap(Object.getPrototypeOf(device.queue), 'onSubmittedWorkDone', 'waits');
  wrap(Object.getPrototypeOf(device), 'popErrorScope', 'waits');
  const probe = device.createBuffer({ size: 4, usage: GPUBufferUsageMapRead | GPUBufferUsageCopyDst });
  wrap(Object.getPrototypeOf(probe), 'mapAsync', 'waits');
  probe.destroy();
  const enc = device.createCommandEncoder();
  const pass = enc.beginComputePass();
  wrap(Object.getPrototypeOf(pass), 'dispatchWorkgroups', 'dispatches');
  pass.end();
  enc.finish();
}
const GPUBufferUsageMapRead = 1;
const GPUBufferUsageCopyDst = 8;
const TEX = { COPY_SRC: 1, COPY_DST: 2, TEXTURE_BINDING: 4, STORAGE_BINDING: 8, RENDER_ATTACHMENT: 16 };

const anime4kS = JSON.parse(
  readFileSync(
    join(dirname(createRequire(import.meta.url).resolve('@websr/websr/package.json')), 'weights/anime4k/cnn-2x-s-an.json'),
    'utf8',
  ),
);

/** A video path over one tree: `frame(t)` upscales and shows synthetic frame t; `drain()` waits for the GPU. */
async function videoPath(t, { network, width, height, tileSize, show }) {
  // Winograd off: the conv kernels as they were before (trees that predate the option ignore it), so only the submission path differs.
  const engine = await t.index.createEngine({ winograd: 'off' });
  countCalls(engine.device);
  const model = network === 'anime4k-s' ? t.index.loadAnime4k(engine, anime4kS) : t.loadNode.loadModelFromPackage(engine, 'esrgan-slim', 2);
  const s = model.scale;
  const { device } = engine;
  const input = device.createTexture({
    size: [width, height],
    format: 'rgba8unorm',
    usage: TEX.TEXTURE_BINDING | TEX.COPY_DST | TEX.RENDER_ATTACHMENT,
  });
  const output = device.createTexture({
    size: [width * s, height * s],
    format: 'rgba8unorm',
    usage: TEX.STORAGE_BINDING | TEX.TEXTURE_BINDING | TEX.COPY_SRC,
  });
  const canvas = device.createTexture({ size: [width * s, height * s], format: 'rgba8unorm', usage: TEX.STORAGE_BINDING | TEX.COPY_DST });
  const bytesPerRow = Math.ceil((width * s * 4) / 256) * 256;
  const readback = device.createBuffer({ size: bytesPerRow * height * s, usage: GPUBufferUsageMapRead | GPUBufferUsageCopyDst });
  const frames = Array.from({ length: 4 }, (_, k) =>
    Uint8Array.from({ length: width * height * 4 }, (_, i) => (i % 4 === 3 ? 255 : (i * 31 + k * 97 + (i >> 7)) & 255)),
  );
  const copy = (enc) =>
    show === '2d'
      ? enc.copyTextureToBuffer({ texture: output }, { buffer: readback, bytesPerRow }, [width * s, height * s])
      : enc.copyTextureToTexture({ texture: output }, { texture: canvas }, [width * s, height * s]);
  const isNew = typeof t.texture.recordTextureTiles === 'function';
  let tables = null;
  let plan = null;
  let busy = null;
  const frame = async (k) => {
    device.queue.writeTexture({ texture: input }, frames[k % frames.length], { bytesPerRow: width * 4 }, [width, height]);
    if (!isNew) {
      // The old createVideoUpscaler: upscaleTexture, then show() with its own submit and wait.
      await t.texture.upscaleTexture(engine, input, { model, output, alpha: 'opaque', maxTileBytes: 256 * 2 ** 20, tileSize });
      const enc = device.createCommandEncoder();
      copy(enc);
      device.queue.submit([enc.finish()]);
      if (show === '2d') {
        await readback.mapAsync(1);
        readback.unmap();
      } else await device.queue.onSubmittedWorkDone();
      return;
    }
    // The new createVideoUpscaler: the whole frame on the runner; 2D readback in the same command buffer.
    const runner = engine.kernelContext('bench').runner;
    tables ??= t.texture.textureTables(engine, 'bench', model);
    plan ??= t.texture.textureTilePlan(engine, 'bench', model, width, height, { maxTileBytes: 256 * 2 ** 20, tileSize });
    if (busy && !busy.settled) {
      counts.waits++; // pacing: the GPU is still on the previous frame
      await runner.wait(busy.done);
    }
    const target = show === '2d' ? output : canvas;
    t.texture.recordTextureTiles(engine, { model, texture: input, output: target, tables, alpha: false }, plan);
    if (show === '2d') {
      runner.encode((enc) => copy(enc));
      runner.submit();
      await runner.wait(readback.mapAsync(1));
      readback.unmap();
      return;
    }
    runner.submit();
    const b = { settled: false };
    watching = true;
    b.done = device.queue.onSubmittedWorkDone().then(() => void (b.settled = true));
    watching = false;
    busy = b;
  };
  const drain = async () => {
    if (busy) await busy.done;
  };
  const dispose = () => {
    tables?.dispose();
    model.dispose();
    for (const x of [input, output, canvas]) x.destroy();
    readback.destroy();
    engine.destroy();
  };
  return { frame, drain, dispose };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

const CASES = [
  { name: 'Anime4K S ×2, 96×64, one tile, 2D readback', network: 'anime4k-s', width: 96, height: 64, show: '2d', run: 4 },
  { name: 'Anime4K S ×2, 96×64, one tile, webgpu canvas', network: 'anime4k-s', width: 96, height: 64, show: 'webgpu', run: 4 },
  { name: 'Anime4K S ×2, 96×64, 2×2 tiles, 2D readback', network: 'anime4k-s', width: 96, height: 64, tileSize: 48, show: '2d', run: 4 },
  { name: 'esrgan-slim ×2, 32×24, one tile, 2D readback', network: 'esrgan-slim', width: 32, height: 24, show: '2d', run: 1 },
];

const filter = arg('--filter', '');
const A = await tree('before', before);
const B = await tree('after', after);
const rows = [];
try {
  for (const c of CASES.filter((c) => !filter || c.name.includes(filter))) {
    const paths = [await videoPath(A, c), await videoPath(B, c)];
    const per = [
      { ms: [], submits: 0, waits: 0, dispatches: 0, frames: 0 },
      { ms: [], submits: 0, waits: 0, dispatches: 0, frames: 0 },
    ];
    for (const p of paths) {
      for (let k = 0; k < 2; k++) await p.frame(k); // compile, prepack, fill the pools
      await p.drain();
    }
    for (let r = 0; r < reps; r++) {
      for (const i of r % 2 ? [1, 0] : [0, 1]) {
        const p = paths[i];
        const c0 = { ...counts };
        const t0 = performance.now();
        for (let k = 0; k < c.run; k++) await p.frame(k);
        const c1 = { ...counts };
        await p.drain();
        per[i].ms.push((performance.now() - t0) / c.run);
        per[i].submits += c1.submits - c0.submits;
        per[i].waits += c1.waits - c0.waits;
        per[i].dispatches += c1.dispatches - c0.dispatches;
        per[i].frames += c.run;
      }
    }
    for (const p of paths) p.dispose();
    const summary = (q) => ({
      ms: median(q.ms),
      min: Math.min(...q.ms),
      submits: q.submits / q.frames,
      waits: q.waits / q.frames,
      dispatches: q.dispatches / q.frames,
    });
    const row = { case: c.name, before: summary(per[0]), after: summary(per[1]) };
    rows.push(row);
    console.log(JSON.stringify(row));
  }
} finally {
  await server.close();
}
console.log('\n| case | submits/frame before → after | waits/frame before → after | ms/frame before → after (median) |');
console.log('|---|---|---|---|');
for (const r of rows) {
  const f = (x) => (Number.isInteger(x) ? String(x) : x.toFixed(2));
  console.log(
    `| ${r.case} | ${f(r.before.submits)} → ${f(r.after.submits)} | ${f(r.before.waits)} → ${f(r.after.waits)} | ${r.before.ms.toFixed(1)} → ${r.after.ms.toFixed(1)} (${(r.before.ms / r.after.ms).toFixed(2)}×) |`,
  );
}
process.exit(0);
