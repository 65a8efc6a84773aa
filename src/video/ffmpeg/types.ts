/**
 * The data the video-file modules pass around (plain, JSON-serialisable: a
 * queue can put a probe in a job's payload). Kept apart so that the modules
 * that produce them and the ones that read them do not import each other.
 */

export interface StreamInfo {
  index: number;
  codec: string;
  /** e.g. 'eng'; undefined when untagged. */
  language?: string;
}

export interface ColourInfo {
  range?: string;
  space?: string;
  transfer?: string;
  primaries?: string;
}

export interface VideoProbe {
  file: string;
  /** Bytes and modification time of the file (the resume manifest binds to them). */
  size: number;
  mtimeMs: number;
  /** ffprobe's format name, e.g. 'mov,mp4,m4a,3gp,3g2,mj2', 'matroska,webm', 'gif'. */
  format: string;
  /** Index of the video stream in the file. */
  streamIndex: number;
  codec: string;
  /** Stored size (before rotation). */
  width: number;
  height: number;
  pixFmt: string;
  /** True when the decoded frames carry alpha (GIF transparency, yuva*, rgba...). */
  hasAlpha: boolean;
  /** Sample aspect ratio [num, den]; [1, 1] for square pixels. */
  sar: readonly [number, number];
  /** Time base of the stream's timestamps [num, den]. */
  timeBase: readonly [number, number];
  /** Average frame rate (frames / duration), for estimates and the log. */
  fps: number;
  /** Duration in seconds (the video stream's, else the file's). */
  duration: number;
  /** Every video packet's pts in presentation order (timeBase units). Its length is the frame count. */
  pts: number[];
  /** The pts of the keyframes, ascending. */
  keyframes: number[];
  /** Display rotation in degrees (the display matrix's, as ffprobe reports it: 90, -90, 180), 0 when none. */
  rotation: number;
  colour: ColourInfo;
  /** Bits per second of the video stream (ffprobe's, else estimated from the file size). */
  bitRate: number;
  audio: StreamInfo[];
  subtitles: StreamInfo[];
}

export interface DecodedFrame {
  /** In the stream's time base. */
  pts: number;
  width: number;
  height: number;
  channels: 3 | 4;
  /** width × height × channels bytes, RGB or RGBA. */
  data: Buffer;
}
