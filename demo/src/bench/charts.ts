/**
 * The benchmark's two charts as plain SVG: time against size (log–log, one
 * small chart per case family) and speed-up bars (log scale around 1×, so
 * "10× faster" and "10× slower" are the same length).
 */
import { svg } from '../dom.js';

export interface Series {
  name: string;
  /** CSS class: 'gpu' or 'cpu' (colour). */
  cls: string;
  dash?: string;
  points: [number, number][];
}

const log10 = Math.log10;

/** Powers of ten covering [lo, hi] (at least two ticks). */
function decadeTicks(lo: number, hi: number): number[] {
  const a = Math.floor(log10(lo));
  const b = Math.ceil(log10(hi));
  const ticks: number[] = [];
  for (let e = a; e <= Math.max(b, a + 1); e++) ticks.push(10 ** e);
  return ticks;
}

function fmtTick(v: number, unit: string): string {
  if (unit === 'ms' && v < 1) return `${+(v * 1000).toPrecision(3)} µs`;
  return `${+v.toPrecision(3)}${unit ? ` ${unit}` : ''}`;
}

/** Log–log line chart of `series`; x are sizes (px), y times (ms). */
export function timeChart(title: string, series: Series[]): SVGSVGElement {
  const W = 340;
  const H = 200;
  const m = { l: 56, r: 10, t: 22, b: 44 };
  const pts = series.flatMap((s) => s.points).filter(([, y]) => y > 0 && Number.isFinite(y));
  const xs = pts.map(([x]) => x);
  const ys = pts.map(([, y]) => y);
  const xLo = Math.min(...xs) / (xs.every((x) => x === xs[0]) ? 2 : 1);
  const xHi = Math.max(...xs) * (xs.every((x) => x === xs[0]) ? 2 : 1);
  const yTicks = decadeTicks(Math.min(...ys, 0.01), Math.max(...ys, 0.1));
  const yLo = yTicks[0];
  const yHi = yTicks[yTicks.length - 1];
  const inset = 14; // keep the first and last size off the axes
  const px = (x: number): number => m.l + inset + ((log10(x) - log10(xLo)) / (log10(xHi) - log10(xLo))) * (W - m.l - m.r - 2 * inset);
  const py = (y: number): number => H - m.b - ((log10(y) - log10(yLo)) / (log10(yHi) - log10(yLo))) * (H - m.t - m.b);
  const root = svg('svg', { viewBox: `0 0 ${W} ${H}`, width: W, role: 'img', 'aria-label': `${title}: time against size` });
  root.append(svg('text', { x: m.l, y: 14, 'font-weight': 600 }, title));
  for (const t of yTicks) {
    root.append(svg('line', { class: 'grid', x1: m.l, x2: W - m.r, y1: py(t), y2: py(t) }));
    root.append(svg('text', { x: m.l - 4, y: py(t) + 4, 'text-anchor': 'end' }, fmtTick(t, 'ms')));
  }
  const sizes = [...new Set(xs)].sort((a, b) => a - b);
  for (const x of sizes) root.append(svg('text', { x: px(x), y: H - m.b + 14, 'text-anchor': 'middle' }, `${x}²`));
  root.append(svg('text', { x: (m.l + W - m.r) / 2, y: H - 20, 'text-anchor': 'middle', class: 'muted' }, 'input size (px)'));
  root.append(svg('line', { class: 'axis', x1: m.l, x2: m.l, y1: m.t, y2: H - m.b }));
  root.append(svg('line', { class: 'axis', x1: m.l, x2: W - m.r, y1: H - m.b, y2: H - m.b }));
  let lx = m.l;
  for (const s of series) {
    const valid = s.points.filter(([, y]) => y > 0 && Number.isFinite(y));
    if (valid.length === 0) continue;
    const d = valid.map(([x, y], i) => `${i ? 'L' : 'M'}${px(x).toFixed(1)},${py(y).toFixed(1)}`).join(' ');
    root.append(svg('path', { d, class: s.cls, fill: 'none', 'stroke-width': 1.8, 'stroke-dasharray': s.dash }));
    for (const [x, y] of valid) root.append(svg('circle', { cx: px(x), cy: py(y), r: 2.2, class: s.cls }));
    // Legend along the bottom.
    root.append(svg('line', { x1: lx, x2: lx + 14, y1: H - 6, y2: H - 6, class: s.cls, 'stroke-width': 2, 'stroke-dasharray': s.dash }));
    const label = svg('text', { x: lx + 17, y: H - 2 }, s.name);
    root.append(label);
    lx += 30 + s.name.length * 6.2;
  }
  return root;
}

export interface Bar {
  label: string;
  value: number;
}

/** Horizontal bars of speed-ups on a log scale centred on 1× (right: GPU faster). */
export function speedupChart(bars: Bar[]): SVGSVGElement {
  const row = 18;
  const m = { l: 190, r: 60, t: 24, b: 24 };
  const W = 640;
  const H = m.t + m.b + row * Math.max(1, bars.length);
  const vals = bars.map((b) => b.value).filter((v) => v > 0 && Number.isFinite(v));
  const span = Math.max(1, ...vals.map((v) => Math.ceil(Math.abs(log10(v)))));
  const px = (v: number): number => m.l + ((log10(v) + span) / (2 * span)) * (W - m.l - m.r);
  const root = svg('svg', { viewBox: `0 0 ${W} ${H}`, width: W, role: 'img', 'aria-label': 'speed-up of WebGPU over the CPU reference' });
  root.append(svg('text', { x: m.l, y: 14, class: 'muted' }, '← CPU reference faster · WebGPU faster →'));
  for (let e = -span; e <= span; e++) {
    const x = px(10 ** e);
    root.append(svg('line', { class: e === 0 ? 'axis' : 'grid', x1: x, x2: x, y1: m.t - 4, y2: H - m.b }));
    root.append(svg('text', { x, y: H - m.b + 14, 'text-anchor': 'middle' }, `${+(10 ** e).toPrecision(2)}×`));
  }
  bars.forEach((b, i) => {
    const y = m.t + i * row;
    root.append(svg('text', { x: m.l - 6, y: y + row / 2 + 4, 'text-anchor': 'end' }, b.label));
    if (!(b.value > 0) || !Number.isFinite(b.value)) return;
    const x0 = px(1);
    const x1 = px(b.value);
    root.append(svg('rect', { x: Math.min(x0, x1), y: y + 3, width: Math.max(1, Math.abs(x1 - x0)), height: row - 6, class: b.value >= 1 ? 'gpu' : 'cpu' }));
    root.append(svg('text', { x: Math.max(x0, x1) + 4, y: y + row / 2 + 4 }, `${b.value.toPrecision(3)}×`));
  });
  return root;
}
