/**
 * Reading torch.save checkpoints: both formats against torch's own files
 * (test/fixtures/make-pytorch.py), and hostile files — code in the pickle,
 * offsets outside the file, views outside their storage, non-finite weights —
 * each a ModelError naming the file and what is wrong. The hostile files are
 * made here by a small writer of the same formats (protocol-2 pickles, a
 * stored zip, the legacy stream), so each test changes one thing.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ModelError, parsePytorchCheckpoint, parsePytorchModel } from '../src/model/index.js';
import { randInt, rng } from './helpers/random.js';

const dir = 'test/fixtures/pytorch';
const fixture = (f: string) => new Uint8Array(readFileSync(`${dir}/${f}`));
const expected = JSON.parse(readFileSync(`${dir}/expected.json`, 'utf8')) as {
  views: Record<string, { shape: number[]; data: number[] }>;
};

// ---- a writer of torch's formats, for hostile variants --------------------------------------------
type Bytes = number[];
const enc = new TextEncoder();
const u32 = (v: number): Bytes => [v & 255, (v >>> 8) & 255, (v >>> 16) & 255, (v >>> 24) & 255];
const u16 = (v: number): Bytes => [v & 255, (v >>> 8) & 255];
const P = {
  str: (s: string): Bytes => [0x58, ...u32(enc.encode(s).length), ...enc.encode(s)],
  int: (n: number): Bytes => [0x4a, ...u32(n)],
  none: (): Bytes => [0x4e],
  bool: (b: boolean): Bytes => [b ? 0x88 : 0x89],
  tuple: (...items: Bytes[]): Bytes => [0x28, ...items.flat(), 0x74],
  list: (...items: Bytes[]): Bytes => [0x5d, 0x28, ...items.flat(), 0x65],
  dict: (entries: [string, Bytes][]): Bytes => [0x7d, 0x28, ...entries.flatMap(([k, v]) => [...P.str(k), ...v]), 0x75],
  global: (module: string, name: string): Bytes => [0x63, ...enc.encode(`${module}\n${name}\n`)],
  reduce: (fn: Bytes, ...args: Bytes[]): Bytes => [...fn, ...P.tuple(...args), 0x52],
  /** A tensor on storage `key`: size, stride and offset as given. */
  tensor: (key: string, numel: number, size: number[], stride: number[], offset = 0, storage = 'FloatStorage'): Bytes =>
    P.reduce(
      P.global('torch._utils', '_rebuild_tensor_v2'),
      [...P.tuple(P.str('storage'), P.global('torch', storage), P.str(key), P.str('cpu'), P.int(numel)), 0x51],
      P.int(offset),
      P.tuple(...size.map(P.int)),
      P.tuple(...stride.map(P.int)),
      P.bool(false),
      P.reduce(P.global('collections', 'OrderedDict')),
    ),
  pickle: (body: Bytes): Uint8Array => new Uint8Array([0x80, 2, ...body, 0x2e]),
};

const u64 = (v: number): Bytes => [...u32(v % 2 ** 32), ...u32(Math.floor(v / 2 ** 32))];

/**
 * A zip of stored entries, as torch.save writes it (no alignment padding: the reader must not need it).
 * zip64: the records a file past 4 GiB has — saturated end record, zip64 locator and end record, and each
 * entry's header offset in a zip64 extra field.
 */
