/**
 * Per-layer profile (engine.profile) of bundled ncnn models on a random 96² input (or --size),
 * for each `winograd` option given, plus each model's whole forward pass timed normally
 * (engine.timeGpu: one submit), interleaved between the options, medians of --reps.
 *
 *   node bench/kernels/profile.mjs [--models realesr-animevideov3-x4,upconv7] [--size 96]
 *                                  [--winograd off,auto,auto/f16] [--reps 3] [--layers]
 *
 * An option `W/f16` is winograd W with packed-half storage (the engine's storage: 'f16-packed');
 * the level column compares every option's output with the first option's.
 */
import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { parseArgs } from 'node:util';
import { createEngine, type Engine } from '../../src/engine.js';
import { formatProfile, type DispatchProfiles } from '../../src/gpu/profile.js';
import { SWIFTSHADER_ICD } from '../../src/gpu/swiftshader.js';
import type { WinogradOption } from '../../src/kernels/conv-winograd.js';
import { loadNcnnModel } from '../../src/model/ncnn/index.js';

const MODELS: Record<string, { param: string; bin: string }> = {
  'realesr-animevideov3-x4': {
    param: 'models/ncnn/realesr-animevideov3/realesr-animevideov3-x4.param',
    bin: 'models/ncnn/realesr-animevideov3/realesr-animevideov3.bin',
  },
  upconv7: {
    param: 'models/ncnn/waifu2x-upconv7-anime/scale2.0x_model.param',
    bin: 'models/ncnn/waifu2x-upconv7-anime/scale2.0x_model.bin',
  },
};

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Dispatch time grouped by program name. */
function byName(p: DispatchProfiles): Map<string, number> {
  const m = new Map<string, number>();
  for (const d of p.dispatches) m.set(d.name, (m.get(d.name) ?? 0) + d.ms);
  return m;
}

export async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      models: { type: 'string' },
      size: { type: 'string' },
      winograd: { type: 'string' },
      reps: { type: 'string' },
      layers: { type: 'boolean' },
    },
  });
  if (!process.env.VK_ICD_FILENAMES && existsSync(SWIFTSHADER_ICD)) process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
  process.env.XDG_RUNTIME_DIR ??= tmpdir();
  const size = Number(values.size ?? 96);
  const reps = Number(values.reps ?? 3);
  const options = (values.winograd ?? 'off,auto').split(',');
  const models = (values.models ?? Object.keys(MODELS).join(',')).split(',');
  const engines: Engine[] = [];
  for (const o of options) {
    const [w, store] = o.split('/');
    engines.push(await createEngine({ winograd: w as WinogradOption, storage: store === 'f16' ? 'f16-packed' : 'f32' }));
  }
  console.log(`adapter: ${engines[0].adapterInfo.description}; input 1×3×${size}²; winograd options ${options.join(', ')}`);
  for (const name of models) {
    const files = MODELS[name];
    if (!files) throw new Error(`unknown model ${name}: ${Object.keys(MODELS).join(', ')}`);
    const source = { param: readFileSync(files.param, 'utf8'), bin: new Uint8Array(readFileSync(files.bin)), file: files.param };
    const data = Float32Array.from({ length: 3 * size * size }, (_, i) => ((i * 7919) % 256) / 255);
    const runs = engines.map((e) => ({ e, model: loadNcnnModel(e, source), x: e.tensor(data, [1, 3, size, size]) }));
    const outs: Float32Array[] = [];
    for (const { model, x } of runs) {
      const y = model.run(x);
      outs.push(await y.read());
      y.dispose();
    }
    const times: number[][] = runs.map(() => []);
    const profiles: DispatchProfiles[][] = runs.map(() => []);
    for (let r = 0; r < reps; r++) {
      for (const [i, { e, model, x }] of runs.entries()) {
        const { result, gpuMs, wallMs } = await e.timeGpu(() => model.run(x));
        result.dispose();
        times[i].push(gpuMs ?? wallMs);
        profiles[i].push(await e.profile(model, x));
      }
    }
    console.log(`\n## ${name} @${size}²\n`);
    for (const [i, w] of options.entries()) {
      let levels = 0;
      for (let k = 0; k < outs[0].length; k++) levels = Math.max(levels, Math.abs(outs[i][k] - outs[0][k]) * 255);
      const last = profiles[i][profiles[i].length - 1];
      const names = [...byName(last)].map(([n, ms]) => `${n} ${ms.toFixed(0)}`).join(', ');
      console.log(
        `winograd ${w}: forward ${median(times[i]).toFixed(0)} ms GPU (median of ${reps}); profile total ${median(profiles[i].map((p) => p.dispatches.reduce((s, d) => s + d.ms, 0))).toFixed(0)} ms over ${last.dispatches.length} dispatches [${names}]; max |out − ${options[0]}| ${levels.toFixed(3)} levels`,
      );
      if (values.layers) console.log(`\n${formatProfile(last)}\n`);
    }
    for (const { model, x } of runs) {
      model.dispose();
      x.dispose();
    }
  }
  for (const e of engines) e.destroy();
  return 0;
}
