/**
 * The CPU backend against WebGPU on this machine's adapter (SwiftShader when
 * there is no GPU): wall time of `upscale()` on the same image, same model,
 * same tile plan rules, for default-model ×2 at 256² and esrgan-slim ×4 at
 * 128² (the sample image, resized). Setup is timed apart and not included:
 * ONNX Runtime's session creation (export + load) and, for WebGPU, engine
 * creation and model upload. WebGPU's first run includes its shader
 * compilations, so it is reported cold and (with --warm) warm; the CPU backend
 * compiles nothing, so its runs are medians of --reps.
 *
 *   node bench/cpu-backend.mjs [--reps 3] [--warm] [--threads N] [--opt all|basic|disabled] [--tile N] [--no-webgpu]
 *
 * Without --hardware (or VK_ICD_FILENAMES set), Dawn runs on SwiftShader, as the tests do.
 */
import { existsSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import sharp from 'sharp';
import { SWIFTSHADER_ICD } from '../src/gpu/swiftshader.js';
import { createEngine, upscale, type RgbaImage } from '../src/index.js';
import { createCpuUpscaler, loadModelFromPackage, type PackagedModel } from '../src/node.js';

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function sampleAt(size: number): Promise<RgbaImage> {
  const { data, info } = await sharp('assets/sample.png')
    .resize(size, size, { kernel: 'lanczos3' })
    .ensureAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data: new Uint8ClampedArray(data), width: info.width, height: info.height };
}

const arg = (argv: string[], name: string): string | undefined => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};

export async function main(argv: string[]): Promise<number> {
  const reps = Number(arg(argv, '--reps') ?? 3);
  const threads = arg(argv, '--threads');
  const opt = arg(argv, '--opt') as 'all' | 'basic' | 'disabled' | undefined;
  const tile = arg(argv, '--tile');
  const tileSize = tile ? Number(tile) : undefined;
  if (!argv.includes('--hardware') && !process.env.VK_ICD_FILENAMES && existsSync(SWIFTSHADER_ICD))
    process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
  process.env.XDG_RUNTIME_DIR ??= tmpdir();
  const sessionOptions = { ...(threads ? { intraOpNumThreads: Number(threads) } : {}), ...(opt ? { graphOptimizationLevel: opt } : {}) };
  console.log(
    `CPU: ${cpus()[0]?.model} ×${cpus().length}; ORT session options ${JSON.stringify(sessionOptions)}; tileSize ${tileSize ?? 'default'}`,
  );
  const cases: [PackagedModel, number, number][] = [
    ['default-model', 2, 256],
    ['esrgan-slim', 4, 128],
  ];
  const engine = argv.includes('--no-webgpu') ? null : await createEngine();
  if (engine) console.log(`WebGPU adapter: ${engine.adapterInfo.description}`);
  try {
    for (const [pkg, scale, size] of cases) {
      const image = await sampleAt(size);
      let t0 = performance.now();
      const runner = await createCpuUpscaler(pkg, scale, { sessionOptions });
      const setup = performance.now() - t0;
      const cpuMs: number[] = [];
      let tiles = 0;
      for (let i = 0; i < reps; i++) {
        t0 = performance.now();
        await upscale(runner, image, { tileSize, onProgress: (p) => (tiles = p.total) });
        cpuMs.push(performance.now() - t0);
      }
      await runner.dispose();
      const cpu = median(cpuMs);
      let line = `${pkg} ×${scale} @${size}²: CPU backend ${cpu.toFixed(0)} ms (median of ${reps}: ${cpuMs.map((m) => m.toFixed(0)).join(', ')}; ${tiles} tiles; session ${setup.toFixed(0)} ms)`;
      if (engine) {
        const model = loadModelFromPackage(engine, pkg, scale);
        t0 = performance.now();
        await upscale(engine, image, { model, tileSize });
        const cold = performance.now() - t0;
        line += `; WebGPU cold ${cold.toFixed(0)} ms = ${(cold / cpu).toFixed(1)}×`;
        if (argv.includes('--warm')) {
          t0 = performance.now();
          await upscale(engine, image, { model, tileSize });
          const warm = performance.now() - t0;
          line += `, warm ${warm.toFixed(0)} ms = ${(warm / cpu).toFixed(1)}×`;
        }
        model.dispose();
      }
      console.log(line);
    }
  } finally {
    engine?.destroy();
  }
  return 0;
}
