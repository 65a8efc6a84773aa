/**
 * The checkerboard explorer: for the chosen transposed-conv, pixel-shuffle and
 * encoder/decoder settings, every figure is recomputed on the engine whenever
 * a control changes. Controls start from URL parameters of the same names.
 */
import type { Engine } from '../../../src/index.js';
import { byId, h } from '../dom.js';
import { bootEngine, renderStatus } from '../gpu-status.js';
import {
  constantThroughConvT,
  encoderDecoder,
  encoderDecoderInputSize,
  lcm,
  measuredPeriod,
  overlapMap,
  periodMargin,
  pixelShuffleConstant,
  predictedPeriod,
  randomPositiveKernel,
  uniformKernel,
  type ConvTGeometry,
  type EncoderDecoder,
  type Grid,
} from './compute.js';
import { drawHeatmap, range, type HeatmapOptions } from './heatmap.js';
import { mountLab } from './lab-section.js';

interface Settings {
  g: ConvTGeometry;
  n: number;
  r: number;
  kps: number;
  ed: EncoderDecoder;
  seed: number;
}

declare global {
  interface Window {
    __explorer?: {
      overlap: { height: number; width: number; data: number[] } | null;
      period: { measured: number | null; predicted: number } | null;
      error: string | null;
      renders: number;
    };
  }
}

const form = byId<HTMLFormElement>('controls');
const figures = byId('figures');
const debug: NonNullable<Window['__explorer']> = { overlap: null, period: null, error: null, renders: 0 };
window.__explorer = debug;

function input(name: string): HTMLInputElement | HTMLSelectElement {
  const el = form.elements.namedItem(name);
  if (!el) throw new Error(`explorer form has no control '${name}'`);
  return el as HTMLInputElement | HTMLSelectElement;
}

function applyParams(p: URLSearchParams): void {
  for (const [k, v] of p) if (form.elements.namedItem(k)) input(k).value = v;
}

function read(): Settings {
  const n = (name: string): number => Math.round(Number(input(name).value));
  return {
    g: { k: n('k'), s: n('s'), p: n('p'), d: n('d'), op: n('op') },
    n: n('n'),
    r: n('r'),
    kps: n('kps'),
    ed: {
      kEnc: n('kenc'),
      sEnc: n('senc'),
      kDec: n('kdec'),
      sDec: n('sdec'),
      order: input('order').value === 'enc-dec' ? 'enc-dec' : 'dec-enc',
    },
    seed: n('seed'),
  };
}

/** One figure: title, picture, caption. The heat map is drawn once the panel is in the page, to fit its width. */
function figure(
  id: string,
  title: string,
  grid: Grid | Error,
  caption: string,
  options: HeatmapOptions = {},
): { el: HTMLElement; draw: () => void } {
  const canvas = h('canvas', { id });
  const body = grid instanceof Error ? h('p', { class: 'error' }, `${grid.name}: ${grid.message}`) : canvas;
  const el = h('div', { class: 'panel figure' }, h('h2', {}, title), body, h('p', { class: 'muted' }, caption));
  const draw = (): void => {
    if (!(grid instanceof Error)) drawHeatmap(canvas, grid, { ...options, maxWidth: Math.min(420, el.clientWidth - 34) });
  };
  return { el, draw };
}

/** Runs an engine computation; a typed error (bad geometry) becomes the figure's message. */
async function attempt(f: () => Promise<Grid>): Promise<Grid | Error> {
  try {
    return await f();
  } catch (e) {
    return e as Error;
  }
}

const spread = (g: Grid | Error): string => {
  if (g instanceof Error) return '';
  const [lo, hi] = range(g);
  return hi - lo <= 1e-6 * Math.max(1, Math.abs(hi))
    ? `flat: every value ${lo.toPrecision(4)}`
    : `values ${lo.toPrecision(3)} … ${hi.toPrecision(3)} (max − min = ${(hi - lo).toPrecision(3)})`;
};

