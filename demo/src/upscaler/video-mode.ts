/**
 * The upscaler page's video mode: a video file, the webcam or a synthetic
 * test pattern, through an Anime4K network (or a pretrained UpscalerJS model)
 * with createVideoUpscaler, the original and the upscaled frames side by side,
 * live fps. Needs WebGPU (every frame is upscaled on the GPU); without it the
 * mode says so.
 *
 * window.__video exposes the state for the browser tests: the source, the
 * network, the upscaler's stats and the last frame shown (its timestamp says
 * which test-pattern frame it was).
 */
import {
  createVideoUpscaler,
  loadAnime4k,
  type Engine,
  type UpscaleModel,
  type VideoSource,
  type VideoFrameInfo,
  type VideoUpscaler,
  type VideoUpscalerStats,
} from '../../../src/index.js';
import { byId, fmtMs, h } from '../dom.js';
import type { Boot } from '../gpu-status.js';
import { ANIME4K_CATALOG, anime4kJsonPath, MODEL_CATALOG } from '../model-catalog.js';
import { loadCatalogModel } from './pretrained.js';
import { livePattern } from './test-pattern.js';

interface VideoDebug {
  state: 'idle' | 'loading' | 'running' | 'stopped' | 'error';
  source: 'file' | 'webcam' | 'pattern' | null;
  network: string | null;
  stats: VideoUpscalerStats | null;
  last: VideoFrameInfo | null;
  /** Test pattern: its size and frame rate (frame t has timestamp t · 1e6/fps µs, rounded). */
  pattern: { width: number; height: number; fps: number } | null;
  error: string | null;
}

declare global {
  interface Window {
    __video?: VideoDebug;
  }
}

const PATTERN_FPS = 30;

/** A sentence for why the webcam did not start, from getUserMedia's error name (the raw message says "Requested device not found"). */
export function cameraMessage(name: string): string {
  const alternatives = 'Open a video file or use the test pattern instead.';
  switch (name) {
    case 'NotFoundError':
    case 'OverconstrainedError':
      return `No camera was found on this device. ${alternatives}`;
    case 'NotAllowedError':
    case 'SecurityError':
      return `The browser was not allowed to use the camera: allow it in the site's permissions (the icon left of the address) and try again, or ${alternatives.charAt(0).toLowerCase()}${alternatives.slice(1)}`;
    case 'NotReadableError':
    case 'AbortError':
      return `The camera could not be started: another application may be using it. ${alternatives}`;
    case 'insecure':
      return `The camera is only offered to secure pages (https:// or localhost). ${alternatives}`;
    default:
      return `The camera could not be started (${name}). ${alternatives}`;
  }
}

/** Networks for video: Anime4K's small real-time CNNs first, then the (much heavier) ×2 UpscalerJS models. */
const NETWORKS = [
  ...ANIME4K_CATALOG.map((m) => ({ id: `anime4k:${m.id}`, label: m.label })),
  // Short labels: a phone shows about 30 characters of a select.
  ...MODEL_CATALOG.filter((m) => m.scale === 2).map((m) => ({ id: `model:${m.id}`, label: `${m.label} (slow)` })),
];

const anime4kModels = new WeakMap<Engine, Map<string, Promise<UpscaleModel>>>();

function loadNetwork(engine: Engine, id: string): Promise<UpscaleModel> {
  const [kind, name] = id.split(':');
  if (kind === 'model') return loadCatalogModel(engine, name);
  let cache = anime4kModels.get(engine);
  if (!cache) anime4kModels.set(engine, (cache = new Map()));
  let p = cache.get(name);
  if (!p) {
    p = (async () => {
      const res = await fetch(new URL(anime4kJsonPath(name), document.baseURI));
      if (!res.ok) throw new Error(`could not fetch ${anime4kJsonPath(name)}: HTTP ${res.status}`);
      return loadAnime4k(engine, await res.json());
    })();
    cache.set(name, p);
    p.catch(() => cache.delete(name));
  }
  return p;
}

