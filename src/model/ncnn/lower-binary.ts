/**
 * BinaryOp, Eltwise and Scale as IR 'add', 'binary', 'scale' and 'constant'
 * nodes.
 *
 * BinaryOp key 0: 0 add, 1 sub, 2 mul, 3 div, 4 max, 5 min, 6 pow, 7 rsub
 * (b − a), 8 rdiv (b / a); 1=1 with the scalar 2=b instead of a second blob.
 * ncnn broadcasts a 1-D B whose length is A's channel count per channel (and a
 * length-1 B as a scalar): in the IR such a B is a [N, C, 1, 1] vector, which
 * NumPy broadcasting spreads the same way. A vector on the left of a
 * non-commutative op is moved right (a − b = −(b − a)).
 *
 * Eltwise key 0: 0 prod, 1 sum (coefficients -23301: Σ cᵢ·xᵢ; RRDB's
 * 0.2·residual + x), 2 max.
 *
 * Scale: x · s[c] (+ b[c] with 1=1), s from the .bin, or from the second blob
 * with 0=-233.
 */
import type { BinaryOpName } from '../ir.js';
import { sameAffine, showAffine, type BlobInfo, type LayerInput } from './context.js';
import { arrayParam, floatParam, intParam } from './param.js';

const OPS: readonly (BinaryOpName | 'rsub' | 'rdiv')[] = ['add', 'sub', 'mul', 'div', 'max', 'min', 'pow', 'rsub', 'rdiv'];
const COMMUTATIVE: ReadonlySet<BinaryOpName> = new Set(['add', 'mul', 'max', 'min']);

/** Refuses two image blobs that do not have the same channels and size. */
function checkSameImage(io: LayerInput, a: BlobInfo, b: BlobInfo, names: [string, string]): void {
  if (a.channels !== b.channels)
    throw io.cx.error(io.layer, `joins '${names[0]}' (${a.channels} channels) and '${names[1]}' (${b.channels} channels)`);
  if (!sameAffine(a.h, b.h) || !sameAffine(a.w, b.w)) {
    throw io.cx.error(
      io.layer,
      `joins '${names[0]}' (${showAffine(a.h)} × ${showAffine(a.w)}) and '${names[1]}' (${showAffine(b.h)} × ${showAffine(b.w)}) for an n×n input: the sizes differ`,
    );
  }
}

/** True when vector `b` broadcasts over `a` (per channel, or a single value). */
const broadcasts = (a: BlobInfo, b: BlobInfo): boolean => b.vector && (b.channels === a.channels || b.channels === 1);

function scalarConstant(io: LayerInput, value: number): string {
  return io.cx.emit({
    kind: 'constant',
    name: io.cx.fresh(`${io.layer.outputs[0]}:b`),
    inputs: [],
    data: Float32Array.of(value),
    shape: [1],
  }).name;
}

export function lowerBinaryOp(io: LayerInput): void {
  const { cx, layer } = io;
  const code = intParam(layer, 0, 0);
  const op = OPS[code];
  if (op === undefined)
    throw cx.error(layer, `operation ${code} is not one of 0–8 (add, sub, mul, div, max, min, pow, rsub, rdiv)`, 0, 'op_type');
  const withScalar = intParam(layer, 1, 0) !== 0;
  const out = layer.outputs[0];
  if (withScalar !== (layer.inputs.length === 1)) {
    throw cx.error(
      layer,
      `with_scalar=${+withScalar} needs ${withScalar ? 1 : 2} input blobs, the layer has ${layer.inputs.length}`,
      1,
      'with_scalar',
    );
  }
  if (withScalar) {
    const x = cx.input(layer, 0);
    const b = floatParam(layer, 2, 0);
    let node: string;
    if (op === 'mul') node = cx.emit({ kind: 'scale', name: cx.fresh(out), inputs: [x.node], factor: b }).name;
    else if (op === 'rsub') {
      // b − x = −(x − b), exactly.
      const diff = cx.emit({ kind: 'binary', name: cx.fresh(`${out}:sub`), inputs: [x.node, scalarConstant(io, b)], op: 'sub' }).name;
      node = cx.emit({ kind: 'scale', name: cx.fresh(out), inputs: [diff], factor: -1 }).name;
    } else if (op === 'rdiv') throw cx.error(layer, 'b / x with a scalar b is not supported', 0, 'op_type');
    else node = cx.emit({ kind: 'binary', name: cx.fresh(out), inputs: [x.node, scalarConstant(io, b)], op }).name;
    cx.define(layer, { ...x, node });
    return;
  }

  let [a, b] = [cx.input(layer, 0), cx.input(layer, 1)];
  let names: [string, string] = [layer.inputs[0], layer.inputs[1]];
  const name: BinaryOpName = op === 'rsub' ? 'sub' : op === 'rdiv' ? 'div' : op;
  if (op === 'rsub' || op === 'rdiv') {
    [a, b] = [b, a];
    names = [names[1], names[0]];
  }
  let negate = false;
  if (!a.vector && !b.vector) {
    checkSameImage(io, a, b, names);
  } else if (!broadcasts(a, b)) {
    // The broadcast operand on the left: swap it right, where the IR broadcasts.
    if (!broadcasts(b, a)) {
      throw cx.error(
        layer,
        `cannot broadcast '${names[1]}' (${b.channels} channels${b.vector ? ', vector' : ''}) against '${names[0]}' (${a.channels} channels${a.vector ? ', vector' : ''})`,
      );
    }
    if (name === 'sub') negate = true;
    else if (!COMMUTATIVE.has(name)) throw cx.error(layer, `${op} with the broadcast operand first is not supported`, 0, 'op_type');
    [a, b] = [b, a];
  }
  let node: string;
  if (name === 'add' && !a.vector && !b.vector) {
    node = cx.emit({ kind: 'add', name: cx.fresh(out), inputs: [a.node, b.node] }).name;
  } else {
    node = cx.emit({ kind: 'binary', name: cx.fresh(negate ? `${out}:sub` : out), inputs: [a.node, b.node], op: name }).name;
    if (negate) node = cx.emit({ kind: 'scale', name: cx.fresh(out), inputs: [node], factor: -1 }).name;
  }
  cx.define(layer, { ...a, node });
}