function zip(entries: [string, Uint8Array][], zip64 = false): Uint8Array {
  const local: Bytes = [];
  const central: Bytes = [];
  for (const [name, data] of entries) {
    const n = enc.encode(name);
    const extra = zip64 ? [...u16(1), ...u16(8), ...u64(local.length)] : [];
    const head = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, ...u32(0), ...u32(data.length), ...u32(data.length), ...u16(n.length)];
    central.push(...u32(0x02014b50), 0, 0, ...head, ...u16(extra.length), ...u16(0), 0, 0, 0, 0, 0, 0, 0, 0);
    central.push(...u32(zip64 ? 0xffffffff : local.length), ...n, ...extra);
    local.push(...u32(0x04034b50), ...head, ...u16(0), ...n, ...data);
  }
  const count = u16(entries.length);
  if (!zip64) {
    return new Uint8Array([
      ...local,
      ...central,
      ...u32(0x06054b50),
      0,
      0,
      0,
      0,
      ...count,
      ...count,
      ...u32(central.length),
      ...u32(local.length),
      0,
      0,
    ]);
  }
  const record = local.length + central.length;
  const end64 = [...u32(0x06064b50), ...u64(44), 45, 0, 45, 0, ...u32(0), ...u32(0), ...u64(entries.length), ...u64(entries.length)];
  end64.push(...u64(central.length), ...u64(local.length));
  const locator = [...u32(0x07064b50), ...u32(0), ...u64(record), ...u32(1)];
  const end = [...u32(0x06054b50), 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, ...u32(0xffffffff), ...u32(0xffffffff), 0, 0];
  return new Uint8Array([...local, ...central, ...end64, ...locator, ...end]);
}

const f32 = (values: number[]) => new Uint8Array(new Float32Array(values).buffer);
const f64 = (values: number[]) => new Uint8Array(new Float64Array(values).buffer);

/** A zip checkpoint of `main` (a pickle body) with storages by key. */
const zipCheckpoint = (main: Bytes, storages: Record<string, Uint8Array> = {}) =>
  zip([
    ['archive/data.pkl', P.pickle(main)],
    ...Object.entries(storages).map(([k, v]): [string, Uint8Array] => [`archive/data/${k}`, v]),
    ['archive/version', enc.encode('3\n')],
  ]);

/** The legacy stream: magic, protocol, sys_info, main pickle, key list, then each storage with its int64 count. */
function legacyCheckpoint(main: Bytes, storages: [string, Uint8Array, number][]): Uint8Array {
  const magic = [0x8a, 10, ...[0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19]];
  const parts: Bytes = [
    ...P.pickle(magic),
    ...P.pickle(P.int(1001)),
    ...P.pickle(P.dict([['little_endian', P.bool(true)]])),
    ...P.pickle(main),
    ...P.pickle(P.list(...storages.map(([k]) => P.str(k)))),
  ];
  for (const [, data, count] of storages) parts.push(...u32(count), ...u32(0), ...data);
  return new Uint8Array(parts);
}

const oneTensor = (name: string, key = '0', numel = 4, size = [2, 2], stride = [2, 1], offset = 0) =>
  P.dict([[name, P.tensor(key, numel, size, stride, offset)]]);

function error(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(ModelError);
    return (e as Error).message;
  }
  return expect.fail('expected a ModelError');
}

describe('torch.save files', () => {
  for (const file of ['views.pth', 'views-legacy.pth', 'views-protocol4.pth']) {
    it(`${file}: every dtype and view reads as torch's .float() gives it, the state_dict wrapper unwrapped`, () => {
      const sd = parsePytorchCheckpoint(fixture(file), { file });
      expect(Object.getPrototypeOf(sd)).toBe(null);
      expect(Object.keys(sd)).toEqual(Object.keys(expected.views));
      for (const [name, t] of Object.entries(expected.views)) {
        expect(sd[name].shape, name).toEqual(t.shape);
        expect(Array.from(sd[name].data), name).toEqual(t.data);
      }
    });
  }

  it('the written formats read back: zip and legacy, params_ema preferred over params, a module. prefix removed', () => {
    const data = f32([1, 2, 3, 4]);
    const body = P.dict([
      ['params', oneTensor('module.w', '0')],
      ['params_ema', P.dict([['module.w', P.tensor('1', 4, [4], [1])]])],
    ]);
    const sd = parsePytorchCheckpoint(zipCheckpoint(body, { 0: f32([9, 9, 9, 9]), 1: data }));
    expect(Object.keys(sd)).toEqual(['w']);
    expect(Array.from(sd.w.data)).toEqual([1, 2, 3, 4]);
    const legacy = parsePytorchCheckpoint(legacyCheckpoint(oneTensor('w', 'k', 4, [2, 2], [1, 2]), [['k', data, 4]]));
    // stride [1, 2]: the transpose.
    expect(Array.from(legacy.w.data)).toEqual([1, 3, 2, 4]);
    expect(legacy.w.shape).toEqual([2, 2]);
  });
});

