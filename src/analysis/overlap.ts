/**
 * Overlap of a transposed convolution: how many kernel taps reach each output.
 *
 * Along one axis, input i and tap t write output o = i·s − p + t·d (PyTorch's
 * conv_transpose; output size (n − 1)·s − 2p + d·(k − 1) + op + 1). Away from
 * the borders every input exists, so output o receives exactly the taps with
 *   t·d ≡ o + p  (mod s),
 * a count that depends only on the phase (o + p) mod s: the overlap repeats
 * every s outputs. With d = 1 the s phases get ⌊k/s⌋ or ⌈k/s⌉ taps, so
 *   k a multiple of s  → every phase gets k/s taps (balanced),
 *   otherwise          → some get one tap more (uneven: the checkerboard),
 *   k < s              → some get none (gaps: only the bias reaches them).
 * A dilation sharing a factor with s leaves phases empty even when k ≥ s.
 * In 2-D a tap reaches an output exactly when it does along both axes, so the
 * 2-D overlap is the outer product of the two 1-D maps.
 */
import { ArgumentError } from '../core/errors.js';
import { convTransposeOutSize } from '../ops/conv-transpose2d.js';
import { int, pair, type Pair } from '../core/params.js';

export function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

/** Least common multiple of two positive integers. */
export function lcm(a: number, b: number): number {
  return (a / gcd(a, b)) * b;
}

/** The phase of kernel tap t: the outputs it reaches in the interior are those with (o + p) mod s equal to it. */
export function tapPhase(t: number, s: number, d = 1): number {
  return (t * d) % s;
}

/** Interior taps per phase: counts[r] = #{t ∈ [0, k) : t·d ≡ r (mod s)}. */
export function phaseTapCounts(k: number, s: number, d = 1): number[] {
  const counts = new Array<number>(s).fill(0);
  for (let t = 0; t < k; t++) counts[tapPhase(t, s, d)]++;
  return counts;
}

/**
 * 1-D overlap map: for an input of length n, how many (input, tap) pairs
 * write each output of a transposed convolution (kernel k, stride s, padding
 * p, dilation d, output padding op). The result has convTransposeOutSize(n, …)
 * entries; borders get fewer taps than the interior, and op adds outputs at
 * the end that only the last inputs may reach.
 */
export function overlapMap(k: number, s: number, p = 0, d = 1, n = 8, op = 0): Int32Array {
  const name = 'overlapMap';
  int(name, 'kernel', k, { min: 1 });
  int(name, 'stride', s, { min: 1 });
  int(name, 'padding', p, { min: 0 });
  int(name, 'dilation', d, { min: 1 });
  int(name, 'n', n, { min: 1 });
  int(name, 'outputPadding', op, { min: 0 });
  if (op >= Math.max(s, d)) throw new ArgumentError(`${name}: outputPadding ${op} must be < max(stride ${s}, dilation ${d})`);
  const size = convTransposeOutSize(n, k, s, p, d, op);
  if (size < 1) throw new ArgumentError(`${name}: output would be empty (${size}) for n ${n}, kernel ${k}, stride ${s}, padding ${p}`);
  const out = new Int32Array(size);
  for (let i = 0; i < n; i++) {
    for (let t = 0; t < k; t++) {
      const o = i * s - p + t * d;
      if (o >= 0 && o < size) out[o]++;
    }
  }
  return out;
}

/** A 2-D overlap map, row-major. */
export interface OverlapGrid {
  data: Int32Array;
  height: number;
  width: number;
}

/** Per-axis geometry of a transposed convolution (numbers apply to both axes, pairs are [h, w]). */
export interface ConvTransposeGeometry {
  kernel: Pair;
  stride?: Pair;
  padding?: Pair;
  dilation?: Pair;
  outputPadding?: Pair;
}

function axes(op: string, g: ConvTransposeGeometry): { k: number[]; s: number[]; p: number[]; d: number[]; op: number[] } {
  return {
    k: pair(op, 'kernel', g.kernel, 1, { min: 1 }),
    s: pair(op, 'stride', g.stride, 1, { min: 1 }),
    p: pair(op, 'padding', g.padding, 0, { min: 0 }),
    d: pair(op, 'dilation', g.dilation, 1, { min: 1 }),
    op: pair(op, 'outputPadding', g.outputPadding, 0, { min: 0 }),
  };
}

/**
 * 2-D overlap map for an input of size `n` ([h, w] or square): the outer
 * product of the two axes' 1-D maps. Equal to convTranspose2d of an all-ones
 * input with an all-ones 1→1 kernel (the explorer page computes it that way on the GPU).
 */
export function overlapMap2d(g: ConvTransposeGeometry, n: Pair): OverlapGrid {
  const a = axes('overlapMap2d', g);
  const size = pair('overlapMap2d', 'n', n, 1, { min: 1 });
  const rows = overlapMap(a.k[0], a.s[0], a.p[0], a.d[0], size[0], a.op[0]);
  const cols = overlapMap(a.k[1], a.s[1], a.p[1], a.d[1], size[1], a.op[1]);
  const data = new Int32Array(rows.length * cols.length);
  for (let y = 0; y < rows.length; y++) for (let x = 0; x < cols.length; x++) data[y * cols.length + x] = rows[y] * cols[x];
  return { data, height: rows.length, width: cols.length };
}

export type OverlapVerdict = 'balanced' | 'uneven' | 'gaps';

/** The interior overlap along one axis. */
export interface AxisOverlap {
  kernel: number;
  stride: number;
  dilation: number;
  verdict: OverlapVerdict;
  /** Interior taps at outputs o ≡ 0, 1, …, s − 1 (mod s), in output order (the phase is (o + p) mod s). */
  pattern: number[];
  min: number;
  max: number;
}

