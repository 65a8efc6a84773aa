/**
 * Whole-image context for tiled runs of models with global pools
 * (squeeze-excitation: waifu2x cunet, Real-CUGAN). A global average depends on
 * every pixel, so a tile cannot compute it from what it reads; the native
 * programs use each tile's own statistics (or approximations), and their
 * output changes with the tile size. Here the true whole-image averages are
 * computed first, one pass over the tiles per pool, then handed to every tile:
 * the tiled result equals the untiled one whatever the tile size.
 *
 * Pass k runs every tile up to pool k (earlier pools given) and adds up the
 * pool's input over the part of the whole-image tensor the tile owns. A
 * tile's tensor is the whole-image tensor shifted by factor·origin (tile
 * origins are on the model's grid, see gridAlignment), so ownership is a
 * partition of whole-image positions, and it is the partition of the output:
 * a tile owns the pooled positions over its core, [f·core.x, f·(core.x +
 * core.width)) at the pool's resolution f (the first and last tiles also own
 * the positions past the image's edges that the network's padding makes).
 * Those are exact for the same reason the core's output is: a value at the
 * pool's input reads at most its sink radius of input pixels around the
 * pixels it covers (graph.ts receptiveRadius counts each pool input's), and
 * the tile reads its core plus the overlap, or up to the image's own edge.
 * The middle of two tiles' overlap is NOT a safe boundary: how far a tile's
 * border effects reach into the tensor differs between its two sides (a tile
 * ending at the image's edge has none there, its neighbour has the whole
 * radius; a pool input sits off-centre from the pixels it covers, by the
 * padding less what the valid convs trimmed), and on Real-CUGAN's last pools
 * it gave tiles positions their borders had reached (1e-3 off in the means).
 * The sums are float64 and the mean is rounded to float32 once, so the value
 * does not depend on how the image was cut (up to float64 rounding, ~1e-16
 * relative).
 *
 * A one-tile plan needs no passes: the single run pauses at each pool and
 * takes the mean of its whole input the same way.
 */
import { ArgumentError, ShapeError } from '../core/errors.js';
import type { GlobalPool } from '../model/types.js';
import type { Planes } from './image.js';
import type { PoolResolver, TileRunner } from './runner.js';
import type { Tile, TilePlan } from './tiling.js';

/** Mean of each channel of planar values, summed in float64, rounded once. */
export function channelMeans(
  input: Planes,
  rows?: readonly [number, number],
  cols?: readonly [number, number],
): { sums: Float64Array; count: number } {
  const [r0, r1] = rows ?? [0, input.height];
  const [c0, c1] = cols ?? [0, input.width];
  const sums = new Float64Array(input.channels);
  for (let c = 0; c < input.channels; c++) {
    let s = 0;
    for (let y = r0; y < r1; y++) {
      const row = (c * input.height + y) * input.width;
      for (let x = c0; x < c1; x++) s += input.data[row + x];
    }
    sums[c] = s;
  }
  return { sums, count: Math.max(0, r1 - r0) * Math.max(0, c1 - c0) };
}

/** The resolver of a one-tile run: each pool's value is the mean of its whole input. */
export const wholeTileMeans: PoolResolver = (_, input) => {
  const { sums, count } = channelMeans(input);
  return Float32Array.from(sums, (s) => s / count);
};

/**
 * Ownership along one axis, in the pooled tensor's pixels: tiles k = 0…n−1 read
 * from origins o_k and keep cores starting at c_k (both already × the pool's
 * factor); tile k owns [c_k, c_{k+1}), tile 0 from 0 and the last tile up to
 * the end of its tensor (L_k long). Lengths arrive in tile order.
 */
class AxisOwnership {
  private readonly lengths: number[] = [];
  constructor(
    private readonly origins: readonly number[],
    private readonly cores: readonly number[],
    private readonly what: string,
  ) {
    for (const v of [...origins, ...cores])
      if (!Number.isInteger(v))
        throw new ShapeError(`global context: a tile of the ${what} starts at ${v} pooled pixels, off the pool's grid`);
  }

  /** The local range tile k owns, given the length of its tensor. */
  owned(k: number, length: number): [number, number] {
    this.lengths[k] = length;
    const last = this.origins.length - 1;
    const lo = (k === 0 ? 0 : this.cores[k]) - this.origins[k];
    const hi = k === last ? length : this.cores[k + 1] - this.origins[k];
    if (lo < 0 || hi > length || lo > hi) {
      throw new ShapeError(
        `global context: tile ${k} of the ${this.what} owns [${lo}, ${hi}) of its ${length} pooled pixels: the overlap is too small`,
      );
    }
    return [lo, hi];
  }