describe('zip64', () => {
  it('the zip64 end record and extra fields are followed, and checked against the file', () => {
    const entries: [string, Uint8Array][] = [
      ['archive/data.pkl', P.pickle(oneTensor('w'))],
      ['archive/data/0', f32([1, 2, 3, 4])],
    ];
    const sd = parsePytorchCheckpoint(zip(entries, true));
    expect(Array.from(sd.w.data)).toEqual([1, 2, 3, 4]);
    const bytes = zip(entries, true);
    // The zip64 end record's central-directory offset (at +48) pointed past the file.
    const at = bytes.length - 22 - 20 - 56;
    new DataView(bytes.buffer).setBigUint64(at + 48, 1n << 50n, true);
    expect(error(() => parsePytorchCheckpoint(bytes, { file: 'big.pth' }))).toMatch(/^big\.pth: .*central directory .* runs past/);
  });
});

describe('code in the pickle is refused, never run', () => {
  const cases: [string, Bytes, RegExp][] = [
    ['GLOBAL os.system + REDUCE', P.reduce(P.global('os', 'system'), P.str('touch /tmp/pwned')), /'os\.system'/],
    ['GLOBAL builtins.eval', P.reduce(P.global('builtins', 'eval'), P.str('1+1')), /'builtins\.eval'/],
    ['GLOBAL __builtin__.exec', P.reduce(P.global('__builtin__', 'exec'), P.str('x')), /'__builtin__\.exec'/],
    [
      'STACK_GLOBAL subprocess.Popen',
      [...P.str('subprocess'), ...P.str('Popen'), 0x93, ...P.tuple(P.str('ls')), 0x52],
      /'subprocess\.Popen'/,
    ],
    [
      'a pickled module class (torch.save(model))',
      [...P.global('torch.nn.modules.conv', 'Conv2d'), ...P.tuple(), 0x81],
      /'torch\.nn\.modules\.conv\.Conv2d'/,
    ],
    ['a call of a storage type', P.reduce(P.global('torch', 'FloatStorage'), P.int(3)), /calls torch\.FloatStorage/],
    ['BUILD on a tensor', [...P.tensor('0', 4, [4], [1]), ...P.dict([]), 0x62], /sets the state of/],
  ];
  for (const [what, body, message] of cases) {
    it(`${what}: a ModelError naming it (zip and legacy)`, () => {
      expect(error(() => parsePytorchCheckpoint(zipCheckpoint(body, { 0: f32([1, 2, 3, 4]) }), { file: 'evil.pth' }))).toMatch(
        new RegExp(`^evil\\.pth: .*${message.source}`),
      );
      expect(error(() => parsePytorchCheckpoint(legacyCheckpoint(body, []), { file: 'evil.pth' }))).toMatch(message);
    });
  }

  it('an integer tensor (torch.LongStorage) is named, not read', () => {
    expect(error(() => parsePytorchCheckpoint(zipCheckpoint(P.dict([['n', P.tensor('0', 1, [], [], 0, 'LongStorage')]]))))).toMatch(
      /torch\.LongStorage/,
    );
  });
});

