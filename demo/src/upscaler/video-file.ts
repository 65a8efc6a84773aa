/**
 * The Video tab's "file → file" mode: drop or open a video, choose the model
 * and the codec, watch a before/after preview of the current frame with
 * progress and ETA, download the result. The work runs in a Worker
 * (video-file-worker.ts: its own WebGPU engine, upscaleVideo), so the page
 * stays responsive.
 *
 * Codecs this browser cannot encode are offered disabled, with the reason; the
 * library's error names the ones it has if a file's size rules one out.
 *
 * window.__videoFile exposes the state for the browser tests; set its
 * `record` to true before a run to keep the first and last frames' RGBA
 * (what the model got, what the encoder got).
 */
import {
  CODEC_LABELS,
  VIDEO_FILE_CODECS,
  ZOO,
  formatDuration,
  videoEncoderSupport,
  type EncoderSupport,
  type VideoFileCodec,
  type VideoFileContainer,
  type UpscaleVideoProgress,
} from '../../../src/index.js';
import { byId, h } from '../dom.js';
import type { Boot } from '../gpu-status.js';
import { ANIME4K_CATALOG, MODEL_CATALOG, anime4kJsonPath, modelJsonPath } from '../model-catalog.js';
import { ncnnUrlPath } from '../zoo-catalog.js';
import type { ModelSpec, RecordedFrame, VideoFileFacts, VideoFileMessage } from './video-file-protocol.js';

interface VideoFileDebug {
  state: 'idle' | 'running' | 'done' | 'cancelled' | 'error';
  record: boolean;
  file: string | null;
  model: string | null;
  progress: UpscaleVideoProgress | null;
  previews: number;
  result: VideoFileFacts | null;
  /** The output file as an object URL (also the download link's href). */
  url: string | null;
  frames: { first: RecordedFrame | null; last: RecordedFrame | null } | null;
  support: EncoderSupport[] | null;
  error: string | null;
}

declare global {
  interface Window {
    __videoFile?: VideoFileDebug;
  }
}

interface ModelChoice {
  id: string;
  label: string;
  spec: () => ModelSpec;
}

const abs = (path: string): string => new URL(path, document.baseURI).href;

/** Anime4K's real-time networks, Real-ESRGAN animevideov3 and waifu2x upconv_7 (bundled ncnn files), UpscalerJS ×2. */
function modelChoices(): ModelChoice[] {
  const zoo = ZOO.filter((m) => m.where === 'bundled' && (m.noise === null || m.noise === 1)).map((m) => ({
    id: `zoo:${m.id}`,
    label: `${m.family === 'realesrgan' ? 'Real-ESRGAN animevideov3' : 'waifu2x upconv_7, noise 1'} ×${m.scale}`,
    spec: (): ModelSpec => ({ kind: 'ncnn', param: abs(ncnnUrlPath(m.param)), bin: abs(ncnnUrlPath(m.bin)), name: m.id }),
  }));
  return [
    ...ANIME4K_CATALOG.map((m) => ({
      id: `anime4k:${m.id}`,
      label: m.label,
      spec: (): ModelSpec => ({ kind: 'anime4k', url: abs(anime4kJsonPath(m.id)) }),
    })),
    ...zoo,
    ...MODEL_CATALOG.filter((m) => m.scale === 2).map((m) => ({
      id: `model:${m.id}`,
      label: `${m.label} (slow)`,
      spec: (): ModelSpec => ({ kind: 'layers', url: abs(modelJsonPath(m)) }),
    })),
  ];
}

const CONTAINERS: { value: '' | VideoFileContainer; label: string }[] = [
  { value: '', label: 'Same as the input' },
  { value: 'mp4', label: 'MP4' },
  { value: 'webm', label: 'WebM' },
  { value: 'mkv', label: 'Matroska (MKV)' },
];

function outName(file: string, scale: string, container: string | undefined): string {
  const dot = file.lastIndexOf('.');
  const base = dot > 0 ? file.slice(0, dot) : file;
  const ext = container ?? (dot > 0 ? file.slice(dot + 1) : 'mp4');
  return `${base}-${scale}.${ext}`;
}

