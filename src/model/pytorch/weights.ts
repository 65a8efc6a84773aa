/**
 * Taking weights out of a state dict by PyTorch module name, checking each
 * one's shape, and remembering which keys were used so that an architecture
 * can refuse a checkpoint with keys it does not explain (a different network
 * that happens to share some names).
 */
import { ModelError } from '../errors.js';
import type { ConvNode } from '../ir.js';
import type { TensorMap } from './checkpoint.js';

export class Weights {
  private readonly used = new Set<string>();
  constructor(
    readonly sd: TensorMap,
    readonly file: string,
  ) {}

  has(key: string): boolean {
    return Object.hasOwn(this.sd, key);
  }

  /** The tensor `key`, which must exist and have `rank` dimensions. */
  tensor(key: string, rank: number): { data: Float32Array; shape: number[] } {
    if (!this.has(key)) throw new ModelError(`${this.file}: missing '${key}'`);
    const t = this.sd[key];
    if (t.shape.length !== rank)
      throw new ModelError(`${this.file}: '${key}' has shape [${t.shape.join(', ')}], expected ${rank} dimensions`);
    this.used.add(key);
    return t;
  }

  /**
   * A 3×3 `nn.Conv2d(cin, cout, 3, 1, 1)` named `module` (its '.weight' and
   * '.bias', both required) as an IR conv node reading `input`, with `cin` input channels.
   */
  conv3x3(module: string, name: string, input: string, cin: number, fused: Pick<ConvNode, 'activation' | 'negativeSlope'>): ConvNode {
    const w = this.tensor(`${module}.weight`, 4);
    const [cout, wcin, kh, kw] = w.shape;
    if (kh !== 3 || kw !== 3 || wcin !== cin || cout < 1) {
      throw new ModelError(`${this.file}: '${module}.weight' has shape [${w.shape.join(', ')}], expected [Cout, ${cin}, 3, 3]`);
    }
    // Every conv of these architectures has a bias (PyTorch's default): a missing one is a different network.
    const bias = this.tensor(`${module}.bias`, 1);
    if (bias.shape[0] !== cout)
      throw new ModelError(`${this.file}: '${module}.bias' has ${bias.shape[0]} values for ${cout} output channels`);
    return {
      kind: 'conv',
      name,
      inputs: [input],
      weight: w.data,
      weightShape: [cout, cin, 3, 3],
      bias: bias.data,
      stride: [1, 1],
      dilation: [1, 1],
      padding: [1, 1],
      ...fused,
    };
  }

  /** Throws when keys remain that the architecture did not use. */
  checkAllUsed(architecture: string): void {
    const left = Object.keys(this.sd).filter((k) => !this.used.has(k));
    if (left.length) {
      throw new ModelError(
        `${this.file}: ${left.length} key${left.length > 1 ? 's' : ''} that ${architecture} does not have: ${left
          .slice(0, 5)
          .map((k) => `'${k}'`)
          .join(', ')}${left.length > 5 ? ', …' : ''}`,
      );
    }
  }
}

/** The largest integer N among keys `${prefix}.N.…`, or -1. */
export function maxIndex(sd: TensorMap, prefix: string): number {
  let max = -1;
  const re = new RegExp(`^${prefix.replace(/\./g, '\\.')}\\.(\\d+)\\.`);
  for (const k of Object.keys(sd)) {
    const m = re.exec(k);
    if (m) max = Math.max(max, Number(m[1]));
  }
  return max;
}
