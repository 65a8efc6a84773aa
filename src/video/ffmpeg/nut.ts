/**
 * A minimal NUT muxer for raw frames with exact timestamps: what the encoding
 * ffmpeg reads from its stdin.
 *
 * Why NUT: a raw RGB pipe (`-f rawvideo`) carries no timestamps, so a
 * variable-frame-rate video would come out at a constant rate. NUT keeps each
 * frame's pts in any time base (the input stream's own, so nothing is
 * rounded), and ffmpeg's demuxer reads it from a pipe. Matroska would also
 * carry timestamps, but in milliseconds and without raw RGB.
 *
 * Layout written (NUT version 3, as libavformat/nutdec.c reads it): the file
 * id string, a main header (one stream, one time base, a frame-code table in
 * which every code means "keyframe with explicit stream, pts and size, plus a
 * checksum"), one stream header (rawvideo, fourcc 'RGB\x18' or 'RGBA'), then
 * for every frame a syncpoint and the frame. A syncpoint before each frame
 * keeps the demuxer's max_distance check satisfied whatever the frame size.
 */

const ID_STRING = 'nut/multimedia container\0';
const MAIN_STARTCODE = 0x4e4d7a561f5f04adn;
const STREAM_STARTCODE = 0x4e5311405bf2f9dbn;
const SYNCPOINT_STARTCODE = 0x4e4be4adeeca4569n;

// Frame flags (libavformat/nut.h).
const FLAG_KEY = 1;
const FLAG_CODED_PTS = 8;
const FLAG_STREAM_ID = 16;
const FLAG_SIZE_MSB = 32;
const FLAG_CHECKSUM = 64;
/** Coded pts = pts + 2^MSB_PTS_SHIFT, which the demuxer reads as a full pts (not lsb bits). */
const MSB_PTS_SHIFT = 7;

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i << 24;
    for (let k = 0; k < 8; k++) c = c & 0x80000000 ? (c << 1) ^ 0x04c11db7 : c << 1;
    t[i] = c >>> 0;
  }
  return t;
})();

/** CRC-32 with polynomial 0x04C11DB7, MSB first, initial value 0, no final xor (NUT's checksum). */
export function nutCrc(bytes: Uint8Array, crc = 0): number {
  for (let i = 0; i < bytes.length; i++) crc = ((crc << 8) ^ CRC_TABLE[((crc >>> 24) ^ bytes[i]) & 0xff]) >>> 0;
  return crc;
}

/** NUT's variable-length unsigned integer: 7 bits a byte, most significant first, high bit = more follows. */
function v(n: number | bigint): number[] {
  let x = BigInt(n);
  if (x < 0n) throw new RangeError(`nut: negative value ${x}`);
  const out = [Number(x & 0x7fn)];
  x >>= 7n;
  while (x > 0n) {
    out.unshift(Number(x & 0x7fn) | 0x80);
    x >>= 7n;
  }
  return out;
}

/** Signed variant: 0 → 0, x > 0 → 2x − 1, x < 0 → −2x. */
function s(n: number): number[] {
  return v(n > 0 ? 2 * n - 1 : -2 * n);
}

function be64(n: bigint): number[] {
  const out: number[] = [];
  for (let i = 7; i >= 0; i--) out.push(Number((n >> BigInt(8 * i)) & 0xffn));
  return out;
}

function be32(n: number): number[] {
  return [(n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];
}

/** startcode, forward_ptr, [header checksum], payload, payload checksum. */
function packet(startcode: bigint, payload: number[]): Buffer {
  const head = [...be64(startcode), ...v(payload.length + 4)];
  if (payload.length + 4 > 4096) head.push(...be32(nutCrc(Uint8Array.from(head))));
  const body = Uint8Array.from(payload);
  return Buffer.from([...head, ...payload, ...be32(nutCrc(body))]);
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

export interface NutStreamInfo {
  width: number;
  height: number;
  /** Bytes per pixel: 3 (rgb24) or 4 (rgba). */
  channels: 3 | 4;
  /** The time base of every pts, [num, den]. */
  timeBase: readonly [number, number];
}

/** The header bytes: id string, main header, stream header. */
export function nutHeader({ width, height, channels, timeBase }: NutStreamInfo): Buffer {
  const g = gcd(timeBase[0], timeBase[1]);
  const [num, den] = [timeBase[0] / g, timeBase[1] / g];
  const flags = FLAG_KEY | FLAG_CODED_PTS | FLAG_STREAM_ID | FLAG_SIZE_MSB | FLAG_CHECKSUM;
  const main = [
    ...v(3), // version
    ...v(1), // stream count
    ...v(65536), // max_distance
    ...v(1), // time base count
    ...v(num),
    ...v(den),
    // One frame-code run covering codes 0..255 ('N' is skipped by the reader): fields = 6 (pts, mul, stream, size, reserved, count).
    ...v(flags),
    ...v(6),
    ...s(0),
    ...v(1),
    ...v(0),
    ...v(0),
    ...v(0),
    ...v(255),
    ...v(0), // header_count_minus1: no elision headers
  ];
  const fourcc = channels === 3 ? [0x52, 0x47, 0x42, 24] : [0x52, 0x47, 0x42, 0x41];
  const stream = [
    ...v(0), // stream id
    ...v(0), // class: video
    ...v(4),
    ...fourcc,
    ...v(0), // time base id
    ...v(MSB_PTS_SHIFT),
    ...v(1 << 30), // max_pts_distance (frames carry checksums, so unused)
    ...v(0), // decode delay
    ...v(0), // stream flags
    ...v(0), // codec-specific data: none
    ...v(width),
    ...v(height),
    ...v(1), // sample aspect ratio 1:1
    ...v(1),
    ...v(0), // colourspace type
  ];
  return Buffer.concat([Buffer.from(ID_STRING, 'latin1'), packet(MAIN_STARTCODE, main), packet(STREAM_STARTCODE, stream)]);
}

/** A syncpoint and the frame header for one frame of `size` bytes at `pts` (≥ 0); the frame's bytes follow it. */
export function nutFrameHeader(pts: number, size: number): Buffer {
  if (!Number.isSafeInteger(pts) || pts < 0) throw new RangeError(`nut: pts ${pts} must be a non-negative integer`);
  const sync = packet(SYNCPOINT_STARTCODE, [...v(pts), ...v(0)]);
  const frame = [0, ...v(0), ...v(BigInt(pts) + (1n << BigInt(MSB_PTS_SHIFT))), ...v(size)];
  return Buffer.concat([sync, Buffer.from([...frame, ...be32(nutCrc(Uint8Array.from(frame)))])]);
}
