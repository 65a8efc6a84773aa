/**
 * Image ↔ tensor on the GPU (src/upscale/gpu-image.ts). Both run 8×8
 * workgroups over a `width × height` region, one thread per pixel; sizes,
 * offsets and value maps are uniforms, so one pipeline each serves every image
 * size, crop and range. fromImage/toTexture use the whole image (offsets 0);
 * upscaleTexture (src/upscale/upscale-texture.ts) uses them per tile.
 *
 * Values go through tables made on the CPU (in float64, as the CPU pipeline
 * maps them), not through float32 arithmetic here, so the GPU result equals
 * the CPU's bit for bit:
 *
 * TEXTURE_TO_TENSOR: thread (x, y) loads the texel at (srcX + x, srcY + y)
 * (rgba8unorm/bgra8unorm, read as RGBA), recovers each byte b = round(255·texel)
 * and writes `table[b]` (= lo + b·(hi − lo)/255) of texel channel `first + c`
 * to out[c·H·W + y·W + x], c < channels (alpha alone: first 3, channels 1).
 *
 * TENSOR_TO_TEXTURE: thread (x, y) reads channel c of the source tensor (planes
 * srcWidth × srcHeight) at (srcX + x, srcY + y), finds its byte b from
 * `table[j]` (j = 1…255: the least float32 whose round-half-up((v − lo)·255/
 * (hi − lo)) is ≥ j; clamping is implied) as the b with table[b] ≤ v <
 * table[b + 1] (a linear estimate, then exact walks; see toByte), and
 * stores b/255 into the rgba8unorm texture at (dstX + x, dstY + y). Alpha is 1
 * when alphaMode = 0, else the byte (via alphaTable) of alphaSrc[alphaBase +
 * (alphaY + y)·alphaWidth + alphaX + x]: a 4th plane of the same tensor, or a
 * separate one (a texel is stored whole, so alpha must come in the same pass).
 */
export const IMAGE_WORKGROUP = 8;

/** Bytes of the uniform struct below: 4 rows of 4 u32, then two 256-entry f32 tables. */
export const IMAGE_PARAMS_BYTES = 64 + 2 * 1024;

const PARAMS = /* wgsl */ `
struct Params {
  width: u32, height: u32, channels: u32, first: u32,
  srcX: u32, srcY: u32, dstX: u32, dstY: u32,
  srcWidth: u32, srcHeight: u32, alphaMode: u32, alphaBase: u32,
  alphaX: u32, alphaY: u32, alphaWidth: u32, pad: u32,
  table: array<vec4<f32>, 64>,
  alphaTable: array<vec4<f32>, 64>,
}
@group(0) @binding(0) var<uniform> params: Params;
fn table(i: u32) -> f32 { return params.table[i / 4u][i % 4u]; }
fn alphaTable(i: u32) -> f32 { return params.alphaTable[i / 4u][i % 4u]; }
`;

export const TEXTURE_TO_TENSOR = /* wgsl */ `${PARAMS}
@group(0) @binding(1) var src: texture_2d<f32>;
@group(0) @binding(2) var<storage, read_write> dst: array<f32>;

@compute @workgroup_size(${IMAGE_WORKGROUP}, ${IMAGE_WORKGROUP})
fn main(@builtin(global_invocation_id) g: vec3<u32>) {
  if (g.x >= params.width || g.y >= params.height) { return; }
  let texel = textureLoad(src, vec2<u32>(params.srcX + g.x, params.srcY + g.y), 0);
  let bytes = vec4<u32>(round(clamp(texel, vec4<f32>(0.0), vec4<f32>(1.0)) * 255.0));
  let plane = params.width * params.height;
  let i = g.y * params.width + g.x;
  for (var c = 0u; c < params.channels; c++) {
    dst[c * plane + i] = table(bytes[params.first + c]);
  }
}
`;

export const TENSOR_TO_TEXTURE = /* wgsl */ `${PARAMS}
@group(0) @binding(1) var<storage, read> src: array<f32>;
@group(0) @binding(2) var dst: texture_storage_2d<rgba8unorm, write>;
@group(0) @binding(3) var<storage, read> alphaSrc: array<f32>;

fn threshold(j: u32, alpha: bool) -> f32 { return select(table(j), alphaTable(j), alpha); }

// The byte b with threshold(b) <= v < threshold(b + 1) (0 below threshold(1) and for NaN, 255 from
// threshold(255) up). A linear estimate from the two end thresholds lands on b or next to it; the
// two walks then make it exact whatever the estimate, in 0 or 1 steps in practice (a bisection
// took 8 dependent table reads per value, the store pass's main cost on software adapters).
fn toByte(v: f32, alpha: bool) -> u32 {
  let t1 = threshold(1u, alpha);
  let t255 = threshold(255u, alpha);
  if (!(v >= t1)) { return 0u; }
  if (v >= t255) { return 255u; }
  var b = u32(clamp(1.0 + (v - t1) * (254.0 / (t255 - t1)), 1.0, 254.0));
  while (v >= threshold(b + 1u, alpha)) { b += 1u; }
  while (!(v >= threshold(b, alpha))) { b -= 1u; }
  return b;
}

@compute @workgroup_size(${IMAGE_WORKGROUP}, ${IMAGE_WORKGROUP})
fn main(@builtin(global_invocation_id) g: vec3<u32>) {
  if (g.x >= params.width || g.y >= params.height) { return; }
  let plane = params.srcWidth * params.srcHeight;
  let i = (params.srcY + g.y) * params.srcWidth + params.srcX + g.x;
  var px = vec4<f32>(0.0, 0.0, 0.0, 1.0);
  for (var c = 0u; c < params.channels; c++) {
    px[c] = f32(toByte(src[c * plane + i], false)) / 255.0;
  }
  if (params.alphaMode == 1u) {
    let a = alphaSrc[params.alphaBase + (params.alphaY + g.y) * params.alphaWidth + params.alphaX + g.x];
    px.a = f32(toByte(a, true)) / 255.0;
  }
  textureStore(dst, vec2<u32>(params.dstX + g.x, params.dstY + g.y), px);
}
`;