export function lowerEltwise(io: LayerInput): void {
  const { cx, layer } = io;
  const op = intParam(layer, 0, 0);
  const xs = layer.inputs.map((_, i) => cx.input(layer, i));
  if (xs.length < 2) throw cx.error(layer, 'needs at least two input blobs');
  for (let i = 1; i < xs.length; i++) {
    if (xs[i].vector !== xs[0].vector) throw cx.error(layer, `mixes a vector and an image ('${layer.inputs[0]}', '${layer.inputs[i]}')`);
    checkSameImage(io, xs[0], xs[i], [layer.inputs[0], layer.inputs[i]]);
  }
  const out = layer.outputs[0];
  let node: string;
  if (op === 1) {
    const coeffs = arrayParam(layer, 1);
    if (coeffs.length !== 0 && coeffs.length !== xs.length) {
      throw cx.error(layer, `${coeffs.length} coefficients for ${xs.length} inputs`, 1, 'coeffs');
    }
    const plain = coeffs.every((c) => c === 1);
    node = cx.emit({ kind: 'add', name: cx.fresh(out), inputs: xs.map((x) => x.node), ...(plain ? {} : { coefficients: coeffs }) }).name;
  } else if (op === 0 || op === 2) {
    node = xs[0].node;
    for (let i = 1; i < xs.length; i++) {
      const name = cx.fresh(i === xs.length - 1 ? out : `${out}:${i}`);
      node = cx.emit({ kind: 'binary', name, inputs: [node, xs[i].node], op: op === 0 ? 'mul' : 'max' }).name;
    }
  } else {
    throw cx.error(layer, `operation ${op} is not 0 (prod), 1 (sum) or 2 (max)`, 0, 'op_type');
  }
  cx.define(layer, { ...xs[0], node });
}

export function lowerScale(io: LayerInput): void {
  const { cx, layer, weights } = io;
  const x = cx.input(layer, 0);
  const size = intParam(layer, 0, 0);
  const bias = intParam(layer, 1, 0) !== 0;
  const out = layer.outputs[0];
  if (size === -233) {
    if (layer.inputs.length !== 2)
      throw cx.error(layer, `0=-233 takes the scale from a second input blob; the layer has ${layer.inputs.length}`, 0, 'scale_data_size');
    if (bias) throw cx.error(layer, 'a bias with the scale from a blob is not supported', 1, 'bias_term');
    const s = cx.input(layer, 1);
    if (!s.vector || s.channels !== x.channels) {
      throw cx.error(
        layer,
        `the scale blob '${layer.inputs[1]}' must be a vector of ${x.channels} values, is ${s.vector ? `a vector of ${s.channels}` : 'an image'}`,
      );
    }
    cx.define(layer, { ...x, node: cx.emit({ kind: 'binary', name: cx.fresh(out), inputs: [x.node, s.node], op: 'mul' }).name });
    return;
  }
  if (layer.inputs.length !== 1)
    throw cx.error(layer, `with scale data in the .bin the layer takes one input blob, has ${layer.inputs.length}`, 0, 'scale_data_size');
  if (size !== x.channels) throw cx.error(layer, `${size} scale values for ${x.channels} channels`, 0, 'scale_data_size');
  const constant = (suffix: string, data: Float32Array) =>
    cx.emit({ kind: 'constant', name: cx.fresh(`${out}:${suffix}`), inputs: [], data, shape: [1, size, 1, 1] }).name;
  let node = cx.emit({
    kind: 'binary',
    name: cx.fresh(bias ? `${out}:mul` : out),
    inputs: [x.node, constant('s', weights.scale!)],
    op: 'mul',
  }).name;
  if (bias) node = cx.emit({ kind: 'binary', name: cx.fresh(out), inputs: [node, constant('b', weights.bias!)], op: 'add' }).name;
  cx.define(layer, { ...x, node });
}
