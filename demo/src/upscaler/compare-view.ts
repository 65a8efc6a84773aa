/**
 * Side-by-side comparison: the original enlarged with nearest neighbour on the
 * left of a draggable split, the upscaled result on the right, and a loupe
 * that magnifies both sides of the split under the pointer.
 */
import { h } from '../dom.js';
import { canvasOf, drawPixels, drawScaled } from './canvas-image.js';

const LOUPE_CSS_PX = 160;

/** The comparison widget inside `root` (which it owns). */
export class CompareView {
  /** The result at its true pixel size (what Download saves and the tests read). */
  readonly after: HTMLCanvasElement;
  private readonly before: HTMLCanvasElement;
  private readonly handle: HTMLElement;
  private readonly loupe: HTMLCanvasElement;
  private readonly tagBefore: HTMLElement;
  private readonly tagAfter: HTMLElement;
  /** Split position as a fraction of the width. */
  private split = 0.5;
  private dragging = false;

  constructor(private readonly root: HTMLElement) {
    this.before = h('canvas', { class: 'layer before', 'aria-label': 'original, enlarged with nearest neighbour' });
    this.after = h('canvas', { class: 'layer after', id: 'result-canvas', 'aria-label': 'upscaled result' });
    this.handle = h('div', { class: 'handle', role: 'slider', 'aria-label': 'comparison split', tabindex: 0 });
    this.loupe = h('canvas', { class: 'loupe' });
    this.tagBefore = h('span', { class: 'tag left' });
    this.tagAfter = h('span', { class: 'tag right' });
    root.classList.add('empty');
    root.textContent = 'Loading…';
    this.listen();
  }

  /** Shows `input` (enlarged to the output's size) against `output`. */
  show(input: ImageData, output: ImageData, labels: { before: string; after: string }): void {
    if (this.root.classList.contains('empty')) {
      this.root.classList.remove('empty');
      this.root.replaceChildren(this.before, this.after, this.handle, this.tagBefore, this.tagAfter, this.loupe);
    }
    drawScaled(this.before, canvasOf(input), output.width, output.height, false);
    drawPixels(this.after, output);
    this.tagBefore.textContent = labels.before;
    this.tagAfter.textContent = labels.after;
    this.setSplit(this.split);
    this.fit();
  }

  /** Sizes the view to fill the column's width, but no taller than 75% of the window. */
  fit(): void {
    if (this.root.classList.contains('empty') || this.after.width === 0) return;
    const avail = this.root.parentElement?.clientWidth ?? this.after.width;
    const scale = Math.min(avail / this.after.width, (0.75 * window.innerHeight) / this.after.height);
    this.before.style.width = `${Math.max(1, Math.floor(this.after.width * scale))}px`;
  }

  /** A message in place of the pictures (errors, "no image yet"). */
  message(text: string): void {
    this.root.classList.add('empty');
    this.root.replaceChildren(text);
  }

  private setSplit(f: number): void {
    this.split = Math.min(1, Math.max(0, f));
    const pct = `${(this.split * 100).toFixed(2)}%`;
    this.after.style.clipPath = `inset(0 0 0 ${pct})`;
    this.handle.style.left = pct;
    this.handle.setAttribute('aria-valuenow', String(Math.round(this.split * 100)));
  }

  private listen(): void {
    const fraction = (e: PointerEvent): number => {
      const r = this.root.getBoundingClientRect();
      return (e.clientX - r.left) / r.width;
    };
    this.root.addEventListener('pointerdown', (e) => {
      if (this.root.classList.contains('empty')) return;
      this.dragging = true;
      this.root.setPointerCapture(e.pointerId);
      this.setSplit(fraction(e));
    });
    this.root.addEventListener('pointermove', (e) => {
      if (this.root.classList.contains('empty')) return;
      if (this.dragging) this.setSplit(fraction(e));
      this.drawLoupe(e);
    });
    const stop = (): void => {
      this.dragging = false;
    };
    this.root.addEventListener('pointerup', stop);
    this.root.addEventListener('pointercancel', stop);
    this.root.addEventListener('pointerleave', () => (this.loupe.style.display = 'none'));
    window.addEventListener('resize', () => this.fit());
    this.handle.addEventListener('keydown', (e) => {
      if (e.key === 'ArrowLeft') this.setSplit(this.split - 0.02);
      if (e.key === 'ArrowRight') this.setSplit(this.split + 0.02);
    });
  }

  /**
   * Magnifies the output pixels around the pointer: at least 4 screen pixels
   * per image pixel, the part left of the split from the original and the
   * part right of it from the result, so the loupe compares too.
   */
  private drawLoupe(e: PointerEvent): void {
    const r = this.root.getBoundingClientRect();
    const px = e.clientX - r.left;
    const py = e.clientY - r.top;
    const perCss = this.after.width / r.width; // image pixels per CSS pixel
    const zoom = Math.max(4, 2 / perCss); // CSS pixels per image pixel inside the loupe
    const dpr = window.devicePixelRatio || 1;
    const size = Math.round(LOUPE_CSS_PX * dpr);
    this.loupe.width = size;
    this.loupe.height = size;
    Object.assign(this.loupe.style, { display: 'block', left: `${px - LOUPE_CSS_PX / 2}px`, top: `${py - LOUPE_CSS_PX / 2}px` });
    const ctx = this.loupe.getContext('2d');
    if (!ctx) return;
    ctx.imageSmoothingEnabled = false;
    const span = LOUPE_CSS_PX / zoom; // image pixels across the loupe
    const sx = px * perCss - span / 2;
    const sy = py * perCss - span / 2;
    ctx.clearRect(0, 0, size, size);
    ctx.drawImage(this.after, sx, sy, span, span, 0, 0, size, size);
    // Where the split line falls inside the loupe, in loupe pixels.
    const splitImg = this.split * this.after.width;
    const cut = Math.max(0, Math.min(size, ((splitImg - sx) / span) * size));
    if (cut > 0) {
      ctx.save();
      ctx.beginPath();
      ctx.rect(0, 0, cut, size);
      ctx.clip();
      ctx.drawImage(this.before, sx, sy, span, span, 0, 0, size, size);
      ctx.restore();
      ctx.fillStyle = '#fff';
      ctx.fillRect(cut - dpr, 0, 2 * dpr, size);
    }
  }
}
