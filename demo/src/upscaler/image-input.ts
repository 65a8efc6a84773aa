/**
 * Getting an image into the page: drop it on the drop zone, paste it
 * (Ctrl/Cmd+V anywhere), or pick a file.
 */

export interface ImageInputOptions {
  dropZone: HTMLElement;
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

  o.dropZone.addEventListener('dragover', (e) => {
    e.preventDefault();
    o.dropZone.classList.add('over');
  });
  o.dropZone.addEventListener('dragleave', () => o.dropZone.classList.remove('over'));
  o.dropZone.addEventListener('drop', (e) => {
    e.preventDefault();
    o.dropZone.classList.remove('over');
    take(firstImage(e.dataTransfer?.files), 'the drop');
  });
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
