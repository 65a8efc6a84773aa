/**
 * Drawing a small 2-D array as a heat map on a canvas: one square cell per
 * value, a perceptual colour ramp (viridis-like) from the minimum to the
 * maximum, exact zeros in a distinct colour when asked (gaps of a transposed
 * convolution), numbers in the cells when they are large enough, and optional
 * period lines.
 */
import type { Grid } from './compute.js';

export interface HeatmapOptions {
  /** Largest canvas width in CSS pixels; cells shrink to fit (min 2 px). */
  maxWidth?: number;
  /** Paint exact zeros as gaps (a hatched red), not as the ramp's low end. */
  zerosAsGaps?: boolean;
  /** Write each value in its cell when cells are ≥ 16 px. */
  numbers?: boolean;
  /** Vertical and horizontal lines every `period` cells, starting at `offset`. */
  period?: { period: number; offset: number };
}

// Viridis, sampled at 5 stops: readable in greyscale and for colour-blind viewers.
const RAMP: [number, number, number][] = [
  [68, 1, 84],
  [59, 82, 139],
  [33, 145, 140],
  [94, 201, 98],
  [253, 231, 37],
];

function ramp(t: number): [number, number, number] {
  const x = Math.min(1, Math.max(0, t)) * (RAMP.length - 1);
  const i = Math.min(RAMP.length - 2, Math.floor(x));
  const f = x - i;
  const [a, b] = [RAMP[i], RAMP[i + 1]];
  return [a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f, a[2] + (b[2] - a[2]) * f];
}

/** min and max of the grid. */
export function range(g: Grid): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of g.data) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  return [lo, hi];
}

function fmtValue(v: number): string {
  return Number.isInteger(v) ? String(v) : v.toFixed(2).replace(/^0\./, '.');
}

/** Draws `g` into `canvas` (resized to fit), one square cell per value. */
export function drawHeatmap(canvas: HTMLCanvasElement, g: Grid, o: HeatmapOptions = {}): void {
  const cell = Math.max(2, Math.min(28, Math.floor((o.maxWidth ?? 360) / g.width)));
  const dpr = window.devicePixelRatio || 1;
  canvas.width = Math.round(g.width * cell * dpr);
  canvas.height = Math.round(g.height * cell * dpr);
  canvas.style.width = `${g.width * cell}px`;
  canvas.style.height = 'auto'; // keeps the aspect ratio when CSS max-width shrinks it
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  ctx.scale(dpr, dpr);
  const [lo, hi] = range(g);
  const flat = hi - lo <= 1e-6 * Math.max(1, Math.abs(hi));
  for (let y = 0; y < g.height; y++) {
    for (let x = 0; x < g.width; x++) {
      const v = g.data[y * g.width + x];
      if (o.zerosAsGaps && v === 0) {
        ctx.fillStyle = '#fde2e1';
        ctx.fillRect(x * cell, y * cell, cell, cell);
        ctx.strokeStyle = '#e5484d';
        ctx.beginPath();
        ctx.moveTo(x * cell, (y + 1) * cell);
        ctx.lineTo((x + 1) * cell, y * cell);
        ctx.stroke();
        continue;
      }
      const [r, gg, b] = ramp(flat ? 0.5 : (v - lo) / (hi - lo));
      ctx.fillStyle = `rgb(${r | 0}, ${gg | 0}, ${b | 0})`;
      ctx.fillRect(x * cell, y * cell, cell, cell);
      if (o.numbers && cell >= 16) {
        ctx.font = `${Math.min(12, cell - 6)}px system-ui, sans-serif`;
        const text = fmtValue(v);
        if (ctx.measureText(text).width > cell - 3) continue; // a number that does not fit is noise
        ctx.fillStyle = r + gg + b > 380 ? '#000' : '#fff';
        ctx.textAlign = 'center';
        ctx.textBaseline = 'middle';
        ctx.fillText(text, (x + 0.5) * cell, (y + 0.5) * cell);
      }
    }
  }
  if (o.period && o.period.period > 0) {
    ctx.strokeStyle = 'rgba(255, 255, 255, 0.85)';
    ctx.setLineDash([3, 2]);
    ctx.lineWidth = 1;
    for (let x = o.period.offset; x <= g.width; x += o.period.period) {
      ctx.beginPath();
      ctx.moveTo(x * cell + 0.5, 0);
      ctx.lineTo(x * cell + 0.5, g.height * cell);
      ctx.stroke();
    }
    for (let y = o.period.offset; y <= g.height; y += o.period.period) {
      ctx.beginPath();
      ctx.moveTo(0, y * cell + 0.5);
      ctx.lineTo(g.width * cell, y * cell + 0.5);
      ctx.stroke();
    }
  }
}
