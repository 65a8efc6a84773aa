/**
 * The frames-per-second cases (issue 13, "Performance"): a network, a frame
 * size and how many frames to time. Plain data, so a case crosses
 * `page.evaluate` as JSON and the Node benchmark (./node.ts) reads the same
 * table; no DOM, no GPU.
 */

/** The networks timed per frame: Anime4K's ×2 CNNs (WebSR's weights) and UpscalerJS's esrgan-slim ×2. */
export type FpsNetwork = 'anime4k-s' | 'anime4k-m' | 'anime4k-l' | 'esrgan-slim-x2';

export interface FpsNetworkInfo {
  label: string;
  scale: number;
  /** Anime4K: the weight file under @websr/websr/weights/anime4k/ (the 'an' set, as the WebSR cross-check uses). */
  anime4kFile?: 'cnn-2x-s-an' | 'cnn-2x-m-an' | 'cnn-2x-l-an';
  /** WebSR's name of the same network, where WebSR has it (it has no ESRGAN). */
  websrName?: 'anime4k/cnn-2x-s' | 'anime4k/cnn-2x-m' | 'anime4k/cnn-2x-l';
  /** UpscalerJS package and scale folder, for the esrgan networks. */
  pkg?: 'esrgan-slim';
}

export const FPS_NETWORKS: Record<FpsNetwork, FpsNetworkInfo> = {
  'anime4k-s': { label: 'Anime4K CNN ×2 S', scale: 2, anime4kFile: 'cnn-2x-s-an', websrName: 'anime4k/cnn-2x-s' },
  'anime4k-m': { label: 'Anime4K CNN ×2 M', scale: 2, anime4kFile: 'cnn-2x-m-an', websrName: 'anime4k/cnn-2x-m' },
  'anime4k-l': { label: 'Anime4K CNN ×2 L', scale: 2, anime4kFile: 'cnn-2x-l-an', websrName: 'anime4k/cnn-2x-l' },
  'esrgan-slim-x2': { label: 'esrgan-slim ×2', scale: 2, pkg: 'esrgan-slim' },
};

export const FPS_NETWORK_IDS = Object.keys(FPS_NETWORKS) as FpsNetwork[];

/** One network on `frames` frames of width × height, after `warmup` untimed frames per path. */
export interface FpsCase {
  op: 'fps';
  network: FpsNetwork;
  width: number;
  height: number;
  frames: number;
  warmup: number;
}

/**
 * The targets, per frame on the same adapter: the GPU-resident path
 * at least 3× faster than the CPU round trip, and at least 2× faster than
 * WebSR's hand-written shaders (same network and weights). Reported as met or
 * not met; nothing fails on them.
 */
export const FPS_TARGETS = { roundTrip: 3, websr: 2 } as const;

/** Stable, filterable name, e.g. `fps anime4k-s 640×360→1280×720`. */
export function fpsCaseName(c: FpsCase): string {
  const s = FPS_NETWORKS[c.network].scale;
  return `fps ${c.network} ${c.width}×${c.height}→${s * c.width}×${s * c.height}`;
}

export const fpsCase = (network: FpsNetwork, width: number, height: number, frames: number, warmup: number): FpsCase => ({
  op: 'fps',
  network,
  width,
  height,
  frames,
  warmup,
});

/**
 * The matrix (`--full`): Anime4K S/M/L and esrgan-slim ×2 at
 * 640×360 → 1280×720. On SwiftShader (shaders on the CPU) esrgan-slim takes
 * seconds per frame, hence few frames.
 */
export function fpsFullCases(): FpsCase[] {
  return [
    fpsCase('anime4k-s', 640, 360, 20, 2),
    fpsCase('anime4k-m', 640, 360, 20, 2),
    fpsCase('anime4k-l', 640, 360, 10, 2),
    fpsCase('esrgan-slim-x2', 640, 360, 5, 1),
  ];
}

/** The default run: S only at 160×90, so a software adapter gets through it in seconds. */
export function fpsQuickCases(): FpsCase[] {
  return [fpsCase('anime4k-s', 160, 90, 10, 2)];
}
