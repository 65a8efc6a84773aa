/**
 * pad2d(x, { pads: [top, bottom, left, right], mode, value }) on [N, C, H, W]:
 * [N, C, H + top + bottom, W + left + right]. Output pixel (y, x) reads input
 * (y − top, x − left), and where that falls outside:
 *   'constant'  → `value` (default 0);
 *   'replicate' → the nearest edge pixel (clamp);
 *   'reflect'   → reflect-101 (PyTorch 'reflect', OpenCV BORDER_REFLECT_101):
 *                 −1 → 1, H → H − 2, the edge itself is not repeated. One
 *                 reflection only, so each reflect pad must be < the input size
 *                 on its axis (PyTorch's rule).
 * crop2d is its adjoint for 'constant'; pad2dBackward handles all three modes.
 */
import { ArgumentError, ShapeError } from '../core/errors.js';
import { checkOptions, checkShape, fmt, int, optionKeys, real, type Shape } from '../core/params.js';

export type PadMode = 'constant' | 'replicate' | 'reflect';

export const PAD_MODES: readonly PadMode[] = ['constant', 'replicate', 'reflect'];

export interface Pad2dOptions {
  /** [top, bottom, left, right], integers ≥ 0. */
  pads: readonly [number, number, number, number];
  /** Default 'constant'. */
  mode?: PadMode;
  /** The fill of 'constant' (default 0); only allowed with 'constant'. */
  value?: number;
}

const PAD_KEYS = optionKeys<Pad2dOptions>({ pads: true, mode: true, value: true });
const PAD_NAMES = ['top', 'bottom', 'left', 'right'] as const;

export interface Pad2dPlan {
  inShape: [number, number, number, number];
  outShape: [number, number, number, number];
  top: number;
  bottom: number;
  left: number;
  right: number;
  mode: PadMode;
  value: number;
}

/** Checks the options against an input shape [N, C, H, W]; the output shape and the resolved pads. */
export function planPad2d(xShape: Shape, options: Pad2dOptions, op = 'pad2d'): Pad2dPlan {
  checkShape(op, 'input', xShape, 4);
  const o = checkOptions(op, options, PAD_KEYS);
  const pads = o.pads;
  if (!Array.isArray(pads) || pads.length !== 4) {
    throw new ArgumentError(`${op}: pads ${JSON.stringify(pads)} must be [top, bottom, left, right]`);
  }
  const [top, bottom, left, right] = pads.map((p, i) => int(op, `pads[${i}] (${PAD_NAMES[i]})`, p, { min: 0 }));
  const mode = (o.mode ?? 'constant') as PadMode;
  if (!PAD_MODES.includes(mode)) {
    throw new ArgumentError(`${op}: mode ${JSON.stringify(mode)} must be 'constant', 'replicate' or 'reflect'`);
  }
  if (o.value !== undefined && mode !== 'constant') {
    throw new ArgumentError(`${op}: value is only for mode 'constant', not '${mode}'`);
  }
  const value = o.value === undefined ? 0 : real(op, 'value', o.value);
  const [n, c, h, w] = xShape;
  if (mode === 'reflect') {
    const sizes = [h, h, w, w];
    [top, bottom, left, right].forEach((p, i) => {
      if (p >= sizes[i]) {
        const axis = i < 2 ? 'height' : 'width';
        throw new ArgumentError(
          `${op}: reflect pad ${PAD_NAMES[i]} ${p} must be < the input ${axis} ${sizes[i]} (input ${fmt(xShape)}; reflect-101 repeats no edge, so it can mirror at most size − 1 pixels)`,
        );
      }
    });
  }
  return {
    inShape: [n, c, h, w],
    outShape: [n, c, h + top + bottom, w + left + right],
    top,
    bottom,
    left,
    right,
    mode,
    value,
  };
}

/**
 * The input coordinate that output coordinate `o` reads on one axis of size
 * `size` padded by `before`, or −1 for the constant fill. CPU twin of the
 * shader's `source`.
 */
export function padSource(o: number, before: number, size: number, mode: PadMode): number {
  const s = o - before;
  if (s >= 0 && s < size) return s;
  if (mode === 'constant') return -1;
  if (mode === 'replicate') return s < 0 ? 0 : size - 1;
  return s < 0 ? -s : 2 * (size - 1) - s;
}

/**
 * pad2dBackward(dy, options): the adjoint of pad2d, dx [N, C, H, W] with
 * H = Hout − top − bottom, W = Wout − left − right: each input pixel gets the
 * sum of dy over the output pixels that read it (for 'constant' that is one,
 * so it is a crop; 'replicate' also sums the border rows/columns into the
 * edge, 'reflect' adds the mirrored pixel). The options are the forward's.
 */
export function planPad2dBackward(dyShape: Shape, options: Pad2dOptions, op = 'pad2dBackward'): Pad2dPlan {
  checkShape(op, 'dy', dyShape, 4);
  const o = checkOptions(op, options, PAD_KEYS);
  const pads = o.pads;
  if (!Array.isArray(pads) || pads.length !== 4) {
    throw new ArgumentError(`${op}: pads ${JSON.stringify(pads)} must be [top, bottom, left, right]`);
  }
  const [top, bottom, left, right] = pads.map((p, i) => int(op, `pads[${i}] (${PAD_NAMES[i]})`, p, { min: 0 }));
  const [n, c, ho, wo] = dyShape;
  const h = ho - top - bottom;
  const w = wo - left - right;
  if (h < 1 || w < 1) {
    throw new ShapeError(
      `${op}: dy ${fmt(dyShape)} is too small for pads [${top}, ${bottom}, ${left}, ${right}]: the input would be ${h}×${w}`,
    );
  }
  return planPad2d([n, c, h, w], options, op);
}