  /** The whole tensor's length (after the last tile). */
  total(): number {
    const last = this.origins.length - 1;
    return this.origins[last] + this.lengths[last];
  }
}

export interface GlobalContextOptions {
  signal?: AbortSignal;
  /** Called after each tile of each pass: passes done so far and the tile's index. */
  onTile?: (pass: number, tile: Tile) => void;
  /** Throws when the run was aborted (upscale's throwIfAborted). */
  checkAbort: (done: number, total: number) => void;
}

/**
 * The whole-image values of every global pool of `runner.model`, for a plan of
 * more than one tile ([C] float32 each, by pool name). `read(tile)` gives the
 * tile's input planes (in the model's input range). One pass per pool.
 */
export async function globalContext(
  runner: TileRunner,
  plan: TilePlan,
  read: (tile: Tile) => Float32Array,
  options: GlobalContextOptions,
): Promise<Map<string, Float32Array>> {
  const pools: readonly GlobalPool[] = runner.model.globalPools ?? [];
  const given = new Map<string, Float32Array>();
  if (!runner.runGlobal)
    throw new ArgumentError(
      `upscale: the ${runner.backend} backend cannot run '${runner.model.name}', whose global pools need whole-image context`,
    );
  const firstOfRow = plan.tiles.filter((t) => t.col === 0);
  const firstOfCol = plan.tiles.filter((t) => t.row === 0);
  for (const [k, pool] of pools.entries()) {
    const f = pool.factor;
    const rows = new AxisOwnership(
      firstOfRow.map((t) => f * t.input.y),
      firstOfRow.map((t) => f * t.core.y),
      'rows',
    );
    const cols = new AxisOwnership(
      firstOfCol.map((t) => f * t.input.x),
      firstOfCol.map((t) => f * t.core.x),
      'columns',
    );
    let sums: Float64Array | null = null;
    let count = 0;
    for (const tile of plan.tiles) {
      options.checkAbort(k * plan.tiles.length + tile.index, (pools.length + 1) * plan.tiles.length);
      const input = await runner.runGlobal(read(tile), [3, tile.input.height, tile.input.width], given, (name, planes) => {
        if (name !== pool.name) throw new ShapeError(`global context: expected pool '${pool.name}', the run reached '${name}'`);
        const part = channelMeans(planes, rows.owned(tile.row, planes.height), cols.owned(tile.col, planes.width));
        sums ??= new Float64Array(planes.channels);
        part.sums.forEach((s, c) => (sums![c] += s));
        count += part.count;
        return null;
      });
      void input;
      options.onTile?.(k, tile);
    }
    const area = rows.total() * cols.total();
    if (count !== area || !sums)
      throw new ShapeError(`global context: the tiles of pool '${pool.name}' covered ${count} of its ${area} pixels`);
    given.set(
      pool.name,
      Float32Array.from(sums as Float64Array, (s) => s / count),
    );
  }
  return given;
}

/**
 * How each tile of a plan runs the model: `runner.runModel` for models without
 * global pools; for models with them, the whole-image values are computed
 * first (more than one tile) or taken from the one tile's run, and every
 * tile runs with them.
 */
export async function tileModelRunner(
  runner: TileRunner,
  plan: TilePlan,
  read: (tile: Tile) => Float32Array,
  options: GlobalContextOptions,
): Promise<(planes: Float32Array, shape: readonly [number, number, number]) => Promise<Float32Array>> {
  if (!runner.model.globalPools?.length) return (planes, shape) => runner.runModel(planes, shape);
  if (!runner.runGlobal)
    throw new ArgumentError(
      `upscale: the ${runner.backend} backend cannot run '${runner.model.name}', whose global pools need whole-image context`,
    );
  const runGlobal = runner.runGlobal.bind(runner);
  if (plan.tiles.length === 1) {
    if (runner.oneTilePoolsExact) return (planes, shape) => runner.runModel(planes, shape);
    return async (planes, shape) => (await runGlobal(planes, shape, new Map(), wholeTileMeans)).data;
  }
  const given = await globalContext(runner, plan, read, options);
  const unexpected: PoolResolver = (pool) => {
    throw new ShapeError(`global context: pool '${pool}' has no whole-image value`);
  };
  return async (planes, shape) => (await runGlobal(planes, shape, given, unexpected)).data;
}
