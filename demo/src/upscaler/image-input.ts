/**
 * Getting an image into the page: drop it on the drop zone or anywhere on the
 * image area, paste it (Ctrl/Cmd+V anywhere), or pick a file.
 */

export interface ImageInputOptions {
  /** Where a dropped file is taken (the drop zone and the big image area); each is highlighted while a file is over it. */
  dropZones: HTMLElement[];
  fileInput: HTMLInputElement;
  /** Called with each image file the user provides. */
  onFile: (file: Blob, name: string) => void;
  /** Called when what the user provided is not an image. */
  onReject: (message: string) => void;
}

function firstImage(files: FileList | null | undefined): File | null {
  return Array.from({ length: files?.length ?? 0 }, (_, i) => files!.item(i)).find((f) => f?.type.startsWith('image/')) ?? null;
}

/** Wires the drop zone, the file picker and page-wide paste to `onFile`. */
export function setupImageInput(o: ImageInputOptions): void {
  const take = (file: File | null, what: string): void => {
    if (file) o.onFile(file, file.name || 'pasted image');
    else o.onReject(`${what} did not contain an image`);
  };

  o.fileInput.addEventListener('change', () => {
    take(firstImage(o.fileInput.files), 'the chosen file');
    o.fileInput.value = ''; // picking the same file again fires 'change' again
  });

  for (const zone of o.dropZones) {
    zone.addEventListener('dragover', (e) => {
      e.preventDefault();
      zone.classList.add('over');
    });
    zone.addEventListener('dragleave', () => zone.classList.remove('over'));
    zone.addEventListener('drop', (e) => {
      e.preventDefault();
      e.stopPropagation(); // one zone takes it, even where zones nest
      zone.classList.remove('over');
      take(firstImage(e.dataTransfer?.files), 'the drop');
    });
  }
  // Dropping elsewhere on the page must not navigate away to the image.
  window.addEventListener('dragover', (e) => e.preventDefault());
  window.addEventListener('drop', (e) => e.preventDefault());

  window.addEventListener('paste', (e) => {
    const list = e.clipboardData?.items;
    const items = Array.from({ length: list?.length ?? 0 }, (_, i) => list![i]);
    const item = items.find((i) => i.kind === 'file' && i.type.startsWith('image/'));
    if (item) {
      e.preventDefault();
      take(item.getAsFile(), 'the clipboard');
    }
  });
}