export interface CheckerboardReport {
  /** The worse of the two axes: gaps, then uneven, then balanced. */
  verdict: OverlapVerdict;
  axes: [AxisOverlap, AxisOverlap];
  /**
   * Lattice period of the artifact in output pixels, per axis: s; with an
   * encoder stride, lcm(s_enc, s) (see checkerboardReport).
   */
  period: [number, number];
  /** Interior taps per output, 2-D: the products of the axes' min and max. */
  min: number;
  max: number;
  /** max / min (Infinity with gaps, 1 when balanced). */
  ratio: number;
  /** One sentence for people. */
  summary: string;
}

function axisOverlap(k: number, s: number, p: number, d: number): AxisOverlap {
  const counts = phaseTapCounts(k, s, d);
  const pattern = Array.from({ length: s }, (_, o) => counts[(o + p) % s]);
  const min = Math.min(...pattern);
  const max = Math.max(...pattern);
  const verdict: OverlapVerdict = min === 0 ? 'gaps' : min === max ? 'balanced' : 'uneven';
  return { kernel: k, stride: s, dilation: d, verdict, pattern, min, max };
}

const RANK: Record<OverlapVerdict, number> = { balanced: 0, uneven: 1, gaps: 2 };

/**
 * Whether a transposed convolution lays its taps evenly over the output.
 * The verdict is about the interior (borders always get fewer taps):
 *   'gaps'     some outputs get no tap (k < s, or gcd(d, s) > 1): a grid of holes;
 *   'uneven'   every output gets a tap but some get more (k not a multiple of s):
 *              the checkerboard, even for a constant input and equal weights;
 *   'balanced' every output gets the same number (k a multiple of s, d coprime
 *              to s). Then a constant input still gives a constant output only
 *              if the kernel's phase sums are equal too (see phaseSums).
 *
 * `encoderStride`: when a stride-s_enc layer reads the convT's output (an
 * encoder after a decoder, or a discriminator), it samples the s-periodic
 * pattern every s_enc pixels, so what it sees repeats after lcm(s_enc, s)
 * upsampled pixels (lcm / s_enc of its own outputs): the period becomes lcm.
 */
export function checkerboardReport(g: ConvTransposeGeometry, options: { encoderStride?: Pair } = {}): CheckerboardReport {
  const op = 'checkerboardReport';
  const a = axes(op, g);
  for (const i of [0, 1]) {
    if (a.op[i] >= Math.max(a.s[i], a.d[i])) {
      throw new ArgumentError(`${op}: outputPadding ${a.op[i]} must be < max(stride ${a.s[i]}, dilation ${a.d[i]})`);
    }
  }
  const enc = pair(op, 'encoderStride', options.encoderStride, 1, { min: 1 });
  const ax: [AxisOverlap, AxisOverlap] = [axisOverlap(a.k[0], a.s[0], a.p[0], a.d[0]), axisOverlap(a.k[1], a.s[1], a.p[1], a.d[1])];
  const verdict = RANK[ax[0].verdict] >= RANK[ax[1].verdict] ? ax[0].verdict : ax[1].verdict;
  const period: [number, number] = [lcm(enc[0], a.s[0]), lcm(enc[1], a.s[1])];
  const min = ax[0].min * ax[1].min;
  const max = ax[0].max * ax[1].max;
  const ratio = min === 0 ? Infinity : max / min;
  return {
    verdict,
    axes: ax,
    period,
    min,
    max,
    ratio,
    summary: sentence(ax, verdict, period, min, max, options.encoderStride !== undefined),
  };
}

function geometryText(ax: [AxisOverlap, AxisOverlap]): string {
  const one = (x: AxisOverlap): string => `k${x.kernel} s${x.stride}${x.dilation > 1 ? ` d${x.dilation}` : ''}`;
  const h = one(ax[0]);
  const w = one(ax[1]);
  return h === w ? h : `${h} (height) × ${w} (width)`;
}

function sentence(
  ax: [AxisOverlap, AxisOverlap],
  verdict: OverlapVerdict,
  period: [number, number],
  min: number,
  max: number,
  encoder: boolean,
): string {
  const geo = geometryText(ax);
  const per = period[0] === period[1] ? `${period[0]}` : `${period[0]}×${period[1]}`;
  const pattern =
    ax[0].pattern.join(', ') === ax[1].pattern.join(', ')
      ? `[${ax[0].pattern.join(', ')}]`
      : `[${ax[0].pattern.join(', ')}] × [${ax[1].pattern.join(', ')}]`;
  const seen = encoder ? `, which a strided layer downstream sees with period ${per} upsampled pixels` : '';
  if (verdict === 'gaps') {
    const reached = ax[0].pattern.filter((c) => c > 0).length * ax[1].pattern.filter((c) => c > 0).length;
    const cell = ax[0].stride * ax[1].stride;
    return `${geo}: gaps: ${cell - reached} of every ${cell} interior outputs receive no tap (only the bias), a period-${per} grid of holes${seen}; use k ≥ s (a multiple of s) with d coprime to s.`;
  }
  if (verdict === 'uneven') {
    return `${geo}: uneven overlap: interior outputs receive ${min} to ${max} taps (ratio ${(max / min).toFixed(3).replace(/\.?0+$/, '')}), per-axis pattern ${pattern} repeating every ${per} pixels${seen}: a checkerboard even for a constant input; use k a multiple of s, or resize then conv.`;
  }
  return `${geo}: balanced: every interior output receives ${max} tap${max === 1 ? '' : 's'}; a constant input gives a constant output once the kernel's phase sums are equal too (see phaseSums).`;
}
