/**
 * Kernel variants of conv2d 3×3 (pad 1, stride 1, NCHW, f32 in and out), timed side by side on one
 * device, to settle two questions before more kernel work:
 *  (1) does a classic tiled direct convolution, staging an input tile (+ halo) and its weights in
 *      workgroup memory, beat our register-blocked kernel (shaders/conv2d.wgsl.ts), which reads
 *      global memory through the cache?
 *  (2) does f16 pay off: f16 storage (input and weights, converted once, untimed) with f32
 *      accumulation, and f16 storage with f16 arithmetic?
 * A stride-s convTranspose2d runs as s² dense phase convolutions, so conv 3×3 stands for both.
 *
 * Variants per shape: `ours` (engine.conv2d as shipped), `shared-tile` in three register blockings
 * (TILE_CONFIGS) and, on devices with 'shader-f16', the same three in f16. The f16 kernels are the
 * f32 ones with two type aliases changed (test/kernel-variants.test.ts checks the sources agree),
 * so SwiftShader, which has no f16, still tests their indexing. Each variant is checked against
 * ours on its first run, then all variants run round-robin (clock drift hits them alike); GPU time
 * comes from timestamp queries around one compute pass per run (engine.timeGpu for ours), wall
 * time is record + submit + wait. Pipelines compile once per config, before anything is timed.
 *
 *   node bench/kernel-variants.mjs [--size gpu|small|wide] [--reps N] [--hardware] [--force] [--conv-kernel direct|tiled]
 *
 * `--size gpu` (the default) runs on the default adapter; `--size small` on SwiftShader unless
 * --hardware. Dawn rounds timestamps to 65.5 µs unless the device is made with the
 * 'timestamp_quantization' toggle off, which createTimingEngine() does.
 */
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createEngine, type Engine } from '../src/engine.js';
import { BufferUsage, MapMode } from '../src/gpu/constants.js';
import { SWIFTSHADER_ICD } from '../src/gpu/swiftshader.js';

// ---- the shared-tile kernel -------------------------------------------------------------------

/** Structure of one shared-tile kernel: everything here is compiled in; sizes are uniforms. */
export interface TileConfig {
  /** Square kernel size; stride 1, dilation 1, one group. */
  k: number;
  /** Output pixels (columns × rows) and output channels per workgroup. */
  tileW: number;
  tileH: number;
  coTile: number;
  /** Input channels staged in workgroup memory per step. */
  ciChunk: number;
  /** Per thread: pixW adjacent columns × pixH rows × 4·coVecs output channels. */
  pixW: number;
  pixH: number;
  coVecs: number;
  /** Types of x and w in global memory, of their copies in workgroup memory, and of the multiply-adds. */
  storage: 'f32' | 'f16';
  workgroup: 'f32' | 'f16';
  accumulate: 'f32' | 'f16';
}

const base = { k: 3, tileW: 16, tileH: 16, coTile: 16, ciChunk: 8, storage: 'f32', workgroup: 'f32', accumulate: 'f32' } as const;

/**
 * The blockings tried. t256, t128 and t64: 16×16 pixels × 16 channels per workgroup, 8 input
 * channels per step (15.5 KB of workgroup memory in f32, under the 16 KB every device has); more
 * outputs per thread means more multiply-adds per workgroup-memory load (5, 8 and 11) but fewer
 * threads in flight to hide latency with. c32: t64's thread block in a 32-channel workgroup, 4
 * input channels per step (10 KB), which halves the input staged per multiply-add. Which wins
 * depends on the shape and the GPU.
 */
export const TILE_CONFIGS: Record<string, TileConfig> = {
  t256: { ...base, pixW: 4, pixH: 1, coVecs: 1 },
  t128: { ...base, pixW: 4, pixH: 1, coVecs: 2 },
  t64: { ...base, pixW: 4, pixH: 2, coVecs: 2 },
  c32: { ...base, coTile: 32, ciChunk: 4, pixW: 4, pixH: 2, coVecs: 2 },
};

export function describeConfig(c: TileConfig): string {
  const g = tileGeometry(c);
  const types = c.storage === 'f32' ? '' : `, ${c.storage}/${c.workgroup}/${c.accumulate}`;
  return `${c.tileW}×${c.tileH}px·${c.coTile}co/wg, ci ${c.ciChunk}, ${c.pixW}×${c.pixH}px·${4 * c.coVecs}co/thread, ${g.threads} threads${types}`;
}

export function tileGeometry(c: TileConfig) {
  if (c.tileW % c.pixW || c.tileH % c.pixH || c.coTile % (4 * c.coVecs)) {
    throw new Error(`shared-tile config ${JSON.stringify(c)}: pixW, pixH and 4·coVecs must divide tileW, tileH and coTile`);
  }
  if (c.storage === 'f32' && (c.workgroup === 'f16' || c.accumulate === 'f16'))
    throw new Error('shared-tile config: f16 workgroup copies or sums need f16 storage');
  const inW = c.tileW + c.k - 1;
  const inH = c.tileH + c.k - 1;
  // An odd row stride puts the rows a warp reads on different banks (2-way conflicts at worst
  // for 4-pixel threads; an even stride such as 18 gives 4-way).
  const rowStride = inW % 2 === 0 ? inW + 1 : inW;
  const ntx = c.tileW / c.pixW;
  const nty = c.tileH / c.pixH;
  const ncg = c.coTile / (4 * c.coVecs);
  const xsLen = c.ciChunk * inH * rowStride;
  const wsVecs = c.ciChunk * c.k * c.k * (c.coTile / 4);
  const elemBytes = c.workgroup === 'f16' ? 2 : 4;
  return { inW, inH, rowStride, ntx, nty, ncg, threads: ntx * nty * ncg, xsLen, wsVecs, sharedBytes: (xsLen + 4 * wsVecs) * elemBytes };
}

