/**
 * What a checkpoint's pickle may refer to: the allow-list of Python globals
 * and what each does, as the pickle reader's hooks (./pickle.ts). A state dict
 * needs only these:
 *
 *   collections.OrderedDict            an empty dict (state_dict() returns one)
 *   torch._utils._rebuild_tensor_v2    a strided view of a storage
 *   torch._utils._rebuild_parameter    nn.Parameter: the tensor it wraps
 *   torch.{Float,Half,BFloat16,Double}Storage   storage types, in persistent ids
 *
 * Any other global (os.system, builtins.eval, subprocess.Popen, a model
 * class…) is a ModelError naming it, raised when the pickle names it, so
 * nothing it would have called is reached.
 */
import { ModelError } from '../errors.js';
import { describe, PickleDict, PickleTuple, type PickleHooks } from './pickle.js';
import { ELEMENT_BYTES, makeView, Storage, STORAGE_TYPES, StorageType, TensorView } from './tensor.js';

class Callable {
  constructor(readonly name: string) {}
}
const ORDERED_DICT = new Callable('collections.OrderedDict');
const REBUILD_TENSOR = new Callable('torch._utils._rebuild_tensor_v2');
const REBUILD_PARAMETER = new Callable('torch._utils._rebuild_parameter');
const CALLABLES = new Map<string, Callable>([ORDERED_DICT, REBUILD_TENSOR, REBUILD_PARAMETER].map((c) => [c.name, c]));

const ALLOWED = `${[...CALLABLES.keys()].join(', ')} and torch.{${Object.keys(STORAGE_TYPES)
  .map((s) => s.replace('Storage', ''))
  .join(',')}}Storage`;

/**
 * The hooks for one checkpoint. `storages` collects the storages its
 * persistent ids name (key → storage); their bytes are attached afterwards.
 */
export function torchHooks(file: string, fileLength: number, storages: Map<string, Storage>): PickleHooks {
  const refuse = (msg: string): never => {
    throw new ModelError(`${file}: ${msg}`);
  };
  return {
    find(module, name) {
      const full = `${module}.${name}`;
      const callable = CALLABLES.get(full);
      if (callable) return callable;
      if (module === 'torch' && Object.hasOwn(STORAGE_TYPES, name)) return new StorageType(name, STORAGE_TYPES[name]);
      if (module === 'torch' && name.endsWith('Storage')) {
        return refuse(
          `the checkpoint holds a torch.${name}; only floating-point tensors (${Object.keys(STORAGE_TYPES).join(', ')}) are read`,
        );
      }
      return refuse(
        `the pickle asks for the Python global '${full}', which a checkpoint of tensors does not need; refused (allowed: ${ALLOWED})`,
      );
    },

    call(fn, args) {
      if (fn === ORDERED_DICT) {
        if (args.length) refuse(`collections.OrderedDict is called with ${args.length} arguments; a checkpoint's has none`);
        return new PickleDict();
      }
      if (fn === REBUILD_TENSOR) {
        // (storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])
        if (args.length < 6 || args.length > 7) refuse(`${REBUILD_TENSOR.name} takes 6 or 7 arguments, got ${args.length}`);
        const [storage, offset, size, stride] = args;
        if (!(storage instanceof Storage)) return refuse(`${REBUILD_TENSOR.name}'s storage is ${describe(storage)}`);
        const items = (v: unknown) => (v instanceof PickleTuple ? v.items : v);
        return makeView(storage, offset, items(size), items(stride), file, fileLength);
      }
      if (fn === REBUILD_PARAMETER) {
        // (data, requires_grad, backward_hooks)
        if (!(args[0] instanceof TensorView)) return refuse(`${REBUILD_PARAMETER.name} wraps ${describe(args[0])}, not a tensor`);
        return args[0];
      }
      return refuse(`the pickle calls ${fn instanceof StorageType ? `torch.${fn.name}` : describe(fn)}, which is not an allowed callable`);
    },

    build(obj, state) {
      // An OrderedDict from state_dict() carries `_metadata` (module versions) as its state: not needed.
      if (obj instanceof PickleDict) return obj;
      return refuse(`the pickle sets the state of ${describe(obj)} to ${describe(state)}; only dicts may have state`);
    },

    persistentLoad(pid) {
      // ('storage', storage_type, key, location, numel) — legacy files add view_metadata (None since torch 0.4).
      const t = pid instanceof PickleTuple ? pid.items : [];
      const [tag, type, key, , numel, viewMetadata] = t;
      if (tag !== 'storage' || t.length < 5 || t.length > 6) return refuse(`a persistent id ${describe(pid)} is not a torch storage`);
      if (!(type instanceof StorageType)) return refuse(`storage ${String(key)} has type ${describe(type)}`);
      if (typeof key !== 'string' && typeof key !== 'number') return refuse(`a storage key is ${describe(key)}`);
      if (viewMetadata !== undefined && viewMetadata !== null)
        refuse(`storage '${key}' is a storage view (torch < 0.4); re-save the checkpoint`);
      const size = ELEMENT_BYTES[type.dtype];
      if (typeof numel !== 'number' || !Number.isInteger(numel) || numel < 0 || numel * size > fileLength) {
        return refuse(`storage '${key}' claims ${String(numel)} ${type.dtype} elements, more than the ${fileLength}-byte file holds`);
      }
      const k = String(key);
      const known = storages.get(k);
      if (known) {
        if (known.dtype !== type.dtype || known.numel !== numel) refuse(`storage '${k}' is named twice with different types or sizes`);
        return known;
      }
      const s = new Storage(k, type.dtype, numel);
      storages.set(k, s);
      return s;
    },
  };
}
