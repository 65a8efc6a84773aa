/**
 * Ours as a program, for the whole-process side of the native comparison: loads one ncnn model and
 * upscales every PNG of a folder, one tile per image, on WebGPU (this machine's adapter: SwiftShader when
 * there is no GPU) or on the CPU backend (the graph exported to ONNX, run by onnxruntime-node). Bundled by
 * bench/native/run.ts into one .mjs (rolldown) so that its start-up is Node's, not a TypeScript loader's.
 * Prints one JSON line (OursChildReport) on stdout.
 *
 *   node native-ours.mjs --backend webgpu|cpu --param P --bin B --in DIR --out DIR --tile T
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { WinogradOption } from '../../src/kernels/conv-winograd.js';
import { SWIFTSHADER_ICD } from '../../src/gpu/swiftshader.js';
import { createEngine, upscale, type Engine, type TileRunner, type UpscaledImage, type UpscaledImage16 } from '../../src/index.js';
import { loadNcnnModel, parseNcnnModel } from '../../src/model/ncnn/index.js';
import { createCpuUpscaler, readImage, writeImage, type ImageFile } from '../../src/node.js';

export interface OursChildReport {
  backend: 'webgpu' | 'cpu';
  adapter: string;
  /** From process start (Node's time origin) to the model ready to run. */
  readyMs: number;
  /** Each image's upscale() call (decode and encode excluded), in order: the first includes shader compiles. */
  imagesMs: number[];
}

async function main(): Promise<void> {
  const { values: v } = parseArgs({
    options: {
      backend: { type: 'string' },
      param: { type: 'string' },
      bin: { type: 'string' },
      in: { type: 'string' },
      out: { type: 'string' },
      tile: { type: 'string' },
      // The CLI's default (bin/node-engine.ts CLI_WINOGRAD): F(6,3) on a software adapter.
      winograd: { type: 'string', default: process.env.BENCH_WINOGRAD ?? 'auto' },
    },
  });
  const backend = v.backend === 'cpu' ? 'cpu' : 'webgpu';
  const tileSize = Number(v.tile);
  const source = { param: readFileSync(v.param!, 'utf8'), bin: new Uint8Array(readFileSync(v.bin!)), file: v.param! };
  const files = readdirSync(v.in!)
    .filter((f) => f.endsWith('.png'))
    .sort();
  let backendOf: TileRunner | null = null;
  let run: (image: ImageFile) => Promise<UpscaledImage | UpscaledImage16>;
  let adapter: string;
  let engine: Engine | null = null;
  if (backend === 'cpu') {
    const cpu = await createCpuUpscaler(parseNcnnModel(source));
    backendOf = cpu;
    run = (image) => upscale(cpu, image, { tileSize });
    adapter = 'onnxruntime-node CPU';
  } else {
    if (!process.env.VK_ICD_FILENAMES && existsSync(SWIFTSHADER_ICD)) process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
    process.env.XDG_RUNTIME_DIR ??= tmpdir();
    const gpu = await createEngine({ winograd: v.winograd as WinogradOption });
    engine = gpu;
    adapter = `${gpu.adapterInfo.description || gpu.adapterInfo.vendor} (winograd ${gpu.winograd})`;
    const model = loadNcnnModel(gpu, source);
    run = (image) => upscale(gpu, image, { model, tileSize });
  }
  const readyMs = performance.now();
  const imagesMs: number[] = [];
  for (const f of files) {
    const image = await readImage(join(v.in!, f));
    const t0 = performance.now();
    const out = await run(image);
    imagesMs.push(performance.now() - t0);
    await writeImage(join(v.out!, f), out);
  }
  const report: OursChildReport = { backend, adapter, readyMs, imagesMs };
  console.log(JSON.stringify(report));
  await backendOf?.dispose();
  engine?.destroy();
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e instanceof Error ? (e.stack ?? e.message) : e);
    process.exit(1);
  },
);