function usesF16(c: TileConfig): boolean {
  return c.storage === 'f16' || c.workgroup === 'f16' || c.accumulate === 'f16';
}

/** Uniform fields, in order (all u32). */
const PARAMS = ['cIn', 'inH', 'inW', 'cOut', 'outH', 'outW', 'padH', 'padW', 'coTiles', 'coVec4s'] as const;

/**
 * WGSL of the tiled direct convolution. Grid: (ceil(outW / tileW), ceil(outH / tileH),
 * n · ceil(cOut / coTile)). Per step of ciChunk input channels the workgroup stages the input tile
 * with its halo (zero outside the image) and the weights of its coTile channels in workgroup
 * memory; each thread then accumulates pixH × pixW pixels × 4·coVecs channels in registers,
 * reading each input row segment once per tap row and each weight vec4 once per input channel
 * (all threads of a warp read the same weight: a broadcast). Threads are numbered column-block
 * fastest, then row-block, then channel-block. Each thread writes its block, bias added.
 * Weights are prepacked by packWeights(): [ci (padded to ciChunk)][ky][kx][co (padded to coTile)].
 */
export function sharedTileWgsl(c: TileConfig): string {
  const g = tileGeometry(c);
  const { k, pixW: PW, pixH: PH, coVecs: CV } = c;
  const cb = c.coTile / 4;
  const range = (n: number) => Array.from({ length: n }, (_, i) => i);
  const blocks = range(PH).flatMap((r) => range(PW).flatMap((p) => range(CV).map((v) => [r, p, v] as const)));
  const body = range(k)
    .map((ky) => {
      const weights = range(k).flatMap((kx) =>
        range(CV).map((v) => `      let w${kx}_${v} = vec4<A>(ws[wo + ${(ky * k + kx) * cb + v}u]);`),
      );
      const rows = range(PH).map((r) => {
        const xs = range(PW + k - 1).map((j) => `        let x${j} = A(xs[xo + ${(r + ky) * g.rowStride + j}u]);`);
        const fmas = range(PW).flatMap((p) =>
          range(k).flatMap((kx) => range(CV).map((v) => `        acc${r}_${p}_${v} += w${kx}_${v} * x${p + kx};`)),
        );
        return `      {\n${[...xs, ...fmas].join('\n')}\n      }`;
      });
      return `    { // ky = ${ky}\n${weights.join('\n')}\n${rows.join('\n')}\n    }`;
    })
    .join('\n');
  return `${usesF16(c) ? 'enable f16;\n' : ''}alias S = ${c.storage};
alias W = ${c.workgroup};
alias A = ${c.accumulate};

struct Params { ${PARAMS.map((p) => `${p}: u32`).join(', ')} }
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<S>;
@group(0) @binding(2) var<storage, read> w: array<vec4<S>>;
@group(0) @binding(3) var<storage, read> b: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read_write> y: array<f32>;

var<workgroup> xs: array<W, ${g.xsLen}>;
var<workgroup> ws: array<vec4<W>, ${g.wsVecs}>;

fn store(n: u32, co4: u32, oy: u32, ox: u32, acc: vec4<A>) {
  if (oy >= params.outH || ox >= params.outW) { return; }
  let v = vec4<f32>(acc) + b[co4];
  for (var j = 0u; j < 4u; j++) {
    let co = co4 * 4u + j;
    if (co < params.cOut) { y[((n * params.cOut + co) * params.outH + oy) * params.outW + ox] = v[j]; }
  }
}

@compute @workgroup_size(${g.threads})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let n = wid.z / params.coTiles;
  let ct = wid.z % params.coTiles;
  let ox0 = wid.x * ${c.tileW}u;
  let oy0 = wid.y * ${c.tileH}u;
  let tx = lid % ${g.ntx}u;
  let ty = (lid / ${g.ntx}u) % ${g.nty}u;
  let cg = lid / ${g.ntx * g.nty}u;
  let plane = params.inH * params.inW;
  let xBase = n * params.cIn * plane;
  let iy0 = i32(oy0) - i32(params.padH);
  let ix0 = i32(ox0) - i32(params.padW);
${blocks.map(([r, p, v]) => `  var acc${r}_${p}_${v} = vec4<A>(0.0);`).join('\n')}
  for (var c0 = 0u; c0 < params.cIn; c0 += ${c.ciChunk}u) {
    workgroupBarrier(); // everyone is done reading the previous chunk
    for (var i = lid; i < ${c.ciChunk * g.inH * g.inW}u; i += ${g.threads}u) {
      let cil = i / ${g.inH * g.inW}u;
      let rem = i - cil * ${g.inH * g.inW}u;
      let r = rem / ${g.inW}u;
      let col = rem - r * ${g.inW}u;
      let ci = c0 + cil;
      let iy = iy0 + i32(r);
      let ix = ix0 + i32(col);
      var v = S(0.0);
      if (ci < params.cIn && iy >= 0 && iy < i32(params.inH) && ix >= 0 && ix < i32(params.inW)) {
        v = x[xBase + ci * plane + u32(iy) * params.inW + u32(ix)];
      }
      xs[(cil * ${g.inH}u + r) * ${g.rowStride}u + col] = W(v);
    }
    for (var i = lid; i < ${g.wsVecs}u; i += ${g.threads}u) {
      ws[i] = vec4<W>(w[(c0 * ${k * k}u + i / ${cb}u) * params.coVec4s + ct * ${cb}u + i % ${cb}u]);
    }
    workgroupBarrier();
    for (var cil = 0u; cil < ${c.ciChunk}u; cil++) {
      let xo = cil * ${g.inH * g.rowStride}u + ty * ${PH * g.rowStride}u + tx * ${PW}u;
      let wo = cil * ${k * k * cb}u + cg * ${CV}u;
${body}
    }
  }
  let oy = oy0 + ty * ${PH}u;
  let ox = ox0 + tx * ${PW}u;
  let co4 = ct * ${cb}u + cg * ${CV}u;
${blocks.map(([r, p, v]) => `  store(n, co4 + ${v}u, oy + ${r}u, ox + ${p}u, acc${r}_${p}_${v});`).join('\n')}
}
`;
}

