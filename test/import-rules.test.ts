/**
 * Layering, checked: the engine (tensors and ops) is below the image pipeline,
 * which takes it as an argument, and no module imports itself round a cycle
 * (scripts/check-imports.mjs; madge is not a dependency).
 */
import { describe, expect, it } from 'vitest';
// @ts-expect-error -- a plain .mjs script without declarations
import { checkImports } from '../scripts/check-imports.mjs';

interface ImportReport {
  modules: number;
  runtimeCycles: string[][];
  typeOnlyCycles: string[][];
  layering: string[];
}

describe('import rules of src/', () => {
  const report = checkImports() as ImportReport;

  it('has no import cycle, not even through type-only imports', () => {
    expect(report.modules).toBeGreaterThan(40);
    expect(report.runtimeCycles).toEqual([]);
    expect(report.typeOnlyCycles).toEqual([]);
  });

  it('nothing below the image pipeline imports src/upscale or DOM-only names (ImageData, canvases, document…)', () => {
    expect(report.layering).toEqual([]);
  });
});
