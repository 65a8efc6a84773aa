/**
 * A safe reader for Python pickles (protocols 2–5, the binary opcodes
 * torch.save's checkpoints use). A pickle is a program for a stack machine;
 * this one only builds plain values — None, bools, ints, floats, strings,
 * bytes, lists, tuples, dicts — and hands the three opcodes that could run
 * code to the caller's hooks:
 *
 *   GLOBAL / STACK_GLOBAL   `find(module, name)`: the caller's allow-list
 *                           gives a value or throws (os.system, builtins.eval … never resolve)
 *   REDUCE / NEWOBJ         `call(fn, args)`: applies only what `find` returned
 *   BUILD                   `build(obj, state)`
 *   BINPERSID               `persistentLoad(pid)`: torch's storages
 *
 * Nothing is evaluated or imported. Every read is bounds-checked, every
 * opcode consumes at least one byte (so the loop ends), and anything else —
 * an unknown opcode, the text protocol's opcodes, a stack or memo misuse —
 * is a ModelError naming the file, the opcode and its byte offset.
 */
import { ModelError } from '../errors.js';

/** A Python dict (and collections.OrderedDict): insertion-ordered, keys any hashable plain value. */
export class PickleDict {
  readonly map = new Map<unknown, unknown>();
}

/** A Python tuple (kept apart from lists only for messages). */
export class PickleTuple {
  constructor(readonly items: unknown[]) {}
}

export interface PickleHooks {
  find(module: string, name: string): unknown;
  call(fn: unknown, args: unknown[]): unknown;
  build(obj: unknown, state: unknown): unknown;
  persistentLoad(pid: unknown): unknown;
}