/** A conv2d problem for the shared-tile kernel (weights [cOut, cIn, k, k], stride 1). */
export interface ConvProblem {
  n: number;
  cIn: number;
  h: number;
  w: number;
  cOut: number;
  pad: number;
}

function outSize(p: ConvProblem, k: number): [number, number] {
  return [p.h + 2 * p.pad - k + 1, p.w + 2 * p.pad - k + 1];
}

function padded(n: number, m: number): number {
  return Math.ceil(n / m) * m;
}

/** PyTorch weights [cOut, cIn, k, k] → [ci (padded to ciChunk)][ky][kx][co (padded to coTile)], zeros in the padding. */
export function packWeights(w: Float32Array, cOut: number, cIn: number, c: TileConfig): Float32Array {
  const kk = c.k * c.k;
  const coPad = padded(cOut, c.coTile);
  const out = new Float32Array(padded(cIn, c.ciChunk) * kk * coPad);
  for (let co = 0; co < cOut; co++) {
    for (let ci = 0; ci < cIn; ci++) {
      for (let t = 0; t < kk; t++) out[(ci * kk + t) * coPad + co] = w[(co * cIn + ci) * kk + t];
    }
  }
  return out;
}

const f32View = new Float32Array(1);
const u32View = new Uint32Array(f32View.buffer);

/** IEEE binary16 bits of the float32 nearest to `v`, rounded to nearest, ties to even (subnormals, ±Inf, NaN kept). */
export function toHalfBits(v: number): number {
  f32View[0] = v;
  const bits = u32View[0];
  const sign = (bits >>> 16) & 0x8000;
  const exp = (bits >>> 23) & 0xff;
  let mant = bits & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  let shift = 13;
  let head = (e << 10) | (mant >>> 13);
  if (e <= 0) {
    // Subnormal: value / 2⁻²⁴ = (1.mant)·2^(e − 1 + 10) → shift the 24-bit significand right by 14 − e.
    if (e < -10) return sign;
    mant |= 0x800000;
    shift = 14 - e;
    head = mant >>> shift;
  }
  const rem = mant & ((1 << shift) - 1);
  const mid = 1 << (shift - 1);
  // A carry out of the significand bumps the exponent, as it should (up to Inf).
  return sign | (head + (rem > mid || (rem === mid && head & 1) ? 1 : 0));
}

export function fromHalfBits(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >>> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 0x1f) return m ? NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

/** f16 bits of every value, padded to an even length (buffer writes go in 4-byte steps). */
export function toHalfArray(a: Float32Array): Uint16Array {
  const out = new Uint16Array(a.length + (a.length % 2));
  for (let i = 0; i < a.length; i++) out[i] = toHalfBits(a[i]);
  return out;
}

// ---- running it -------------------------------------------------------------------------------

export interface SharedTileConv {
  config: TileConfig;
  pipeline: GPUComputePipeline;
}

/** Runs `f` inside validation, out-of-memory and internal error scopes; throws the first error. */
async function scoped<T>(device: GPUDevice, f: () => T | Promise<T>): Promise<T> {
  const filters: GPUErrorFilter[] = ['validation', 'out-of-memory', 'internal'];
  for (const filter of filters) device.pushErrorScope(filter);
  let result: T | undefined;
  let thrown: unknown = null;
  try {
    result = await f();
  } catch (e) {
    thrown = e;
  }
  const errors = [];
  for (let i = 0; i < filters.length; i++) errors.push(await device.popErrorScope());
  if (thrown) throw thrown;
  const first = errors.find((e) => e !== null);
  if (first) throw new Error(`${first.constructor.name}: ${first.message}`);
  return result as T;
}

const CONFIG_KEYS: (keyof TileConfig)[] = [
  'k',
  'tileW',
  'tileH',
  'coTile',
  'ciChunk',
  'pixW',
  'pixH',
  'coVecs',
  'storage',
  'workgroup',
  'accumulate',
];
const compiled = new WeakMap<GPUDevice, Map<string, Promise<SharedTileConv>>>();

/**
 * The pipeline of one config on `device`, compiled on first use only (a failure is kept too:
 * its error says why, e.g. a workgroup limit or no 'shader-f16').
 */
export function compileSharedTile(device: GPUDevice, c: TileConfig): Promise<SharedTileConv> {
  let m = compiled.get(device);
  if (!m) compiled.set(device, (m = new Map()));
  const key = CONFIG_KEYS.map((k) => c[k]).join(',');
  let p = m.get(key);
  if (!p) m.set(key, (p = compile(device, c)));
  return p;
}

