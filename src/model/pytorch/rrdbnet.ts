/**
 * ESRGAN's RRDBNet (ESRGAN, BSRGAN/RealSR, Real-ESRGAN x4plus/x2plus and the
 * community models trained with them), from its state-dict keys, lowered to
 * the model IR. The network (basicsr's rrdbnet_arch.py):
 *
 *   feat = conv_first(x)                                  [pixel_unshuffle(x, r) first when conv_first takes 3·r² channels]
 *   feat = feat + conv_body(RRDB(…RRDB(feat)))            nb blocks
 *   RRDB(x)  = RDB(RDB(RDB(x)))·0.2 + x
 *   RDB(x):  xᵢ = lrelu(convᵢ(cat(x, x₁, …, xᵢ₋₁))) for i = 1..4, x₅ = conv₅(cat(x, x₁…x₄)), out = x₅·0.2 + x
 *   for each upsampler: feat = lrelu(conv_upᵢ(nearest×2(feat)))
 *   out = conv_last(lrelu(conv_hr(feat)))                 lrelu = LeakyReLU(0.2), every conv 3×3 padding 1
 *
 * Three key styles name the same modules:
 *
 *   new (basicsr)    conv_first  body.N.rdbK.convJ         conv_body             conv_upU   conv_hr   conv_last
 *   BSRGAN/RealSR    conv_first  RRDB_trunk.N.RDBK.convJ   trunk_conv            upconvU    HRconv    conv_last
 *   old (ESRGAN)     model.0     model.1.sub.N.RDBK.convJ.0  model.1.sub.nb      model.3U   model.3n+2  model.3n+4
 *
 * The scale is 2^(upsamplers) / r: ×1 (r = 4), ×2 (r = 2 or one upsampler), ×4, ×8.
 */
import { ModelError } from '../errors.js';
import type { GraphNode, ModelGraph } from '../ir.js';
import type { TensorMap } from './checkpoint.js';
import { maxIndex, Weights } from './weights.js';

export interface RrdbArchitecture {
  kind: 'RRDBNet';
  scale: number;
  /** Feature channels (num_feat). */
  nf: number;
  /** RRDB blocks (num_block). */
  nb: number;
  /** Growth channels of the dense blocks (num_grow_ch). */
  gc: number;
  /** Nearest ×2 + conv upsamplers. */
  upsamplers: number;
  /** The input's pixel-unshuffle factor (1: none). */
  unshuffle: number;
  keys: 'new' | 'bsrgan' | 'old';
}

interface Names {
  keys: RrdbArchitecture['keys'];
  first: string;
  rdbConv: (block: number, rdb: number, conv: number) => string;
  trunk: string;
  up: (u: number) => string;
  hr: string;
  last: string;
  nb: number;
  upsamplers: number;
}

/** Which key style the state dict uses, with its block and upsampler counts; null when it is not an RRDBNet. */
function keyStyle(sd: TensorMap, file: string): Names | null {
  const has = (k: string) => Object.hasOwn(sd, k);
  const count = (f: (u: number) => string) => {
    let u = 0;
    while (has(`${f(u + 1)}.weight`)) u++;
    return u;
  };
  if (has('model.0.weight') && has('model.1.sub.0.RDB1.conv1.0.weight')) {
    const m = maxIndex(sd, 'model');
    if ((m - 4) % 3 !== 0 || m < 4)
      throw new ModelError(`${file}: an old-style ESRGAN's last layer must be model.(3n+4), found model.${m}`);
    const n = (m - 4) / 3;
    const nb = maxIndex(sd, 'model.1.sub');
    return {
      keys: 'old',
      first: 'model.0',
      rdbConv: (b, r, c) => `model.1.sub.${b}.RDB${r}.conv${c}.0`,
      trunk: `model.1.sub.${nb}`,
      up: (u) => `model.${3 * u}`,
      hr: `model.${3 * n + 2}`,
      last: `model.${3 * n + 4}`,
      nb,
      upsamplers: n,
    };
  }
  if (has('conv_first.weight') && has('body.0.rdb1.conv1.weight')) {
    const up = (u: number) => `conv_up${u}`;
    return {
      keys: 'new',
      first: 'conv_first',
      rdbConv: (b, r, c) => `body.${b}.rdb${r}.conv${c}`,
      trunk: 'conv_body',
      up,
      hr: 'conv_hr',
      last: 'conv_last',
      nb: maxIndex(sd, 'body') + 1,
      upsamplers: count(up),
    };
  }
  if (has('conv_first.weight') && has('RRDB_trunk.0.RDB1.conv1.weight')) {
    const up = (u: number) => `upconv${u}`;
    return {
      keys: 'bsrgan',
      first: 'conv_first',
      rdbConv: (b, r, c) => `RRDB_trunk.${b}.RDB${r}.conv${c}`,
      trunk: 'trunk_conv',
      up,
      hr: 'HRconv',
      last: 'conv_last',
      nb: maxIndex(sd, 'RRDB_trunk') + 1,
      upsamplers: count(up),
    };
  }
  return null;
}

/** Whether the keys look like an RRDBNet (any of the three styles). */
export function looksLikeRrdbNet(sd: TensorMap): boolean {
  const has = (k: string) => Object.hasOwn(sd, k);
  return has('model.1.sub.0.RDB1.conv1.0.weight') || has('body.0.rdb1.conv1.weight') || has('RRDB_trunk.0.RDB1.conv1.weight');
}

