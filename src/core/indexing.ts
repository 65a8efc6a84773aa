/**
 * Flat index <-> coordinates, written once for the CPU and for WGSL.
 *
 * Dims are listed INNERMOST FIRST (fastest-varying first), the order the
 * decomposition peels them off: for NCHW, `[['x', W], ['y', H], ['c', C]]`
 * with `n` as the outermost coordinate. The outermost coordinate takes the
 * final quotient and is not bounded by the helper (the caller's `idx < total`
 * check bounds it), so it needs no size.
 *
 * The WGSL form spends exactly one integer division per inner dim and gets the
 * remainder as t − q·X (a multiply-subtract) rather than `%`, which is a second
 * division on adapters that do not pair the two (SwiftShader runs integer
 * division lane by lane; it is the costly part of an index decomposition).
 */

/** One inner dim: its coordinate name, its extent, and optionally a name for the quotient left above it. */
export type IndexDim = readonly [name: string, size: string, rest?: string];

/**
 * WGSL statements binding (with `let`) every coordinate of `index`:
 *
 *     wgslUnravel('idx', [['j', 'params.w'], ['Y', 'H'], ['c', 'params.c']], 'n')
 *     // let rest1 = idx / params.w;  let j = idx - rest1 * params.w;
 *     // let rest2 = rest1 / H;       let Y = rest1 - rest2 * H;
 *     // let n = rest2 / params.c;    let c = rest2 - n * params.c;
 *
 * `size` is a uniform field (`params.w`) or any u32 WGSL expression in scope;
 * an expression that is not a plain name is parenthesised. Each intermediate
 * quotient (the index over the dims still to peel) is named by the dim's third
 * element, else `${restPrefix}1`, `${restPrefix}2`, … (default prefix `rest`);
 * the last one is the outermost coordinate `outer`. `indent` prefixes each line.
 */
export function wgslUnravel(index: string, dims: readonly IndexDim[], outer: string, restPrefix = 'rest', indent = '  '): string {
  const lines: string[] = [];
  let t = index;
  dims.forEach(([name, size, rest], k) => {
    const q = k === dims.length - 1 ? outer : (rest ?? `${restPrefix}${k + 1}`);
    const x = /^[\w.]+$/.test(size) ? size : `(${size})`;
    lines.push(`${indent}let ${q} = ${t} / ${x}; let ${name} = ${t} - ${q} * ${x};`);
    t = q;
  });
  if (dims.length === 0) lines.push(`${indent}let ${outer} = ${index};`);
  return lines.join('\n');
}

/**
 * The inverse as a WGSL expression, Horner form, same dim order (innermost first):
 * `wgslRavel([['x', 'W'], ['y', 'H'], ['c', 'C']], 'n')` is `((n * C + c) * H + y) * W + x`.
 */
export function wgslRavel(dims: readonly IndexDim[], outer: string): string {
  let e = outer;
  for (let k = dims.length - 1; k >= 0; k--) {
    const [name, size] = dims[k];
    const x = /^[\w.]+$/.test(size) ? size : `(${size})`;
    e = `${k === dims.length - 1 ? e : `(${e})`} * ${x} + ${name}`;
  }
  return e;
}

/**
 * CPU twin of wgslUnravel: coordinates of `index`, innermost first, then the
 * outermost (unbounded) one last. `sizes` are the inner extents, innermost first.
 * unravel(23, [4, 3]) = [3, 2, 1]: 23 = (1·3 + 2)·4 + 3.
 */
export function unravel(index: number, sizes: readonly number[]): number[] {
  const out: number[] = [];
  let t = index;
  for (const x of sizes) {
    const q = Math.floor(t / x);
    out.push(t - q * x);
    t = q;
  }
  out.push(t);
  return out;
}

/** CPU twin of wgslRavel: `coords` innermost first, one more than `sizes` (the outermost last). */
export function ravel(coords: readonly number[], sizes: readonly number[]): number {
  let e = coords[sizes.length];
  for (let k = sizes.length - 1; k >= 0; k--) e = e * sizes[k] + coords[k];
  return e;
}
