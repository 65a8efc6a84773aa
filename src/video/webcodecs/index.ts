/**
 * Video files in the browser (WebCodecs + mediabunny): upscaleVideo and the
 * codec facts its callers need to offer a choice.
 */
export {
  upscaleVideo,
  VideoError,
  type UpscaleVideoOptions,
  type UpscaleVideoProgress,
  type UpscaleVideoFrame,
  type UpscaleVideoResult,
  type UpscaleVideoTimings,
} from './upscale-video.js';
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
