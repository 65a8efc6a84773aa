/**
 * Image ↔ tensor on the GPU (src/upscale/gpu-image.ts). Both run 8×8
 * workgroups over the image, one thread per pixel; sizes and value maps are
 * uniforms, so one pipeline each serves every image size and range.
 *
 * Values go through tables made on the CPU (in float64, as the CPU pipeline
 * maps them), not through float32 arithmetic here, so the GPU result equals
 * the CPU's bit for bit:
 *
 * TEXTURE_TO_TENSOR: thread (x, y) loads the texel (rgba8unorm/bgra8unorm,
 * read as RGBA), recovers each byte b = round(255·texel) and writes
 * `table[b]` (= lo + b·(hi − lo)/255) to out[c·H·W + y·W + x], c < channels.
 *
 * TENSOR_TO_TEXTURE: thread (x, y) reads channel c at c·H·W + y·W + x and
 * finds its byte by binary search over `table[j]` (j = 1…255: the least float32
 * whose round-half-up((v − lo)·255/(hi − lo)) is ≥ j; clamping is implied),
 * then stores b/255 (alpha 1 when channels = 3) into the rgba8unorm texture.
 */
export const IMAGE_WORKGROUP = 8;

const PARAMS = /* wgsl */ `
struct Params {
  width: u32,
  height: u32,
  channels: u32,
  pad: u32,
  table: array<vec4<f32>, 64>,
}
@group(0) @binding(0) var<uniform> params: Params;
fn table(i: u32) -> f32 { return params.table[i / 4u][i % 4u]; }
`;

export const TEXTURE_TO_TENSOR = /* wgsl */ `${PARAMS}
@group(0) @binding(1) var src: texture_2d<f32>;
@group(0) @binding(2) var<storage, read_write> dst: array<f32>;

@compute @workgroup_size(${IMAGE_WORKGROUP}, ${IMAGE_WORKGROUP})
fn main(@builtin(global_invocation_id) g: vec3<u32>) {
  if (g.x >= params.width || g.y >= params.height) { return; }
  let bytes = vec4<u32>(round(clamp(textureLoad(src, vec2<u32>(g.xy), 0), vec4<f32>(0.0), vec4<f32>(1.0)) * 255.0));
  let plane = params.width * params.height;
  let i = g.y * params.width + g.x;
  for (var c = 0u; c < params.channels; c++) {
    dst[c * plane + i] = table(bytes[c]);
  }
}
`;

export const TENSOR_TO_TEXTURE = /* wgsl */ `${PARAMS}
@group(0) @binding(1) var<storage, read> src: array<f32>;
@group(0) @binding(2) var dst: texture_storage_2d<rgba8unorm, write>;

fn toByte(v: f32) -> u32 {
  var b = 0u;
  for (var step = 128u; step > 0u; step = step >> 1u) {
    let j = b + step;
    if (j <= 255u && v >= table(j)) { b = j; }
  }
  return b;
}

@compute @workgroup_size(${IMAGE_WORKGROUP}, ${IMAGE_WORKGROUP})
fn main(@builtin(global_invocation_id) g: vec3<u32>) {
  if (g.x >= params.width || g.y >= params.height) { return; }
  let plane = params.width * params.height;
  let i = g.y * params.width + g.x;
  var px = vec4<f32>(0.0, 0.0, 0.0, 1.0);
  for (var c = 0u; c < params.channels; c++) {
    px[c] = f32(toByte(src[c * plane + i])) / 255.0;
  }
  textureStore(dst, vec2<u32>(g.xy), px);
}
`;
