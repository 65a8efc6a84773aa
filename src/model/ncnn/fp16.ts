/**
 * IEEE 754 binary16 → float32, exactly (every half is a float32): sign,
 * 5-bit exponent (bias 15), 10-bit fraction; exponent 0 is subnormal
 * (fraction · 2⁻²⁴), exponent 31 is infinity or NaN.
 */
export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * (1024 + frac) * 2 ** (exp - 25);
}

let table: Float32Array | null = null;

/** All 65536 halves as float32 (256 KiB, made on first use): decoding a model is then one lookup per weight. */
export function halfTable(): Float32Array {
  if (!table) {
    table = new Float32Array(65536);
    for (let h = 0; h < 65536; h++) table[h] = halfToFloat(h);
  }
  return table;
}