async function compile(device: GPUDevice, c: TileConfig): Promise<SharedTileConv> {
  const g = tileGeometry(c);
  const l = device.limits;
  if (g.threads > l.maxComputeInvocationsPerWorkgroup || g.threads > l.maxComputeWorkgroupSizeX) {
    throw new Error(`${g.threads} threads per workgroup, over this device's ${l.maxComputeInvocationsPerWorkgroup}`);
  }
  if (g.sharedBytes > l.maxComputeWorkgroupStorageSize) {
    throw new Error(`${g.sharedBytes} bytes of workgroup memory, over this device's ${l.maxComputeWorkgroupStorageSize}`);
  }
  if (usesF16(c) && !device.features.has('shader-f16')) {
    throw new Error(`this device lacks 'shader-f16'`);
  }
  const module = device.createShaderModule({ code: sharedTileWgsl(c), label: describeConfig(c) });
  try {
    const pipeline = await scoped(device, () =>
      device.createComputePipelineAsync({ layout: 'auto', compute: { module, entryPoint: 'main' }, label: describeConfig(c) }),
    );
    return { config: c, pipeline };
  } catch (e) {
    const info = await module.getCompilationInfo().catch(() => null);
    const msgs = info?.messages.filter((m) => m.type === 'error').map((m) => `${m.lineNum}:${m.linePos} ${m.message}`) ?? [];
    throw new Error(`${(e as Error).message}${msgs.length ? ` [${msgs.slice(0, 3).join('; ')}]` : ''}`);
  }
}

const STORAGE_IN = BufferUsage.STORAGE | BufferUsage.COPY_DST;

function upload(device: GPUDevice, data: Float32Array | Uint16Array | Uint32Array, usage = STORAGE_IN): GPUBuffer {
  const buffer = device.createBuffer({ size: Math.max(16, padded(data.byteLength, 16)), usage: usage | BufferUsage.COPY_DST });
  device.queue.writeBuffer(buffer, 0, data.buffer, data.byteOffset, data.byteLength);
  return buffer;
}

async function readBack(device: GPUDevice, buffer: GPUBuffer, floats: number): Promise<Float32Array> {
  const staging = device.createBuffer({ size: floats * 4, usage: BufferUsage.MAP_READ | BufferUsage.COPY_DST });
  try {
    const enc = device.createCommandEncoder();
    enc.copyBufferToBuffer(buffer, 0, staging, 0, floats * 4);
    device.queue.submit([enc.finish()]);
    await staging.mapAsync(MapMode.READ);
    return new Float32Array(staging.getMappedRange().slice(0));
  } finally {
    staging.destroy();
  }
}

/** The device buffers of one problem for one kernel: x in the kernel's storage type, packed weights, padded bias, f32 output. */
export interface ConvBuffers {
  x: GPUBufferBinding;
  w: GPUBuffer;
  b: GPUBuffer;
  y: GPUBuffer;
}

/** Binds a compiled kernel to a problem: `encode(pass)` records its dispatch; `destroy()` frees the uniforms. */
export function bindSharedTile(device: GPUDevice, conv: SharedTileConv, p: ConvProblem, buf: ConvBuffers) {
  const c = conv.config;
  const [outH, outW] = outSize(p, c.k);
  const coTiles = Math.ceil(p.cOut / c.coTile);
  const values: Record<(typeof PARAMS)[number], number> = {
    cIn: p.cIn,
    inH: p.h,
    inW: p.w,
    cOut: p.cOut,
    outH,
    outW,
    padH: p.pad,
    padW: p.pad,
    coTiles,
    coVec4s: (coTiles * c.coTile) / 4,
  };
  const uniforms = upload(
    device,
    Uint32Array.from(PARAMS, (k) => values[k]),
    BufferUsage.UNIFORM,
  );
  const bindGroup = device.createBindGroup({
    layout: conv.pipeline.getBindGroupLayout(0),
    entries: [
      { binding: 0, resource: { buffer: uniforms } },
      { binding: 1, resource: buf.x },
      { binding: 2, resource: { buffer: buf.w } },
      { binding: 3, resource: { buffer: buf.b } },
      { binding: 4, resource: { buffer: buf.y, size: p.n * p.cOut * outH * outW * 4 } },
    ],
  });
  const grid = [Math.ceil(outW / c.tileW), Math.ceil(outH / c.tileH), p.n * coTiles] as const;
  return {
    encode(pass: GPUComputePassEncoder): void {
      pass.setPipeline(conv.pipeline);
      pass.setBindGroup(0, bindGroup);
      pass.dispatchWorkgroups(...grid);
    },
    destroy: () => uniforms.destroy(),
  };
}

/** Uploads the packed weights and padded bias of a problem in the config's storage type. */
export function uploadWeights(device: GPUDevice, c: TileConfig, p: ConvProblem, w: Float32Array, b: Float32Array | null) {
  const packed = packWeights(w, p.cOut, p.cIn, c);
  const bias = new Float32Array(padded(p.cOut, c.coTile));
  if (b) bias.set(b);
  return { w: upload(device, c.storage === 'f16' ? toHalfArray(packed) : packed), b: upload(device, bias) };
}

