/**
 * Video files through ffmpeg (Node only): probe, plan segments at keyframes,
 * upscale one segment to a file, join the segments with the input's audio and
 * subtitles. docs/video-files.md describes the CLI; /work/notes/video-api.md
 * and the JSDoc here the API.
 */
export { findFfmpeg, ffmpegEncoders, type FfmpegBinaries } from './binaries.js';
export { VideoFileError, FfmpegMissingError } from './errors.js';
export { probeVideo, type VideoProbe, type StreamInfo, type ColourInfo } from './probe.js';
export { planSegments, DEFAULT_SEGMENT_SECONDS, type Segment } from './segments.js';
export { decodeFrames, type DecodedFrame } from './decode.js';
export { startEncoder, type Encoder } from './encode.js';
export { frameUpscaler, scaledSize, type FrameUpscaler, type FrameUpscalerOptions } from './frames.js';
export { upscaleSegment, type UpscaleSegmentOptions, type SegmentProgress, type SegmentResult } from './segment-job.js';
export { concatSegments, concatList, type ConcatOptions } from './concat.js';
export { checkFrameSize, checkFreeSpace, estimateOutputBytes, MAX_VIDEO_SIDE, type VideoLimits } from './checks.js';
export {
  CONTAINERS,
  VIDEO_CODECS,
  VIDEO_EXTENSIONS,
  DEFAULT_CRF,
  ENCODER_THREADS,
  CRF_RANGE,
  ENCODERS,
  containerOf,
  defaultCodec,
  codecFits,
  type Container,
  type VideoCodec,
  type EncodeSettings,
} from './codecs.js';
export { upscaleVideoFile, type UpscaleVideoFileOptions, type VideoProgress, type VideoFileResult } from './video-file.js';
export { openWorkDir, workDirOf, segmentFile, readManifest, type Manifest, type WorkDir } from './work-dir.js';