/** Wires the file → file controls (inside #video-file-panel and #video-file-preview). */
export function setupVideoFileMode(boot: Boot): void {
  const panel = byId('video-file-panel');
  const preview = byId('video-file-preview');
  const ui = {
    open: h('input', { id: 'video-file-in', type: 'file', accept: 'video/*,.mkv', hidden: true }),
    model: h('select', { id: 'video-file-model' }),
    codec: h('select', { id: 'video-file-codec' }),
    container: h('select', { id: 'video-file-container' }),
    cancel: h('button', { id: 'video-file-cancel', disabled: true }, 'Cancel'),
    download: h('a', { id: 'video-file-download', class: 'button', hidden: true }, 'Download'),
    progress: h('progress', { id: 'video-file-progress', max: 1, value: 0, hidden: true }),
    stats: h('dl', { id: 'video-file-stats', class: 'facts' }),
    note: h('p', { id: 'video-file-note', class: 'muted' }),
    before: h('canvas', { id: 'video-file-before', class: 'video-frame pixelated' }),
    after: h('canvas', { id: 'video-file-after', class: 'video-frame' }),
    afterLabel: h('figcaption', {}, 'Upscaled'),
  };
  panel.replaceChildren(
    h('label', {}, 'File → file'),
    h('div', { class: 'buttons' }, h('label', { class: 'button' }, 'Upscale a video file', ui.open)),
    h('label', { for: 'video-file-model' }, 'Model'),
    ui.model,
    h('label', { for: 'video-file-codec' }, 'Video codec'),
    ui.codec,
    h('label', { for: 'video-file-container' }, 'Container'),
    ui.container,
    h('div', { class: 'buttons' }, ui.cancel, ui.download),
    ui.progress,
    ui.stats,
    ui.note,
  );
  preview.replaceChildren(
    h(
      'div',
      { class: 'side-by-side' },
      h('figure', {}, h('figcaption', {}, 'Before (current frame)'), ui.before),
      h('figure', {}, ui.afterLabel, ui.after),
    ),
  );
  preview.hidden = true;

  const debug: VideoFileDebug = {
    state: 'idle',
    record: false,
    file: null,
    model: null,
    progress: null,
    previews: 0,
    result: null,
    url: null,
    frames: null,
    support: null,
    error: null,
  };
  window.__videoFile = debug;
  const setState = (s: VideoFileDebug['state']): void => {
    debug.state = s;
    document.body.dataset.videoFile = s;
  };
  setState('idle');

  const choices = modelChoices();
  for (const c of choices) ui.model.append(h('option', { value: c.id }, c.label));
  ui.model.value = 'anime4k:cnn-2x-s-an';
  ui.codec.append(h('option', { value: '' }, 'Automatic (the first this browser encodes)'));
  for (const c of VIDEO_FILE_CODECS) ui.codec.append(h('option', { value: c }, CODEC_LABELS[c]));
  for (const c of CONTAINERS) ui.container.append(h('option', { value: c.value }, c.label));

  if (boot.kind !== 'webgpu' || typeof VideoEncoder === 'undefined' || typeof Worker === 'undefined') {
    for (const el of [ui.open, ui.model, ui.codec, ui.container]) el.disabled = true;
    ui.note.textContent =
      boot.kind !== 'webgpu'
        ? `Upscaling a video file needs WebGPU. ${boot.reason}`
        : 'Upscaling a video file needs WebCodecs (VideoEncoder) and Workers, which this browser lacks.';
    return;
  }

  // Which encoders this browser has (asked at 1280×720; a file's own size is checked again when it runs).
  void videoEncoderSupport(1280, 720).then((support) => {
    debug.support = support;
    for (const s of support) {
      const option = Array.from(ui.codec.options).find((o) => o.value === s.codec);
      if (option && !s.supported) {
        option.disabled = true;
        option.textContent = `${s.label} (no encoder in this browser)`;
      }
    }
    const have = support.filter((s) => s.supported).map((s) => s.label);
    ui.note.textContent = have.length
      ? `This browser encodes ${have.join(', ')}. Audio is copied as it is, never re-encoded.`
      : 'This browser has no video encoder (VideoEncoder supports none of H.264, H.265, VP9, AV1, VP8).';
  });

  let worker: Worker | null = null;
  const startWorker = (): Worker => {
    if (worker) return worker;
    worker = new Worker(new URL('./video-file-worker.ts', import.meta.url), { type: 'module' });
    worker.onmessage = (ev: MessageEvent<VideoFileMessage>) => onMessage(ev.data);
    worker.onerror = (ev) => fail(`the worker failed: ${ev.message}`);
    return worker;
  };

  const showProgress = (p: UpscaleVideoProgress): void => {
    debug.progress = p;
    ui.progress.hidden = false;
    ui.progress.value = p.fraction;
    const rows: [string, string][] = [
      ['Frames', `${p.done} / ${p.total}`],
      ['Frames per second', p.fps.toFixed(2)],
      ['Elapsed', formatDuration(p.elapsedMs)],
      ['Time left', p.done < p.total ? `about ${formatDuration(p.etaMs)}` : '—'],
    ];
    ui.stats.replaceChildren(...rows.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]));
  };

  const draw = (canvas: HTMLCanvasElement, bitmap: ImageBitmap): void => {
    [canvas.width, canvas.height] = [bitmap.width, bitmap.height];
    canvas.getContext('2d')!.drawImage(bitmap, 0, 0);
    bitmap.close();
  };

  const finish = (): void => {
    ui.cancel.disabled = true;
    for (const el of [ui.open, ui.model, ui.codec, ui.container]) el.disabled = false;
  };

  const fail = (message: string): void => {
    debug.error = message;
    ui.note.replaceChildren(h('span', { class: 'error' }, `Failed: ${message}`));
    setState('error');
    finish();
  };

  const onMessage = (m: VideoFileMessage): void => {
    switch (m.type) {
      case 'status':
        ui.note.textContent = m.text;
        return;
      case 'progress':
        return showProgress(m.progress);
      case 'preview':
        debug.previews++;
        preview.hidden = false;
        draw(ui.before, m.before);
        draw(ui.after, m.after);
        return;
      case 'done': {
        const r = m.result;
        debug.result = r;
        debug.frames = m.record;
        if (debug.url) URL.revokeObjectURL(debug.url);
        debug.url = URL.createObjectURL(m.blob);
        ui.download.href = debug.url;
        ui.download.download = outName(debug.file ?? 'video.mp4', `${r.width}x${r.height}`, r.container);
        ui.download.textContent = `Download (${(r.size / 2 ** 20).toFixed(2)} MB)`;
        ui.download.hidden = false;
        const t = r.timings;
        ui.stats.append(
          h('dt', {}, 'Where the time went'),
          h(
            'dd',
            {},
            `waiting for the decoder ${formatDuration(t.decodeMs)}, upscaling (upload, model, read back) ${formatDuration(t.upscaleMs)}, ` +
              `waiting for the encoder ${formatDuration(t.encodeWaitMs)}, finishing the file ${formatDuration(t.finishMs)}`,
          ),
        );
        ui.note.textContent =
          `${r.frames} frames → ${r.width}×${r.height} ${CODEC_LABELS[r.codec]} (${r.codecString}) in ${r.container.toUpperCase()}` +
          `${r.audio.length ? `, audio copied (${r.audio.join(', ')})` : ', no audio track'}; ${r.fps.toFixed(2)} frames per second overall.`;
        setState('done');
        finish();
        return;
      }
      case 'error':
        if (m.cancelled) {
          ui.note.textContent = 'Cancelled: nothing was written.';
          setState('cancelled');
          finish();
        } else fail(m.message);
        return;
    }
  };

  const start = (file: File): void => {
    const choice = choices.find((c) => c.id === ui.model.value) ?? choices[0];
    debug.file = file.name;
    debug.model = choice.id;
    debug.progress = null;
    debug.result = null;
    debug.frames = null;
    debug.error = null;
    debug.previews = 0;
    ui.download.hidden = true;
    ui.stats.replaceChildren();
    ui.progress.value = 0;
    ui.afterLabel.textContent = `Upscaled: ${choice.label}`;
    for (const el of [ui.open, ui.model, ui.codec, ui.container]) el.disabled = true;
    ui.cancel.disabled = false;
    setState('running');
    ui.note.textContent = `Reading ${file.name}…`;
    startWorker().postMessage({
      type: 'start',
      job: {
        file,
        model: choice.spec(),
        modelLabel: choice.label,
        codec: (ui.codec.value || undefined) as VideoFileCodec | undefined,
        container: (ui.container.value || undefined) as VideoFileContainer | undefined,
        record: debug.record,
      },
    });
  };

  ui.open.addEventListener('change', () => {
    const file = ui.open.files?.[0];
    ui.open.value = '';
    if (file) start(file);
  });
  ui.cancel.addEventListener('click', () => worker?.postMessage({ type: 'cancel' }));
  // Drop a video anywhere on the video tab.
  const tab = byId('video-mode');
  tab.addEventListener('dragover', (e) => {
    if (e.dataTransfer?.types.includes('Files')) e.preventDefault();
  });
  tab.addEventListener('drop', (e) => {
    const file = e.dataTransfer?.files[0];
    if (!file) return;
    e.preventDefault();
    if (debug.state === 'running') return;
    if (!file.type.startsWith('video/') && !/\.(mp4|m4v|mov|webm|mkv)$/i.test(file.name)) {
      fail(`${file.name} is not a video file (${file.type || 'unknown type'})`);
      return;
    }
    start(file);
  });
}
