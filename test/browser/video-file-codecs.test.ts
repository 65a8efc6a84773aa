/**
 * The page video path's codec facts (src/video/webcodecs/codecs.ts), without a browser: the codec string's
 * level follows the frame area (Chromium refuses a level whose picture size the frame exceeds), the CLI's
 * codec names are understood, the encoder config carries what MP4 needs, the default bitrate scales with
 * the pixels. Whether a browser encodes them is test/browser/video-file-page.test.ts's part.
 */
import { describe, expect, it } from 'vitest';
import {
  CONTAINER_CODECS,
  VIDEO_FILE_CODECS,
  codecString,
  defaultBitrate,
  encoderConfig,
  parseCodec,
} from '../../src/video/webcodecs/codecs.js';

describe('page video codecs', () => {
  it('H.264 levels: the lowest whose macroblocks hold the frame (3.0 → 720×576, 3.1 → 1280×720, 4.0 → 1920×1080, 5.1 → 4096×2304)', () => {
    expect(codecString('avc', 94, 66)).toBe('avc1.64001e');
    expect(codecString('avc', 720, 576)).toBe('avc1.64001e');
    expect(codecString('avc', 1280, 720)).toBe('avc1.64001f');
    expect(codecString('avc', 1920, 1080)).toBe('avc1.640028');
    expect(codecString('avc', 1280, 736)).toBe('avc1.640028'); // 3680 macroblocks: past 3.1
    expect(codecString('avc', 3840, 2160)).toBe('avc1.640033');
    expect(codecString('avc', 16384, 16384)).toBe('avc1.64003c'); // beyond every level: the highest, and the encoder decides
  });

  it('VP9, AV1 and H.265 strings by area; VP8 has none', () => {
    expect(codecString('vp9', 640, 360)).toBe('vp09.00.30.08');
    expect(codecString('vp9', 1280, 720)).toBe('vp09.00.31.08');
    expect(codecString('vp9', 1920, 1080)).toBe('vp09.00.41.08');
    expect(codecString('av1', 640, 360)).toBe('av01.0.04M.08');
    expect(codecString('av1', 1280, 720)).toBe('av01.0.05M.08');
    expect(codecString('av1', 3840, 2160)).toBe('av01.0.13M.08');
    expect(codecString('hevc', 1280, 720)).toBe('hvc1.1.6.L93.B0');
    expect(codecString('hevc', 1920, 1080)).toBe('hvc1.1.6.L123.B0');
    expect(codecString('vp8', 4000, 4000)).toBe('vp8');
  });

  it("reads the CLI's names (h264, h265) and mediabunny's; refuses others", () => {
    expect(['h264', 'H.264', 'avc', 'avc1', 'h265', 'HEVC', 'vp9', 'AV1', 'vp8'].map(parseCodec)).toEqual([
      'avc',
      'avc',
      'avc',
      'avc',
      'hevc',
      'hevc',
      'vp9',
      'av1',
      'vp8',
    ]);
    expect(parseCodec('prores')).toBeNull();
    expect(parseCodec('')).toBeNull();
  });

  it('every codec goes into Matroska; WebM only takes VP8, VP9, AV1', () => {
    expect([...CONTAINER_CODECS.mkv].sort()).toEqual([...VIDEO_FILE_CODECS].sort());
    expect(CONTAINER_CODECS.webm).toEqual(['vp9', 'av1', 'vp8']);
    expect(CONTAINER_CODECS.mp4).not.toContain('vp8');
  });

  it('encoder config: H.264 length-prefixed for MP4, quality latency, the frame rate only when known', () => {
    const c = encoderConfig('avc', 1280, 720, 3e6, 30) as VideoEncoderConfig & { avc?: { format: string } };
    expect(c).toMatchObject({ codec: 'avc1.64001f', width: 1280, height: 720, bitrate: 3e6, framerate: 30, latencyMode: 'quality' });
    expect(c.avc).toEqual({ format: 'avc' });
    expect(encoderConfig('vp9', 64, 36, 5e5, Number.NaN).framerate).toBeUndefined();
  });

  it('default bitrate: 0.1 bit per output pixel per frame, at least 500 kbit/s, 30 fps when the rate is unknown', () => {
    expect(defaultBitrate(1280, 720, 30)).toBe(2_764_800);
    expect(defaultBitrate(1280, 720, Number.NaN)).toBe(2_764_800);
    expect(defaultBitrate(94, 66, 12)).toBe(500_000);
    expect(defaultBitrate(1920, 1080, 1000)).toBe(Math.round(1920 * 1080 * 120 * 0.1)); // capped at 120 fps
  });
});
