/**
 * ncnn Crop as IR 'crop' and 'sliceChannels' nodes (ncnn's Crop::resolve_crop_roi).
 *
 * Two inputs [x, ref]: a window of ref's size (and ref's channel count) at
 * offsets 0 = w, 1 = h, 2 = c — not centred. x and ref must scale alike with
 * the input, so that the margins are constants: the node is then a one-input
 * crop (begin = the offsets, end = what is left), independent of ref.
 *
 * One input, NumPy style: -23309 starts, -23310 ends, -23311 axes (image axes
 * 0 = c, 1 = h, 2 = w, negative counted from the end; all axes when absent).
 * A start < 0 counts from the end, an end ≤ 0 is size + end (so 0 means "to
 * the end"), −233 is open. On H and W only what is independent of the input
 * size is supported: start ≥ 0 and end ≤ 0; on channels, anything.
 *
 * One input with offsets: 0/1/2 w/h/c offset, 6/7 the right/bottom cut,
 * 3/4/5 the size (only −233, "the rest", is independent of the input size).
 */
import { sameAffine, type Affine, type BlobInfo, type LayerInput } from './context.js';
import { arrayParam, intParam } from './param.js';

interface Cut {
  begin: [number, number];
  end: [number, number];
  channels: { start: number; count: number };
}

export function lowerCrop(io: LayerInput): void {
  const { cx, layer } = io;
  const x = cx.input(layer, 0);
  let cut: Cut;
  if (layer.inputs.length === 2) cut = twoInputs(io, x);
  else if (layer.params.has(9) || layer.params.has(10)) cut = numpyStyle(io, x);
  else cut = offsets(io, x);
  emitCut(io, x, cut);
}

function emitCut(io: LayerInput, x: BlobInfo, cut: Cut): void {
  const { cx, layer } = io;
  const out = layer.outputs[0];
  const spatial = cut.begin.some((v) => v > 0) || cut.end.some((v) => v > 0);
  let node = x.node;
  if (cut.channels.start !== 0 || cut.channels.count !== x.channels) {
    const name = cx.fresh(spatial ? `${out}:channels` : out);
    node = cx.emit({ kind: 'sliceChannels', name, inputs: [node], start: cut.channels.start, count: cut.channels.count }).name;
  }
  if (spatial) node = cx.emit({ kind: 'crop', name: cx.fresh(out), inputs: [node], begin: cut.begin, end: cut.end }).name;
  const size = (s: Affine, i: 0 | 1): Affine => ({ a: s.a, b: s.b - cut.begin[i] - cut.end[i] });
  cx.define(layer, { ...x, node, channels: cut.channels.count, h: size(x.h, 0), w: size(x.w, 1) });
}

function channelWindow(io: LayerInput, x: BlobInfo, start: number, count: number, key: number, keyName: string): Cut['channels'] {
  if (start < 0 || count < 1 || start + count > x.channels) {
    throw io.cx.error(io.layer, `channels ${start}..${start + count} do not fit in the input's ${x.channels}`, key, keyName);
  }
  return { start, count };
}

function twoInputs(io: LayerInput, x: BlobInfo): Cut {
  const { cx, layer } = io;
  for (const k of [3, 4, 5, 6, 7, 8, 9, 10, 11]) {
    if (layer.params.has(k)) throw cx.error(layer, 'with a reference blob only the offsets 0/1/2 are supported', k);
  }
  const ref = cx.input(layer, 1);
  if (x.vector || ref.vector) throw cx.error(layer, 'crops of 1-D vectors are not supported');
  const woff = intParam(layer, 0, 0);
  const hoff = intParam(layer, 1, 0);
  if (woff < 0)
    throw cx.error(layer, `offset ${woff} is not supported (−233 reads the window from the reference blob's data)`, 0, 'woffset');
  if (hoff < 0) throw cx.error(layer, `offset ${hoff} must be ≥ 0`, 1, 'hoffset');
  const channels = channelWindow(io, x, intParam(layer, 2, 0), ref.channels, 2, 'coffset');
  // Margins at the end: constant when x and ref scale alike with the input.
  const endMargin = (xs: Affine, rs: Affine, off: number, key: number, keyName: string): number => {
    const m = xs.b - off - rs.b;
    if (!sameAffine({ a: xs.a, b: 0 }, { a: rs.a, b: 0 }) || m < 0 || !Number.isInteger(m)) {
      throw cx.error(
        layer,
        `a window of '${layer.inputs[1]}' at offset ${off} does not fit in '${layer.inputs[0]}' for every input size`,
        key,
        keyName,
      );
    }
    return m;
  };
  const end: [number, number] = [endMargin(x.h, ref.h, hoff, 1, 'hoffset'), endMargin(x.w, ref.w, woff, 0, 'woffset')];
  return { begin: [hoff, woff], end, channels };
}

