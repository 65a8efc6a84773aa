/**
 * Tile planning for upscaling images larger than one GPU dispatch should carry.
 *
 * The image is cut into *cores* that partition it; each tile reads its core
 * grown by `overlap = model.receptiveRadius` input pixels on every side
 * (clipped at the image border) and keeps only the core's output. An output
 * pixel depends on at most `receptiveRadius` input pixels around it, so the
 * kept part of every tile sees exactly the context it would see in an
 * untiled run: where the tile is clipped, the image border is there too and
 * the network zero-pads the same way. Tiled output therefore EQUALS untiled
 * output up to float rounding, rather than merely looking seam-free.
 *
 * Tile size comes from a memory estimate: the largest intermediate tensor of a
 * tile is `peakElementsPerInputPixel × inH × inW × 4` bytes (exact, from the
 * model graph), or, when the model does not say, channels × inH × inW × scale²
 * × 4 (the widest layer, pessimistically at output resolution). The estimate
 * must fit a byte budget made of two caps:
 *   - the HARD cap, what the engine can run at all (Engine.capacity): the
 *     largest tensor every op can bind (one buffer, bound in pages) and the
 *     threads one dispatch can carry (the grid folds into 2-D, so this is
 *     ~4·10⁹ and never the binding constraint in practice);
 *   - the SOFT cap `maxTileBytes` (default 16 MiB), a per-tile work cap that
 *     keeps each tile short (GPU watchdogs, a responsive page, fine progress).
 * The soft cap must never make a model unusable, nor absurdly slow: a core
 * much smaller than the overlap reads mostly overlap (a 1-pixel core with
 * radius 10 reads 441 pixels to keep 1). So when a *reasonable* tile, a core
 * of 2 × overlap on each side (or the whole dimension if smaller) plus its
 * overlap, does not fit the soft cap, the budget is raised to what that tile
 * needs, up to the hard cap. Only when the hard cap cannot hold even a
 * 1-pixel core plus its overlap is the image refused (LimitError).
 * Pure: no GPU, no I/O.
 */
import { ArgumentError, LimitError } from '../core/errors.js';
import type { EngineCapacity } from '../gpu/command-runner.js';
import { int, pair, type Pair } from '../core/params.js';

/** What the engine can run: a tile's largest tensor must fit it (pass `engine.capacity`). */
export type TileLimits = EngineCapacity;

export interface TilePlanOptions {
  /** Integer upscaling factor of the model. */
  scale: number;
  /** Context, in input pixels on each side, that one output pixel depends on; used as the overlap. */
  receptiveRadius: number;
  limits: TileLimits;
  /** Widest channel count among the model's intermediate tensors. Default {@link DEFAULT_CHANNELS}. */
  channels?: number;
  /**
   * Elements of the model's largest intermediate tensor per input pixel (channels ×
   * resolution factor²), when the model knows it; overrides the `channels × scale²` estimate.
   */
  peakElementsPerInputPixel?: number;
  /**
   * Soft per-tile cap on the estimated largest intermediate tensor, in bytes.
   * Default {@link DEFAULT_MAX_TILE_BYTES}. Raised, up to the hard limits, when
   * a core of 2 × overlap (or the whole image) with its overlap does not fit it.
   */
  maxTileBytes?: number;
  /**
   * Largest kept (core) tile size in input pixels, a number or [h, w]. Overrides
   * the size derived from the limits (the limits are then not checked). Tiles
   * are still evened out, so the actual cores may be slightly smaller.
   */
  tileSize?: Pair;
  /**
   * Tile origins are multiples of this many pixels (model.gridAlignment: a network that
   * downsamples by 2 inside sees a different pixel grid from an odd origin, and one that pads
   * to a multiple of 4 rounds a tile's edge otherwise than the image's). Default 1.
   * The overlap and the core size are rounded up to multiples of it.
   */
  alignment?: number;
  /**
   * Smallest input tile the network runs on (model.minInputSize: a reflect border of p needs more than p
   * pixels). A tile narrower than this (an image's last sliver of core) reads further inward, from an
   * origin still on the alignment grid; more context never changes the core. Default 1.
   */
  minTile?: number;
}

/** A rectangle in input-image pixels. */
export interface Region {
  readonly y: number;
  readonly x: number;
  readonly height: number;
  readonly width: number;
}

export interface Tile {
  /** Row-major position of the tile in the plan. */
  readonly index: number;
  readonly row: number;
  readonly col: number;
  /** The part of the image this tile produces; the cores of a plan partition the image. */
  readonly core: Region;
  /** The part of the image this tile reads: the core grown by the overlap, clipped to the image. */
  readonly input: Region;
}

