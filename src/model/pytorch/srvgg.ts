/**
 * Real-ESRGAN's SRVGGNetCompact (realesr-animevideov3, realesr-general-x4v3
 * and community "Compact" models), from its state-dict keys, lowered to the
 * model IR. `body` is one nn.ModuleList:
 *
 *   body.0            conv 3×3, 3 → nf
 *   body.1            activation
 *   body.2i, 2i+1     conv nf → nf, activation          i = 1..num_conv
 *   body.2·num_conv+2 conv nf → 3·s²
 *   out = pixel_shuffle(body(x), s) + nearest×s(x)
 *
 * The activation is PReLU when `body.<odd>.weight` exists (one slope per
 * channel); ReLU and LeakyReLU(0.1) have no parameters and cannot be told
 * apart from the keys, so the caller says which (default ReLU).
 */
import { ModelError } from '../errors.js';
import type { GraphNode, ModelGraph } from '../ir.js';
import type { TensorMap } from './checkpoint.js';
import { maxIndex, Weights } from './weights.js';

export type SrvggActivation = 'prelu' | 'relu' | 'leakyRelu';

export interface SrvggArchitecture {
  kind: 'SRVGGNetCompact';
  scale: number;
  nf: number;
  numConv: number;
  activation: SrvggActivation;
}

/** Whether the keys look like an SRVGGNetCompact. */
export function looksLikeSrvgg(sd: TensorMap): boolean {
  return Object.hasOwn(sd, 'body.0.weight') && !Object.hasOwn(sd, 'conv_first.weight');
}

/**
 * Lowers an SRVGGNetCompact state dict; null when the keys are not one.
 * `parameterless`: the activation to use when the checkpoint has no PReLU slopes.
 */
export function lowerSrvgg(
  sd: TensorMap,
  file: string,
  parameterless: 'relu' | 'leakyRelu' = 'relu',
): { graph: ModelGraph; architecture: SrvggArchitecture } | null {
  if (!looksLikeSrvgg(sd)) return null;
  const w = new Weights(sd, file);
  const last = maxIndex(sd, 'body');
  if (last < 2 || last % 2 !== 0) throw new ModelError(`${file}: SRVGGNetCompact's last conv must be body.(2n+2), found body.${last}`);
  const numConv = (last - 2) / 2;
  const prelu = w.has('body.1.weight');
  const activation: SrvggActivation = prelu ? 'prelu' : parameterless;
  const nodes: GraphNode[] = [{ kind: 'input', name: 'input', inputs: [], channels: 3 }];
  let x = 'input';
  let nf = 3;
  let outChannels = 0;
  for (let i = 0; i <= last; i += 2) {
    const conv = w.conv3x3(`body.${i}`, `body.${i}`, x, i === 0 ? 3 : nf, { activation: 'none' });
    nodes.push(conv);
    x = conv.name;
    outChannels = conv.weightShape[0];
    if (i === 0) nf = conv.weightShape[0];
    else if (i < last && conv.weightShape[0] !== nf)
      throw new ModelError(`${file}: 'body.${i}.weight' has ${conv.weightShape[0]} outputs, expected ${nf}`);
    if (i === last) break;
    const act = `body.${i + 1}`;
    if (activation === 'prelu') {
      const slope = w.tensor(`${act}.weight`, 1);
      if (slope.shape[0] !== nf && slope.shape[0] !== 1)
        throw new ModelError(`${file}: PReLU '${act}.weight' has ${slope.shape[0]} slopes for ${nf} channels`);
      nodes.push({ kind: 'prelu', name: act, inputs: [x], slope: slope.data });
    } else {
      if (w.has(`${act}.weight`)) throw new ModelError(`${file}: '${act}.weight' exists but 'body.1.weight' does not: mixed activations`);
      nodes.push({
        kind: 'activation',
        name: act,
        inputs: [x],
        fn: activation,
        ...(activation === 'leakyRelu' ? { negativeSlope: 0.1 } : {}),
      });
    }
    x = act;
  }
  const scale = Math.round(Math.sqrt(outChannels / 3));
  if (scale < 1 || 3 * scale * scale !== outChannels) {
    throw new ModelError(`${file}: the last conv 'body.${last}' has ${outChannels} outputs; SRVGGNetCompact's is 3·scale² (RGB)`);
  }
  let out = x;
  if (scale > 1) {
    nodes.push({ kind: 'depthToSpace', name: 'pixel_shuffle', inputs: [x], r: scale, mode: 'CRD' });
    nodes.push({ kind: 'upsample', name: 'base', inputs: ['input'], size: [scale, scale], mode: 'nearest' });
    out = 'pixel_shuffle';
  }
  nodes.push({ kind: 'add', name: 'output', inputs: [out, scale > 1 ? 'base' : 'input'] });
  w.checkAllUsed(`an SRVGGNetCompact (num_conv=${numConv}, ${activation})`);
  return { graph: { nodes, output: 'output' }, architecture: { kind: 'SRVGGNetCompact', scale, nf, numConv, activation } };
}
