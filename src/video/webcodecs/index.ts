/**
 * Video files in the browser (WebCodecs + mediabunny): upscaleVideoFile and the
 * codec facts its callers need to offer a choice.
 */
export {
  upscaleVideoFile,
  VideoFileError,
  type VideoFileOptions,
  type VideoFileProgress,
  type VideoFileFrame,
  type VideoFileResult,
  type VideoFileTimings,
} from './upscale-video-file.js';
export {
  videoEncoderSupport,
  codecString,
  parseCodec,
  CODEC_LABELS,
  CONTAINER_CODECS,
  VIDEO_FILE_CODECS,
  VIDEO_FILE_CONTAINERS,
  type EncoderSupport,
  type VideoFileCodec,
  type VideoFileContainer,
} from './codecs.js';
