/**
 * conv2d 3×3 stride 1 on the direct kernel vs Winograd F(2,3) and F(4,3), one engine per variant on
 * the same adapter, the same weights and inputs, interleaved round-robin, GPU time from timestamp
 * queries (engine.timeGpu), medians. The shapes are the model zoo's layers (realesr-animevideov3,
 * waifu2x upconv_7) and the issue's conv2d 64→64 @256².
 *
 *   node bench/kernels/winograd.mjs [--reps N] [--shapes 64x64@96,…] [--variants off,f23,f43,f43:4x2,f63/f16,…]
 */
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { parseArgs } from 'node:util';
import { createEngine, type Engine } from '../../src/engine.js';
import { SWIFTSHADER_ICD } from '../../src/gpu/swiftshader.js';
import type { WinogradGemmBlock } from '../../shaders/conv2d-winograd.wgsl.js';
import { winogradGemm, type WinogradOption, type WinogradStorage } from '../../src/kernels/conv-winograd.js';

/**
 * A variant: a winograd option, optionally with the GEMM's block and the storage, `f43:4x2` = 4 tiles
 * × 2 vec4 channel blocks, `f63/f16` = F(6,3) with packed-half storage of U and V.
 */
interface Variant {
  label: string;
  option: WinogradOption;
  storage: WinogradStorage;
  gemm: Omit<WinogradGemmBlock, 'sg' | 'f16'>;
}

function parseVariant(s: string): Variant {
  const [head, store] = s.split('/');
  const [option, block] = head.split(':');
  const [tb, cv] = (block ?? '8x4').split('x').map(Number);
  if (!['off', 'f23', 'f43', 'f63'].includes(option) || ![4, 8].includes(tb) || ![2, 4].includes(cv) || ![undefined, 'f16'].includes(store))
    throw new Error(`bad variant ${s}`);
  const storage = store === 'f16' ? 'f16-packed' : 'f32';
  return { label: s, option: option as WinogradOption, storage, gemm: { tb: tb as 4 | 8, cv: cv as 2 | 4 } };
}

interface Shape {
  cIn: number;
  cOut: number;
  size: number;
  pad: number;
}

function parseShape(s: string): Shape {
  const m = /^(\d+)x(\d+)@(\d+)(p0)?$/.exec(s);
  if (!m) throw new Error(`bad shape ${s}: want CINxCOUT@SIZE[p0]`);
  return { cIn: Number(m[1]), cOut: Number(m[2]), size: Number(m[3]), pad: m[4] ? 0 : 1 };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function rand(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length: n }, () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32 - 0.5;
  });
}

export async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { reps: { type: 'string' }, shapes: { type: 'string' }, variants: { type: 'string' } },
  });
  const variants = (values.variants ?? 'off,f23,f43').split(',').map(parseVariant);
  if (!process.env.VK_ICD_FILENAMES && existsSync(SWIFTSHADER_ICD)) process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
  process.env.XDG_RUNTIME_DIR ??= tmpdir();
  const reps = Number(values.reps ?? 5);
  const shapes = (values.shapes ?? '3x64@96,64x64@96,64x48@96,16x32@96p0,32x64@96p0,64x128@96p0,128x128@96p0,128x256@96p0,64x64@256')
    .split(',')
    .map(parseShape);
  const engines: Record<string, Engine> = {};
  for (const v of variants) engines[v.label] = await createEngine({ winograd: v.option, convKernel: 'direct', storage: v.storage });
  const base = variants[0].label;
  const use = (v: Variant) => Object.assign(winogradGemm, v.gemm);
  console.log(`adapter: ${engines[base].adapterInfo.description}; reps ${reps}; GPU ms (timestamps), median; speed-up = ${base} / variant`);
  console.log(
    `| conv 3×3 | ${variants.map((v) => `${v.label} ms`).join(' | ')} | ${variants
      .slice(1)
      .map((v) => `${v.label} ×`)
      .join(' | ')} | ${base} GFLOP/s | max |Δ| vs ${base}, each variant |`,
  );
  console.log(
    `|---|${variants.map(() => '---|').join('')}${variants
      .slice(1)
      .map(() => '---|')
      .join('')}---|---|`,
  );
  for (const s of shapes) {
    const xs = rand(s.cIn * s.size * s.size, 1);
    const ws = rand(s.cOut * s.cIn * 9, 2).map((v) => v / Math.sqrt(s.cIn * 9));
    const bs = rand(s.cOut, 3);
    const options = { padding: s.pad, activation: 'leakyRelu', negativeSlope: 0.1 } as const;
    const runs = variants.map((v) => {
      const e = engines[v.label];
      return {
        v,
        e,
        x: e.tensor(xs, [1, s.cIn, s.size, s.size]),
        w: e.tensor(ws, [s.cOut, s.cIn, 3, 3]),
        b: e.tensor(bs, [s.cOut]),
        t: [] as number[],
        out: new Float32Array() as Float32Array,
      };
    });
    // Warm: compile, transform weights, and keep one output for the accuracy column.
    for (const r of runs) {
      use(r.v);
      const y = r.e.conv2d(r.x, r.w, r.b, options);
      r.out = await y.read();
      y.dispose();
    }
    for (let k = 0; k < reps; k++) {
      for (const r of runs) {
        use(r.v);
        const { result, gpuMs, wallMs } = await r.e.timeGpu(() => r.e.conv2d(r.x, r.w, r.b, options));
        result.dispose();
        r.t.push(gpuMs ?? wallMs);
      }
    }
    for (const { x, w, b } of runs) [x, w, b].forEach((z) => z.dispose());
    // Per variant: max |Δ| from the base's output, relative to the base's largest |output|.
    const maxDiff = runs.slice(1).map((r) => {
      let d = 0;
      for (let i = 0; i < r.out.length; i++) d = Math.max(d, Math.abs(r.out[i] - runs[0].out[i]));
      return d;
    });
    const scale = runs[0].out.reduce((a, v) => Math.max(a, Math.abs(v)), 0);
    const o = s.size + 2 * s.pad - 2;
    const flops = 2 * s.cIn * s.cOut * 9 * o * o;
    const ms = runs.map((r) => median(r.t));
    console.log(
      `| ${s.cIn}→${s.cOut} @${s.size}² p${s.pad} | ${ms.map((m) => m.toFixed(1)).join(' | ')} | ${ms
        .slice(1)
        .map((m) => (ms[0] / m).toFixed(2))
        .join(
          ' | ',
        )} | ${(flops / ms[0] / 1e6).toFixed(2)} | ${maxDiff.map((d) => d.toExponential(1)).join(', ')} (max |y| ${scale.toFixed(2)}) |`,
    );
  }
  use(parseVariant('f43'));
  for (const e of Object.values(engines)) e.destroy();
  return 0;
}