/** Lowers an RRDBNet state dict to the IR; null when the keys are not an RRDBNet's. */
export function lowerRrdbNet(sd: TensorMap, file: string): { graph: ModelGraph; architecture: RrdbArchitecture } | null {
  const names = keyStyle(sd, file);
  if (!names) return null;
  if (Object.keys(sd).some((k) => k.includes('.conv1x1.'))) throw new ModelError(`${file}: ESRGAN+ (RDB conv1x1 layers) is not supported`);
  const w = new Weights(sd, file);
  const first = w.tensor(`${names.first}.weight`, 4);
  const [nf, cin] = first.shape;
  const unshuffle = Math.sqrt(cin / 3);
  if (![1, 2, 4].includes(unshuffle)) {
    throw new ModelError(
      `${file}: '${names.first}.weight' takes ${cin} input channels; RRDBNet takes 3 (RGB) or 3·r² for a pixel-unshuffle by r = 2 or 4`,
    );
  }
  const scale = 2 ** names.upsamplers / unshuffle;
  if (!Number.isInteger(scale) || names.upsamplers > 4) {
    throw new ModelError(`${file}: ${names.upsamplers} upsamplers after a pixel-unshuffle by ${unshuffle} is not a supported scale`);
  }
  const lrelu = { activation: 'leakyRelu', negativeSlope: 0.2 } as const;
  const none = { activation: 'none' } as const;
  const nodes: GraphNode[] = [{ kind: 'input', name: 'input', inputs: [], channels: 3 }];
  let x = 'input';
  if (unshuffle > 1) {
    // pixel_unshuffle needs sides that are multiples of r: pad as spandrel does (reflect, bottom and right) and crop
    // the output back to scale × the input (the trailing crop below). Tiles start on multiples of r (gridAlignment),
    // so only a tile at the image's bottom or right edge is padded, with the whole image's pixels.
    nodes.push({ kind: 'pad', name: 'pad_to_multiple', inputs: ['input'], pads: [0, 0, 0, 0], mode: 'reflect', multiple: unshuffle });
    nodes.push({ kind: 'spaceToDepth', name: 'pixel_unshuffle', inputs: ['pad_to_multiple'], r: unshuffle, mode: 'CRD' });
    x = 'pixel_unshuffle';
  }
  nodes.push(w.conv3x3(names.first, names.first, x, cin, none));
  const feat = names.first;
  x = feat;
  let gc = 0;
  for (let b = 0; b < names.nb; b++) {
    const blockIn = x;
    for (let r = 1; r <= 3; r++) {
      const rdbIn = x;
      const dense = [rdbIn];
      for (let c = 1; c <= 5; c++) {
        const module = names.rdbConv(b, r, c);
        const input = dense.length === 1 ? rdbIn : `${module}.cat`;
        if (dense.length > 1) nodes.push({ kind: 'concat', name: input, inputs: [...dense] });
        const conv = w.conv3x3(module, module, input, nf + (c - 1) * gc, c < 5 ? lrelu : none);
        if (c === 1) gc = conv.weightShape[0];
        if (c === 5 && conv.weightShape[0] !== nf)
          throw new ModelError(`${file}: '${module}.weight' has ${conv.weightShape[0]} outputs, expected ${nf}`);
        nodes.push(conv);
        dense.push(module);
      }
      const last = names.rdbConv(b, r, 5);
      nodes.push({ kind: 'scale', name: `${last}.scaled`, inputs: [last], factor: 0.2 });
      nodes.push({ kind: 'add', name: `${last}.residual`, inputs: [`${last}.scaled`, rdbIn] });
      x = `${last}.residual`;
    }
    nodes.push({ kind: 'scale', name: `rrdb${b}.scaled`, inputs: [x], factor: 0.2 });
    nodes.push({ kind: 'add', name: `rrdb${b}.residual`, inputs: [`rrdb${b}.scaled`, blockIn] });
    x = `rrdb${b}.residual`;
  }
  nodes.push(w.conv3x3(names.trunk, names.trunk, x, nf, none));
  nodes.push({ kind: 'add', name: 'trunk.residual', inputs: [feat, names.trunk] });
  x = 'trunk.residual';
  for (let u = 1; u <= names.upsamplers; u++) {
    const module = names.up(u);
    nodes.push({ kind: 'upsample', name: `${module}.nearest`, inputs: [x], size: [2, 2], mode: 'nearest' });
    nodes.push(w.conv3x3(module, module, `${module}.nearest`, nf, lrelu));
    x = module;
  }
  nodes.push(w.conv3x3(names.hr, names.hr, x, nf, lrelu));
  const last = w.conv3x3(names.last, names.last, names.hr, nf, none);
  if (last.weightShape[0] !== 3)
    throw new ModelError(`${file}: '${names.last}.weight' has ${last.weightShape[0]} outputs; only RGB (3) models are supported`);
  nodes.push(last);
  let output = names.last;
  if (unshuffle > 1) {
    nodes.push({ kind: 'crop', name: 'crop_to_input', inputs: [names.last, 'input'], begin: [0, 0], refScale: scale });
    output = 'crop_to_input';
  }
  w.checkAllUsed(`an RRDBNet (${names.keys} keys, nb=${names.nb}, ${names.upsamplers} upsamplers)`);
  return {
    graph: { nodes, output },
    architecture: { kind: 'RRDBNet', scale, nf, nb: names.nb, gc, upsamplers: names.upsamplers, unshuffle, keys: names.keys },
  };
}
