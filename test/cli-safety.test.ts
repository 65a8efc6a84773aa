/**
 * The CLI never loses data and refuses bad input fast, before any GPU work:
 * usage mistakes exit 2 before the engine starts; hostile or broken files
 * exit 1 with a message that names the file and says what is wrong (no stack
 * trace, no decoder internals alone); the input is never overwritten by
 * accident; a failed write leaves the previous output intact.
 */
import { existsSync, linkSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCli, readRaw, ROOT, runCli, runShell, SAMPLE } from './helpers/cli.js';

/** A minimal PNG: a valid header claiming width × height, then a little real compressed data. */
function pngClaiming(width: number, height: number): Buffer {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (b: Buffer): number => {
    let c = 0xffffffff;
    for (const x of b) c = crcTable[(c ^ x) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type: string, data: Buffer): Buffer => {
    const td = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const sum = Buffer.alloc(4);
    sum.writeUInt32BE(crc(td));
    return Buffer.concat([len, td, sum]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 6, 0, 0, 0], 8);
  return Buffer.concat([
    Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.alloc(64))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** The CLI got as far as starting a backend (WebGPU or ONNX Runtime). */
const startedEngine = (stderr: string): boolean => /^backend: /m.test(stderr);

describe('webgpu-upsample CLI: usage, hostile files, data safety', () => {
  let cli: string;
  let tmp: string;

  beforeAll(async () => {
    cli = await buildCli(join(ROOT, 'test-artifacts', 'cli-dist-safety'));
    tmp = mkdtempSync(join(tmpdir(), 'webgpu-upsample-cli-safety-'));
  });

  afterAll(() => {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('usage mistakes exit 2 before the engine starts, with a suggestion for near misses', async () => {
    const out = join(tmp, 'x.png');
    const cases: [string[], RegExp][] = [
      [[], /expected <input> <output>, got 0 path/],
      [[SAMPLE, out, '--tile', '0'], /--tile 0 must be an integer from 1/],
      [[SAMPLE, out, '--scale', '2.5'], /--scale 2\.5 must be an integer/],
      [[SAMPLE, out, '--modle', 'esrgan-slim'], /unknown option --modle \(did you mean --model\?\)/],
      [[SAMPLE, out, '--model', 'esrgan-slimm'], /--model esrgan-slimm is not a model here \(did you mean esrgan-slim\?\)/],
      [[SAMPLE, out, '--scale', '17'], /--scale 17 must be an integer from 1 to 16/],
      [[SAMPLE, out, '--model', 'esrgan-slim', '--noise', '1'], /esrgan-slim has no noise levels/],
      [[SAMPLE, out, '--format', 'jpeg'], /--format jpeg contradicts the output name/],
      [[SAMPLE, join(tmp, 'x.bmp')], /cannot tell the output format/],
      [[SAMPLE, SAMPLE, join(tmp, 'x.png')], /several inputs need an output folder/],
      [[tmp, join(tmp, 'x.png')], /is a folder, so the output must be a folder too/],
    ];
    for (const [args, msg] of cases) {
      const r = await runCli(cli, args);
      expect(r.code, `${args.join(' ')}\n${r.stderr}`).toBe(2);
      expect(r.stderr, args.join(' ')).toMatch(msg);
      expect(r.stderr, args.join(' ')).toContain('--help');
      expect(startedEngine(r.stderr)).toBe(false);
      expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    }
  });

  it('--help lists formats, models with their scales and defaults, limits and exit codes; --version prints the package version', async () => {
    const help = await runCli(cli, ['--help']);
    expect(help.code).toBe(0);
    for (const want of [
      /PNG \(8\/16-bit\), JPEG, WebP, AVIF, TIFF/,
      /esrgan-slim +×2 ×3 ×4 ×8, default ×4/,
      /default-model +×2 only/,
      /--max-pixels N/,
      /exit status: 0 all done, 1 some input failed/,
      /130 cancelled/,
    ]) {
      expect(help.stdout).toMatch(want);
    }
    const version = await runCli(cli, ['--version']);
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    expect([version.code, version.stdout.trim()]).toEqual([0, `webgpu-upsample ${pkg.version}`]);
  });

  it('a 30000×30000 PNG header, text named .png, a truncated PNG, an empty file: exit 1 naming the file, before the engine starts', async () => {
    const bomb = join(tmp, 'bomb.png');
    writeFileSync(bomb, pngClaiming(30000, 30000));
    expect(readFileSync(bomb).length).toBeLessThan(200);
    const text = join(tmp, 'text.png');
    writeFileSync(text, 'There are some read requests waiting on finished stream');
    const truncated = join(tmp, 'truncated.png');
    writeFileSync(truncated, readFileSync(SAMPLE).subarray(0, 2000));
    const empty = join(tmp, 'empty.png');
    writeFileSync(empty, '');
    const cases: [string, string[], RegExp][] = [
      [bomb, [], /bomb\.png: 30000×30000 \(900 MP\) is over the input limit of 67 MP \(--max-pixels 67108864/],
      // Raising the input limit still meets the output limit: ×2 of it is 3600 MP.
      [bomb, ['--max-pixels', '1000000000'], /bomb\.png: ×2 of 30000×30000 is 60000×60000 \(3600 MP\), over the output limit/],
      [text, [], /text\.png: not an image that can be read/],
      [truncated, [], /truncated\.png: could not be decoded/],
      [empty, [], /empty\.png: is empty \(0 bytes\)/],
      [join(tmp, 'missing.png'), [], /missing\.png: no such file/],
    ];
    for (const [file, extra, msg] of cases) {
      const r = await runCli(cli, [file, join(tmp, 'out.png'), ...extra]);
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toMatch(msg);
      expect(startedEngine(r.stderr), r.stderr).toBe(false);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(existsSync(join(tmp, 'out.png'))).toBe(false);
    }
  });

  it('refuses to overwrite the input (same path, another spelling, a hard link) unless --overwrite', async () => {
    const input = join(tmp, 'in.png');
    writeFileSync(input, readFileSync(SAMPLE));
    const link = join(tmp, 'in-link.png');
    linkSync(input, link);
    const before = readFileSync(input);
    for (const out of [input, join(tmp, '.', 'in.png'), link]) {
      const r = await runCli(cli, [input, out]);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(/is the input file itself; refusing to overwrite it \(pass --overwrite/);
      expect(readFileSync(input).equals(before)).toBe(true);
    }
    const r = await runCli(cli, [input, input, '--overwrite', '--quiet']);
    expect(r.code, r.stderr).toBe(0);
    const img = await readRaw(input);
    expect([img.width, img.height]).toEqual([128, 128]);
  });

  it('a missing output folder is found before any work; a failed write (disk full) leaves the old output intact and no temp file', async () => {
    const missing = await runCli(cli, [SAMPLE, join(tmp, 'no', 'such', 'dir', 'out.png')]);
    expect(missing.code).toBe(2); // bad usage: nothing was done
    expect(missing.stderr).toMatch(/out\.png: the output folder .*no\/such\/dir does not exist/);
    expect(startedEngine(missing.stderr)).toBe(false);

    // A full disk: a 24 KiB tmpfs in a private mount namespace (unshare -rm: no root needed), holding a
    // previous result; the 128×128 PNG does not fit beside it.
    const dir = join(tmp, 'full');
    mkdirSync(dir);
    const script = [
      `mount -t tmpfs -o size=24k tmpfs "${dir}"`,
      `head -c 12000 /dev/urandom > "${dir}/out.png"`,
      `sha1sum < "${dir}/out.png" > "${tmp}/before.sha1"`,
      `"${process.execPath}" "${cli}" "${SAMPLE}" "${dir}/out.png"; echo "cli exit $?"`,
      `sha1sum < "${dir}/out.png" > "${tmp}/after.sha1"`,
      `ls -A "${dir}"`,
    ].join('\n');
    const r = await runShell(`unshare -rm bash -c '${script.replace(/'/g, `'\\''`)}'`, process.env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout, r.stderr).toContain('cli exit 1');
    expect(r.stderr).toMatch(/out\.png: could not be written .*any previous file there is unchanged/);
    expect(readFileSync(join(tmp, 'after.sha1'), 'utf8')).toBe(readFileSync(join(tmp, 'before.sha1'), 'utf8'));
    // Only the old file is there: the temporary file was removed.
    expect(r.stdout.trim().split('\n').slice(1)).toEqual(['out.png']);
  });

  it('--tile 12 on a 24² image warns that the overlap multiplies the work', async () => {
    const small = join(tmp, 'small.png');
    writeFileSync(small, await sharp(SAMPLE).resize(24, 24).png().toBuffer());
    const r = await runCli(cli, [small, join(tmp, 'tiny-tiles.png'), '--tile', '12']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/warning: --tile 12 with receptive radius 10: tiles read up to [\d.]+× the pixels they keep/);
    const fine = await runCli(cli, [small, join(tmp, 'big-tiles.png'), '--tile', '64']);
    expect(fine.stderr).not.toMatch(/warning/);
  });
});
