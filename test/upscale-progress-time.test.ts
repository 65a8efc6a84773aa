/**
 * Progress that tells the time (issue 20): every onProgress event carries the
 * stage, the elapsed time and, from the first tile on, an estimate of the time
 * left; durations read as people say them.
 */
import { describe, expect, it } from 'vitest';
import { formatDuration, upscale, type UpscaleProgress } from '../src/index.js';
import { useEngine } from './helpers/engine.js';
import { fixtureModel } from './upscale-fixture.js';

describe('upscale() progress: stage, elapsed, ETA', () => {
  const h = useEngine();

  it('each tile reports stage "tiles", a growing elapsed time and an estimate of the time left (0 at the end)', async () => {
    const model = fixtureModel(h.engine);
    const image = { data: new Uint8ClampedArray(24 * 20 * 4).fill(200), width: 24, height: 20 };
    const events: UpscaleProgress[] = [];
    try {
      await upscale(h.engine, image, { model, tileSize: 8, onProgress: (p) => events.push({ ...p }) });
    } finally {
      model.dispose();
    }
    expect(events.length).toBe(9);
    expect(events.every((e) => e.stage === 'tiles')).toBe(true);
    for (let i = 1; i < events.length; i++) expect(events[i].elapsedMs).toBeGreaterThanOrEqual(events[i - 1].elapsedMs);
    // From the first tile on: a finite, positive estimate (9 tiles of similar size: more than the first tile took).
    expect(events[0].elapsedMs).toBeGreaterThan(0);
    expect(Number.isFinite(events[0].etaMs)).toBe(true);
    expect(events[0].etaMs).toBeGreaterThan(events[0].elapsedMs);
    expect(events.slice(0, -1).every((e) => e.etaMs > 0)).toBe(true);
    expect(events.at(-1)!.etaMs).toBe(0);
  });

  it('formatDuration: seconds with a decimal under 10 s, then whole seconds, minutes, hours', () => {
    expect([0, 420, 9_949, 23_400, 140_445, 600_000, 3_900_000].map(formatDuration)).toEqual([
      '0.0 s',
      '0.4 s',
      '9.9 s',
      '23 s',
      '2 min 20 s',
      '10 min',
      '1 h 5 min',
    ]);
    expect(formatDuration(NaN)).toBe('—');
  });
});
