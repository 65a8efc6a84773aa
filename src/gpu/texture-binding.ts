/**
 * Texture bindings of a program (beside its storage buffers, program.ts): a
 * texture read with `textureLoad` (`texture_2d<f32>`), or one written with
 * `textureStore` (`texture_storage_2d<FORMAT, write>`). The runner generates
 * their declarations after the storage bindings, from the same specs that go
 * into the pipeline key (pipeline-cache.ts), so key and shader cannot drift.
 */

/** Formats a program may write: rgba8unorm everywhere; bgra8unorm where the device has 'bgra8unorm-storage'. */
export type StorageTextureFormat = 'rgba8unorm' | 'bgra8unorm';

export interface TextureSpec {
  name: string;
  /** 'read': sampled texture (rgba8unorm or bgra8unorm; the shader sees RGBA). 'write': a storage texture of `format`. */
  access: 'read' | 'write';
  /** The storage format ('write' only; a read texture's format does not change the shader). */
  format?: StorageTextureFormat;
}

/** The WGSL declarations of `textures`, from binding `first` on. */
export function textureDeclarations(textures: readonly TextureSpec[], first: number): string {
  return textures
    .map((t, i) => {
      const type = t.access === 'read' ? 'texture_2d<f32>' : `texture_storage_2d<${t.format ?? 'rgba8unorm'}, write>`;
      return `@group(0) @binding(${first + i}) var ${t.name}: ${type};\n`;
    })
    .join('');
}

/** The key part of `textures`: `:t(NAME:read,NAME:write-FORMAT,…)`, or '' without textures (so buffer-only keys are unchanged). */
export function textureKey(textures: readonly TextureSpec[]): string {
  if (textures.length === 0) return '';
  return `:t(${textures.map((t) => `${t.name}:${t.access === 'read' ? 'read' : `write-${t.format ?? 'rgba8unorm'}`}`).join(',')})`;
}
