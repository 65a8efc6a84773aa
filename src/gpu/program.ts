/**
 * What a kernel hands to the engine to run, and the WGSL header the engine
 * writes for it: the `Params` uniform struct (from the same field list the TS
 * side packs, so the two cannot disagree), the storage bindings and their
 * accessors.
 *
 * Paged bindings: a tensor larger than the device's per-binding limit is bound
 * as up to MAX_PAGES consecutive windows of one buffer, and the kernel reads it
 * through `NAME_ld(i)` / writes through `NAME_st(i, v)`, which pick the window.
 * With one page the accessor is a plain array access the compiler inlines.
 */
export type ParamType = 'u32' | 'i32' | 'f32';

/** Ordered uniform fields: name → [type, value]. Sizes and strides go here, never into the shader source. */
export type Params = Record<string, [ParamType, number]>;

/** A binding's element: 4 bytes (f32, u32: e.g. two packed halves) or 16 bytes (vec4). */
export type ElemType = 'f32' | 'vec4<f32>' | 'u32' | 'vec4<u32>';

export interface StorageSpec {
  name: string;
  elem: ElemType;
  write: boolean;
  pages: number;
}

/**
 * Structural flags of a program, as a string or as an object of flags; an
 * object is keyed by its sorted `name=value` pairs, so the order its
 * properties were written in never changes the key (see pipeline-cache.ts).
 */
export type ProgramVariant = string | Readonly<Record<string, string | number | boolean>>;

/**
 * How a program's threads map to its work; the engine writes `main` for it:
 *   - 'element':   one thread per element i < params.total (the dispatch's thread count); `main` computes
 *                  i and returns past the end, then calls the body's `fn element(i: u32)`;
 *   - 'workgroup': one workgroup per item (reductions and tiles shared through workgroup memory, whose
 *                  barriers need uniform control flow, so no early return): `main` calls the body's
 *                  `fn item(g: u32, t: u32)` with the group's index g (uniform) and the thread's t < WG.
 * No program writes its own `main`: the bounds guard and the 2-D grid unfolding are written once, here.
 */
export type ProgramEntry = 'element' | 'workgroup';

export interface Program<V extends ProgramVariant = ProgramVariant> {
  /** Op name; first part of the pipeline cache key. */
  name: string;
  /** Structural variant (flags that change the shader text). Never sizes. The body is made from it alone. */
  variant: V;
  workgroupSize: number;
  /** Which `main` the engine writes (see ProgramEntry). */
  entry: ProgramEntry;
  /**
   * Uses subgroup built-ins (the device must have 'subgroups'): the module starts with
   * `enable subgroups;`, `subgroupLane` holds the invocation's subgroup_invocation_id, and an
   * 'element' entry calls `element(i)` for every invocation of the dispatch, those past
   * `params.total` included, so that every lane takes part in the subgroup operations: the body
   * must not store for i ≥ params.total.
   */
  subgroups?: boolean;
  /**
   * WGSL after the header, from the variant alone: the pipeline key is derived from the same
   * variant, so the key and the text cannot drift apart. Defines what `entry` calls.
   */
  body(variant: V): string;
}

export const MAX_PAGES = 4;

/** Fields the engine appends to every program's Params. */
export const ENGINE_PARAMS = ['pageF32', 'gridX', 'total'] as const;

export function paramsStruct(params: Params): string {
  const fields = Object.entries(params).map(([k, [t]]) => `  ${k}: ${t},`);
  for (const k of ENGINE_PARAMS) fields.push(`  ${k}: u32,`);
  return `struct Params {\n${fields.join('\n')}\n}\n@group(0) @binding(0) var<uniform> params: Params;\n`;
}

export type EngineValues = Record<(typeof ENGINE_PARAMS)[number], number>;

/** Bytes of the `Params` struct for these fields: 4 per field (all 32-bit), rounded up to 16 as uniform structs are. */
export function paramsBytes(params: Params): number {
  const count = Object.keys(params).length + ENGINE_PARAMS.length;
  return Math.ceil((count * 4) / 16) * 16;
}