describe('malformed files: a ModelError naming the file and the problem', () => {
  const good = fixture('views.pth');
  const view = () => new DataView(good.buffer.slice(0));
  const eocd = good.length - 22;

  it('a truncated zip, a central directory outside the file, a compressed or oversized entry', () => {
    expect(error(() => parsePytorchCheckpoint(good.subarray(0, good.length - 30), { file: 'cut.pth' }))).toMatch(
      /^cut\.pth: .*end-of-central-directory/,
    );
    const cd = view();
    cd.setUint32(eocd + 16, 0x7fffffff, true);
    expect(error(() => parsePytorchCheckpoint(new Uint8Array(cd.buffer), { file: 'a.pth' }))).toMatch(/central directory .* runs past/);
    const cdAt = view().getUint32(eocd + 16, true);
    const deflated = view();
    deflated.setUint16(cdAt + 10, 8, true);
    expect(error(() => parsePytorchCheckpoint(new Uint8Array(deflated.buffer)))).toMatch(/is compressed \(method 8\)/);
    const big = view();
    big.setUint32(cdAt + 20, 0x7ffffff0, true);
    big.setUint32(cdAt + 24, 0x7ffffff0, true);
    expect(error(() => parsePytorchCheckpoint(new Uint8Array(big.buffer)))).toMatch(/run past the end of the \d+-byte file/);
    expect(error(() => parsePytorchCheckpoint(new Uint8Array(1000).fill(7), { file: 'noise.bin' }))).toMatch(
      /^noise\.bin: not a PyTorch checkpoint/,
    );
  });

  it('pickles: a string longer than the file, an opcode outside the safe set, no STOP, a stack underflow', () => {
    const cases: [Bytes, RegExp][] = [
      [[0x58, 0xff, 0xff, 0xff, 0x7f], /needs 2147483647 bytes/],
      [[0x69, ...enc.encode('os\nsystem\n')], /opcode 0x69 .*not an opcode/],
      [[0x73], /pops an empty stack/],
      [[0x68, 5], /memo 5 was never stored/],
    ];
    for (const [body, message] of cases) {
      const m = error(() => parsePytorchCheckpoint(zipCheckpoint(body)));
      expect(m, m).toMatch(message);
    }
    // A key made of a tuple that holds tuples (which the memo could share exponentially) is refused.
    const nested = [0x7d, ...P.tuple(P.tuple(P.int(1))), ...P.int(2), 0x73];
    expect(error(() => parsePytorchCheckpoint(zipCheckpoint(nested)))).toMatch(/a dict key that is a tuple/);
    const noStop = zip([['archive/data.pkl', new Uint8Array([0x80, 2, ...P.dict([])])]]);
    expect(error(() => parsePytorchCheckpoint(noStop))).toMatch(/needs 1 bytes, 0 left/);
  });

  it('views outside their storage, storages larger than the file or than their data, a missing storage', () => {
    const data = { 0: f32([1, 2, 3, 4]) };
    expect(error(() => parsePytorchCheckpoint(zipCheckpoint(oneTensor('w', '0', 4, [2, 3], [3, 1]), data)))).toMatch(
      /size \[2, 3\], stride \[3, 1\] at offset 0 reach element 5, the storage holds 4/,
    );
    expect(error(() => parsePytorchCheckpoint(zipCheckpoint(oneTensor('w', '0', 4, [2, 2], [2, 1], 1), data)))).toMatch(/reach element 4/);
    expect(error(() => parsePytorchCheckpoint(zipCheckpoint(oneTensor('w', '0', 1e9, [4], [1]), data)))).toMatch(
      /claims 1000000000 float32 elements/,
    );
    expect(error(() => parsePytorchCheckpoint(zipCheckpoint(oneTensor('w', '0', 8, [4], [1]), data)))).toMatch(
      /holds 16 bytes, 8 float32 need 32/,
    );
    expect(error(() => parsePytorchCheckpoint(zipCheckpoint(oneTensor('w', '7'), data)))).toMatch(
      /storage '7' has no entry 'archive\/data\/7'/,
    );
    // A stride-0 view as large as the file is not a real weight.
    expect(error(() => parsePytorchCheckpoint(zipCheckpoint(oneTensor('w', '0', 4, [1e6, 1e6], [0, 0]), data)))).toMatch(
      /more elements than the file/,
    );
    const legacy = (count: number, bytes: Uint8Array) =>
      parsePytorchCheckpoint(legacyCheckpoint(oneTensor('w', 'k'), [['k', bytes, count]]));
    expect(error(() => legacy(5, f32([1, 2, 3, 4])))).toMatch(/storage 'k' has 5 elements in the data, 4 in the pickle/);
    expect(error(() => legacy(4, f32([1, 2, 3])))).toMatch(/storage 'k' runs 4 bytes past the end/);
  });

  it('non-tensor values and reserved names in the state dict', () => {
    expect(
      error(() =>
        parsePytorchCheckpoint(
          zipCheckpoint(
            P.dict([
              ['w', P.int(3)],
              ['v', P.int(4)],
            ]),
          ),
        ),
      ),
    ).toMatch(/'w' is number 3, not a tensor/);
    const proto = P.dict([
      ['__proto__', P.tensor('0', 4, [4], [1])],
      ['w', P.tensor('0', 4, [4], [1])],
    ]);
    expect(error(() => parsePytorchCheckpoint(zipCheckpoint(proto, { 0: f32([1, 2, 3, 4]) })))).toMatch(/named '__proto__'/);
  });
});

