/**
 * Pipeline keys cannot lie: a pipeline's uniform struct and bindings come from
 * the call that compiled it, so everything that shapes them is in the key
 * (src/gpu/pipeline-cache.ts documents the format).
 */
import { describe, expect, it } from 'vitest';
import { BufferPool } from '../src/gpu/buffer-pool.js';
import { PipelineCache, pipelineKey, variantKey } from '../src/gpu/pipeline-cache.js';
import type { Params, Program } from '../src/gpu/program.js';
import { CommandRunner } from '../src/gpu/command-runner.js';
import { useEngine } from './helpers/engine.js';

const ctx = useEngine();

/** Writes `params.a` (whatever its WGSL type) as f32 to every element of y. */
const probe = (variant: Program['variant']): Program => ({
  name: 'probe',
  variant,
  workgroupSize: 64,
  entry: 'element',
  body: () => `fn element(i: u32) { y_st(i, f32(params.a)); }`,
});

/** A runner of its own over the engine's device, so a test can run hand-written programs. */
function probeRunner(): { runner: CommandRunner; cache: PipelineCache } {
  const { device } = ctx.engine;
  const cache = new PipelineCache(device);
  const runner = new CommandRunner(device, new BufferPool(device), cache, {
    pageBytes: device.limits.maxStorageBufferBindingSize,
    maxWorkgroupsPerDim: device.limits.maxComputeWorkgroupsPerDimension,
    maxStorageBuffers: device.limits.maxStorageBuffersPerShaderStage,
    maxBufferBytes: device.limits.maxBufferSize,
  });
  return { runner, cache };
}

async function runProbe(runner: CommandRunner, program: Program, params: Params): Promise<number[]> {
  const y = ctx.engine.tensor(new Float32Array(4), [4]);
  runner.run(program, params, [{ name: 'y', tensor: y, write: true }], 4);
  runner.submit();
  const out = Array.from(await y.read());
  y.dispose();
  return out;
}

describe('pipeline cache keys', () => {
  it('variantKey: an object of flags is keyed by its sorted name=value pairs, whatever its property order', () => {
    expect(variantKey({ residual: true, activation: 'relu', cv: 4 })).toBe('activation=relu,cv=4,residual=true');
    expect(variantKey({ cv: 4, activation: 'relu', residual: true })).toBe(variantKey({ residual: true, activation: 'relu', cv: 4 }));
    // Names are part of the key: equal values under other names differ.
    expect(variantKey({ bias: true, residual: false })).not.toBe(variantKey({ bias: false, residual: true }));
    expect(variantKey('T')).toBe('T');
  });

  it('the key names the uniform layout (fields, types, order) and every binding (elem, access, pages)', () => {
    const key = pipelineKey('unary', 'relu', 256, { n: ['u32', 10], alpha: ['f32', 0.5] }, [
      { name: 'x', elem: 'f32', write: false, pages: 1 },
      { name: 'y', elem: 'vec4<f32>', write: true, pages: 2 },
    ]);
    expect(key).toBe('unary[relu]:wg256:u(n:u32,alpha:f32):s(x:f32:r:1,y:vec4:rw:2)');
    // Values never enter the key: a new size compiles nothing.
    expect(pipelineKey('unary', 'relu', 256, { n: ['u32', 99], alpha: ['f32', 2] }, [])).toBe(
      pipelineKey('unary', 'relu', 256, { n: ['u32', 10], alpha: ['f32', 0.5] }, []),
    );
    const uKey = (params: Params) => pipelineKey('p', '', 64, params, []);
    expect(uKey({ a: ['u32', 1] })).not.toBe(uKey({ a: ['f32', 1] }));
    expect(uKey({ a: ['u32', 1], b: ['u32', 1] })).not.toBe(uKey({ b: ['u32', 1], a: ['u32', 1] }));
    const sKey = (write: boolean) => pipelineKey('p', '', 64, {}, [{ name: 'y', elem: 'f32', write, pages: 1 }]);
    expect(sKey(true)).not.toBe(sKey(false));
  });

  it('same name and variant with another uniform layout compiles its own pipeline instead of misreading the struct', async () => {
    const { runner, cache } = probeRunner();
    // u32 7, then f32 7 (read through a u32 struct it would be 1088421888), then `a` moved behind another field.
    expect(await runProbe(runner, probe(''), { a: ['u32', 7] })).toEqual([7, 7, 7, 7]);
    expect(await runProbe(runner, probe(''), { a: ['f32', 7] })).toEqual([7, 7, 7, 7]);
    expect(await runProbe(runner, probe(''), { pad: ['u32', 99], a: ['u32', 7] })).toEqual([7, 7, 7, 7]);
    expect(cache.compiles).toBe(3);
    // A repeat with new values reuses its pipeline.
    expect(await runProbe(runner, probe(''), { pad: ['u32', 1], a: ['u32', 5] })).toEqual([5, 5, 5, 5]);
    expect(cache.compiles).toBe(3);
  });

  it('object variants with the same flags in another property order share one pipeline', async () => {
    const { runner, cache } = probeRunner();
    expect(await runProbe(runner, probe({ relu: false, cv: 1 }), { a: ['u32', 3] })).toEqual([3, 3, 3, 3]);
    expect(await runProbe(runner, probe({ cv: 1, relu: false }), { a: ['u32', 4] })).toEqual([4, 4, 4, 4]);
    expect(cache.compiles).toBe(1);
    expect(cache.keys()).toEqual(['probe[cv=1,relu=false]:wg64:u(a:u32):s(y:f32:rw:1)']);
  });
});
