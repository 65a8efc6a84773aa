/**
 * Element-wise ops: activations, Clip, PRelu, and the broadcasting binary ops.
 *
 * Binary ops by operand: a tensor ∘ a constant whose only non-1 axis is the
 * channel axis (or a scalar) is a 'binary' node reading a 'constant' node
 * ([1, C, 1, 1]); × a scalar is a 'scale'; two images of the same channels
 * added are an 'add'; an image ∘ a [N, C, 1, 1] vector (a squeeze-excitation
 * gate) is a broadcasting 'binary'. Two constants (or shape arithmetic) are
 * folded here, never run.
 */
import type { BinaryOpName } from '../../model/ir.js';
import type { Lowerer, OpContext } from './context.js';
import { foldBinary } from './fold.js';
import type { ConstValue, TensorValue, Value } from './values.js';

const FLOAT_MAX = 3.4028234663852886e38;

function activation(fn: 'relu' | 'sigmoid' | 'tanh'): Lowerer {
  return (ctx) => {
    ctx.allow();
    const v = ctx.input(0);
    if (fn === 'tanh' && v?.kind === 'pattern' && v.what === 'softplus') return { ...v, what: 'tanhSoftplus' };
    const x = ctx.tensor(0);
    return ctx.tensorValue(ctx.emit({ kind: 'activation', inputs: [x.ir], fn }), x);
  };
}

export const Relu = activation('relu');
export const Sigmoid = activation('sigmoid');
export const Tanh = activation('tanh');

export const LeakyRelu: Lowerer = (ctx) => {
  ctx.allow('alpha');
  const x = ctx.tensor(0);
  const negativeSlope = ctx.float('alpha', 0.01);
  return ctx.tensorValue(ctx.emit({ kind: 'activation', inputs: [x.ir], fn: 'leakyRelu', negativeSlope }), x);
};

export const Neg: Lowerer = (ctx) => {
  ctx.allow();
  const v = ctx.input(0);
  if (v?.kind === 'const' || v?.kind === 'ints') return foldBinary(ctx, 'sub', { kind: 'const', dims: [], data: Float32Array.of(0) }, v);
  const x = ctx.tensor(0);
  return ctx.tensorValue(ctx.emit({ kind: 'scale', inputs: [x.ir], factor: -1 }), x);
};

export const Softplus: Lowerer = (ctx) => {
  ctx.allow();
  return { kind: 'pattern', what: 'softplus', x: ctx.tensor(0), alpha: 0, beta: 0 };
};

export const Mish: Lowerer = (ctx) => {
  ctx.allow();
  const x = ctx.tensor(0);
  return ctx.tensorValue(ctx.emit({ kind: 'mish', inputs: [x.ir] }), x);
};

export const HardSwish: Lowerer = (ctx) => {
  ctx.allow();
  const x = ctx.tensor(0);
  return ctx.tensorValue(ctx.emit({ kind: 'hardSwish', inputs: [x.ir], alpha: 1 / 6, beta: 0.5 }), x);
};

export const HardSigmoid: Lowerer = (ctx) => {
  ctx.allow('alpha', 'beta');
  return { kind: 'pattern', what: 'hardSigmoid', x: ctx.tensor(0), alpha: ctx.float('alpha', 0.2), beta: ctx.float('beta', 0.5) };
};

export const Clip: Lowerer = (ctx) => {
  let min = -FLOAT_MAX;
  let max = FLOAT_MAX;
  if (ctx.opset < 11) {
    ctx.allow('min', 'max');
    min = ctx.float('min', min);
    max = ctx.float('max', max);
  } else {
    ctx.allow();
    const scalar = (i: number, what: string) => {
      const n = ctx.numbers(i, what);
      if (n && n.length !== 1) ctx.fail(`the ${what} has ${n.length} values, expected a scalar`);
      return n?.[0];
    };
    min = scalar(1, 'min') ?? min;
    max = scalar(2, 'max') ?? max;
  }
  if (!(min <= max)) ctx.fail(`min ${min} is greater than max ${max}`);
  const x = ctx.tensor(0);
  return ctx.tensorValue(ctx.emit({ kind: 'clip', inputs: [x.ir], min, max }), x);
};