export interface TilePlan {
  readonly height: number;
  readonly width: number;
  readonly scale: number;
  /** Context read around each core, in input pixels (= receptive radius). */
  readonly overlap: number;
  /** Largest core size, in input pixels. */
  readonly tileHeight: number;
  readonly tileWidth: number;
  readonly rows: number;
  readonly cols: number;
  readonly tiles: readonly Tile[];
  /** Estimated bytes of the largest intermediate tensor of the largest tile. */
  readonly estimatedBytes: number;
  /**
   * The byte budget the tiles were sized to: maxTileBytes, or more when a
   * reasonable tile needed it (never over the hard limits). With an explicit
   * tileSize, the estimate of that size (nothing is checked).
   */
  readonly budgetBytes: number;
  /**
   * How much work the overlap adds: Σ tile input pixels / image pixels (1 for
   * one tile; a 1-pixel core with radius 10 gives up to 441).
   */
  readonly readAmplification: number;
}

/** Channel count assumed when the model does not say (ESRGAN/RDN-style networks are 64 wide). */
export const DEFAULT_CHANNELS = 64;
/** Default per-tile work cap: 16 MiB for the largest intermediate tensor. */
export const DEFAULT_MAX_TILE_BYTES = 16 * 2 ** 20;

/** The core grown by `radius` on each side, clipped to an H×W image. */
export function expandRegion(core: Region, radius: number, height: number, width: number): Region {
  const y = Math.max(0, core.y - radius);
  const x = Math.max(0, core.x - radius);
  const y1 = Math.min(height, core.y + core.height + radius);
  const x1 = Math.min(width, core.x + core.width + radius);
  return { y, x, height: y1 - y, width: x1 - x };
}

/** Bytes a tile's largest tensor may have on this engine at all: the hard cap. */
export function hardTileBytes(limits: TileLimits): number {
  return Math.min(limits.maxTensorBytes, 4 * limits.maxDispatchThreads);
}

/**
 * The budget for a tile's largest tensor: the soft cap `maxTileBytes`, raised
 * to `reasonableBytes` (what a reasonable tile needs) when that is larger,
 * never over the hard cap.
 */
export function tileByteBudget(limits: TileLimits, maxTileBytes: number, reasonableBytes: number): number {
  return Math.min(hardTileBytes(limits), Math.max(maxTileBytes, reasonableBytes));
}

/**
 * Cuts an H×W image into tiles for a model of the given scale and receptive
 * radius (see the header for the budget rule). Throws ArgumentError for bad
 * arguments and LimitError when even a 1-pixel core plus its overlap exceeds
 * the hard limits.
 */
