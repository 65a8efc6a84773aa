/**
 * The benchmark's charts, drawn by uPlot (canvas, with a legend that shows the
 * values under the cursor): time against size per case family (log–log: sizes
 * and times span decades), and the speed-up of our engine over each peer at
 * the largest size of every family (log scale around 1×, so "10× faster" and
 * "10× slower" are the same distance).
 */
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { fmtMs } from '../dom.js';

export interface Line {
  label: string;
  color: string;
  /** Canvas dash pattern, e.g. [5, 4] for cold times. */
  dash?: number[];
  /** One value per x; null where the contender did not run. */
  values: (number | null)[];
}

const FONT = '11px system-ui, sans-serif';
const AXIS = {
  font: FONT,
  labelFont: `600 ${FONT}`,
  stroke: '#475467',
  grid: { stroke: '#eef0f3', width: 1 },
  ticks: { stroke: '#98a2b3', width: 1, size: 4 },
};

/** Positive finite values only: a log scale has no place for zero, and an error has no time. */
const clean = (vs: (number | null)[]): (number | null)[] => vs.map((v) => (v !== null && v > 0 && Number.isFinite(v) ? v : null));

/** A tick's time, shortest form: 100 µs, 2.5 ms, 1000 ms. */
const tickMs = (v: number): string => (v < 1 ? `${+(v * 1000).toPrecision(3)} µs` : `${+v.toPrecision(3)} ms`);

/** Splits (or null where uPlot's filter dropped one) as tick labels. */
const msLabels = (_u: uPlot, splits: (number | null)[]): string[] => splits.map((v) => (v === null ? '' : tickMs(v)));

/** A legend whose markers are filled with the line's colour; hollow for dashed (cold) lines. */
const legend = (lines: Line[]): uPlot.Legend => ({
  live: true,
  markers: { fill: (_u, i) => (i > 0 && !lines[i - 1].dash ? lines[i - 1].color : 'transparent') },
});

let measureCtx: CanvasRenderingContext2D | null = null;

/**
 * Width of a vertical axis: its widest tick label plus the tick and gap, so the
 * axis title (drawn by uPlot in its own band outside this one) never overlaps a label.
 */
const fitWidth = (_u: uPlot, values: string[] | null): number => {
  measureCtx ??= document.createElement('canvas').getContext('2d')!;
  measureCtx.font = FONT;
  const widest = Math.max(0, ...(values ?? []).map((v) => measureCtx!.measureText(v ?? '').width));
  return Math.ceil(widest) + AXIS.ticks.size + 12;
};

const ratio = (v: number): string => `${+v.toPrecision(v < 10 ? 2 : 3)}×`;

/**
 * A log–log chart of `lines` against `sizes` (input H = W), drawn into `el` at
 * its current width. Sizes are the x ticks (a power-of-two log scale would
 * otherwise tick at sizes that were not run).
 */
export function timeChart(el: HTMLElement, title: string, sizes: number[], lines: Line[]): uPlot {
  const lo = Math.min(...sizes);
  const hi = Math.max(...sizes);
  const opts: uPlot.Options = {
    title,
    width: Math.max(300, el.clientWidth),
    height: 230,
    scales: {
      x: { time: false, distr: 3, log: 2, range: () => [lo / 1.35, hi * 1.35] },
      y: { distr: 3, log: 10 },
    },
    axes: [
      {
        ...AXIS,
        label: 'input size (H = W)',
        labelSize: 18,
        size: 24,
        splits: () => sizes,
        values: (_u, splits) => splits.map((v) => `${v}²`),
      },
      { ...AXIS, label: 'time per call', labelSize: 18, size: fitWidth, values: msLabels },
    ],
    series: [
      { label: 'size', value: (_u, v) => (v === null ? '—' : `${v}²`) },
      ...lines.map((l): uPlot.Series => ({
        label: l.label,
        stroke: l.color,
        width: 2,
        dash: l.dash,
        spanGaps: true,
        points: { show: true, size: 6, fill: l.color },
        value: (_u, v) => (v === null ? '—' : fmtMs(v)),
      })),
    ],
    legend: legend(lines),
    cursor: { drag: { x: false, y: false } },
  };
  return new uPlot(opts, [sizes, ...lines.map((l) => clean(l.values))] as uPlot.AlignedData, el);
}

/**
 * Speed-ups as dots, one row per case (`labels`), one colour per peer, on a
 * log scale centred on 1× (drawn as a line). Horizontal, so long case names
 * stay readable.
 */
export function speedupChart(el: HTMLElement, labels: string[], lines: Line[]): uPlot {
  const vals = lines.flatMap((l) => clean(l.values)).filter((v): v is number => v !== null);
  const span = Math.max(1, ...vals.map((v) => Math.ceil(Math.abs(Math.log10(v)) + 0.05)));
  const rows = labels.map((_, i) => i);
  const oneX = (u: uPlot): void => {
    // The 1× line: left of it a peer is faster than ours, right of it ours is faster.
    const x = u.valToPos(1, 'y', true);
    const { ctx } = u;
    ctx.save();
    ctx.strokeStyle = '#475467';
    ctx.lineWidth = 1.5 * devicePixelRatio;
    ctx.beginPath();
    ctx.moveTo(x, u.bbox.top);
    ctx.lineTo(x, u.bbox.top + u.bbox.height);
    ctx.stroke();
    ctx.restore();
  };
  const opts: uPlot.Options = {
    width: Math.max(320, el.clientWidth),
    height: 70 + 26 * labels.length,
    scales: {
      x: { time: false, ori: 1, dir: -1, range: () => [-0.6, labels.length - 0.4] },
      y: { ori: 0, distr: 3, log: 10, range: () => [10 ** -span, 10 ** span] },
    },
    axes: [
      {
        ...AXIS,
        scale: 'x',
        side: 3,
        size: fitWidth,
        splits: () => rows,
        values: (_u, splits) => splits.map((i) => labels[i] ?? ''),
        grid: { show: false },
      },
      {
        ...AXIS,
        scale: 'y',
        side: 2,
        label: 'peer time ÷ our time  (right of 1×: ours is faster)',
        labelSize: 18,
        size: 24,
        values: (_u, splits) => splits.map((v) => (v === null ? '' : ratio(v))),
      },
    ],
    series: [
      { label: 'case', value: (_u, v) => (v === null ? '—' : (labels[v] ?? '—')) },
      ...lines.map((l): uPlot.Series => ({
        label: l.label,
        stroke: l.color,
        paths: () => null,
        points: { show: true, size: 10, width: 1, fill: l.color, stroke: '#fff' },
        value: (_u, v) => (v === null ? '—' : ratio(v)),
      })),
    ],
    hooks: { drawAxes: [oneX] },
    legend: legend(lines),
    cursor: { drag: { x: false, y: false } },
  };
  return new uPlot(opts, [rows, ...lines.map((l) => clean(l.values))] as uPlot.AlignedData, el);
}
