/**
 * The lab's live loss curves: one uPlot chart, step on x, training loss on a
 * log y axis (losses fall by decades early on), one series per method. The
 * data arrays grow in place and the chart is redrawn at most once a frame.
 */
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

/** One colour per method, in METHODS order (Okabe–Ito: distinguishable for colour-blind viewers). */
export const METHOD_COLORS = ['#d55e00', '#0072b2', '#009e73', '#cc79a7', '#e69f00', '#56b4e9'];

const FONT = '11px system-ui, sans-serif';
const AXIS = {
  font: FONT,
  labelFont: `600 ${FONT}`,
  stroke: '#475467',
  grid: { stroke: '#eef0f3', width: 1 },
  ticks: { stroke: '#98a2b3', width: 1, size: 4 },
};

export interface LossChart {
  /** Records the loss of `series` at `step` (1-based) and schedules a redraw. */
  push(series: number, step: number, loss: number): void;
  destroy(): void;
}

export function lossChart(el: HTMLElement, labels: string[], steps: number): LossChart {
  const xs = Array.from({ length: steps }, (_, i) => i + 1);
  const ys: (number | null)[][] = labels.map(() => new Array<number | null>(steps).fill(null));
  const opts: uPlot.Options = {
    title: 'Training loss (MSE) per step',
    width: Math.max(320, el.clientWidth),
    height: 260,
    scales: { x: { time: false, range: () => [1, Math.max(2, steps)] }, y: { distr: 3, log: 10 } },
    axes: [
      { ...AXIS, label: 'step', labelSize: 18, size: 24, incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000] }, // whole steps only
      {
        ...AXIS,
        label: 'loss',
        labelSize: 18,
        size: 60,
        values: (_u, splits) => splits.map((v) => (v === null ? '' : `${+v.toPrecision(2)}`)),
      },
    ],
    series: [
      { label: 'step' },
      ...labels.map((label, i): uPlot.Series => ({
        label,
        stroke: METHOD_COLORS[i % METHOD_COLORS.length],
        width: 2,
        spanGaps: false,
        points: { show: false },
        value: (_u, v) => (v === null ? '—' : v.toPrecision(4)),
      })),
    ],
    legend: { live: true },
    cursor: { drag: { x: false, y: false } },
  };
  const u = new uPlot(opts, [xs, ...ys] as uPlot.AlignedData, el);
  let pending = false;
  return {
    push(series, step, loss) {
      if (step < 1 || step > steps || !(loss > 0) || !Number.isFinite(loss)) return; // a log axis has no place for 0 or NaN
      ys[series][step - 1] = loss;
      if (pending) return;
      pending = true;
      requestAnimationFrame(() => {
        pending = false;
        u.setData([xs, ...ys] as uPlot.AlignedData);
      });
    },
    destroy: () => u.destroy(),
  };
}