export function planTiles(height: number, width: number, options: TilePlanOptions): TilePlan {
  const op = 'planTiles';
  int(op, 'height', height, { min: 1 });
  int(op, 'width', width, { min: 1 });
  if (!options || typeof options !== 'object') throw new ArgumentError(`${op}: options { scale, receptiveRadius, limits } are required`);
  const scale = int(op, 'scale', options.scale, { min: 1 });
  const alignment = int(op, 'alignment', options.alignment ?? 1, { min: 1 });
  const minTile = int(op, 'minTile', options.minTile ?? 1, { min: 1 });
  // [start, size] along an axis of `total`, grown inward to minTile (when the axis has that much) from an aligned start.
  const atLeast = (start: number, size: number, total: number): [number, number] => {
    if (size >= minTile || total < minTile) return [start, size];
    const end = start + size;
    const s = Math.floor(Math.max(0, Math.min(start, end - minTile)) / alignment) * alignment;
    return [s, Math.min(total, Math.max(end, s + minTile)) - s];
  };
  const align = (v: number) => Math.ceil(v / alignment) * alignment;
  const overlap = align(int(op, 'receptiveRadius', options.receptiveRadius, { min: 0 }));
  const channels = int(op, 'channels', options.channels ?? DEFAULT_CHANNELS, { min: 1 });
  const maxTileBytes = options.maxTileBytes ?? DEFAULT_MAX_TILE_BYTES;
  if (typeof maxTileBytes !== 'number' || !(maxTileBytes > 0)) {
    throw new ArgumentError(`${op}: maxTileBytes ${String(maxTileBytes)} must be a number > 0`);
  }
  const peak = options.peakElementsPerInputPixel;
  if (peak !== undefined && !(typeof peak === 'number' && peak > 0 && Number.isFinite(peak))) {
    throw new ArgumentError(`${op}: peakElementsPerInputPixel ${String(peak)} must be a finite number > 0`);
  }
  const bytesPerInputPixel = 4 * (peak ?? channels * scale * scale);

  let coreH: number;
  let coreW: number;
  let budgetBytes: number | null = null; // null: tileSize given, nothing checked
  if (options.tileSize !== undefined) {
    const [th, tw] = pair(op, 'tileSize', options.tileSize, 0, { min: 1 });
    coreH = Math.min(th, height);
    coreW = Math.min(tw, width);
  } else {
    const limits = options.limits;
    const valid = (v: unknown) => typeof v === 'number' && v > 0;
    if (!limits || !valid(limits.maxTensorBytes) || !valid(limits.maxDispatchThreads)) {
      throw new ArgumentError(
        `${op}: limits { maxTensorBytes, maxDispatchThreads } (engine.capacity) are required unless tileSize is given`,
      );
    }
    // Input pixels of a reasonable tile: a core of 2·overlap (whole dimension if smaller) plus its overlap, clipped.
    const reasonableIn = (n: number) => Math.min(n, Math.max(1, 2 * overlap) + 2 * overlap);
    const reasonableBytes = reasonableIn(height) * reasonableIn(width) * bytesPerInputPixel;
    const budget = (budgetBytes = tileByteBudget(limits, maxTileBytes, reasonableBytes));
    const maxPixels = Math.floor(budget / bytesPerInputPixel);
    const what = peak === undefined ? `${channels} channels at scale ${scale}` : `${peak} values per input pixel`;
    [coreH, coreW] = coreSizeFor(
      height,
      width,
      overlap,
      maxPixels,
      () =>
        `${op}: a ${Math.min(height, 1 + 2 * overlap)}×${Math.min(width, 1 + 2 * overlap)} tile (1 pixel plus receptive radius ${overlap} each side) ` +
        `needs ~${Math.min(height, 1 + 2 * overlap) * Math.min(width, 1 + 2 * overlap) * bytesPerInputPixel} bytes for ${what}, ` +
        `over the ${hardTileBytes(limits)} bytes the device can hold in one tensor (engine.capacity)`,
    );
  }

  // Even the tiles out: 100 px at core 48 becomes 34+34+32 rather than 48+48+4,
  // which wastes less overlap and keeps every tile's cost alike.
  // Cores stay on the alignment grid (all but the last tile of a row or column are multiples of it).
  coreH = Math.min(height, align(Math.ceil(height / Math.ceil(height / coreH))));
  coreW = Math.min(width, align(Math.ceil(width / Math.ceil(width / coreW))));
  const rows = Math.ceil(height / coreH);
  const cols = Math.ceil(width / coreW);

  const tiles: Tile[] = [];
  let estimatedBytes = 0;
  let readPixels = 0;
  for (let row = 0; row < rows; row++) {
    for (let col = 0; col < cols; col++) {
      const y = row * coreH;
      const x = col * coreW;
      const core = { y, x, height: Math.min(coreH, height - y), width: Math.min(coreW, width - x) };
      const wide = expandRegion(core, overlap, height, width);
      const [iy, ih] = atLeast(wide.y, wide.height, height);
      const [ix, iw] = atLeast(wide.x, wide.width, width);
      const input = { y: iy, x: ix, height: ih, width: iw };
      estimatedBytes = Math.max(estimatedBytes, input.height * input.width * bytesPerInputPixel);
      readPixels += input.height * input.width;
      tiles.push({ index: tiles.length, row, col, core, input });
    }
  }
  return {
    height,
    width,
    scale,
    overlap,
    tileHeight: coreH,
    tileWidth: coreW,
    rows,
    cols,
    tiles,
    estimatedBytes,
    budgetBytes: budgetBytes ?? estimatedBytes,
    readAmplification: readPixels / (height * width),
  };
}

/**
 * Largest core [h, w] whose input tile (core + 2·overlap, clipped) has at most
 * `maxPixels` pixels. A dimension that fits whole is taken whole (no overlap
 * is then needed along it); the smaller dimension is tried first so that a
 * wide strip becomes full-height tiles rather than squares.
 */
function coreSizeFor(height: number, width: number, overlap: number, maxPixels: number, tooSmall: () => string): [number, number] {
  if (height * width <= maxPixels) return [height, width];
  const side = Math.floor(Math.sqrt(maxPixels));
  const smallIsHeight = height <= width;
  const small = smallIsHeight ? height : width;
  const large = smallIsHeight ? width : height;
  let coreSmall: number;
  let inSmall: number;
  if (small <= side) {
    coreSmall = small;
    inSmall = small;
  } else {
    coreSmall = side - 2 * overlap;
    inSmall = side;
  }
  const inLarge = Math.floor(maxPixels / inSmall);
  const coreLarge = large <= inLarge ? large : inLarge - 2 * overlap;
  if (coreSmall < 1 || coreLarge < 1) throw new LimitError(tooSmall());
  return smallIsHeight ? [coreSmall, coreLarge] : [coreLarge, coreSmall];
}
