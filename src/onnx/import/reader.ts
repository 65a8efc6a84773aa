/**
 * A protobuf wire-format reader for ONNX files, the mirror of the writer in
 * ../proto.ts: no dependency, no Node APIs. It trusts nothing in the bytes:
 * every length is checked against what is left of its message before a view
 * or an array is made, nesting is bounded, and a malformed field ends in the
 * caller's `fail` (a ModelError naming the file) rather than an exception
 * from a typed-array constructor or an endless loop.
 *
 * Wire types: 0 varint, 1 fixed64, 2 length-delimited, 5 fixed32 (3/4, the
 * deprecated groups, are refused). Unknown fields are skipped by wire type.
 */

/** Deepest message nesting accepted (ONNX models need 6: model → graph → node → attribute → tensor). */
export const MAX_DEPTH = 16;

export type Fail = (message: string) => never;

export class ProtoReader {
  private pos: number;

  /**
   * Reads `bytes[start, end)`; `what` names the message in errors ("graph",
   * "node 'conv1'"), `depth` its nesting.
   */
  constructor(
    private readonly bytes: Uint8Array,
    readonly fail: Fail,
    readonly what = 'model',
    private readonly end = bytes.length,
    start = 0,
    readonly depth = 0,
  ) {
    this.pos = start;
    if (depth > MAX_DEPTH) fail(`${what}: messages nested deeper than ${MAX_DEPTH}`);
  }

  /** Bytes left in this message. */
  get remaining(): number {
    return this.end - this.pos;
  }

  done(): boolean {
    return this.pos >= this.end;
  }

  /** The next field's number and wire type. */
  tag(): { field: number; wire: number } {
    const at = this.pos;
    const t = this.varint();
    const field = Number(t >> 3n);
    const wire = Number(t & 7n);
    if (field < 1 || field > 0x1fffffff) this.fail(`${this.what}: bad field number ${field} at byte ${at}`);
    return { field, wire };
  }

  /** A base-128 varint of up to 10 bytes, as an unsigned 64-bit bigint. */
  varint(): bigint {
    let result = 0n;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) this.fail(`${this.what}: truncated (a varint runs past the end of its message)`);
      const b = this.bytes[this.pos++];
      result |= BigInt(b & 0x7f) << BigInt(7 * i);
      if (b < 0x80) return BigInt.asUintN(64, result);
    }
    return this.fail(`${this.what}: a varint longer than 10 bytes`);
  }

  /**
   * A signed int64 (two's complement) as a number. Values past 2⁵³ lose
   * precision but keep their size, which is all ONNX's INT64_MAX "to the end"
   * markers need.
   */
  int64(): number {
    return Number(BigInt.asIntN(64, this.varint()));
  }

  /** An int32/enum field (int64-encoded on the wire). */
  int32(): number {
    return Number(BigInt.asIntN(32, this.varint()));
  }

  private need(n: number, what: string): void {
    if (n > this.remaining) this.fail(`${this.what}: truncated (${what} of ${n} bytes, ${this.remaining} left)`);
  }

  float32(): number {
    this.need(4, 'a fixed32');
    const v = new DataView(this.bytes.buffer, this.bytes.byteOffset + this.pos, 4).getFloat32(0, true);
    this.pos += 4;
    return v;
  }

  float64(): number {
    this.need(8, 'a fixed64');
    const v = new DataView(this.bytes.buffer, this.bytes.byteOffset + this.pos, 8).getFloat64(0, true);
    this.pos += 8;
    return v;
  }

  /** A length-delimited field's bytes: a view, never a copy; the length is checked first. */
  bytesField(): Uint8Array {
    const n = this.varint();
    if (n > BigInt(this.remaining)) this.fail(`${this.what}: truncated (a field declares ${n} bytes, ${this.remaining} left)`);
    const start = this.pos;
    this.pos += Number(n);
    return this.bytes.subarray(start, this.pos);
  }

  string(): string {
    return new TextDecoder('utf-8', { fatal: false }).decode(this.bytesField());
  }

  /** A nested message: a reader over its bytes, one level deeper. */
  message(what: string): ProtoReader {
    const b = this.bytesField();
    return new ProtoReader(
      this.bytes,
      this.fail,
      what,
      b.byteOffset - this.bytes.byteOffset + b.length,
      b.byteOffset - this.bytes.byteOffset,
      this.depth + 1,
    );
  }

  /**
   * A repeated varint field, packed (wire 2) or not (wire 0): appends to `out`.
   * Bounded: a packed run holds at most one value per byte.
   */
  repeatedInt64(wire: number, out: number[]): void {
    if (wire === 0) {
      out.push(this.int64());
      return;
    }
    if (wire !== 2) this.fail(`${this.what}: an integer field with wire type ${wire}`);
    const r = this.message(this.what);
    while (!r.done()) out.push(r.int64());
  }

  /** A repeated float field, packed (wire 2) or not (wire 5). */
  repeatedFloat(wire: number, out: number[]): void {
    if (wire === 5) {
      out.push(this.float32());
      return;
    }
    if (wire !== 2) this.fail(`${this.what}: a float field with wire type ${wire}`);
    const b = this.bytesField();
    if (b.length % 4 !== 0) this.fail(`${this.what}: packed floats of ${b.length} bytes (not a multiple of 4)`);
    const view = new DataView(b.buffer, b.byteOffset, b.length);
    for (let i = 0; i < b.length; i += 4) out.push(view.getFloat32(i, true));
  }

  /** A repeated double field, packed (wire 2) or not (wire 1). */
  repeatedDouble(wire: number, out: number[]): void {
    if (wire === 1) {
      out.push(this.float64());
      return;
    }
    if (wire !== 2) this.fail(`${this.what}: a double field with wire type ${wire}`);
    const b = this.bytesField();
    if (b.length % 8 !== 0) this.fail(`${this.what}: packed doubles of ${b.length} bytes (not a multiple of 8)`);
    const view = new DataView(b.buffer, b.byteOffset, b.length);
    for (let i = 0; i < b.length; i += 8) out.push(view.getFloat64(i, true));
  }

  /** Skips a field this decoder does not use. */
  skip(wire: number): void {
    switch (wire) {
      case 0:
        this.varint();
        return;
      case 1:
        this.need(8, 'a fixed64');
        this.pos += 8;
        return;
      case 2:
        this.bytesField();
        return;
      case 5:
        this.need(4, 'a fixed32');
        this.pos += 4;
        return;
      default:
        this.fail(`${this.what}: unsupported wire type ${wire}`);
    }
  }

  /** Checks the wire type a known field must have. */
  expect(field: number, wire: number, want: number): void {
    if (wire !== want) this.fail(`${this.what}: field ${field} has wire type ${wire}, expected ${want}`);
  }
}
