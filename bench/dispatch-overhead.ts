/**
 * Dispatch overhead in Node (Dawn): how much host time each recorded dispatch
 * costs, apart from the GPU work. Two cases:
 *  - esrgan-thick ×2 on a 16×16 input (154 small convolutions per run):
 *    warm median of `model.run` + read, the host time of `model.run` alone
 *    (recording and the submits it makes), and dispatches and submits per run;
 *  - 200 relu dispatches on a [1, 4, 4, 4] tensor, then one read: wall per dispatch.
 * Compilation is excluded: each case runs untimed first. Buffers created and
 * queue writes per run are counted too (by wrapping the device's methods).
 *
 *   node bench/dispatch-overhead.mjs [--reps 5] [--hardware] [--no-model]
 *
 * Without --hardware (or VK_ICD_FILENAMES set), Dawn runs on SwiftShader, as the tests do.
 */
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { SWIFTSHADER_ICD } from '../src/gpu/swiftshader.js';
import { createEngine, type Engine } from '../src/index.js';
import { loadModelFromPackage } from '../src/node.js';

/** Counts the buffers created and queue writes made from now until `stop()`, by wrapping the device's methods. */
function countGpuCalls(engine: Engine): { createBuffer: number; writeBuffer: number; stop(): void } {
  const device = engine.device;
  const createBuffer = device.createBuffer;
  const writeBuffer = device.queue.writeBuffer;
  const calls = {
    createBuffer: 0,
    writeBuffer: 0,
    stop() {
      device.createBuffer = createBuffer;
      device.queue.writeBuffer = writeBuffer;
    },
  };
  device.createBuffer = (d) => (calls.createBuffer++, createBuffer.call(device, d));
  device.queue.writeBuffer = (...args: Parameters<GPUQueue['writeBuffer']>) => (calls.writeBuffer++, writeBuffer.apply(device.queue, args));
  return calls;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

export async function main(argv: string[]): Promise<number> {
  const i = argv.indexOf('--reps');
  const reps = i >= 0 ? Number(argv[i + 1]) : 5;
  if (!argv.includes('--hardware') && !process.env.VK_ICD_FILENAMES && existsSync(SWIFTSHADER_ICD))
    process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
  process.env.XDG_RUNTIME_DIR ??= tmpdir();
  const engine = await createEngine();
  try {
    if (!argv.includes('--no-model')) await modelCase(engine, reps);
    await reluCase(engine, reps);
  } finally {
    engine.destroy();
  }
  return 0;
}

async function modelCase(engine: Engine, reps: number): Promise<void> {
  const model = loadModelFromPackage(engine, 'esrgan-thick', 2);
  const data = new Float32Array(3 * 16 * 16).map((_, k) => ((k * 7919) % 255) / 255);
  const x = engine.tensor(data, [1, 3, 16, 16]);
  const records: number[] = [];
  const once = async (): Promise<void> => {
    const t0 = performance.now();
    const y = model.run(x);
    records.push(performance.now() - t0);
    await y.read();
    y.dispose();
  };
  // Two untimed runs: the first compiles and prepacks weights, the second fills the pool to its steady state.
  await once();
  await once();
  records.length = 0;
  const times: number[] = [];
  const calls = countGpuCalls(engine);
  const s0 = engine.stats();
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    await once();
    times.push(performance.now() - t0);
  }
  const s1 = engine.stats();
  calls.stop();
  const perRun = (k: 'dispatches' | 'submits') => (s1[k] - s0[k]) / reps;
  console.log(
    `esrgan-thick x2 @16²: warm median ${median(times).toFixed(2)} ms (min ${Math.min(...times).toFixed(2)}, max ${Math.max(...times).toFixed(2)}); model.run alone (record + submits) median ${median(records).toFixed(2)} ms; per run: ${perRun('dispatches')} dispatches, ${perRun('submits')} submits, ${calls.createBuffer / reps} buffers created, ${calls.writeBuffer / reps} queue writes; live buffers ${s1.liveBuffers}, pipelines ${s1.pipelines}`,
  );
  x.dispose();
}

async function reluCase(engine: Engine, reps: number): Promise<void> {
  const n = 200;
  const small = engine.tensor(
    new Float32Array(64).map((_, k) => k - 32),
    [1, 4, 4, 4],
  );
  const chain = async (): Promise<{ record: number; total: number }> => {
    const t0 = performance.now();
    for (let k = 0; k < n; k++) engine.relu(small).dispose();
    const last = engine.relu(small);
    const t1 = performance.now();
    await last.read();
    last.dispose();
    return { record: t1 - t0, total: performance.now() - t0 };
  };
  await chain();
  const calls = countGpuCalls(engine);
  const rec: number[] = [];
  const tot: number[] = [];
  const b0 = engine.stats();
  for (let r = 0; r < reps; r++) {
    const { record, total } = await chain();
    rec.push(record);
    tot.push(total);
  }
  const b1 = engine.stats();
  calls.stop();
  const per = (ms: number) => ((ms / (n + 1)) * 1000).toFixed(1);
  console.log(
    `relu ×${n + 1} on [1,4,4,4]: record ${per(median(rec))} µs/dispatch, record+submit+read ${per(median(tot))} µs/dispatch (median of ${reps}), ` +
      `per chain: ${(b1.submits - b0.submits) / reps} submits, ${calls.createBuffer / reps} buffers created, ${calls.writeBuffer / reps} queue writes; live buffers ${b1.liveBuffers}`,
  );
}
