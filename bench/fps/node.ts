/**
 * Frames per second in Node (Dawn): the GPU-resident path against the CPU
 * round trip for Anime4K S/M/L and esrgan-slim ×2, on synthetic frames that
 * are rgba8unorm GPUTextures (what a Node pipeline holds after decoding to
 * the GPU), and WebSR on the same frames (its own code with a stub canvas
 * context: bench/fps/websr-node.ts), so a GPU machine without a browser can
 * time all three.
 *
 * Plain Node: files come through node:fs and createRequire (no Vite
 * features), so bench/node-gpu.ts can bundle this with esbuild and run it
 * where only node_modules/webgpu, @websr/websr and @upscalerjs/* exist.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { loadAnime4k, type Engine, type UpscaleModel } from '../../src/index.js';
import { TextureUsage } from '../../src/gpu/constants.js';
import { loadModelFromPackage } from '../../src/model/load-node.js';
import { openWebSRNode } from './websr-node.js';
import { FPS_NETWORKS, FPS_NETWORK_IDS, fpsCase, type FpsCase, type FpsNetwork } from './cases.js';
import type { FpsResult } from './measure.js';
import { DISTINCT_FRAMES, framePattern } from './pattern.js';
import { textureReader } from './paths.js';
import { FPS_METHOD, fpsNotes, fpsTable } from './report.js';
import { measureFps } from './run.js';

/**
 * 'gpu': the issue's 640×360 → 1280×720, 30 frames after 3 of warm-up. 'small': a 64×48 smoke run for
 * a software adapter, where esrgan-slim takes seconds per frame (so it gets 2 timed frames, the rest 3).
 */
export function fpsNodeCases(size: 'small' | 'gpu'): FpsCase[] {
  return FPS_NETWORK_IDS.map((n) => (size === 'gpu' ? fpsCase(n, 640, 360, 30, 3) : fpsCase(n, 64, 48, n === 'esrgan-slim-x2' ? 2 : 3, 1)));
}

/** Loads a network from its package on disk; the caller disposes it. */
export function loadFpsModelNode(engine: Engine, network: FpsNetwork): { model: UpscaleModel; label: string; json?: unknown } {
  const info = FPS_NETWORKS[network];
  if (info.anime4kFile) {
    const dir = dirname(createRequire(import.meta.url).resolve('@websr/websr/package.json'));
    const json: unknown = JSON.parse(readFileSync(join(dir, 'weights', 'anime4k', `${info.anime4kFile}.json`), 'utf8'));
    return { model: loadAnime4k(engine, json), label: `${info.label} (${info.anime4kFile})`, json };
  }
  return { model: loadModelFromPackage(engine, info.pkg!, info.scale), label: `${info.label} (@upscalerjs/${info.pkg})` };
}

/** DISTINCT_FRAMES textures of the synthetic pattern, cycled: frame i is texture i mod DISTINCT_FRAMES. */
function textureFrames(device: GPUDevice, width: number, height: number): { textures: GPUTexture[]; destroy(): void } {
  const textures = Array.from({ length: DISTINCT_FRAMES }, (_, t) => {
    const texture = device.createTexture({
      label: `fps frame ${t}`,
      size: [width, height],
      format: 'rgba8unorm',
      usage: TextureUsage.TEXTURE_BINDING | TextureUsage.COPY_SRC | TextureUsage.COPY_DST,
    });
    device.queue.writeTexture({ texture }, framePattern(width, height, t), { bytesPerRow: 4 * width }, [width, height]);
    return texture;
  });
  return { textures, destroy: () => textures.forEach((t) => t.destroy()) };
}

/** One case on `engine` with texture frames. */
export async function runFpsCaseNode(engine: Engine, c: FpsCase, log?: (line: string) => void): Promise<FpsResult> {
  const { model, label, json } = loadFpsModelNode(engine, c.network);
  const websrName = FPS_NETWORKS[c.network].websrName;
  const frames = textureFrames(engine.device, c.width, c.height);
  const reader = textureReader(engine.device, c.width, c.height);
  try {
    return await measureFps<GPUTexture>({
      engine,
      model,
      case: c,
      modelLabel: label,
      sourceKind: 'GPUTexture',
      source: { width: c.width, height: c.height, frame: (i) => frames.textures[i % DISTINCT_FRAMES], release: () => {} },
      gpuImage: (t) => t,
      rgba: async (t) => ({ data: await reader.read(t), width: c.width, height: c.height }),
      websr:
        websrName && json
          ? () =>
              openWebSRNode({
                network: websrName,
                weights: json,
                frames: frames.textures,
                pixels: (i) => framePattern(c.width, c.height, i),
              })
          : 'WebSR has no such network (Anime4K only)',
      log,
    });
  } finally {
    reader.destroy();
    frames.destroy();
    model.dispose();
  }
}

/** The fps cases of `size` on `engine`; returns the markdown section. */
export async function runFpsNode(engine: Engine, opts: { size: 'small' | 'gpu' }): Promise<string> {
  const results: FpsResult[] = [];
  for (const c of fpsNodeCases(opts.size)) results.push(await runFpsCaseNode(engine, c));
  const a = engine.adapterInfo;
  const adapter = [a.vendor, a.architecture, a.description || a.device].filter(Boolean).join(' / ') + (a.software ? ' (software)' : '');
  const notes = fpsNotes(results);
  return [
    `### Frames per second: GPU-resident vs CPU round trip vs WebSR (Node, ${opts.size})`,
    '',
    `Adapter: ${adapter}. Frames: rgba8unorm GPUTextures of a synthetic pattern (${DISTINCT_FRAMES} distinct frames, cycled). ` +
      'WebSR runs its own code in Node with a stub canvas context, its frames copied in on the GPU (bench/fps/websr-node.ts).',
    '',
    FPS_METHOD,
    '',
    ...fpsTable(results),
    '',
    ...(notes.length ? ['Notes:', '', ...notes, ''] : []),
  ].join('\n');
}
