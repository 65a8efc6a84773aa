/**
 * Errors of the video-file path. Every message starts with the file it is
 * about, as the CLI's image errors do (FileError), so a batch can list them.
 */
import { FileError } from '../../upscale/image-file.js';

/** A video that cannot be read, upscaled or written: truncated, no video stream, undecodable, too large, no room. */
export class VideoFileError extends FileError {}

/** ffmpeg or ffprobe is not installed (or not where --ffmpeg says). */
export class FfmpegMissingError extends Error {
  override readonly name = 'FfmpegMissingError';
}
