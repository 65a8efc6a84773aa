#!/usr/bin/env node
/**
 * webgpu-upsample: upscale a PNG with a neural network on WebGPU.
 *
 *   webgpu-upsample in.png out.png [--model default-model] [--scale N] [--tile N]
 *
 * Runs on the GPU when there is one and on SwiftShader (CPU) otherwise; says
 * which adapter ran and how long it took. Ctrl-C cancels between tiles.
 * Exit status: 0 done, 1 failed, 2 bad usage, 130 cancelled.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { PNG } from 'pngjs';
import { loadModelFromPackage } from '../src/model/load-node.js';
import { upscale } from '../src/upscale/upscale.js';
import { createNodeEngine, describeAdapter } from './node-engine.js';
import { progressBar } from './progress-bar.js';

const USAGE = `usage: webgpu-upsample <in.png> <out.png> [options]

options:
  --model NAME   network to run (default: default-model, ×2). Packaged models:
                 default-model, esrgan-slim, esrgan-medium, esrgan-thick
  --scale N      upscaling factor, for models that come in several (esrgan-*: 2, 3, 4, 8)
  --tile N       largest tile, in input pixels (default: chosen from the GPU's limits)
  --quiet        no progress bar
  -h, --help     this text
`;

class UsageError extends Error {}

interface CliOptions {
  input: string;
  output: string;
  model: string;
  scale?: number;
  tile?: number;
  quiet: boolean;
}

function positiveInt(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--${name} ${v} must be a positive integer`);
  return n;
}

function parse(argv: string[]): CliOptions | null {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        model: { type: 'string', default: 'default-model' },
        scale: { type: 'string' },
        tile: { type: 'string' },
        quiet: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) return null;
  if (positionals.length !== 2) throw new UsageError(`expected <in.png> <out.png>, got ${positionals.length} path(s)`);
  return {
    input: positionals[0],
    output: positionals[1],
    model: values.model!,
    scale: positiveInt('scale', values.scale),
    tile: positiveInt('tile', values.tile),
    quiet: values.quiet!,
  };
}

const seconds = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;

async function main(argv: string[]): Promise<number> {
  const log = (line: string): void => void process.stderr.write(`${line}\n`);
  let opts: CliOptions | null;
  try {
    opts = parse(argv);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`webgpu-upsample: ${e.message}\n\n${USAGE}`);
    return 2;
  }
  if (!opts) {
    process.stdout.write(USAGE);
    return 0;
  }

  const png = PNG.sync.read(readFileSync(opts.input));
  const t0 = performance.now();
  const { engine } = await createNodeEngine(log);
  const tEngine = performance.now();
  const controller = new AbortController();
  const onSigint = (): void => controller.abort();
  process.once('SIGINT', onSigint);
  try {
    log(`adapter: ${describeAdapter(engine)}`);
    const model = loadModelFromPackage(engine, opts.model as Parameters<typeof loadModelFromPackage>[1], opts.scale);
    try {
      if (opts.scale !== undefined && model.scale !== opts.scale) {
        throw new UsageError(`--scale ${opts.scale}: model ${model.name} upscales by ${model.scale}`);
      }
      const t1 = performance.now();
      log(`model: ${model.name} (×${model.scale}, receptive radius ${model.receptiveRadius} px) loaded in ${seconds(t1 - tEngine)}`);
      const bar = progressBar();
      let result;
      try {
        result = await upscale(engine, png, {
          model,
          tileSize: opts.tile,
          signal: controller.signal,
          onProgress: opts.quiet ? undefined : (p) => bar.update(p),
        });
      } finally {
        bar.end();
      }
      const t2 = performance.now();
      const out = new PNG({ width: result.width, height: result.height });
      out.data = Buffer.from(result.data.buffer, result.data.byteOffset, result.data.byteLength);
      writeFileSync(opts.output, PNG.sync.write(out, { colorType: 6 }));
      log(
        `${png.width}×${png.height} → ${result.width}×${result.height} in ${seconds(t2 - t0)} ` +
          `(engine ${seconds(tEngine - t0)}, model ${seconds(t1 - tEngine)}, upscale ${seconds(t2 - t1)}) → ${opts.output}`,
      );
      return 0;
    } finally {
      model.dispose();
    }
  } finally {
    process.off('SIGINT', onSigint);
    engine.destroy();
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    const err = e as Error;
    if (err?.name === 'AbortError') {
      process.stderr.write('webgpu-upsample: cancelled\n');
      process.exitCode = 130;
      return;
    }
    process.stderr.write(`webgpu-upsample: ${err?.name ?? 'Error'}: ${err?.message ?? String(e)}\n`);
    process.exitCode = e instanceof UsageError ? 2 : 1;
  },
);