function numpyStyle(io: LayerInput, x: BlobInfo): Cut {
  const { cx, layer } = io;
  const starts = arrayParam(layer, 9);
  const ends = arrayParam(layer, 10);
  const dims = x.vector ? 1 : 3;
  const axes = layer.params.has(11) ? arrayParam(layer, 11) : [0, 1, 2].slice(0, dims);
  if (starts.length !== axes.length || ends.length !== axes.length) {
    throw cx.error(layer, `${starts.length} starts and ${ends.length} ends for ${axes.length} axes`, 9, 'starts');
  }
  const cut: Cut = { begin: [0, 0], end: [0, 0], channels: { start: 0, count: x.channels } };
  const seen = new Set<number>();
  axes.forEach((raw, i) => {
    const axis = raw < 0 ? dims + raw : raw;
    if (axis < 0 || axis >= dims || seen.has(axis))
      throw cx.error(layer, `axis ${raw} is out of range or repeated for a ${dims}-D blob`, 11, 'axes');
    seen.add(axis);
    const start = starts[i] === -233 ? 0 : starts[i];
    const end = ends[i];
    if (axis === 0) {
      // Channels (or a vector's values): known statically, so any start and end.
      const c = x.channels;
      const s = start >= 0 ? start : c + start;
      const e = end === -233 ? c : end > 0 ? Math.min(c, end) : c + end;
      cut.channels = channelWindow(io, x, s, e - s, 9, 'starts');
      return;
    }
    if (start < 0)
      throw cx.error(layer, `start ${start} counts from the end of a spatial axis, which depends on the input size`, 9, 'starts');
    if (end > 0 && end !== -233)
      throw cx.error(layer, `end ${end} is a fixed position on a spatial axis, which depends on the input size`, 10, 'ends');
    const k = axis === 1 ? 0 : 1;
    cut.begin[k] = start;
    cut.end[k] = end === -233 ? 0 : -end;
  });
  return cut;
}

function offsets(io: LayerInput, x: BlobInfo): Cut {
  const { cx, layer } = io;
  if (x.vector) throw cx.error(layer, 'offset crops of 1-D vectors are not supported');
  for (const [k, name] of [
    [3, 'outw'],
    [4, 'outh'],
    [5, 'outc'],
  ] as const) {
    if (intParam(layer, k, 0) !== -233)
      throw cx.error(layer, `a one-input Crop's size must be −233 (the rest); a fixed size depends on the input size`, k, name);
  }
  for (const [k, name] of [
    [2, 'coffset'],
    [8, 'coffset2'],
  ] as const) {
    if (intParam(layer, k, 0) !== 0) throw cx.error(layer, 'channel offsets in a one-input offset Crop are not supported', k, name);
  }
  const get = (k: number, name: string) => {
    const v = intParam(layer, k, 0);
    if (v < 0) throw cx.error(layer, `offset ${v} must be ≥ 0`, k, name);
    return v;
  };
  return {
    begin: [get(1, 'hoffset'), get(0, 'woffset')],
    end: [get(7, 'hoffset2'), get(6, 'woffset2')],
    channels: { start: 0, count: x.channels },
  };
}
