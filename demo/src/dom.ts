/** Tiny DOM helpers shared by the pages (no framework). */

/** The element with this id; throws if the page lacks it (a page/script mismatch is a bug, not a state). */
export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`page has no element #${id}`);
  return el as T;
}

type Attrs = Record<string, string | number | boolean | undefined>;

/** Creates an element with attributes (`class`, `data-*`, …) and children. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === false) continue;
    el.setAttribute(k, v === true ? '' : String(v));
  }
  el.append(...children);
  return el;
}

/** Same for SVG elements. */
export function svg<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: (Node | string)[]
): SVGElementTagNameMap[K] {
  const el = document.createElementNS('http://www.w3.org/2000/svg', tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined && v !== false) el.setAttribute(k, String(v));
  el.append(...children);
  return el;
}

/** Reads an integer URL parameter, or the fallback. */
export function intParam(params: URLSearchParams, name: string, fallback: number): number {
  const v = params.get(name);
  const n = v === null ? NaN : Number(v);
  return Number.isInteger(n) ? n : fallback;
}

/** Reads a comma-separated list of positive integers (e.g. `sizes=8,16`), or the fallback. */
export function intListParam(params: URLSearchParams, name: string, fallback: number[]): number[] {
  const v = params.get(name);
  if (!v) return fallback;
  const xs = v.split(',').map((s) => Number(s.trim()));
  return xs.length > 0 && xs.every((n) => Number.isInteger(n) && n > 0) ? xs : fallback;
}

/** Saves a blob as a file via a temporary link. */
export function download(blob: Blob, fileName: string): void {
  const url = URL.createObjectURL(blob);
  const a = h('a', { href: url, download: fileName });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** Formats milliseconds with a sensible number of digits. */
export function fmtMs(ms: number): string {
  if (!Number.isFinite(ms)) return '—';
  if (ms >= 100) return `${ms.toFixed(0)} ms`;
  if (ms >= 1) return `${ms.toFixed(2)} ms`;
  return `${(ms * 1000).toFixed(0)} µs`;
}

/** Lets the browser paint (progress bars) before the next chunk of work. */
export function nextFrame(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}
