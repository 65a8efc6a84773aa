/**
 * Small ncnn files made in the tests: a .param from layer lines (magic and
 * counts filled in unless given) and a .bin from float32 / float16 parts.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** A .param: magic, `layers blobs`, the lines. Counts default to the lines' layers and distinct output blobs. */
export function param(lines: string[], options: { counts?: string; eol?: string } = {}): string {
  const outputs = new Set<string>();
  for (const l of lines) {
    const t = l.trim().split(/\s+/);
    const nIn = Number(t[2]);
    const nOut = Number(t[3]);
    for (const b of t.slice(4 + nIn, 4 + nIn + nOut)) outputs.add(b);
  }
  const eol = options.eol ?? '\n';
  return ['7767517', options.counts ?? `${lines.length} ${outputs.size}`, ...lines].join(eol) + eol;
}

/** Raw little-endian float32 values (no tag): biases, PReLU slopes, Scale data. */
export function f32(values: number[]): Uint8Array {
  const b = new Uint8Array(values.length * 4);
  const v = new DataView(b.buffer);
  values.forEach((x, i) => v.setFloat32(4 * i, x, true));
  return b;
}

/** A uint32 LE. */
export function u32(value: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, value, true);
  return b;
}

/** Tagged float32 weights (tag 0 by default, or 0x0002C056). */
export const tagged32 = (values: number[], tag = 0): Uint8Array => concat(u32(tag), f32(values));

/** Tagged float16 weights from raw half bit patterns, padded to 4 bytes. */
export function tagged16(halves: number[]): Uint8Array {
  const b = new Uint8Array(Math.ceil((halves.length * 2) / 4) * 4);
  const v = new DataView(b.buffer);
  halves.forEach((h, i) => v.setUint16(2 * i, h, true));
  return concat(u32(0x01306b47), b);
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** The native programs' models, unpacked by scripts/fetch-native.sh (or `ln -s /work/native .native`). */
export const NATIVE = resolve('.native');

/** A file under .native/, or a clear failure (not a skip) when the folder is missing. */
export function nativeFile(rel: string): Buffer {
  const p = join(NATIVE, rel);
  if (!existsSync(p)) {
    throw new Error(
      `${p} is missing: the native models live in .native/ (run \`bash scripts/fetch-native.sh\`, or link an unpacked copy: \`ln -s /work/native .native\`)`,
    );
  }
  return readFileSync(p);
}

/** Deterministic pseudo-random values in [-1, 1). */
export function randoms(n: number, seed: number): number[] {
  let s = seed >>> 0;
  return Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 31 - 1;
  });
}