/** Wires the video mode's controls; `boot` is the page's engine (or why there is none). */
export function setupVideoMode(boot: Boot): void {
  const ui = {
    file: byId<HTMLInputElement>('video-file'),
    webcam: byId<HTMLButtonElement>('video-webcam'),
    pattern: byId<HTMLButtonElement>('video-pattern'),
    network: byId<HTMLSelectElement>('video-network'),
    stop: byId<HTMLButtonElement>('video-stop'),
    stats: byId('video-stats'),
    note: byId('video-note'),
    original: byId('video-original'),
    output: byId<HTMLCanvasElement>('video-output'),
    outputLabel: byId('video-output-label'),
  };
  const debug: VideoDebug = { state: 'idle', source: null, network: null, stats: null, last: null, pattern: null, error: null };
  window.__video = debug;
  const setState = (s: VideoDebug['state']): void => {
    debug.state = s;
    document.body.dataset.video = s;
  };
  setState('idle');
  for (const n of NETWORKS) ui.network.append(h('option', { value: n.id }, n.label));
  ui.network.value = 'anime4k:cnn-2x-s-an';

  if (boot.kind !== 'webgpu') {
    for (const b of [ui.webcam, ui.pattern, ui.file, ui.network]) b.disabled = true;
    ui.note.textContent = `Video upscaling needs WebGPU: every frame is upscaled on the GPU. ${boot.reason}`;
    return;
  }
  const engine = boot.engine;
  ui.note.textContent = engine.adapterInfo.software
    ? 'A software adapter runs the shaders on the CPU: expect a few frames per second at best, the rest dropped. Frames are read back to a 2D canvas here.'
    : 'Frames stay on the GPU: copied in, upscaled, copied into the canvas.';

  let running: { upscaler: VideoUpscaler; release: () => void } | null = null;
  let shownAt = 0;

  const showStats = (s: VideoUpscalerStats): void => {
    debug.stats = s;
    const rows: [string, string][] = [
      ['Frames per second', s.fps.toFixed(1)],
      ['Frame time', `${fmtMs(s.frameMs)} (median of the last 30: frame in → on the canvas)`],
      ['Shown / dropped', `${s.frames} / ${s.dropped}`],
      ['Size', s.input && s.output ? `${s.input.join('×')} → ${s.output.join('×')}` : '—'],
      ['Drawn with', s.path === 'webgpu' ? 'WebGPU canvas (texture copy)' : s.path === '2d' ? '2D canvas (read back)' : '—'],
    ];
    ui.stats.replaceChildren(...rows.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]));
  };

  const stop = async (): Promise<void> => {
    const r = running;
    running = null;
    ui.stop.disabled = true;
    if (!r) return;
    const s = await r.upscaler.stop();
    r.release();
    showStats(s);
    if (debug.state === 'running') setState('stopped');
  };

  const start = async (
    kind: VideoDebug['source'],
    open: () => Promise<{ source: VideoSource; original: HTMLElement; release: () => void }>,
  ) => {
    await stop();
    setState('loading');
    debug.error = null;
    debug.source = kind;
    debug.network = ui.network.value;
    debug.last = null;
    let opened: Awaited<ReturnType<typeof open>> | null = null;
    try {
      const [model, o] = await Promise.all([loadNetwork(engine, ui.network.value), open()]);
      opened = o;
      ui.original.replaceChildren(o.original);
      ui.outputLabel.textContent = `Upscaled ×${model.scale}: ${ui.network.selectedOptions[0]?.textContent ?? ''}`;
      const upscaler = createVideoUpscaler({
        engine,
        model,
        source: o.source,
        canvas: ui.output,
        onFrame: (f) => {
          debug.last = f;
          const now = performance.now();
          if (now - shownAt > 250) {
            shownAt = now;
            showStats(upscaler.stats());
          }
        },
      });
      running = { upscaler, release: o.release };
      ui.stop.disabled = false;
      setState('running');
      upscaler.done.then(
        (s) => {
          showStats(s);
          if (running?.upscaler === upscaler) {
            running = null;
            o.release();
            ui.stop.disabled = true;
            setState('stopped');
          }
        },
        (e: Error) => fail(e),
      );
    } catch (e) {
      opened?.release();
      fail(e as Error);
    }
  };

  const fail = (e: Error): void => {
    debug.error = e.message ?? String(e);
    ui.note.replaceChildren(h('span', { class: 'error' }, `Failed: ${debug.error}`));
    setState('error');
    void stop();
  };

  ui.file.addEventListener('change', () => {
    const file = ui.file.files?.[0];
    if (!file) return;
    void start('file', async () => {
      const video = h('video', { controls: true, loop: true, playsinline: true });
      video.muted = true;
      const url = URL.createObjectURL(file);
      video.src = url;
      await video.play().catch((e: Error) => {
        throw new Error(`${file.name}: the browser cannot play this video (${e.message})`);
      });
      return { source: video, original: video, release: () => (video.pause(), URL.revokeObjectURL(url)) };
    });
  });

  ui.webcam.addEventListener(
    'click',
    () =>
      void start('webcam', async () => {
        // ?camera=WxH asks for another size (the tests ask for a small one); default 640×360.
        const m = /^(\d+)x(\d+)$/.exec(new URLSearchParams(location.search).get('camera') ?? '');
        const [width, height] = m ? [Number(m[1]), Number(m[2])] : [640, 360];
        if (!navigator.mediaDevices?.getUserMedia) throw new Error(cameraMessage('insecure'));
        const stream = await navigator.mediaDevices
          .getUserMedia({ video: { width: { ideal: width }, height: { ideal: height } } })
          .catch((e: Error) => {
            throw new Error(cameraMessage(e.name), { cause: e });
          });
        const video = h('video', { playsinline: true });
        video.muted = true;
        video.srcObject = stream;
        await video.play();
        const [track] = stream.getVideoTracks();
        return { source: track, original: video, release: () => stream.getTracks().forEach((t) => t.stop()) };
      }),
  );

  ui.pattern.addEventListener(
    'click',
    () =>
      void start('pattern', async () => {
        // ?pattern=WxH picks the size (the tests use a small one); default 320×180.
        const m = /^(\d+)x(\d+)$/.exec(new URLSearchParams(location.search).get('pattern') ?? '');
        const [width, height] = m ? [Number(m[1]), Number(m[2])] : [320, 180];
        const canvas = h('canvas', { width, height, class: 'pixelated' });
        const live = livePattern(canvas, PATTERN_FPS);
        debug.pattern = { width, height, fps: PATTERN_FPS };
        return { source: live.stream, original: canvas, release: live.stop };
      }),
  );

  ui.stop.addEventListener('click', () => void stop());

  // A new network while the video plays: loaded beside the running one, then used from the next frame on (as WebSR does).
  ui.network.addEventListener('change', () => {
    const r = running;
    if (!r) return;
    const id = ui.network.value;
    const label = ui.network.selectedOptions[0]?.textContent ?? '';
    ui.outputLabel.textContent = `Switching to ${label}…`;
    loadNetwork(engine, id).then(
      (model) => {
        if (running !== r || ui.network.value !== id) return; // stopped, or another switch came after this one
        r.upscaler.setModel(model);
        debug.network = id;
        ui.outputLabel.textContent = `Upscaled ×${model.scale}: ${label}`;
      },
      (e: Error) => fail(e),
    );
  });
}