async function render(engine: Engine, st: Settings): Promise<void> {
  const { g, n } = st;
  const geo = `k${g.k} s${g.s} p${g.p} d${g.d}${g.op ? ` op${g.op}` : ''}`;
  const overlap = await attempt(() => overlapMap(engine, n, g));
  const random = await attempt(() => constantThroughConvT(engine, n, g, randomPositiveKernel(g.k, st.seed)));
  const uniform = await attempt(() => constantThroughConvT(engine, n, g, uniformKernel(g.k, g.s)));
  const psRandom = await attempt(() => pixelShuffleConstant(engine, Math.max(n, st.kps), st.r, st.kps, 'random', st.seed));
  const psIcnr = await attempt(() => pixelShuffleConstant(engine, Math.max(n, st.kps), st.r, st.kps, 'icnr', st.seed));
  const ed = await attempt(() => encoderDecoder(engine, encoderDecoderInputSize(st.ed), st.ed, st.seed));

  let gaps = 0;
  let counts = '';
  if (!(overlap instanceof Error)) {
    gaps = overlap.data.filter((v) => v === 0).length;
    const [lo, hi] = range(overlap);
    counts = `counts ${lo} … ${hi}`;
    debug.overlap = { height: overlap.height, width: overlap.width, data: Array.from(overlap.data) };
  } else {
    debug.overlap = null;
  }
  // Away from the border (where fewer inputs exist), is every output reached equally often?
  // (Padding already cropped p outputs off each side.) null: the interior is too small to tell.
  const interiorPeriod = overlap instanceof Error ? null : measuredPeriod(overlap, Math.max(0, g.d * (g.k - 1) - g.p));
  const even = interiorPeriod === null ? null : interiorPeriod === 1;
  const predicted = predictedPeriod(st.ed);
  const margin = periodMargin(st.ed);
  const measured = ed instanceof Error ? null : measuredPeriod(ed, margin);
  debug.period = { measured, predicted };
  const { sEnc, sDec, order } = st.ed;
  const L = lcm(sEnc, sDec);
  const edCaption =
    order === 'dec-enc'
      ? `Period predicted: lcm(${sEnc}, ${sDec}) = ${L} upsampled px = ${predicted} output px; measured on the engine's output: ${measured ?? 'not periodic'} px. The strided conv samples the decoder's period-${sDec} pattern every ${sEnc} px.`
      : `Period predicted: ${predicted} px (the encoder's output of a flat image is flat, so only the decoder's stride ${sDec} shows; lcm(${sEnc}, ${sDec}) = ${L} appears in the other order); measured: ${measured ?? 'not periodic'} px.`;

  const figs = [
    figure(
      'overlap-map',
      `Overlap count · convT ${geo}`,
      overlap,
      `convTranspose2d of an all-ones ${n}×${n} input with an all-ones kernel: how many taps reach each output. ${counts}; ${gaps} gap${gaps === 1 ? '' : 's'} (hatched). ` +
        (even === null
          ? ''
          : even
            ? 'The interior is evenly covered (k a multiple of s).'
            : 'The interior is unevenly covered: that is the checkerboard.'),
      { zerosAsGaps: true, numbers: true },
    ),
    figure(
      'random-kernel',
      'Constant input · random kernel',
      random,
      `The same layer with a random positive kernel (seed ${st.seed}). ${spread(random)}.`,
    ),
    figure(
      'uniform-kernel',
      'Constant input · uniform kernel',
      uniform,
      `Every tap = s²/k², so an evenly covered output is exactly 1. ${spread(uniform)}.`,
      { numbers: true },
    ),
    figure(
      'shuffle-random',
      `Pixel shuffle ×${st.r} · random init`,
      psRandom,
      `conv ${st.kps}×${st.kps} to ${st.r * st.r} channels (random, PyTorch-default scale), then pixelShuffle(${st.r}): each sub-pixel channel sums its own kernel. ${spread(psRandom)}.`,
    ),
    figure(
      'shuffle-icnr',
      `Pixel shuffle ×${st.r} · ICNR init`,
      psIcnr,
      `The same with ICNR: the ${st.r * st.r} sub-pixel kernels are copies of one, so a flat input stays flat. ${spread(psIcnr)}.`,
    ),
    figure(
      'encoder-decoder',
      `${order === 'dec-enc' ? 'Decoder → encoder' : 'Encoder → decoder'} · s_dec ${sDec}, s_enc ${sEnc}`,
      ed,
      edCaption,
      measured ? { period: { period: measured, offset: margin } } : {},
    ),
  ];
  figures.replaceChildren(...figs.map((f) => f.el));
  for (const f of figs) f.draw();
}

async function main(): Promise<void> {
  applyParams(new URLSearchParams(location.search));
  const boot = await bootEngine();
  renderStatus(byId('gpu-status'), boot, 'Every picture here is computed by the WebGPU engine, so this page needs WebGPU.');
  mountLab(boot);
  if (boot.kind !== 'webgpu') {
    figures.replaceChildren(h('p', { class: 'panel' }, 'This page needs WebGPU: every picture is the engine’s output.'));
    document.body.dataset.state = 'error';
    debug.error = boot.reason;
    return;
  }
  const engine = boot.engine;
  let queued: Settings | null = read();
  let running = false;
  // Renders the latest settings; changes made while a render runs coalesce into one more render.
  const pump = async (): Promise<void> => {
    if (running) return;
    running = true;
    document.body.dataset.state = 'running';
    try {
      while (queued) {
        const st = queued;
        queued = null;
        await render(engine, st);
        debug.renders++;
      }
      document.body.dataset.state = 'done';
    } catch (e) {
      debug.error = (e as Error).message;
      document.body.dataset.state = 'error';
    } finally {
      running = false;
    }
  };
  form.addEventListener('input', () => {
    queued = read();
    const params = new URLSearchParams(location.search); // keeps the lab's parameters
    for (const el of Array.from(form.elements) as HTMLInputElement[]) if (el.name) params.set(el.name, el.value);
    history.replaceState(null, '', `?${params}`);
    void pump();
  });
  await pump();
}

main().catch((e: Error) => {
  debug.error = e.message;
  document.body.dataset.state = 'error';
});
