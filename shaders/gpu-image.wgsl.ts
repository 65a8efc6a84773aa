/**
 * Image ↔ tensor passes (src/upscale/gpu-image.ts): programs on the engine's
 * runner like any op, so they share its uniform arena, pipeline cache and
 * command buffers (a whole upscaled frame is one submit). One thread per pixel
 * of a `width`-wide rectangle (the runner's 1-D thread index, unravelled);
 * sizes, offsets and table positions are uniforms, so one pipeline per variant
 * serves every image size, crop and range. The header (src/gpu/program.ts,
 * texture-binding.ts) declares the tensors (`NAME_ld`/`NAME_st`) and textures;
 * the engine writes `main` ('element' entry: `element(i)` for i < params.total).
 *
 * Values go through tables made on the CPU (in float64, as the CPU pipeline
 * maps them), read from the `tables` tensor at the offsets in the uniforms,
 * not through float32 arithmetic here, so the GPU result equals the CPU's bit
 * for bit:
 *
 * IMAGE_LOAD: thread (x, y) of the rectangle at (srcX, srcY) of `src`
 * (rgba8unorm/bgra8unorm, read as RGBA) recovers each byte b = round(255·texel).
 * Inside the colour rectangle (colX, colY, colW, colH, relative to the
 * thread rectangle) it writes tables[table + b] of texel channel `first + c` to
 * dst[c·colH·colW + …], c < channels. With `alpha` (folded alpha) it also
 * writes tables[alphaTable + alpha byte] inside the alpha rectangle (aX, aY,
 * aW, aH) to alphaDst: one texture read serves both.
 *
 * IMAGE_STORE: thread (x, y) reads channel c of `src` (planes srcWidth ×
 * srcHeight) at (srcX + x, srcY + y), finds its byte b from the thresholds at
 * tables[table + j] (j = 1…255: the least float32 whose round-half-up((v − lo)·
 * 255/(hi − lo)) is ≥ j; clamping is implied) as the b with t[b] ≤ v < t[b + 1]
 * (a linear estimate, then exact walks; see toByte), and stores b/255 into the
 * storage texture `dst` at (dstX + x, dstY + y). Alpha is 1 without `alpha`,
 * else the byte (thresholds at alphaTable) of alphaSrc[alphaBase + (alphaY +
 * y)·alphaWidth + alphaX + x]: a 4th plane of the same tensor, or a separate
 * one (a texel is stored whole, so alpha comes in the same pass).
 */

export function imageLoadShader(alpha: boolean): string {
  return /* wgsl */ `
fn element(i: u32) {
  let x = i % params.width;
  let y = i / params.width;
  let texel = textureLoad(src, vec2<u32>(params.srcX + x, params.srcY + y), 0);
  let bytes = vec4<u32>(round(clamp(texel, vec4<f32>(0.0), vec4<f32>(1.0)) * 255.0));
  // Unsigned: a pixel left of or above a rectangle wraps to a huge offset and fails the test.
  let cx = x - params.colX;
  let cy = y - params.colY;
  if (cx < params.colW && cy < params.colH) {
    let plane = params.colW * params.colH;
    let j = cy * params.colW + cx;
    for (var c = 0u; c < params.channels; c++) {
      dst_st(c * plane + j, tables_ld(params.table + bytes[params.first + c]));
    }
  }${
    alpha
      ? `
  let ax = x - params.aX;
  let ay = y - params.aY;
  if (ax < params.aW && ay < params.aH) {
    alphaDst_st(ay * params.aW + ax, tables_ld(params.alphaTable + bytes[3]));
  }`
      : ''
  }
}
`;
}

export function imageStoreShader(alpha: boolean): string {
  return /* wgsl */ `
fn threshold(base: u32, j: u32) -> f32 { return tables_ld(base + j); }

// The byte b with threshold(b) <= v < threshold(b + 1) (0 below threshold(1) and for NaN, 255 from
// threshold(255) up). A linear estimate from the two end thresholds lands on b or next to it; the
// two walks then make it exact whatever the estimate, in 0 or 1 steps in practice (a bisection
// took 8 dependent table reads per value, the store pass's main cost on software adapters).
fn toByte(v: f32, base: u32) -> u32 {
  let t1 = threshold(base, 1u);
  let t255 = threshold(base, 255u);
  if (!(v >= t1)) { return 0u; }
  if (v >= t255) { return 255u; }
  var b = u32(clamp(1.0 + (v - t1) * (254.0 / (t255 - t1)), 1.0, 254.0));
  while (v >= threshold(base, b + 1u)) { b += 1u; }
  while (!(v >= threshold(base, b))) { b -= 1u; }
  return b;
}

fn element(i: u32) {
  let x = i % params.width;
  let y = i / params.width;
  let plane = params.srcWidth * params.srcHeight;
  let s = (params.srcY + y) * params.srcWidth + params.srcX + x;
  var px = vec4<f32>(0.0, 0.0, 0.0, 1.0);
  for (var c = 0u; c < params.channels; c++) {
    px[c] = f32(toByte(src_ld(c * plane + s), params.table)) / 255.0;
  }${
    alpha
      ? `
  let a = alphaSrc_ld(params.alphaBase + (params.alphaY + y) * params.alphaWidth + params.alphaX + x);
  px.a = f32(toByte(a, params.alphaTable)) / 255.0;`
      : ''
  }
  textureStore(dst, vec2<u32>(params.dstX + x, params.dstY + y), px);
}
`;
}