/**
 * A constant broadcast against tensor x as per-channel values: the only axis
 * (aligned on the right with x's logical shape) that may exceed 1 is the
 * channel axis. Returns its values (1 or C of them).
 */
export function channelConstant(ctx: OpContext, x: TensorValue, c: ConstValue, what: string): Float32Array {
  const rank = x.rank;
  if (c.dims.length > rank) ctx.fail(`the ${what} has shape [${c.dims.join(', ')}], of higher rank than its rank-${rank} operand`);
  let channels = 1;
  c.dims.forEach((d, i) => {
    const axis = rank - c.dims.length + i;
    if (d === 1) return;
    if (axis === 1 && d === x.channels) channels = d;
    else {
      ctx.fail(
        `the ${what} has shape [${c.dims.join(', ')}], which broadcasts along ${axis === 1 ? `channels (${d} ≠ ${x.channels})` : axis === 0 ? 'the batch' : 'height or width'}: only per-channel or scalar constants are supported`,
      );
    }
  });
  return channels === 1 ? c.data.subarray(0, 1) : c.data;
}

export const PRelu: Lowerer = (ctx) => {
  ctx.allow();
  const x = ctx.tensor(0);
  const slope = channelConstant(ctx, x, ctx.constant(1, 'slope'), 'slope');
  return ctx.tensorValue(ctx.emit({ kind: 'prelu', inputs: [x.ir], slope: Float32Array.from(slope) }), x);
};

/** x·tanh(softplus(x)) → mish, x·HardSigmoid(x) → hardSwish; undefined when a, b are not such a pair. */
function fusedProduct(ctx: OpContext, a: Value, b: Value): TensorValue | undefined {
  for (const [p, x] of [
    [a, b],
    [b, a],
  ]) {
    if (p.kind !== 'pattern' || x.kind !== 'tensor' || p.x.ir !== x.ir || x.expanded) continue;
    if (p.what === 'tanhSoftplus') return ctx.tensorValue(ctx.emit({ kind: 'mish', inputs: [x.ir] }), x);
    if (p.what === 'hardSigmoid') return ctx.tensorValue(ctx.emit({ kind: 'hardSwish', inputs: [x.ir], alpha: p.alpha, beta: p.beta }), x);
  }
  return undefined;
}

const isStatic = (v: Value) => v.kind === 'const' || v.kind === 'ints';

function binary(op: BinaryOpName): Lowerer {
  return (ctx) => {
    ctx.allow();
    if (ctx.node.inputs.length !== 2) ctx.fail(`takes 2 inputs, has ${ctx.node.inputs.length}`);
    const a = ctx.input(0)!;
    const b = ctx.input(1)!;
    if (op === 'mul') {
      const fused = fusedProduct(ctx, a, b);
      if (fused) return fused;
    }
    if (isStatic(a) && isStatic(b)) return foldBinary(ctx, op, a, b);
    if (isStatic(a) || isStatic(b)) {
      const constFirst = isStatic(a);
      const x = ctx.tensor(constFirst ? 1 : 0);
      const c = ctx.constant(constFirst ? 0 : 1, 'constant operand');
      const values = channelConstant(ctx, x, c, 'constant operand');
      if (op === 'mul' && values.length === 1) return ctx.tensorValue(ctx.emit({ kind: 'scale', inputs: [x.ir], factor: values[0] }), x);
      const k = ctx.emit({ kind: 'constant', inputs: [], data: Float32Array.from(values), shape: [1, values.length, 1, 1] }, 'const');
      const ir = ctx.emit({ kind: 'binary', inputs: constFirst ? [k, x.ir] : [x.ir, k], op });
      return ctx.tensorValue(ir, x, { channels: Math.max(x.channels, values.length), rank: Math.max(x.rank, c.dims.length) });
    }
    const ta = operand(ctx, 0);
    const tb = operand(ctx, 1);
    if (ta.channels !== tb.channels && ta.channels !== 1 && tb.channels !== 1) {
      ctx.fail(`operands of ${ta.channels} and ${tb.channels} channels do not broadcast`);
    }
    const image = ta.form === 'image' ? ta : tb.form === 'image' ? tb : undefined;
    if (ta.form === 'image' && tb.form === 'image' && !sameSize(ta, tb)) ctx.fail(`operands of different sizes`);
    const channels = Math.max(ta.channels, tb.channels);
    if (op === 'add' && ta.channels === tb.channels && ta.form === tb.form && ta.rank === tb.rank) {
      return ctx.tensorValue(ctx.emit({ kind: 'add', inputs: [ta.ir, tb.ir] }), ta);
    }
    const ir = ctx.emit({ kind: 'binary', inputs: [ta.ir, tb.ir], op });
    return ctx.tensorValue(ir, image ?? ta, { channels, rank: Math.max(ta.rank, tb.rank) });
  };
}

