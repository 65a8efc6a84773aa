/**
 * The checkerboard lab, headless: trains the six ×2 decoders of
 * demo/src/lab/ on patches of assets/sample.png with Dawn and prints the
 * score table in Markdown.
 *
 *   npm run lab -- [--steps 150] [--seed 1] [--channels 16] [--patch 32] [--batch 8] [--lr 0.01] [--reg 0.1]
 *                  [--methods convT-k3s2,resize-conv,…] [--hardware]
 *
 * Without --hardware (or VK_ICD_FILENAMES set), Dawn runs on SwiftShader when
 * it is installed, as the tests do; the adapter that ran is printed.
 */
import { existsSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import sharp from 'sharp';
import { DEFAULT_CONFIG, markdownTable, rgbPlanes, runLab, type LabConfig } from '../demo/src/lab/lab.js';
import { methodById } from '../demo/src/lab/methods.js';
import { SWIFTSHADER_ICD } from '../src/gpu/swiftshader.js';
import { createEngine } from '../src/index.js';

const FLAGS: Record<string, keyof LabConfig> = {
  '--steps': 'steps',
  '--seed': 'seed',
  '--channels': 'channels',
  '--patch': 'patch',
  '--batch': 'batch',
  '--lr': 'lr',
  '--reg': 'regularizer',
};

/** The config from the flags over the defaults; an unknown flag or a non-number is an error, not ignored. */
export function parseArgs(argv: string[]): { cfg: LabConfig; hardware: boolean } {
  const cfg: LabConfig = { ...DEFAULT_CONFIG };
  let hardware = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--hardware') {
      hardware = true;
      continue;
    }
    if (a === '--methods') {
      cfg.methods = (argv[++i] ?? '').split(',').map((id) => methodById(id.trim()).id);
      continue;
    }
    const key = FLAGS[a];
    if (!key) throw new Error(`lab: unknown flag '${a}' (known: ${[...Object.keys(FLAGS), '--methods', '--hardware'].join(', ')})`);
    const v = Number(argv[++i]);
    if (!Number.isFinite(v) || v < 0) throw new Error(`lab: ${a} needs a non-negative number, got '${argv[i]}'`);
    (cfg[key] as number) = v;
  }
  return { cfg, hardware };
}

export async function main(argv: string[]): Promise<number> {
  const { cfg, hardware } = parseArgs(argv);
  if (!hardware && !process.env.VK_ICD_FILENAMES && existsSync(SWIFTSHADER_ICD)) process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
  process.env.XDG_RUNTIME_DIR ??= tmpdir();
  const { data, info } = await sharp(new URL('../assets/sample.png', import.meta.url).pathname)
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  const image = rgbPlanes(data, info.width, info.height, 3);
  const engine = await createEngine();
  try {
    const a = engine.adapterInfo;
    const adapter = [a.vendor, a.architecture, a.description].filter(Boolean).join(' ') + (a.software ? ' (software)' : '');
    console.log(`Checkerboard lab on ${adapter}; ${cpus().length} CPU cores (${cpus()[0]?.model ?? 'unknown'})`);
    console.log(`config: ${JSON.stringify(cfg)}; data: assets/sample.png (${info.width}×${info.height})\n`);
    const t0 = performance.now();
    const result = await runLab(engine, [image], cfg, {
      onMethod: (r) => console.error(`  ${r.row.label}: ${r.losses.length} steps in ${(r.row.trainMs / 1000).toFixed(1)} s`),
    });
    console.log(markdownTable(result.rows));
    console.log(
      `\n(${((performance.now() - t0) / 1000).toFixed(1)} s in all; scores: energy at the stride-2 frequencies / non-DC energy of the output for a flat 0.5 input and for a diagonal ramp, ${cfg.scoreSize}² → ${2 * cfg.scoreSize}²)`,
    );
  } finally {
    engine.destroy();
  }
  return 0;
}
