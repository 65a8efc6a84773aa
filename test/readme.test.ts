/**
 * The README's quickstart is code users copy: run it, so it cannot drift from the API.
 */
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';

describe('README', () => {
  it('quickstart example runs and prints what it says', async () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const block = readme.split('<!-- quickstart: test/readme.test.ts runs this block -->')[1]?.match(/```ts\n([\s\S]*?)```/)?.[1];
    expect(block, 'quickstart block').toBeTruthy();
    const dir = mkdtempSync(join(new URL('.', import.meta.url).pathname, '.readme-'));
    const file = join(dir, 'quickstart.ts');
    writeFileSync(file, block!);
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    try {
      await import(/* @vite-ignore */ file);
      const lines = log.mock.calls.map((c) => c.map(String).join(' '));
      expect(lines).toContain('1,3,32,32');
      expect(lines.at(-1)).toBe('true');
    } finally {
      log.mockRestore();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('training example runs and prints what it says', async () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const block = readme.split('<!-- training: test/readme.test.ts runs this block -->')[1]?.match(/```ts\n([\s\S]*?)```/)?.[1];
    expect(block, 'training block').toBeTruthy();
    const dir = mkdtempSync(join(new URL('.', import.meta.url).pathname, '.readme-'));
    const file = join(dir, 'training.ts');
    writeFileSync(file, block!);
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    try {
      await import(/* @vite-ignore */ file);
      const lines = log.mock.calls.map((c) => c.map(String).join(' '));
      expect(lines).toEqual(['20', '16 16']);
    } finally {
      log.mockRestore();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