describe('weights must be finite as float32', () => {
  const cases: [string, Uint8Array, string, RegExp][] = [
    ['1e39 in a float64 storage (finite as a double)', f64([0, 1, 1e39, 2]), 'DoubleStorage', /'w' element 2 is 1e\+39/],
    ['NaN in a float32 storage', f32([0, NaN, 1, 2]), 'FloatStorage', /'w' element 1 is NaN/],
    ['-Inf in a float16 storage', new Uint8Array(new Uint16Array([0, 0, 0, 0xfc00]).buffer), 'HalfStorage', /'w' element 3 is -Infinity/],
    [
      'Inf in a bfloat16 storage',
      new Uint8Array(new Uint16Array([0x7f80, 0, 0, 0]).buffer),
      'BFloat16Storage',
      /'w' element 0 is Infinity/,
    ],
  ];
  for (const [what, data, storage, message] of cases) {
    it(`${what}: a ModelError naming the tensor and the index`, () => {
      const body = P.dict([['w', P.tensor('0', 4, [4], [1], 0, storage)]]);
      expect(error(() => parsePytorchCheckpoint(zipCheckpoint(body, { 0: data }), { file: 'nan.pth' }))).toMatch(
        new RegExp(`^nan\\.pth: tensor ${message.source}, not finite as float32`),
      );
    });
  }
});

describe('fuzz', () => {
  it('random byte changes to real checkpoints (zip, legacy, protocol 4): either a result or a ModelError, never another error', () => {
    const rand = rng(19);
    let refused = 0;
    let runs = 0;
    for (const file of ['views.pth', 'views-legacy.pth', 'views-protocol4.pth', 'srvgg-x2-leaky-legacy.pth']) {
      const good = fixture(file);
      for (let trial = 0; trial < 100; trial++) {
        const bytes = good.slice();
        // A few bytes anywhere, or a cut: what a damaged download or a hostile edit does.
        if (trial % 10 === 9) {
          const cut = bytes.subarray(0, randInt(rand, 0, bytes.length - 1));
          try {
            parsePytorchModel(cut, { file });
          } catch (e) {
            if (!(e instanceof ModelError)) expect.fail(`${file} cut at ${cut.length}: ${(e as Error).stack}`);
            refused++;
          }
          runs++;
          continue;
        }
        const changes = randInt(rand, 1, 4);
        const where: number[] = [];
        for (let c = 0; c < changes; c++) {
          const at = randInt(rand, 0, bytes.length - 1);
          bytes[at] = randInt(rand, 0, 255);
          where.push(at);
        }
        try {
          parsePytorchCheckpoint(bytes, { file });
        } catch (e) {
          if (!(e instanceof ModelError)) expect.fail(`${file} with bytes ${where.join(', ')} changed: ${(e as Error).stack}`);
          refused++;
        }
        runs++;
      }
    }
    // Most damage is caught (the rest lands in weight values or padding).
    expect(refused).toBeGreaterThan(runs / 10);
  });
});