/** One shared-tile conv2d, for tests: uploads, runs once, reads back [n, cOut, outH, outW]. */
export async function conv2dSharedTile(
  device: GPUDevice,
  conv: SharedTileConv,
  p: ConvProblem,
  x: Float32Array,
  w: Float32Array,
  b: Float32Array | null,
): Promise<Float32Array> {
  const c = conv.config;
  const [outH, outW] = outSize(p, c.k);
  const size = p.n * p.cOut * outH * outW;
  const xBuf = upload(device, c.storage === 'f16' ? toHalfArray(x) : x);
  const wb = uploadWeights(device, c, p, w, b);
  const y = device.createBuffer({ size: size * 4, usage: BufferUsage.STORAGE | BufferUsage.COPY_SRC });
  try {
    return await scoped(device, async () => {
      const bound = bindSharedTile(device, conv, p, { x: { buffer: xBuf }, w: wb.w, b: wb.b, y });
      const enc = device.createCommandEncoder();
      const pass = enc.beginComputePass();
      bound.encode(pass);
      pass.end();
      device.queue.submit([enc.finish()]);
      const out = await readBack(device, y, size);
      bound.destroy();
      return out;
    });
  } finally {
    for (const buf of [xBuf, wb.w, wb.b, y]) buf.destroy();
  }
}

// ---- the benchmark --------------------------------------------------------------------------

interface Shape {
  cIn: number;
  cOut: number;
  h: number;
  w: number;
}

export type KernelVariantsSize = 'small' | 'wide' | 'gpu';

const SHAPES: Record<KernelVariantsSize, Shape[]> = {
  gpu: [
    { cIn: 64, cOut: 64, h: 256, w: 256 },
    { cIn: 32, cOut: 32, h: 256, w: 256 },
    { cIn: 128, cOut: 128, h: 128, w: 128 },
    { cIn: 3, cOut: 64, h: 512, w: 512 },
    { cIn: 64, cOut: 64, h: 512, w: 512 },
  ],
  small: [
    { cIn: 8, cOut: 8, h: 16, w: 16 },
    { cIn: 3, cOut: 8, h: 24, w: 24 },
  ],
  // The issue's wide case (64 channels: c32's) at a size a software adapter runs in seconds.
  wide: [{ cIn: 64, cOut: 64, h: 32, w: 32 }],
};

export type Family = 'ours' | 'shared-tile' | 'f16 storage, f32 acc' | 'f16 storage, f16 acc';

export interface VariantResult {
  shape: string;
  family: Family;
  config: string;
  /** 'ok', 'reference', 'MISMATCH …', 'FAILED: …' or 'skipped: …'. */
  status: string;
  /** max |y − ours| / max |ours| over the output. */
  maxRelErr: number | null;
  /** max over outputs of |y − ours| / its error bound (≤ 1 passes). */
  boundRatio: number | null;
  gpuMs: number | null;
  wallMs: number | null;
  gflops: number | null;
  /** GFLOP/s as a percentage of ours on the same shape. */
  pctOfOurs: number | null;
}

export interface KernelVariantsReport {
  adapter: string;
  notes: string[];
  results: VariantResult[];
}

