/**
 * The one pipeline cache. Keys hold only what changes a shader's structure
 * (op, variant flags, binding page counts), never tensor sizes: sizes travel
 * in uniforms, so a new image size compiles nothing.
 */
export class PipelineCache {
  private readonly pipelines = new Map<string, GPUComputePipeline>();
  /** Number of shader compilations so far; tests use it to prove shapes do not recompile. */
  compiles = 0;

  constructor(private readonly device: GPUDevice) {}

  get(key: string, source: () => string): GPUComputePipeline {
    let p = this.pipelines.get(key);
    if (!p) {
      const module = this.device.createShaderModule({ code: source(), label: key });
      p = this.device.createComputePipeline({ layout: 'auto', compute: { module, entryPoint: 'main' }, label: key });
      this.pipelines.set(key, p);
      this.compiles++;
    }
    return p;
  }

  get size(): number {
    return this.pipelines.size;
  }

  clear(): void {
    this.pipelines.clear();
  }
}
