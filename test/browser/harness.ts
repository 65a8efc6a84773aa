/**
 * Browser-test harness: a Vite dev server on a free port serving the demo
 * pages (or any server a test starts), and headless Chromium (the system's /usr/bin/chromium, never a
 * downloaded one) with WebGPU on SwiftShader. Nothing here skips: if Chromium
 * or its WebGPU adapter is missing, the tests fail and say why.
 */
import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, ConsoleMessage, Page } from 'playwright-core';
import { createServer, type ViteDevServer } from 'vite';
import { afterAll, beforeAll } from 'vitest';
import { CHROMIUM_ARGS, launchChromium } from '../helpers/chromium.js';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/', import.meta.url));

export const VITE_CONFIG = fileURLToPath(new URL('../../vite.config.ts', import.meta.url));

export interface BrowserHarness {
  server: { close(): Promise<void> };
  browser: Browser;
  baseUrl: string;
}

/** The dev server (the default), on a free port, without file watching or HMR. */
async function devServer(): Promise<{ server: ViteDevServer; port: number }> {
  const server = await createServer({
    root: ROOT,
    configFile: VITE_CONFIG,
    logLevel: 'error',
    server: { host: '127.0.0.1', port: 0, strictPort: false, hmr: false, watch: null },
  });
  await server.listen();
  const addr = server.httpServer?.address() as AddressInfo | null;
  if (!addr || typeof addr !== 'object') throw new Error('the Vite dev server did not report a port');
  return { server, port: addr.port };
}

/**
 * Starts a server and the browser before the file's tests; stops both after.
 * `start` replaces the dev server (e.g. a preview server of a build).
 */
export function useBrowser(start: () => Promise<{ server: BrowserHarness['server']; port: number }> = devServer): BrowserHarness {
  const h = {} as BrowserHarness;
  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    const { server, port } = await start();
    h.server = server;
    h.baseUrl = `http://127.0.0.1:${port}`;
    h.browser = await launchChromium();
  });
  afterAll(async () => {
    await h.browser?.close();
    await h.server?.close();
  });
  return h;
}

export interface OpenedPage {
  page: Page;
  /** Console errors and uncaught exceptions seen so far. */
  errors: string[];
}

/**
 * Opens a page and records console errors and page errors. `init` runs in the
 * page before its scripts (e.g. to hide navigator.gpu).
 */
export async function openPage(h: BrowserHarness, path: string, init?: () => void): Promise<OpenedPage> {
  const page = await h.browser.newPage({ viewport: { width: 1280, height: 900 } });
  const errors: string[] = [];
  page.on('console', (m: ConsoleMessage) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  if (init) await page.addInitScript(init);
  await page.goto(`${h.baseUrl}${path}`);
  return { page, errors };
}

/** Asserts in the page that WebGPU gives an adapter; throws (fails the test) if not. */
export async function expectWebGPUAdapter(page: Page): Promise<{ vendor: string; architecture: string }> {
  const info = await page.evaluate(async () => {
    if (!navigator.gpu) return { error: `navigator.gpu is undefined (secure context: ${isSecureContext})` };
    const a = await navigator.gpu.requestAdapter();
    if (!a) return { error: 'navigator.gpu.requestAdapter() returned null' };
    return { vendor: a.info.vendor, architecture: a.info.architecture };
  });
  if ('error' in info) throw new Error(`no WebGPU adapter in headless Chromium: ${info.error}; flags: ${CHROMIUM_ARGS.join(' ')}`);
  return info;
}

/** Waits until `document.body.dataset.state` is one of `states` (the pages set it). */
export async function waitForState(page: Page, states: string[], timeout = 90_000): Promise<string> {
  await page.waitForFunction((s) => s.includes(document.body.dataset.state ?? ''), states, { timeout });
  return page.evaluate(() => document.body.dataset.state ?? '');
}

/**
 * Keeps a screenshot of the page as a test artifact: `<name>.png` (full page)
 * and `<name>.jpg` (quality 55, small enough to commit; docs/screenshots/ holds
 * the copies the README shows, refreshed with `npm run screenshots`).
 */
export async function keepScreenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
  await page.screenshot({ path: join(ARTIFACTS, `${name}.jpg`), fullPage: true, type: 'jpeg', quality: 55 });
}
