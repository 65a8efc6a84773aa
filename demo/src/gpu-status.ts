/**
 * Starting the engine in a page, and saying plainly what runs: the WebGPU
 * adapter (and whether it is a software one), or why there is none and that
 * the CPU reference kernels are used instead.
 */
import { createEngine, type Engine } from '../../src/index.js';
import { h } from './dom.js';

export type Boot = { kind: 'webgpu'; engine: Engine } | { kind: 'cpu'; reason: string };

/** Creates an engine on `navigator.gpu`, or explains why not. Never throws. */
export async function bootEngine(): Promise<Boot> {
  if (!('gpu' in navigator) || !navigator.gpu) {
    return {
      kind: 'cpu',
      reason:
        'navigator.gpu is undefined: this browser does not expose WebGPU (it needs a secure context, https or localhost, ' +
        'and a browser with WebGPU enabled, e.g. Chrome/Edge 113+).',
    };
  }
  try {
    return { kind: 'webgpu', engine: await createEngine() };
  } catch (e) {
    return { kind: 'cpu', reason: `WebGPU is present but no device could be created: ${(e as Error).message}` };
  }
}

/** "google swiftshader (software)" — the adapter as one short phrase. */
export function adapterName(engine: Engine): string {
  const a = engine.adapterInfo;
  const name = [a.vendor, a.architecture, a.device, a.description].filter(Boolean).join(' ') || 'unknown adapter';
  return a.software ? `${name} (software)` : name;
}

/** Fills the status banner of a page. */
export function renderStatus(el: HTMLElement, boot: Boot, cpuNote: string): void {
  el.replaceChildren();
  if (boot.kind === 'webgpu') {
    el.className = 'status ok';
    const features = boot.engine.device.features.has('timestamp-query') ? ' · timestamp-query' : '';
    el.append(h('strong', {}, 'WebGPU'), ` on ${adapterName(boot.engine)} · float32${features}`);
    if (boot.engine.adapterInfo.software) {
      el.append(h('span', { class: 'muted' }, ' — a software adapter runs shaders on the CPU; expect it to be slow.'));
    }
  } else {
    el.className = 'status warn';
    el.append(h('strong', {}, 'No WebGPU. '), boot.reason, ' ', h('span', {}, cpuNote));
  }
}