/** Writes Params (plus the engine's fields) at `offset` of `view`, laid out like `paramsStruct`. */
export function packParamsInto(view: DataView, offset: number, params: Params, engineValues: EngineValues): void {
  let o = offset;
  for (const k in params) {
    const [t, v] = params[k];
    if (t === 'f32') view.setFloat32(o, v, true);
    else if (t === 'i32') view.setInt32(o, v, true);
    else view.setUint32(o, v, true);
    o += 4;
  }
  for (const k of ENGINE_PARAMS) {
    view.setUint32(o, engineValues[k], true);
    o += 4;
  }
}

function accessors(s: StorageSpec, firstBinding: number): string {
  const access = s.write ? 'read_write' : 'read';
  const decls = Array.from(
    { length: s.pages },
    (_, p) => `@group(0) @binding(${firstBinding + p}) var<storage, ${access}> ${s.name}_${p}: array<${s.elem}>;`,
  );
  const per = s.elem === 'f32' || s.elem === 'u32' ? 'params.pageF32' : '(params.pageF32 / 4u)';
  let ld: string;
  let st: string;
  if (s.pages === 1) {
    ld = `return ${s.name}_0[i];`;
    st = `${s.name}_0[i] = v;`;
  } else {
    const cases = (f: (p: number) => string) =>
      Array.from({ length: s.pages }, (_, p) => (p === s.pages - 1 ? `    default: { ${f(p)} }` : `    case ${p}u: { ${f(p)} }`)).join(
        '\n',
      );
    ld = `let p = i / ${per}; let j = i - p * ${per};\n  switch p {\n${cases((p) => `return ${s.name}_${p}[j];`)}\n  }`;
    st = `let p = i / ${per}; let j = i - p * ${per};\n  switch p {\n${cases((p) => `${s.name}_${p}[j] = v;`)}\n  }`;
  }
  let code = `${decls.join('\n')}\nfn ${s.name}_ld(i: u32) -> ${s.elem} {\n  ${ld}\n}\n`;
  if (s.write) code += `fn ${s.name}_st(i: u32, v: ${s.elem}) {\n  ${st}\n}\n`;
  return code;
}

/** The `main` the engine writes for a program's entry (see ProgramEntry and Program.subgroups). */
export function entryPoint(entry: ProgramEntry, subgroups = false): string {
  const lane = subgroups ? ', @builtin(subgroup_invocation_id) lane: u32' : '';
  const signature = `@compute @workgroup_size(WG)\nfn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>${lane}) {\n`;
  switch (entry) {
    case 'element':
      if (subgroups) return `${signature}  subgroupLane = lane;\n  element(threadIndex(wid, lid));\n}\n`;
      return `${signature}  let i = threadIndex(wid, lid);\n  if (i >= params.total) { return; }\n  element(i);\n}\n`;
    case 'workgroup':
      return `${signature}  item(wid.y * params.gridX + wid.x, lid.x);\n}\n`;
  }
}

/** The program's whole WGSL module after the header: its body from its variant, then its entry point. */
export function programSource(program: Program): string {
  const lane = program.subgroups ? 'var<private> subgroupLane: u32;\n' : '';
  return lane + program.body(program.variant) + entryPoint(program.entry, program.subgroups);
}

/**
 * What must come before everything else in the module (WGSL's directives). A subgroup program turns
 * off the subgroup_uniformity diagnostic: WGSL's analysis does not know that a branch on
 * subgroupAll() is uniform over the subgroup, and such a branch is how a program keeps its subgroup
 * operations in uniform control flow (e.g. the Winograd GEMM's check of its lane numbering).
 */
export function enableDirectives(program: Program): string {
  return program.subgroups ? 'enable subgroups;\ndiagnostic(off, subgroup_uniformity);\n' : '';
}

export function header(params: Params, storage: readonly StorageSpec[], workgroupSize: number): string {
  let code = paramsStruct(params);
  let binding = 1;
  for (const s of storage) {
    code += accessors(s, binding);
    binding += s.pages;
  }
  code += `const WG: u32 = ${workgroupSize}u;\n`;
  code += `// Dispatches fold into 2-D grids (65,535 groups per dimension); this unfolds them.\n`;
  code += `fn threadIndex(wid: vec3<u32>, lid: vec3<u32>) -> u32 { return (wid.y * params.gridX + wid.x) * WG + lid.x; }\n`;
  return code;
}
