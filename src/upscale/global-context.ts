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
 * partition of whole-image positions: between two neighbouring tiles, the
 * boundary is the middle of their overlap, where both computed exact values
 * (each tile's own border effects reach at most the receptive radius in,
 * and the overlap is at least that wide on each side). The sums are float64
 * and the mean is rounded to float32 once, so the value does not depend on
 * how the image was cut (up to float64 rounding, ~1e-16 relative).
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
 * Ownership along one axis: tiles k = 0…n−1 at origins o_k (in the pooled
 * tensor's pixels) whose tensors are L_k long; boundary k (between tiles k−1
 * and k) is the middle of their overlap. Lengths arrive in tile order.
 */
class AxisOwnership {
  private readonly lengths: number[] = [];
  constructor(
    private readonly origins: readonly number[],
    private readonly what: string,
  ) {}

  /** The local range tile k owns, once its length is known (lengths of tiles < k must be known). */
  owned(k: number, length: number): [number, number] {
    this.lengths[k] = length;
    const o = this.origins;
    const boundary = (j: number): number => {
      if (j === 0) return 0;
      if (j === o.length) return o[j - 1] + this.lengths[j - 1];
      return Math.floor((o[j] + o[j - 1] + this.lengths[j - 1]) / 2);
    };
    const lo = boundary(k) - o[k];
    const hi = boundary(k + 1) - o[k];
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
    const rows = new AxisOwnership(
      firstOfRow.map((t) => pool.factor * t.input.y),
      'rows',
    );
    const cols = new AxisOwnership(
      firstOfCol.map((t) => pool.factor * t.input.x),
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
