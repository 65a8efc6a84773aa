/**
 * Video codecs and containers of the page's file → file path: which WebCodecs
 * codec string a codec is encoded with at a size, which containers hold it,
 * and which of them this browser can encode (VideoEncoder.isConfigSupported).
 *
 * Levels are picked from the frame area, because Chromium's encoders refuse
 * a level whose maximum picture size the frame exceeds (H.264 level 3.1 stops
 * at 1280×720); the lowest level that holds the frame is the most compatible.
 */

/** Encodable video codecs, by mediabunny's names ('avc' is H.264, 'hevc' H.265). */
export type VideoFileCodec = 'avc' | 'hevc' | 'vp9' | 'av1' | 'vp8';
/** Output containers. */
export type VideoFileContainer = 'mp4' | 'mov' | 'webm' | 'mkv';

export const VIDEO_FILE_CODECS: readonly VideoFileCodec[] = ['avc', 'hevc', 'vp9', 'av1', 'vp8'];
export const VIDEO_FILE_CONTAINERS: readonly VideoFileContainer[] = ['mp4', 'mov', 'webm', 'mkv'];

/** What users call them (the CLI's --codec names): h264, h265, vp9, av1, vp8. */
export const CODEC_LABELS: Record<VideoFileCodec, string> = { avc: 'H.264', hevc: 'H.265', vp9: 'VP9', av1: 'AV1', vp8: 'VP8' };

/** Which containers hold which video codecs (WebM: VP8, VP9, AV1 only). */
export const CONTAINER_CODECS: Record<VideoFileContainer, readonly VideoFileCodec[]> = {
  mp4: ['avc', 'hevc', 'vp9', 'av1'],
  mov: ['avc', 'hevc', 'vp9', 'av1'],
  webm: ['vp9', 'av1', 'vp8'],
  mkv: ['avc', 'hevc', 'vp9', 'av1', 'vp8'],
};

/** Accepts the CLI's names too: h264 → avc, h265/hevc → hevc. */
export function parseCodec(name: string): VideoFileCodec | null {
  const n = name.toLowerCase().replace(/[^a-z0-9]/g, '');
  const alias: Record<string, VideoFileCodec> = {
    h264: 'avc',
    avc: 'avc',
    avc1: 'avc',
    h265: 'hevc',
    hevc: 'hevc',
    vp9: 'vp9',
    av1: 'av1',
    vp8: 'vp8',
  };
  return alias[n] ?? null;
}

/** [max luma samples per picture, level code] in ascending order (each standard's level table). */
const AVC_LEVELS: [number, string][] = [
  [414_720, '1e'], // 3.0: 1620 macroblocks (720×576)
  [921_600, '1f'], // 3.1: 3600 (1280×720)
  [2_097_152, '28'], // 4.0: 8192 (1920×1080)
  [2_228_224, '2a'], // 4.2: 8704
  [5_652_480, '32'], // 5.0: 22080
  [9_437_184, '33'], // 5.1: 36864 (4096×2304)
  [35_651_584, '3c'], // 6.0: 139264 (8192×4352)
];
const HEVC_LEVELS: [number, number][] = [
  [552_960, 90], // 3
  [983_040, 93], // 3.1
  [2_228_224, 123], // 4.1
  [8_912_896, 153], // 5.1
  [35_651_584, 183], // 6.1
];
const VP9_LEVELS: [number, string][] = [
  [552_960, '30'],
  [983_040, '31'],
  [2_228_224, '41'],
  [8_912_896, '51'],
  [35_651_584, '61'],
];
const AV1_LEVELS: [number, string][] = [
  [665_856, '04'], // 3.0
  [1_065_024, '05'], // 3.1
  [2_359_296, '09'], // 4.1
  [8_912_896, '13'], // 5.1
  [35_651_584, '17'], // 6.1
];

function level<T>(table: [number, T][], area: number): T {
  return (table.find(([max]) => area <= max) ?? table[table.length - 1])[1];
}

/** The WebCodecs codec string for `codec` at width × height (8-bit 4:2:0). */
export function codecString(codec: VideoFileCodec, width: number, height: number): string {
  const area = width * height;
  switch (codec) {
    case 'avc': // H.264 counts whole 16×16 macroblocks
      return `avc1.6400${level(AVC_LEVELS, Math.ceil(width / 16) * Math.ceil(height / 16) * 256)}`; // High profile
    case 'hevc':
      return `hvc1.1.6.L${level(HEVC_LEVELS, area)}.B0`; // Main profile
    case 'vp9':
      return `vp09.00.${level(VP9_LEVELS, area)}.08`; // profile 0, 8 bit
    case 'av1':
      return `av01.0.${level(AV1_LEVELS, area)}M.08`; // Main profile, main tier, 8 bit
    case 'vp8':
      return 'vp8';
  }
}

/** The encoder configuration the file path uses (bitrate in bits/s; keyframes are requested per frame). */
export function encoderConfig(
  codec: VideoFileCodec,
  width: number,
  height: number,
  bitrate: number,
  framerate?: number,
): VideoEncoderConfig {
  const config: VideoEncoderConfig = {
    codec: codecString(codec, width, height),
    width,
    height,
    bitrate,
    bitrateMode: 'variable',
    latencyMode: 'quality',
  };
  if (framerate && Number.isFinite(framerate) && framerate > 0) config.framerate = framerate;
  // MP4/MOV store H.264/H.265 length-prefixed with the parameter sets in the sample description.
  if (codec === 'avc') (config as VideoEncoderConfig & { avc?: { format: string } }).avc = { format: 'avc' };
  if (codec === 'hevc') (config as VideoEncoderConfig & { hevc?: { format: string } }).hevc = { format: 'hevc' };
  return config;
}

export interface EncoderSupport {
  codec: VideoFileCodec;
  label: string;
  /** The codec string asked about. */
  codecString: string;
  supported: boolean;
}

/**
 * Which codecs this browser encodes at width × height (VideoEncoder.isConfigSupported),
 * in VIDEO_FILE_CODECS order; every entry false where there is no VideoEncoder.
 */
export async function videoEncoderSupport(width: number, height: number, codecs = VIDEO_FILE_CODECS): Promise<EncoderSupport[]> {
  return Promise.all(
    codecs.map(async (codec) => {
      const config = encoderConfig(codec, width, height, 2_000_000);
      let supported = false;
      if (typeof VideoEncoder !== 'undefined') {
        try {
          supported = (await VideoEncoder.isConfigSupported(config)).supported === true;
        } catch {
          supported = false;
        }
      }
      return { codec, label: CODEC_LABELS[codec], codecString: config.codec, supported };
    }),
  );
}

/**
 * A default bitrate: 0.1 bit per pixel per frame at the output size (about 2.8 Mbit/s for
 * 1280×720 at 30 fps), at least 500 kbit/s: what an upscaled video needs to keep its new detail.
 */
export function defaultBitrate(width: number, height: number, fps: number): number {
  const f = Number.isFinite(fps) && fps > 0 ? Math.min(fps, 120) : 30;
  return Math.max(500_000, Math.round(width * height * f * 0.1));
}
