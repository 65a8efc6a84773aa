/**
 * Resize (opset 11+) and Upsample (opset 7–9) → 'upsample' nodes. The engine's
 * modes, and what they equal in ONNX's terms: nearest (asymmetric + floor, or
 * half_pixel at an integer scale, where no source coordinate rounds at .5),
 * bilinear (linear, half_pixel / pytorch_half_pixel), bicubic (cubic,
 * half_pixel, any cubic_coeff_a, exclude_outside 0). Scales must be constant;
 * sizes only when they are a fixed multiple of the input's (torch's Shape
 * chains for interpolate(size=…)) or, in a fixed-size export, of its size.
 */
import type { UpsampleNodeMode } from '../../model/ir.js';
import type { Lowerer, OpContext } from './context.js';
import { num, type Sym, type TensorValue, type Value } from './values.js';

/** Emits the upsample node for scales [sh, sw]. */
function upsample(ctx: OpContext, x: TensorValue, scales: number[], mode: UpsampleNodeMode, cubicCoeffA?: number): Value {
  const [sh, sw] = scales;
  if (!(sh > 0 && sw > 0 && Number.isFinite(sh) && Number.isFinite(sw))) ctx.fail(`scales [${sh}, ${sw}] must be finite and > 0`);
  if (sh !== sw) ctx.fail(`scales differ between height (${sh}) and width (${sw})`);
  const ir = ctx.emit({ kind: 'upsample', inputs: [x.ir], size: [sh, sw], mode, ...(cubicCoeffA === undefined ? {} : { cubicCoeffA }) });
  const hw = x.hw.map((s) =>
    s?.of === null ? num(Math.floor(s.c * sh)) : Number.isInteger(sh) && s ? { k: s.k * sh, of: s.of, c: s.c * sh } : null,
  );
  return ctx.tensorValue(ir, x, { hw: hw as [Sym | null, Sym | null] });
}

/** [sh, sw] from Resize/Upsample scales over 4 axes (or 2 with axes [2, 3]). */
function spatialScales(ctx: OpContext, s: number[], axes: number[] | null): number[] {
  if (axes) {
    if (axes.length !== 2 || axes[0] % 4 !== 2 || axes[1] % 4 !== 3)
      ctx.fail(`attribute 'axes' [${axes.join(', ')}]: only [2, 3] is supported`);
    if (s.length !== 2) ctx.fail(`${s.length} scales for axes [2, 3]`);
    return s;
  }
  if (s.length !== 4) ctx.fail(`${s.length} scales for a 4-D tensor`);
  if (s[0] !== 1 || s[1] !== 1) ctx.fail(`scales [${s.join(', ')}] resize the batch or channel axis`);
  return s.slice(2);
}

export const Resize: Lowerer = (ctx) => {
  ctx.allow(
    'mode',
    'coordinate_transformation_mode',
    'nearest_mode',
    'cubic_coeff_a',
    'exclude_outside',
    'extrapolation_value',
    'antialias',
    'axes',
    'keep_aspect_ratio_policy',
  );
  if (ctx.opset < 11) ctx.fail(`Resize of opset ${ctx.opset} (before 11) is not supported; re-export with opset ≥ 11`);
  const x = ctx.image(0);
  const axes = ctx.attr('axes') ? ctx.ints('axes', []) : null;
  const policy = ctx.string('keep_aspect_ratio_policy', 'stretch');
  if (policy !== 'stretch') ctx.fail(`attribute 'keep_aspect_ratio_policy' '${policy}' is not supported`);
  let scales = ctx.numbers(2, 'scales');
  if (!scales || scales.length === 0) {
    const sizes = ctx.input(3);
    if (!sizes) ctx.fail(`has neither scales nor sizes`);
    scales = sizesAsScales(ctx, x, sizes!, axes);
  } else scales = spatialScales(ctx, scales, axes);
  if (ctx.int('antialias', 0) !== 0 && scales.some((s) => s < 1)) ctx.fail(`attribute 'antialias' 1 when downscaling is not supported`);
  const mode = ctx.string('mode', 'nearest');
  const ctm = ctx.string('coordinate_transformation_mode', 'half_pixel');
  const halfPixel = ctm === 'half_pixel' || ctm === 'pytorch_half_pixel';
  if (mode === 'nearest') {
    const nearest = ctx.string('nearest_mode', 'round_prefer_floor');
    // Ours reads source ⌊dst / s⌋. At an integer scale half-pixel centres never round at .5, so any rounding agrees.
    const ok =
      (ctm === 'asymmetric' && nearest === 'floor') ||
      (halfPixel && (nearest === 'round_prefer_floor' || nearest === 'round_prefer_ceil') && scales.every((s) => Number.isInteger(s)));
    if (!ok) {
      ctx.fail(
        `mode nearest with coordinate_transformation_mode '${ctm}' and nearest_mode '${nearest}' is not supported (asymmetric + floor, or half_pixel at an integer scale)`,
      );
    }
    return upsample(ctx, x, scales, 'nearest');
  }
  if (!halfPixel) ctx.fail(`mode ${mode} with coordinate_transformation_mode '${ctm}' is not supported (half_pixel or pytorch_half_pixel)`);
  if (mode === 'linear') return upsample(ctx, x, scales, 'bilinear');
  if (mode === 'cubic') {
    if (ctx.int('exclude_outside', 0) !== 0) ctx.fail(`attribute 'exclude_outside' 1 is not supported`);
    return upsample(ctx, x, scales, 'bicubic', ctx.float('cubic_coeff_a', -0.75));
  }
  return ctx.fail(`attribute 'mode' '${mode}' is not nearest, linear or cubic`);
};

/** Resize `sizes` that are a fixed multiple of the input's size (k·H, k·W): that multiple as scales. */
function sizesAsScales(ctx: OpContext, x: TensorValue, sizes: Value, axes: number[] | null): number[] {
  if (sizes.kind !== 'ints' && sizes.kind !== 'const') return ctx.fail(`the sizes must be constant or computed from Shape`);
  const elems: Sym[] = sizes.kind === 'ints' ? sizes.elems : Array.from(sizes.data, num);
  const hw = axes ? elems : elems.slice(2);
  if (hw.length !== 2 || (axes ? elems.length !== 2 : elems.length !== 4)) ctx.fail(`${elems.length} sizes for a 4-D tensor`);
  return hw.map((s, i) => {
    const inSize = x.hw[i];
    // A fixed-size export: the size relative to the tensor's own (fixed) size.
    if (s.of === null && inSize?.of === null && inSize.c > 0) return s.c / inSize.c;
    if (s.of === null || !inSize || s.of !== inSize.of || s.c !== 0 || inSize.c !== 0) {
      return ctx.fail(
        `the output size (${s.of === null ? s.c : 'computed'}) is not a fixed multiple of the input's: the engine's tiles vary in size, so give scales`,
      );
    }
    return s.k / inSize.k;
  });
}

export const Upsample: Lowerer = (ctx) => {
  ctx.allow('mode', 'scales');
  const x = ctx.image(0);
  const s = ctx.attr('scales') ? ctx.attr('scales')!.floats : ctx.numbers(1, 'scales');
  if (!s) return ctx.fail(`has no scales`);
  const mode = ctx.string('mode', 'nearest');
  // Upsample's linear mode maps coordinates asymmetrically (src = dst / s), which ours does not.
  if (mode !== 'nearest') ctx.fail(`attribute 'mode' '${mode}' is not supported (Upsample's linear is asymmetric; nearest only)`);
  return upsample(ctx, x, spatialScales(ctx, s, null), 'nearest');
};