function sameSize(a: TensorValue, b: TensorValue): boolean {
  return a.hw.every((s, i) => {
    const t = b.hw[i];
    return !s || !t || (s.of === t.of && s.k === t.k && s.c === t.c);
  });
}

/** A tensor operand of a broadcasting op: an image, or a vector whose channel axis lines up with an image's (rank 4). */
function operand(ctx: OpContext, i: number): TensorValue {
  const v = ctx.input(i);
  if (v?.kind === 'tensor' && v.expanded) return { ...v, expanded: undefined };
  const t = ctx.tensor(i);
  const other = ctx.input(1 - i);
  if (t.form === 'vector' && other?.kind === 'tensor' && other.form === 'image' && t.rank !== 4) {
    ctx.fail(`a rank-${t.rank} vector broadcast against an image lines its channels up with the width; reshape it to [N, C, 1, 1] first`);
  }
  return t;
}

export const Add = binary('add');
export const Sub = binary('sub');
export const Mul = binary('mul');
export const Div = binary('div');
export const Max = binary('max');
export const Min = binary('min');
export const Pow = binary('pow');

/** Mod, on shape arithmetic only (exportOnnx's pad to a multiple computes its padding with it). */
export const Mod: Lowerer = (ctx) => {
  ctx.allow('fmod');
  const a = ctx.input(0);
  const b = ctx.input(1);
  if (!a || !b || !isStatic(a) || !isStatic(b)) return ctx.fail(`only constants and shape arithmetic are supported`);
  if (ctx.int('fmod', 0) !== 0 && !(a.kind === 'const' && b.kind === 'const')) ctx.fail(`attribute 'fmod' 1 on integers`);
  return foldBinary(ctx, 'mod', a, b);
};

export const Sum: Lowerer = (ctx) => {
  ctx.allow();
  const xs = ctx.node.inputs.map((_, i) => ctx.tensor(i));
  if (xs.length === 0) ctx.fail('has no inputs');
  if (xs.length === 1) return xs[0];
  if (xs.some((x) => x.form !== xs[0].form || x.channels !== xs[0].channels || x.rank !== xs[0].rank)) {
    ctx.fail(`sums tensors of different shapes (channels ${xs.map((x) => x.channels).join(', ')})`);
  }
  return ctx.tensorValue(ctx.emit({ kind: 'add', inputs: xs.map((x) => x.ir) }), xs[0]);
};

export const Identity: Lowerer = (ctx) => {
  ctx.allow();
  const v = ctx.input(0);
  if (!v) ctx.fail('has no input');
  return v!;
};

export const Dropout: Lowerer = (ctx) => {
  // Inference: the identity (ratio and training_mode inputs are ignored unless training_mode is on).
  ctx.allow('ratio', 'seed', 'is_test');
  const training = ctx.numbers(2, 'training_mode');
  if (training && training[0]) ctx.fail('training_mode is on: dropout would be random');
  const v = ctx.input(0);
  if (!v) ctx.fail('has no input');
  return v!;
};
