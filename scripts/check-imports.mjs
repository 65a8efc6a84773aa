#!/usr/bin/env node
/**
 * Import rules of src/ (and the shaders it imports), checked without
 * dependencies (madge is not installed):
 *
 *   1. no import cycle between modules, counting runtime imports (a cycle made
 *      only of `import type` edges is erased by the compiler, so it is listed
 *      but allowed);
 *   2. layering: the engine and everything below it (tensors, ops, kernels,
 *      CPU references, gpu/) imports neither the image pipeline (src/upscale/)
 *      nor DOM-only names (ImageData, canvases, ImageBitmap, document, window).
 *      Only src/upscale/, src/model/ (the UpscaleModel contract) and the entry
 *      points src/index.ts and src/node.ts may.
 *
 * Usage: node scripts/check-imports.mjs   (exit status 1 when a rule is broken;
 * test/import-rules.test.ts runs it).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const DOM_ONLY =
  /\b(ImageData|HTMLCanvasElement|HTMLImageElement|HTMLVideoElement|OffscreenCanvas|ImageBitmap|CanvasRenderingContext2D|document|window)\b/;
// src/video/ (video files: WebCodecs in a page, ffmpeg in Node) sits above the image pipeline and drives it.
const MAY_USE_IMAGES = [/^src\/upscale\//, /^src\/model\//, /^src\/video\//, /^src\/index\.ts$/, /^src\/node\.ts$/];

function files(dir) {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') && !p.endsWith('.d.ts') ? [p] : [];
  });
}

/** Source without comments (so a comment that says "window" or shows an import is not read as code). */
function code(text) {
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
}

/** Relative imports and re-exports of a module: { spec, typeOnly }. */
function imports(text) {
  const out = [];
  const re =
    /(?:^|[;\n])\s*(import|export)\s+(type\s+)?([^;'"]*?)\s*from\s*['"]([^'"]+)['"]|(?:^|[;\n])\s*import\s*['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)/g;
  for (const m of text.matchAll(re)) {
    const spec = m[4] ?? m[5] ?? m[6];
    if (!spec.startsWith('.')) continue;
    // `import { type A, type B } from` is type-only too; `import { a, type B }` is not.
    const names = m[3] ?? '';
    const braced = /^\{([\s\S]*)\}$/.exec(names.trim());
    const allTypes =
      braced !== null &&
      braced[1]
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
        .every((s) => s.startsWith('type '));
    // `typeof import('./x.js')` is a type query, erased like `import type`.
    const typeQuery = m[6] !== undefined && /\btypeof\s*$/.test(text.slice(Math.max(0, m.index - 16), m.index));
    out.push({ spec, typeOnly: Boolean(m[2]) || allTypes || typeQuery });
  }
  return out;
}

function resolveSpec(from, spec) {
  const base = resolve(dirname(from), spec);
  for (const p of [base.replace(/\.js$/, '.ts'), `${base}.ts`, join(base, 'index.ts')]) {
    try {
      if (statSync(p).isFile()) return p;
    } catch {}
  }
  return null;
}

/** Every module reachable from src/, with its edges. */
export function importGraph() {
  const graph = new Map();
  const todo = files(join(ROOT, 'src'));
  while (todo.length) {
    const f = todo.pop();
    if (graph.has(f)) continue;
    const text = code(readFileSync(f, 'utf8'));
    const edges = [];
    for (const { spec, typeOnly } of imports(text)) {
      const to = resolveSpec(f, spec);
      // A module naming its own types (`typeof import('./self.js')`, e.g. src/cpu/index.ts checking its
      // exports against the op table) is no edge between modules.
      if (!to || (to === f && typeOnly)) continue;
      edges.push({ to, typeOnly });
      if (!graph.has(to)) todo.push(to);
    }
    graph.set(f, { text, edges });
  }
  return graph;
}

/** Strongly connected components with more than one module (or a self-import): the cycles. */
function cycles(graph, runtimeOnly) {
  let index = 0;
  const idx = new Map();
  const low = new Map();
  const stack = [];
  const on = new Set();
  const found = [];
  const visit = (v) => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    on.add(v);
    for (const e of graph.get(v).edges) {
      if (runtimeOnly && e.typeOnly) continue;
      if (!idx.has(e.to)) {
        visit(e.to);
        low.set(v, Math.min(low.get(v), low.get(e.to)));
      } else if (on.has(e.to)) low.set(v, Math.min(low.get(v), idx.get(e.to)));
    }
    if (low.get(v) === idx.get(v)) {
      const scc = [];
      let w;
      do {
        w = stack.pop();
        on.delete(w);
        scc.push(w);
      } while (w !== v);
      const self = graph.get(v).edges.some((e) => e.to === v && !(runtimeOnly && e.typeOnly));
      if (scc.length > 1 || self) found.push(scc.map((p) => relative(ROOT, p)).sort());
    }
  };
  for (const v of graph.keys()) if (!idx.has(v)) visit(v);
  return found;
}

/** The findings: runtime cycles and layering violations (errors), type-only cycles (notes). */
export function checkImports() {
  const graph = importGraph();
  const runtimeCycles = cycles(graph, true);
  const allCycles = cycles(graph, false);
  const key = (c) => c.join(' ');
  const runtimeKeys = new Set(runtimeCycles.map(key));
  const typeOnlyCycles = allCycles.filter((c) => !runtimeKeys.has(key(c)));
  const layering = [];
  for (const [file, { text, edges }] of graph) {
    const rel = relative(ROOT, file);
    if (!rel.startsWith('src/') || MAY_USE_IMAGES.some((r) => r.test(rel))) continue;
    for (const e of edges) {
      const to = relative(ROOT, e.to);
      if (to.startsWith('src/upscale/')) layering.push(`${rel} imports ${to}`);
    }
    const dom = DOM_ONLY.exec(text);
    if (dom) layering.push(`${rel} uses the DOM-only name ${dom[1]}`);
  }
  return {
    modules: graph.size,
    edges: [...graph.values()].reduce((n, m) => n + m.edges.length, 0),
    runtimeCycles,
    typeOnlyCycles,
    layering,
  };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const r = checkImports();
  console.log(`${r.modules} modules, ${r.edges} relative imports (src/ and the shaders it imports)`);
  console.log(
    r.runtimeCycles.length ? `import cycles:\n${r.runtimeCycles.map((c) => `  ${c.join(' ↔ ')}`).join('\n')}` : 'no import cycle',
  );
  if (r.typeOnlyCycles.length)
    console.log(`type-only cycles (erased at compile time):\n${r.typeOnlyCycles.map((c) => `  ${c.join(' ↔ ')}`).join('\n')}`);
  console.log(
    r.layering.length
      ? `layering violations:\n${r.layering.map((l) => `  ${l}`).join('\n')}`
      : 'layering: nothing below the image pipeline imports src/upscale or DOM-only names',
  );
  process.exitCode = r.runtimeCycles.length || r.layering.length ? 1 : 0;
}
