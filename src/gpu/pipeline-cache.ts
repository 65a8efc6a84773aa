/**
 * The one pipeline cache. A compiled pipeline is fixed by its shader text and
 * its bind group layout, so its key names everything those depend on, and
 * nothing else (never tensor sizes: sizes travel in uniforms, so a new image
 * size compiles nothing). Key format:
 *
 *   <NAME>[<VARIANT>]:wg<WORKGROUP_SIZE>:u(<FIELD>:<TYPE>,…):s(<BINDING>:<ELEM>:<ACCESS>:<PAGES>,…)[:t(<TEXTURE>:<ACCESS>,…)]
 *
 * - NAME: the program name (`conv2d`, `unary`, …).
 * - VARIANT: the structural flags the body is generated from. A string is used
 *   as is; an object of flags becomes its `name=value` pairs sorted by name, so
 *   two objects with the same flags written in another order share a pipeline.
 * - u(…): the uniform struct's fields in order, with their WGSL types (the
 *   engine's own trailing fields are the same for every program, so they are
 *   left out). Two calls with the same name and variant but other uniform
 *   fields, types or order get different pipelines, never one with the wrong
 *   struct layout.
 * - s(…): the storage bindings in order: name, element type (`f32`, `vec4`, `u32`, `vec4<u32>`),
 *   access (`r` or `rw`) and page count (tensors larger than one binding are
 *   bound in pages; see program.ts).
 * - t(…): only for programs that bind textures (the image passes): each texture
 *   in order, `NAME:read` or `NAME:write-FORMAT` (texture-binding.ts).
 *
 * Example (relu): `unary[relu]:wg256:u(alpha:f32):s(x:f32:r:1,y:f32:rw:1)`; conv2d passes its
 * flags as an object, so its variant reads `activation=relu,bias=true,…`.
 */
import type { Params, ProgramVariant, StorageSpec } from './program.js';
import { textureKey, type TextureSpec } from './texture-binding.js';

/** The cache key's variant part: a string as is, an object as its sorted `name=value` pairs. */
export function variantKey(variant: ProgramVariant): string {
  if (typeof variant === 'string') return variant;
  return Object.keys(variant)
    .sort()
    .map((k) => `${k}=${String(variant[k])}`)
    .join(',');
}

/** The full pipeline key, in the format documented above. */
export function pipelineKey(
  name: string,
  variant: ProgramVariant,
  workgroupSize: number,
  params: Params,
  storage: readonly StorageSpec[],
  textures: readonly TextureSpec[] = [],
): string {
  let uniforms = '';
  for (const k in params) uniforms += `${uniforms ? ',' : ''}${k}:${params[k][0]}`;
  let bindings = '';
  for (const s of storage) {
    bindings += `${bindings ? ',' : ''}${s.name}:${s.elem === 'f32' ? 'f32' : s.elem === 'vec4<f32>' ? 'vec4' : s.elem}:${s.write ? 'rw' : 'r'}:${s.pages}`;
  }
  return `${name}[${variantKey(variant)}]:wg${workgroupSize}:u(${uniforms}):s(${bindings})${textureKey(textures)}`;
}

export interface CachedPipeline {
  pipeline: GPUComputePipeline;
  /** Its bind group layout, fetched once: `getBindGroupLayout` makes a new object per call. */
  layout: GPUBindGroupLayout;
}

export class PipelineCache {
  private readonly pipelines = new Map<string, CachedPipeline>();
  /** Number of shader compilations so far; tests use it to prove shapes do not recompile. */
  compiles = 0;

  constructor(private readonly device: GPUDevice) {}

  /** The pipeline for `key` (see the key format above), compiling `source()` on first use. */
  get(key: string, source: () => string): CachedPipeline {
    let p = this.pipelines.get(key);
    if (!p) {
      const module = this.device.createShaderModule({ code: source(), label: key });
      const pipeline = this.device.createComputePipeline({ layout: 'auto', compute: { module, entryPoint: 'main' }, label: key });
      p = { pipeline, layout: pipeline.getBindGroupLayout(0) };
      this.pipelines.set(key, p);
      this.compiles++;
    }
    return p;
  }

  /** The keys cached so far (for tests and debugging). */
  keys(): string[] {
    return [...this.pipelines.keys()];
  }

  get size(): number {
    return this.pipelines.size;
  }

  clear(): void {
    this.pipelines.clear();
  }
}