/** Seeded uniform values in [-scale, scale) (mulberry32). */
function randomData(n: number, seed: number, scale = 1): Float32Array {
  let s = seed >>> 0;
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    a[i] = ((((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1) * scale;
  }
  return a;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

const U32 = 2 ** -24;
const gamma = (k: number, u: number) => (k * u) / (1 - k * u);

interface Sample {
  gpuNs: number | null;
  wallMs: number;
}

/** One variant, set up for one shape. */
interface Runnable {
  /** Error bound of each output relative to its magnitude Σ|w·x| + |b| (0: the reference). */
  boundFactor: number;
  run(): Promise<Sample>;
  output(): Promise<Float32Array>;
  dispose(): void;
}

interface Variant {
  family: Family;
  config: string;
  make(): Promise<Runnable>;
}

/** Timestamp queries around one compute pass. */
class PassTimer {
  private readonly set: GPUQuerySet;
  private readonly resolveBuf: GPUBuffer;
  private readonly readBuf: GPUBuffer;
  constructor(device: GPUDevice) {
    this.set = device.createQuerySet({ type: 'timestamp', count: 2 });
    this.resolveBuf = device.createBuffer({ size: 16, usage: BufferUsage.QUERY_RESOLVE | BufferUsage.COPY_SRC });
    this.readBuf = device.createBuffer({ size: 16, usage: BufferUsage.MAP_READ | BufferUsage.COPY_DST });
  }
  writes(): GPUComputePassTimestampWrites {
    return { querySet: this.set, beginningOfPassWriteIndex: 0, endOfPassWriteIndex: 1 };
  }
  resolve(enc: GPUCommandEncoder): void {
    enc.resolveQuerySet(this.set, 0, 2, this.resolveBuf, 0);
    enc.copyBufferToBuffer(this.resolveBuf, 0, this.readBuf, 0, 16);
  }
  async ns(): Promise<number> {
    await this.readBuf.mapAsync(MapMode.READ);
    const [t0, t1] = new BigUint64Array(this.readBuf.getMappedRange());
    this.readBuf.unmap();
    return Number(t1 - t0);
  }
  destroy(): void {
    this.set.destroy();
    this.resolveBuf.destroy();
    this.readBuf.destroy();
  }
}

function shapeLabel(s: Shape): string {
  return `${s.cIn}→${s.cOut} @${s.h === s.w ? `${s.h}²` : `${s.h}×${s.w}`}`;
}

const FAMILIES: Family[] = ['ours', 'shared-tile', 'f16 storage, f32 acc', 'f16 storage, f16 acc'];

/** The configs of a family: TILE_CONFIGS with the family's types (one object per config and family, made once). */
const FAMILY_CONFIGS = new Map<Family, TileConfig[]>(
  FAMILIES.slice(1).map((f) => [
    f,
    Object.values(TILE_CONFIGS).map((c) =>
      f === 'shared-tile'
        ? c
        : f === 'f16 storage, f32 acc'
          ? { ...c, storage: 'f16' }
          : { ...c, storage: 'f16', workgroup: 'f16', accumulate: 'f16' },
    ),
  ]),
);

/** Checks `out` against the reference: max relative error and worst error / bound over all outputs. */
function compare(out: Float32Array, ref: Float32Array, boundFactor: number, mag: Float64Array, plane: number) {
  let maxRef = 0;
  let maxErr = 0;
  let worst = 0;
  for (let i = 0; i < out.length; i++) {
    const e = Math.abs(out[i] - ref[i]);
    if (Number.isNaN(e)) return { maxRelErr: NaN, boundRatio: Infinity };
    maxRef = Math.max(maxRef, Math.abs(ref[i]));
    maxErr = Math.max(maxErr, e);
    worst = Math.max(worst, e / (boundFactor * mag[Math.floor(i / plane)] + 1e-30));
  }
  return { maxRelErr: maxErr / maxRef, boundRatio: worst };
}

/**
 * Measures every variant on every shape of `size` (see the file comment); runKernelVariants
 * formats the result. Never throws for one variant: its row says what failed.
 */
export async function collectKernelVariants(
  engine: Engine,
  opts: { size: KernelVariantsSize; reps?: number },
): Promise<KernelVariantsReport> {
  const device = engine.device;
  const reps = opts.reps ?? (opts.size === 'gpu' ? 25 : 5);
  const warm = opts.size === 'gpu' ? 3 : 1;
  const hasF16 = device.features.has('shader-f16');
  const canTime = device.features.has('timestamp-query');
  const info = engine.adapterInfo;
  const notes: string[] = [
    `features: timestamp-query ${canTime ? 'yes' : 'no (no GPU time: GFLOP/s from wall time)'}, shader-f16 ${hasF16 ? 'yes' : 'no'}; ` +
      `maxComputeWorkgroupStorageSize ${device.limits.maxComputeWorkgroupStorageSize}`,
    `median of ${reps} runs per variant after ${warm} warm-up round${warm > 1 ? 's' : ''}, variants interleaved round-robin; ` +
      `GPU time from timestamps around the one compute pass of a run; wall = record + submit + wait for one run; GFLOP/s = 2·Cout·Cin·9·H·W / GPU time`,
  ];
  if (!hasF16) notes.push(`f16 variants: skipped, this device lacks 'shader-f16'`);
  const results: VariantResult[] = [];
  const rawNs: number[] = [];

  for (const [si, shape] of SHAPES[opts.size].entries()) {
    const p: ConvProblem = { n: 1, cIn: shape.cIn, h: shape.h, w: shape.w, cOut: shape.cOut, pad: 1 };
    const plane = shape.h * shape.w;
    const flop = 2 * shape.cOut * shape.cIn * 9 * plane;
    const K = shape.cIn * 9 + 1;
    const x = randomData(shape.cIn * plane, 1 + si);
    const w = randomData(shape.cOut * shape.cIn * 9, 100 + si, 1 / Math.sqrt(shape.cIn * 9));
    const b = randomData(shape.cOut, 200 + si, 0.1);
    // Magnitude per output channel: Σ|w·x| + |b| ≤ max|x|·Σ|w_co| + |b_co|, cheap and an upper bound.
    let maxX = 0;
    for (const v of x) maxX = Math.max(maxX, Math.abs(v));
    const mag = Float64Array.from({ length: shape.cOut }, (_, co) => {
      let s = 0;
      for (let i = 0; i < shape.cIn * 9; i++) s += Math.abs(w[co * shape.cIn * 9 + i]);
      return maxX * s + Math.abs(b[co]);
    });
    const xT = engine.tensor(x, [1, shape.cIn, shape.h, shape.w]);
    const wT = engine.tensor(w, [shape.cOut, shape.cIn, 3, 3]);
    const bT = engine.tensor(b, [shape.cOut]);
    const outFloats = shape.cOut * plane;
    const y = device.createBuffer({ size: outFloats * 4, usage: BufferUsage.STORAGE | BufferUsage.COPY_SRC });
    let x16: GPUBuffer | null = null;
    const timer = canTime ? new PassTimer(device) : null;

    const ours: Variant = {
      family: 'ours',
      config: `engine.conv2d (convKernel ${engine.convKernel})`,
      make: async () => ({
        boundFactor: 0,
        run: async () => {
          const t = await engine.timeGpu(() => engine.conv2d(xT, wT, bT, { padding: 1 }));
          t.result.dispose();
          return { gpuNs: t.gpuMs === null ? null : Math.round(t.gpuMs * 1e6), wallMs: t.wallMs };
        },
        output: async () => {
          const t = engine.conv2d(xT, wT, bT, { padding: 1 });
          try {
            return await t.read();
          } finally {
            t.dispose();
          }
        },
        dispose: () => {},
      }),
    };
    const tiled = (family: Family, c: TileConfig): Variant => ({
      family,
      config: describeConfig(c),
      make: async () => {
        const conv = await compileSharedTile(device, c);
        if (c.storage === 'f16') x16 ??= upload(device, toHalfArray(x));
        const xBinding = c.storage === 'f16' ? { buffer: x16! } : { buffer: xT.buffer, offset: xT.byteOffset, size: xT.byteLength };
        const wb = uploadWeights(device, c, p, w, b);
        const bound = bindSharedTile(device, conv, p, { x: xBinding, ...wb, y });
        // Rounding x and w to f16 (2⁻¹¹ each), then both sums' rounding (γ_K; f16 sums with u = 2⁻¹¹,
        // one more rounding for the f16 product), and ours' rounding of the result.
        const uStore = c.storage === 'f16' ? 2 ** -11 : 0;
        const uAcc = c.accumulate === 'f16' ? 2 ** -11 : U32;
        return {
          boundFactor: 2 * uStore + uStore * uStore + gamma(K + (uAcc === U32 ? 0 : 1), uAcc) * (1 + 2 * uStore) + gamma(K, U32) + 4 * U32,
          run: () =>
            scoped(device, async () => {
              await device.queue.onSubmittedWorkDone();
              const t0 = performance.now();
              const enc = device.createCommandEncoder();
              const pass = enc.beginComputePass(timer ? { timestampWrites: timer.writes() } : {});
              bound.encode(pass);
              pass.end();
              timer?.resolve(enc);
              device.queue.submit([enc.finish()]);
              await device.queue.onSubmittedWorkDone();
              const wallMs = performance.now() - t0;
              const gpuNs = timer ? await timer.ns() : null;
              if (gpuNs !== null) rawNs.push(gpuNs);
              return { gpuNs, wallMs };
            }),
          output: () => readBack(device, y, outFloats),
          dispose: () => {
            bound.destroy();
            wb.w.destroy();
            wb.b.destroy();
          },
        };
      },
    });
    const variants = [
      ours,
      ...FAMILIES.slice(1).flatMap((f) => (f === 'shared-tile' || hasF16 ? FAMILY_CONFIGS.get(f)!.map((c) => tiled(f, c)) : [])),
    ];

    const made: Runnable[] = [];
    const timed: { r: Runnable; row: VariantResult; samples: Sample[] }[] = [];
    try {
      // Set up each variant and check it on its first run.
      let ref: Float32Array | null = null;
      for (const v of variants) {
        const row: VariantResult = {
          shape: shapeLabel(shape),
          family: v.family,
          config: v.config,
          status: '',
          maxRelErr: null,
          boundRatio: null,
          gpuMs: null,
          wallMs: null,
          gflops: null,
          pctOfOurs: null,
        };
        results.push(row);
        try {
          const r = await v.make();
          made.push(r);
          await r.run();
          const out = await r.output();
          if (v === ours) {
            ref = out;
            row.status = 'reference';
          } else {
            if (!ref) throw new Error('no reference to check against (ours failed)');
            Object.assign(row, compare(out, ref, r.boundFactor, mag, plane));
            row.status = row.boundRatio! <= 1 ? 'ok' : `MISMATCH: error ${row.boundRatio!.toFixed(1)}× its bound`;
          }
          if (row.status === 'ok' || row.status === 'reference') timed.push({ r, row, samples: [] });
        } catch (e) {
          row.status = `FAILED: ${(e as Error).message.split('\n')[0]}`;
        }
      }
      // Time them round-robin, so that clock changes hit every variant alike.
      for (let round = 0; round < warm + reps; round++) {
        for (const t of timed) {
          if (t.row.status !== 'ok' && t.row.status !== 'reference') continue;
          try {
            const s = await t.r.run();
            if (round >= warm) t.samples.push(s);
          } catch (e) {
            t.row.status = `FAILED while timing: ${(e as Error).message.split('\n')[0]}`;
          }
        }
      }
      let oursGflops: number | null = null;
      for (const { row, samples } of timed) {
        if (samples.length < reps) continue;
        row.wallMs = median(samples.map((s) => s.wallMs));
        const gpu = samples.map((s) => s.gpuNs).filter((v): v is number => v !== null);
        row.gpuMs = gpu.length === samples.length ? median(gpu) / 1e6 : null;
        row.gflops = flop / ((row.gpuMs ?? row.wallMs) * 1e6);
        if (row.family === 'ours') oursGflops = row.gflops;
        if (oursGflops) row.pctOfOurs = (100 * row.gflops) / oursGflops;
      }
    } finally {
      for (const r of made) r.dispose();
      timer?.destroy();
      y.destroy();
      (x16 as GPUBuffer | null)?.destroy();
      for (const t of [xT, wT, bT]) t.dispose();
    }
  }
  if (rawNs.length > 0 && rawNs.every((ns) => ns % 65536 === 0)) {
    notes.push(
      'timestamps come in 65.5 µs steps (Dawn timestamp_quantization), so GPU times are rounded: make the engine with createTimingEngine()',
    );
  }
  return { adapter: `${info.description || info.device} (${[info.vendor, info.architecture].filter(Boolean).join(', ')})`, notes, results };
}

const fmt = (v: number | null, digits: number) => (v === null ? '—' : v.toFixed(digits));
/** Three significant digits, without exponents for the usual range. */
const sig = (v: number | null) => (v === null ? '—' : v >= 100 ? v.toFixed(0) : v.toPrecision(3));

/** The report as markdown: one table of every variant, then the best of each family per shape. */
export function formatKernelVariants(r: KernelVariantsReport): string {
  const lines = [
    '### conv2d 3×3 kernel variants (pad 1, stride 1, NCHW, f32 in and out)',
    '',
    `adapter: ${r.adapter}`,
    ...r.notes.map((n) => `- ${n}`),
    '',
    '| shape | variant | config | GPU ms | wall ms | GFLOP/s | % of ours | max rel err | check |',
    '|---|---|---|---:|---:|---:|---:|---:|---|',
  ];
  for (const v of r.results) {
    const err = v.maxRelErr === null ? '—' : v.maxRelErr.toExponential(1);
    const check = v.boundRatio === null || !v.status.startsWith('ok') ? v.status : `ok (${v.boundRatio.toFixed(3)} of bound)`;
    lines.push(
      `| ${v.shape} | ${v.family} | ${v.config} | ${fmt(v.gpuMs, 3)} | ${fmt(v.wallMs, 2)} | ${sig(v.gflops)} | ${v.pctOfOurs === null ? '—' : `${v.pctOfOurs.toFixed(0)}%`} | ${err} | ${check} |`,
    );
  }
  const families = FAMILIES;
  lines.push(
    '',
    `Best of each family (GFLOP/s, % of ours):`,
    '',
    `| shape | ${families.join(' | ')} |`,
    `|---|${families.map(() => '---:').join('|')}|`,
  );
  for (const shape of [...new Set(r.results.map((v) => v.shape))]) {
    const cells = families.map((f) => {
      const best = r.results
        .filter((v) => v.shape === shape && v.family === f && v.gflops !== null)
        .sort((a, b) => b.gflops! - a.gflops!)[0];
      return best ? `${sig(best.gflops)} (${fmt(best.pctOfOurs, 0)}%)` : '—';
    });
    lines.push(`| ${shape} | ${cells.join(' | ')} |`);
  }
  return lines.join('\n');
}

/** Runs the experiment on `engine`'s device and returns it as markdown (for bench/node-gpu.ts and main). */
export async function runKernelVariants(engine: Engine, opts: { size: KernelVariantsSize; reps?: number }): Promise<string> {
  return formatKernelVariants(await collectKernelVariants(engine, opts));
}

const WANTED_LIMITS = [
  'maxStorageBufferBindingSize',
  'maxBufferSize',
  'maxComputeWorkgroupStorageSize',
  'maxComputeInvocationsPerWorkgroup',
  'maxComputeWorkgroupSizeX',
  'maxStorageBuffersPerShaderStage',
] as const;

/**
 * The binding's GPU objects of the devices createTimingEngine made: Dawn crashes if one is
 * garbage-collected while its device lives, and a `void gpu` in a closure does not hold it
 * (bundlers drop the statement). Removed by destroy(); otherwise held until exit.
 */
const liveGpus = new Set<GPU>();

/**
 * An engine on a Dawn (Node) device whose timestamps are not quantised: Dawn rounds them to
 * 65.5 µs by default, too coarse for kernels of a fraction of a millisecond. The same limits and
 * features as src/gpu/device.ts. `destroy()` destroys the engine, then the device.
 */
export async function createTimingEngine(
  powerPreference: GPUPowerPreference = 'high-performance',
  convKernel: 'direct' | 'tiled' = 'direct',
): Promise<{ engine: Engine; destroy(): void }> {
  // A variable specifier keeps bundlers from pulling in the Node binding (as in src/gpu/device.ts).
  const specifier = 'webgpu';
  const mod = (await import(/* @vite-ignore */ specifier)) as { create(flags: string[]): GPU };
  const gpu = mod.create(['disable-dawn-features=timestamp_quantization']);
  liveGpus.add(gpu);
  const adapter = await gpu.requestAdapter({ powerPreference });
  if (!adapter) throw new Error('no WebGPU adapter was found');
  const requiredLimits: Record<string, number> = {};
  for (const k of WANTED_LIMITS) requiredLimits[k] = adapter.limits[k];
  const requiredFeatures = (['timestamp-query', 'shader-f16'] as GPUFeatureName[]).filter((f) => adapter.features.has(f));
  const device = await adapter.requestDevice({ requiredLimits, requiredFeatures });
  // 'ours' = the direct kernel (winograd 'off'): this experiment compares direct convolutions (Winograd: bench/kernels/winograd.ts).
  const engine = await createEngine({ device, winograd: 'off', convKernel });
  return {
    engine,
    destroy() {
      engine.destroy();
      device.destroy();
      liveGpus.delete(gpu);
    },
  };
}

export async function main(argv: string[]): Promise<number> {
  const arg = (name: string) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const size = arg('--size') ?? 'gpu';
  if (size !== 'gpu' && size !== 'small' && size !== 'wide') {
    console.error(`--size must be gpu, small or wide, got ${size}`);
    return 2;
  }
  const convKernel = arg('--conv-kernel') ?? 'direct';
  if (convKernel !== 'direct' && convKernel !== 'tiled') {
    console.error(`--conv-kernel must be direct or tiled, got ${convKernel}`);
    return 2;
  }
  const reps = arg('--reps') === undefined ? undefined : Number(arg('--reps'));
  if (size !== 'gpu' && !argv.includes('--hardware') && !process.env.VK_ICD_FILENAMES && existsSync(SWIFTSHADER_ICD)) {
    process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
  }
  process.env.XDG_RUNTIME_DIR ??= tmpdir();
  const bench = await createTimingEngine('high-performance', convKernel);
  try {
    if (size === 'gpu' && bench.engine.adapterInfo.software && !argv.includes('--force')) {
      console.error(
        `--size gpu on a software adapter (${bench.engine.adapterInfo.description}) takes far too long; use --size small, or --force`,
      );
      return 2;
    }
    console.log(await runKernelVariants(bench.engine, { size, reps }));
  } finally {
    bench.destroy();
  }
  return 0;
}