/** A short description of a value for messages. */
export function describe(v: unknown): string {
  if (v === null) return 'None';
  if (v instanceof PickleDict) return 'a dict';
  if (v instanceof PickleTuple) return 'a tuple';
  if (Array.isArray(v)) return 'a list';
  if (v instanceof Uint8Array) return 'bytes';
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`;
  if (typeof v === 'object') return (v as { constructor?: { name?: string } }).constructor?.name ?? 'an object';
  return `${typeof v} ${String(v)}`;
}

/**
 * Runs the pickle that starts at `start` up to its STOP and returns the value
 * it built and the offset after the STOP (legacy checkpoints are several
 * pickles in a row).
 */
export function unpickle(bytes: Uint8Array, start: number, hooks: PickleHooks, file: string): { value: unknown; end: number } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = bytes.length;
  let p = start;
  let op = 0;
  let opAt = start;
  const fail = (msg: string): never => {
    throw new ModelError(`${file}: pickle opcode 0x${op.toString(16).padStart(2, '0')} at byte ${opAt}: ${msg}`);
  };
  const need = (k: number) => {
    if (k > n - p) fail(`needs ${k} bytes, ${n - p} left in the file`);
  };
  const latin1 = new TextDecoder('latin1');
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  const take = (k: number) => {
    need(k);
    const s = bytes.subarray(p, p + k);
    p += k;
    return s;
  };
  const text = (k: number) => {
    const b = take(k);
    try {
      return utf8.decode(b);
    } catch {
      return fail('a string that is not UTF-8');
    }
  };
  const len64 = () => {
    need(8);
    const v = view.getBigUint64(p, true);
    p += 8;
    if (v > BigInt(n)) fail(`a length of ${v} in a ${n}-byte file`);
    return Number(v);
  };
  const line = () => {
    const end = bytes.indexOf(0x0a, p);
    if (end < 0) fail('a line with no newline');
    const s = latin1.decode(bytes.subarray(p, end));
    p = end + 1;
    return s;
  };

  const stack: unknown[] = [];
  const marks: number[] = [];
  const memo = new Map<number, unknown>();
  const pop = () => {
    if (stack.length === 0 || (marks.length && stack.length <= marks[marks.length - 1])) fail('pops an empty stack');
    return stack.pop();
  };
  const top = () => {
    if (stack.length === 0) fail('reads an empty stack');
    return stack[stack.length - 1];
  };
  const popMark = () => {
    if (!marks.length) fail('needs a MARK');
    const items = stack.splice(marks.pop()!);
    return items;
  };
  const dictOf = (v: unknown): PickleDict => (v instanceof PickleDict ? v : fail(`sets items on ${describe(v)}`));
  const listOf = (v: unknown): unknown[] => (Array.isArray(v) ? v : fail(`appends to ${describe(v)}`));
  const plain = (k: unknown) => k === null || ['string', 'number', 'boolean', 'bigint'].includes(typeof k);
  // Tuples of plain values only: nested tuples shared through the memo could make a key exponentially long.
  const key = (k: unknown): unknown => {
    if (plain(k)) return k;
    if (k instanceof PickleTuple && k.items.every(plain)) return JSON.stringify(k.items.map(String));
    return fail(`a dict key that is ${describe(k)}`);
  };
  const put = (i: number) => memo.set(i, top());
  const get = (i: number) => (memo.has(i) ? memo.get(i) : fail(`memo ${i} was never stored`));
  const long = (b: Uint8Array): number | bigint => {
    // Little-endian two's complement.
    let v = 0n;
    for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]);
    if (b.length && b[b.length - 1] & 0x80) v -= 1n << BigInt(8 * b.length);
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  };

  for (;;) {
    opAt = p;
    need(1);
    op = bytes[p++];
    switch (op) {
      case 0x80: // PROTO
        if (take(1)[0] > 5) fail(`protocol ${bytes[p - 1]} is newer than 5`);
        break;
      case 0x95: // FRAME: a length hint only
        len64();
        break;
      case 0x2e: // STOP
        if (marks.length || stack.length !== 1) fail(`ends with ${stack.length} values on the stack`);
        return { value: stack[0], end: p };
      case 0x28: // MARK
        marks.push(stack.length);
        break;
      case 0x4e: // NONE
        stack.push(null);
        break;
      case 0x88: // NEWTRUE
        stack.push(true);
        break;
      case 0x89: // NEWFALSE
        stack.push(false);
        break;
      case 0x4a: // BININT
        need(4);
        stack.push(view.getInt32(p, true));
        p += 4;
        break;
      case 0x4b: // BININT1
        stack.push(take(1)[0]);
        break;
      case 0x4d: // BININT2
        need(2);
        stack.push(view.getUint16(p, true));
        p += 2;
        break;
      case 0x8a: // LONG1
        stack.push(long(take(take(1)[0])));
        break;
      case 0x47: // BINFLOAT (big-endian)
        need(8);
        stack.push(view.getFloat64(p, false));
        p += 8;
        break;
      case 0x58: // BINUNICODE
        need(4);
        p += 4;
        stack.push(text(view.getUint32(p - 4, true)));
        break;
      case 0x8c: // SHORT_BINUNICODE
        stack.push(text(take(1)[0]));
        break;
      case 0x8d: // BINUNICODE8
        stack.push(text(len64()));
        break;
      case 0x55: // SHORT_BINSTRING (Python 2 str)
        stack.push(latin1.decode(take(take(1)[0])));
        break;
      case 0x54: // BINSTRING
        need(4);
        p += 4;
        if (view.getInt32(p - 4, true) < 0) fail('a negative string length');
        stack.push(latin1.decode(take(view.getInt32(p - 4, true))));
        break;
      case 0x43: // SHORT_BINBYTES
        stack.push(take(take(1)[0]));
        break;
      case 0x42: // BINBYTES
        need(4);
        p += 4;
        stack.push(take(view.getUint32(p - 4, true)));
        break;
      case 0x8e: // BINBYTES8
        stack.push(take(len64()));
        break;
      case 0x7d: // EMPTY_DICT
        stack.push(new PickleDict());
        break;
      case 0x5d: // EMPTY_LIST
        stack.push([]);
        break;
      case 0x29: // EMPTY_TUPLE
        stack.push(new PickleTuple([]));
        break;
      case 0x74: // TUPLE
        stack.push(new PickleTuple(popMark()));
        break;
      case 0x85: // TUPLE1
        stack.push(new PickleTuple([pop()]));
        break;
      case 0x86: {
        // TUPLE2
        const b = pop();
        stack.push(new PickleTuple([pop(), b]));
        break;
      }
      case 0x87: {
        // TUPLE3
        const c = pop();
        const b = pop();
        stack.push(new PickleTuple([pop(), b, c]));
        break;
      }
      case 0x73: {
        // SETITEM
        const v = pop();
        const k = pop();
        dictOf(top()).map.set(key(k), v);
        break;
      }
      case 0x75: {
        // SETITEMS
        const items = popMark();
        if (items.length % 2) fail('an odd number of items');
        const d = dictOf(top());
        for (let i = 0; i < items.length; i += 2) d.map.set(key(items[i]), items[i + 1]);
        break;
      }
      case 0x61: {
        // APPEND
        const v = pop();
        listOf(top()).push(v);
        break;
      }
      case 0x65: {
        // APPENDS
        const items = popMark();
        const list = listOf(top());
        for (const v of items) list.push(v);
        break;
      }
      case 0x30: // POP
        pop();
        break;
      case 0x31: // POP_MARK
        popMark();
        break;
      case 0x32: // DUP
        stack.push(top());
        break;
      case 0x71: // BINPUT
        put(take(1)[0]);
        break;
      case 0x72: // LONG_BINPUT
        need(4);
        p += 4;
        put(view.getUint32(p - 4, true));
        break;
      case 0x94: // MEMOIZE
        put(memo.size);
        break;
      case 0x68: // BINGET
        stack.push(get(take(1)[0]));
        break;
      case 0x6a: // LONG_BINGET
        need(4);
        p += 4;
        stack.push(get(view.getUint32(p - 4, true)));
        break;
      case 0x63: {
        // GLOBAL: "module\nname\n"
        const module = line();
        stack.push(hooks.find(module, line()));
        break;
      }
      case 0x93: {
        // STACK_GLOBAL
        const name = pop();
        const module = pop();
        if (typeof module !== 'string' || typeof name !== 'string') fail('module and name must be strings');
        stack.push(hooks.find(module as string, name as string));
        break;
      }
      case 0x52: {
        // REDUCE: callable(*args)
        const args = pop();
        const fn = pop();
        if (!(args instanceof PickleTuple)) fail(`the arguments are ${describe(args)}, not a tuple`);
        stack.push(hooks.call(fn, (args as PickleTuple).items));
        break;
      }
      case 0x81: {
        // NEWOBJ: cls.__new__(cls, *args)
        const args = pop();
        const cls = pop();
        if (!(args instanceof PickleTuple)) fail(`the arguments are ${describe(args)}, not a tuple`);
        stack.push(hooks.call(cls, (args as PickleTuple).items));
        break;
      }
      case 0x62: {
        // BUILD: obj.__setstate__(state)
        const state = pop();
        stack.push(hooks.build(pop(), state));
        break;
      }
      case 0x51: // BINPERSID
        stack.push(hooks.persistentLoad(pop()));
        break;
      default:
        fail(
          'is not an opcode torch checkpoints use (only the binary opcodes of protocols 2–5 that build plain values and tensors are read)',
        );
    }
  }
}
