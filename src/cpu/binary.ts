/** CPU reference of binary: every output element reads a and b through their broadcast strides; the op in float64, rounded once. */
import { applyBinary, planBinary, type BinaryOptions } from '../ops/binary.js';
import { binaryPartials, planBinaryBackward, type BinaryBackwardOptions, type BinaryGradients } from '../ops/binary-backward.js';
import { zerosLike, type CpuTensor } from './tensor.js';

export function binary(a: CpuTensor, b: CpuTensor, options: BinaryOptions): CpuTensor {
  const p = planBinary(a.shape, b.shape, options);
  const [d0, d1, d2, d3] = p.out4;
  const out = zerosLike(a, p.outShape);
  let i = 0;
  for (let i0 = 0; i0 < d0; i0++) {
    for (let i1 = 0; i1 < d1; i1++) {
      for (let i2 = 0; i2 < d2; i2++) {
        for (let i3 = 0; i3 < d3; i3++) {
          const ia = i0 * p.aStrides[0] + i1 * p.aStrides[1] + i2 * p.aStrides[2] + i3 * p.aStrides[3];
          const ib = i0 * p.bStrides[0] + i1 * p.bStrides[1] + i2 * p.bStrides[2] + i3 * p.bStrides[3];
          out.data[i++] = applyBinary(p.op, a.data[ia], b.data[ib]);
        }
      }
    }
  }
  return out;
}

/** CPU reference of binaryBackward: scatters dy · ∂/∂a and dy · ∂/∂b of every output element onto the operand elements it read. */
export function binaryBackward(a: CpuTensor, b: CpuTensor, dy: CpuTensor, options: BinaryBackwardOptions): BinaryGradients<CpuTensor> {
  const p = planBinaryBackward(a.shape, b.shape, dy.shape, options);
  const da = p.needs.da ? zerosLike(dy, a.shape) : null;
  const db = p.needs.db ? zerosLike(dy, b.shape) : null;
  const [d0, d1, d2, d3] = p.out4;
  let i = 0;
  for (let i0 = 0; i0 < d0; i0++) {
    for (let i1 = 0; i1 < d1; i1++) {
      for (let i2 = 0; i2 < d2; i2++) {
        for (let i3 = 0; i3 < d3; i3++) {
          const ia = i0 * p.aStrides[0] + i1 * p.aStrides[1] + i2 * p.aStrides[2] + i3 * p.aStrides[3];
          const ib = i0 * p.bStrides[0] + i1 * p.bStrides[1] + i2 * p.bStrides[2] + i3 * p.bStrides[3];
          const [pa, pb] = binaryPartials(p.op, a.data[ia], b.data[ib]);
          if (da) da.data[ia] += dy.data[i] * pa;
          if (db) db.data[ib] += dy.data[i] * pb;
          i++;
        }
      }
    }
  }
  return { da, db };
}
