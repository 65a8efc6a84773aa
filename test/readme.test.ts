/**
 * The README's and the docs' examples are code users copy: run them, so they cannot drift from the API.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { describe, expect, it, vi } from 'vitest';

const ROOT = new URL('..', import.meta.url).pathname;

/** The ```ts block after `marker` in `file`. */
function block(file: string, marker: string): string {
  const text = readFileSync(join(ROOT, file), 'utf8');
  const code = text.split(marker)[1]?.match(/```ts\n([\s\S]*?)```/)?.[1];
  expect(code, `${file}: block after ${marker}`).toBeTruthy();
  return code!;
}

/** Runs `code` as a module in a scratch folder; returns what it printed with console.log. */
async function run(code: string, name: string, dir: string): Promise<string[]> {
  const file = join(dir, `${name}.ts`);
  writeFileSync(file, code);
  const log = vi.spyOn(console, 'log').mockImplementation(() => {});
  try {
    await import(/* @vite-ignore */ file);
    return log.mock.calls.map((c) => c.map(String).join(' '));
  } finally {
    log.mockRestore();
  }
}

describe('README', () => {
  it('the first two commands are the setup + upscale line and npm test', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const first =
      readme
        .match(/```sh\n([\s\S]*?)```/)?.[1]
        .split('\n')
        .filter(Boolean) ?? [];
    expect(first[0]).toMatch(/^bash scripts\/setup\.sh && npm run upscale -- assets\/sample\.png out\.png\s/);
    expect(first[1]).toMatch(/^npm test\s/);
  });

  it('links the static-host deploy workflow, whose npm commands exist', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    expect(readme).toContain('(.github/workflows/pages.yml)');
    const workflow = readFileSync(join(ROOT, '.github', 'workflows', 'pages.yml'), 'utf8');
    const scripts = Object.keys((JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: object }).scripts);
    const used = [...workflow.matchAll(/npm run ([\w:-]+)/g)].map((m) => m[1]);
    expect(used).toEqual(expect.arrayContaining(['build:demo', 'build:browser']));
    for (const name of used) expect(scripts, name).toContain(name);
    expect(workflow).toMatch(/path: dist-demo/);
  });

  it('"Upscale a picture in Node" runs: reads the sample, upscales ×2 with progress, writes a PNG twice the size', async () => {
    const dir = mkdtempSync(join(ROOT, 'test', '.readme-'));
    try {
      // The example's paths are relative to the repository; its output goes to the scratch folder.
      const code = block('README.md', '<!-- quickstart: test/readme.test.ts runs this block -->')
        .replace(`'assets/sample.png'`, JSON.stringify(join(ROOT, 'assets', 'sample.png')))
        .replace(`'sample-x2.png'`, JSON.stringify(join(dir, 'sample-x2.png')));
      const lines = await run(code, 'quickstart', dir);
      expect(lines.at(-1)).toBe('128 128');
      expect(lines[0]).toMatch(/^tile 1\/1 · \d+(\.\d)? (s|min( \d+ s)?) elapsed$/);
      expect(existsSync(join(dir, 'sample-x2.png'))).toBe(true);
      const png = PNG.sync.read(readFileSync(join(dir, 'sample-x2.png')));
      expect([png.width, png.height]).toEqual([128, 128]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the engine quickstart in docs/engine.md runs and prints what it says', async () => {
    const dir = mkdtempSync(join(ROOT, 'test', '.readme-'));
    try {
      const lines = await run(block('docs/engine.md', '<!-- engine quickstart: test/readme.test.ts runs this block -->'), 'engine', dir);
      expect(lines).toContain('1,3,32,32');
      expect(lines.at(-1)).toBe('true');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the training example in docs/engine.md runs and prints what it says', async () => {
    const dir = mkdtempSync(join(ROOT, 'test', '.readme-'));
    try {
      const lines = await run(block('docs/engine.md', '<!-- training: test/readme.test.ts runs this block -->'), 'training', dir);
      expect(lines).toEqual(['20', '16 16']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
