/**
 * Architecture detection from state-dict keys: what is recognised, what is
 * refused (an unknown network, a missing, extra or misshapen weight) and the
 * BSRGAN key style, which names the same RRDBNet modules differently — it must
 * give the same network, so it must match torch's output for the new-key file.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { cpuTensor } from '../src/cpu/tensor.js';
import { ModelError, parsePytorchCheckpoint, parsePytorchModel, parseSafetensorsModel, type TensorMap } from '../src/model/index.js';
import { runModelGraph } from '../src/model/run-cpu.js';
import { toSafetensors } from '../src/train/safetensors.js';

const dir = 'test/fixtures/pytorch';
const read = (f: string) => new Uint8Array(readFileSync(`${dir}/${f}`));
const rrdb = () => parsePytorchCheckpoint(read('rrdb-x4-new.pth'));
const srvgg = () => parsePytorchCheckpoint(read('srvgg-x4-prelu.pth'));

/** The state dict with `edit` applied, as a .safetensors file parsed as a model. */
function model(sd: TensorMap, edit: (sd: Record<string, { data: Float32Array; shape: number[] }>) => void, file = 'edited.safetensors') {
  const copy = { ...sd };
  edit(copy);
  return () => parseSafetensorsModel(toSafetensors(copy), { file });
}

function error(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(ModelError);
    return (e as Error).message;
  }
  return expect.fail('expected a ModelError');
}

