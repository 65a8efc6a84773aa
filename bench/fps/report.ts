/**
 * The fps results as markdown: one row per case with each path's ms/frame and
 * fps, the ratios against the GPU-resident path next to the issue's targets
 * (met / not met; nothing fails on them), and whether the GPU-resident and
 * round-trip outputs were equal byte for byte. Shared by `npm run bench`
 * (bench/report.ts) and the Node GPU benchmark (./node.ts).
 */
import { FPS_TARGETS } from './cases.js';
import type { FpsResult, PathResult } from './measure.js';

const ms = (v: number): string => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));

/** '12.3 ms (81.3 fps)', or why the path has no time. */
export function pathCell(r: PathResult): string {
  if (r.status === 'ok') return `${ms(r.medianMs)} ms (${r.fps >= 10 ? r.fps.toFixed(0) : r.fps.toFixed(2)} fps)`;
  return r.status === 'error' ? 'error' : 'skip';
}

/** '4.10× (≥ 3×: met)', or '–' where a side did not run. */
export function ratioCell(ratio: number | null, met: boolean | null, target: number): string {
  if (ratio === null) return '–';
  return `${ratio.toFixed(2)}× (≥ ${target}×: ${met ? 'met' : 'not met'})`;
}

export function identicalCell(r: FpsResult): string {
  const i = r.identical;
  if ('error' in i) return 'error';
  return i.equal ? `yes (${i.bytes} bytes)` : `no: ${i.differing} of ${i.bytes} bytes differ, max ${i.maxDiff}`;
}

/** The paragraph that says what was timed, for any report holding fps rows. */
export const FPS_METHOD =
  'Frames per second (bench/fps): one frame = the frame handed over (untimed) → upscaled into an rgba8unorm output texture, the GPU queue drained (`onSubmittedWorkDone`); median of the timed frames after warm-up frames, each path on the same frame sequence, one path after the other. ' +
  '**GPU-resident**: `upscaleTexture(engine, frame, { model, output, alpha: "opaque", maxTileBytes: VIDEO_MAX_TILE_BYTES })` into one reused texture, no CPU round trip (what createVideoUpscaler does per frame). ' +
  '**Round trip**: the frame to CPU RGBA bytes (page: drawImage + getImageData; Node: copyTextureToBuffer + mapAsync), `upscale()` (our image path, same tile budget, so the same tiles), the bytes back with writeTexture. ' +
  '**WebSR**: @websr/websr on its own device of the same adapter, drawing into its canvas context (headless: a stub context whose texture is an ordinary rgba8unorm texture), its queue drained the same way; Anime4K only (it has no ESRGAN). ' +
  `Targets (issue 13): round trip ÷ GPU-resident ≥ ${FPS_TARGETS.roundTrip}×, WebSR ÷ GPU-resident ≥ ${FPS_TARGETS.websr}×. "identical": GPU-resident and round-trip output textures of frame 0 compared byte for byte. ` +
  '"network alone", for reading the rest: `model.run` on frame 0 already in a GPU tensor, untiled, queue drained (no image transfers).';

/** The fps table (no lines for no results). */
export function fpsTable(results: FpsResult[]): string[] {
  if (results.length === 0) return [];
  return [
    '| case | frames | GPU-resident | round trip | WebSR | round trip ÷ GPU-resident | WebSR ÷ GPU-resident | outputs identical | network alone |',
    '|---|---|---|---|---|---|---|---|---|',
    ...results.map((r) => {
      const n = r.gpu.status === 'ok' ? `${r.gpu.frameMs.length} (+${r.gpu.warmupMs.length} warm-up), ${r.source}` : r.source;
      return (
        `| ${r.name} | ${n} | ${pathCell(r.gpu)} | ${pathCell(r.roundTrip)} | ${pathCell(r.websr)} | ` +
        `${ratioCell(r.ratios.roundTrip, r.met.roundTrip, FPS_TARGETS.roundTrip)} | ${ratioCell(r.ratios.websr, r.met.websr, FPS_TARGETS.websr)} | ${identicalCell(r)} | ${pathCell(r.network)} |`
      );
    }),
  ];
}

/** Notes, errors and skips of fps results, as list items (the WebSR skip for ESRGAN is stated once). */
export function fpsNotes(results: FpsResult[]): string[] {
  const out: string[] = [];
  for (const r of results) {
    for (const [who, p] of [
      ['GPU-resident', r.gpu],
      ['round trip', r.roundTrip],
      ['WebSR', r.websr],
      ['network alone', r.network],
    ] as const) {
      if (p.status === 'error') out.push(`- ${r.name}, ${who}: error \`${p.error.replace(/`/g, "'").slice(0, 400)}\``);
      else if (p.status === 'skipped') out.push(`- ${r.name}, ${who}: skipped (${p.reason})`);
      else if (p.note) out.push(`- ${r.name}, ${who}: ${p.note}`);
    }
    const i = r.identical;
    if ('error' in i) out.push(`- ${r.name}: output comparison failed: \`${i.error.slice(0, 400)}\``);
    else if (!i.equal) out.push(`- ${r.name}: GPU-resident and round-trip outputs differ (first at ${i.first})`);
  }
  return out;
}