describe('architecture detection', () => {
  it('an unknown network: a ModelError saying what was looked for and listing the first keys', () => {
    const m = error(() => parsePytorchModel(read('views.pth'), { file: 'views.pth' }));
    expect(m).toMatch(
      /^views\.pth: unknown architecture: the keys look like neither RRDBNet\/ESRGAN .*'conv_first\.weight'.*'model\.0\.weight'.* nor SRVGGNetCompact \('body\.0\.weight'\)/,
    );
    expect(m).toMatch(/10 keys, the first: 'f32' \[4, 6\], 'f64' \[4, 6\]/);
  });

  it('the model name defaults to the file name; scale and ranges are PyTorch’s', () => {
    const spec = parsePytorchModel(read('srvgg-x4-prelu.pth'), { file: 'some/dir/srvgg-x4-prelu.pth' });
    expect(spec).toMatchObject({ name: 'srvgg-x4-prelu', scale: 4, inputRange: [0, 1], outputRange: [0, 1] });
    expect(parsePytorchModel(read('srvgg-x4-prelu.pth'), { name: 'mine' }).name).toBe('mine');
  });

  const refused: [string, () => () => unknown, RegExp][] = [
    [
      'an extra key',
      () => model(rrdb(), (sd) => (sd['extra.weight'] = sd['conv_hr.bias'])),
      /1 key that an RRDBNet \(new keys, nb=1, 2 upsamplers\) does not have: 'extra\.weight'/,
    ],
    [
      'a missing weight',
      () => model(rrdb(), (sd) => delete sd['body.0.rdb2.conv3.weight']),
      /edited\.safetensors: missing 'body\.0\.rdb2\.conv3\.weight'/,
    ],
    ['a missing bias', () => model(rrdb(), (sd) => delete sd['conv_up1.bias']), /missing 'conv_up1\.bias'/],
    [
      'a dense conv of the wrong width',
      () => model(rrdb(), (sd) => (sd['body.0.rdb1.conv2.weight'] = { data: new Float32Array(4 * 11 * 9), shape: [4, 11, 3, 3] })),
      /'body\.0\.rdb1\.conv2\.weight' has shape \[4, 11, 3, 3\], expected \[Cout, 12, 3, 3\]/,
    ],
    [
      'a 5-channel input',
      () => model(rrdb(), (sd) => (sd['conv_first.weight'] = { data: new Float32Array(8 * 5 * 9), shape: [8, 5, 3, 3] })),
      /takes 5 input channels/,
    ],
    [
      'a 1×1 conv',
      () => model(srvgg(), (sd) => (sd['body.2.weight'] = { data: new Float32Array(64), shape: [8, 8, 1, 1] })),
      /'body\.2\.weight' has shape \[8, 8, 1, 1\]/,
    ],
    [
      'ESRGAN+ (conv1x1)',
      () => model(rrdb(), (sd) => (sd['body.0.rdb1.conv1x1.weight'] = sd['conv_hr.bias'])),
      /ESRGAN\+ .* is not supported/,
    ],
    [
      'an SRVGG last conv that is not 3·s²',
      () =>
        model(srvgg(), (sd) => {
          sd['body.6.weight'] = { data: new Float32Array(10 * 8 * 9), shape: [10, 8, 3, 3] };
          sd['body.6.bias'] = { data: new Float32Array(10), shape: [10] };
        }),
      /the last conv 'body\.6' has 10 outputs; SRVGGNetCompact's is 3·scale²/,
    ],
    [
      'SRVGG PReLU slopes of the wrong count',
      () => model(srvgg(), (sd) => (sd['body.3.weight'] = { data: new Float32Array(5), shape: [5] })),
      /'body\.3\.weight' has 5 slopes for 8 channels/,
    ],
    [
      'an SRVGG ending on an activation',
      () => model(srvgg(), (sd) => (sd['body.7.weight'] = sd['body.5.weight'])),
      /last conv must be body\.\(2n\+2\), found body\.7/,
    ],
    [
      'an old-style ESRGAN whose last layer index is not 3n+4',
      () => () => {
        const sd = parsePytorchCheckpoint(read('rrdb-x4-old-legacy.pth'));
        sd['model.11.weight'] = sd['model.10.weight'];
        return parseSafetensorsModel(toSafetensors(sd));
      },
      /last layer must be model\.\(3n\+4\), found model\.11/,
    ],
  ];
  for (const [what, make, message] of refused) {
    it(`refused: ${what}`, () => {
      expect(error(make())).toMatch(message);
    });
  }

  it('BSRGAN/RealSR keys (RRDB_trunk, trunk_conv, upconvN, HRconv) are the same RRDBNet: torch’s output for the new-key file', () => {
    const rename = (k: string) =>
      k
        .replace(/^body\.(\d+)\.rdb(\d)\./, 'RRDB_trunk.$1.RDB$2.')
        .replace(/^conv_body\./, 'trunk_conv.')
        .replace(/^conv_up(\d)\./, 'upconv$1.')
        .replace(/^conv_hr\./, 'HRconv.');
    const sd = rrdb();
    const renamed = Object.fromEntries(Object.entries(sd).map(([k, v]) => [rename(k), v]));
    expect(Object.keys(renamed)).toContain('RRDB_trunk.0.RDB3.conv5.weight');
    const bsrgan = parseSafetensorsModel(toSafetensors(renamed));
    const reference = parsePytorchModel(read('rrdb-x4-new.pth'));
    expect(bsrgan.architecture).toEqual({ ...reference.architecture, keys: 'bsrgan' });
    const x = cpuTensor(
      new Float32Array(3 * 5 * 4).map((_, i) => ((i * 7) % 11) / 10),
      [1, 3, 5, 4],
    );
    // Same weights, same nodes in the same order: the same float32 result, bit for bit.
    expect(runModelGraph(bsrgan.graph, x).data).toEqual(runModelGraph(reference.graph, x).data);
  });

  it('a DataParallel checkpoint (module. prefix) and an SRVGG with a ReLU or LeakyReLU(0.1) chosen by the caller', () => {
    const sd = srvgg();
    const prefixed = Object.fromEntries(Object.entries(sd).map(([k, v]) => [`module.${k}`, v]));
    const spec = parseSafetensorsModel(toSafetensors(prefixed));
    expect(spec.architecture).toEqual({ kind: 'SRVGGNetCompact', scale: 4, nf: 8, numConv: 2, activation: 'prelu' });
    const relu = parseSafetensorsModel(read('srvgg-x2-relu.safetensors'));
    expect(relu.architecture.kind === 'SRVGGNetCompact' && relu.architecture.activation).toBe('relu');
    const leaky = parseSafetensorsModel(read('srvgg-x2-relu.safetensors'), { srvggActivation: 'leakyRelu' });
    expect(leaky.graph.nodes.filter((n) => n.kind === 'activation').map((n) => n.kind === 'activation' && [n.fn, n.negativeSlope])).toEqual(
      [
        ['leakyRelu', 0.1],
        ['leakyRelu', 0.1],
        ['leakyRelu', 0.1],
      ],
    );
  });
});
