/**
 * A small GGUF (v3) reader and writer: header, key-value pairs, tensor infos, alignment.
 * Enough to copy a tokenizer out of llama.cpp's vocab files and to write a generated model.
 */
import { closeSync, openSync, writeSync } from "node:fs";

export enum GgufType {
  UINT8 = 0, INT8 = 1, UINT16 = 2, INT16 = 3, UINT32 = 4, INT32 = 5, FLOAT32 = 6, BOOL = 7, STRING = 8, ARRAY = 9, UINT64 = 10, INT64 = 11, FLOAT64 = 12,
}

export enum GgmlType {
  F32 = 0,
  F16 = 1,
}

export type GgufScalar = number | bigint | boolean | string;
export interface GgufValue {
  type: GgufType;
  /** For arrays: the element type. */
  itemType?: GgufType;
  value: GgufScalar | GgufScalar[];
}

export interface TensorInfo {
  name: string;
  /** ggml order: dims[0] is the fastest-moving (row length). */
  dims: number[];
  type: GgmlType;
  offset: bigint;
}

export interface GgufFile {
  version: number;
  kv: Map<string, GgufValue>;
  tensors: TensorInfo[];
  alignment: number;
  dataOffset: number;
}

const MAGIC = 0x46554747; // "GGUF" little-endian

class Reader {
  pos = 0;
  constructor(private readonly buf: Buffer) {}
  u8() { return this.buf.readUInt8(this.pos++); }
  u32() { const v = this.buf.readUInt32LE(this.pos); this.pos += 4; return v; }
  u64() { const v = this.buf.readBigUInt64LE(this.pos); this.pos += 8; return v; }
  string() { const n = Number(this.u64()); const s = this.buf.toString("utf8", this.pos, this.pos + n); this.pos += n; return s; }
  scalar(t: GgufType): GgufScalar {
    const b = this.buf;
    let v: GgufScalar;
    switch (t) {
      case GgufType.UINT8: v = b.readUInt8(this.pos); this.pos += 1; break;
      case GgufType.INT8: v = b.readInt8(this.pos); this.pos += 1; break;
      case GgufType.UINT16: v = b.readUInt16LE(this.pos); this.pos += 2; break;
      case GgufType.INT16: v = b.readInt16LE(this.pos); this.pos += 2; break;
      case GgufType.UINT32: v = b.readUInt32LE(this.pos); this.pos += 4; break;
      case GgufType.INT32: v = b.readInt32LE(this.pos); this.pos += 4; break;
      case GgufType.FLOAT32: v = b.readFloatLE(this.pos); this.pos += 4; break;
      case GgufType.BOOL: v = b.readUInt8(this.pos) !== 0; this.pos += 1; break;
      case GgufType.STRING: v = this.string(); break;
      case GgufType.UINT64: v = b.readBigUInt64LE(this.pos); this.pos += 8; break;
      case GgufType.INT64: v = b.readBigInt64LE(this.pos); this.pos += 8; break;
      case GgufType.FLOAT64: v = b.readDoubleLE(this.pos); this.pos += 8; break;
      default: throw new Error(`unsupported GGUF value type ${t}`);
    }
    return v;
  }
}

export function readGguf(buf: Buffer): GgufFile {
  const r = new Reader(buf);
  if (r.u32() !== MAGIC) throw new Error("not a GGUF file (bad magic)");
  const version = r.u32();
  if (version !== 3 && version !== 2) throw new Error(`unsupported GGUF version ${version}`);
  const nTensors = Number(r.u64());
  const nKv = Number(r.u64());
  const kv = new Map<string, GgufValue>();
  for (let i = 0; i < nKv; i++) {
    const key = r.string();
    const type = r.u32() as GgufType;
    if (type === GgufType.ARRAY) {
      const itemType = r.u32() as GgufType;
      const n = Number(r.u64());
      const items: GgufScalar[] = new Array(n);
      for (let j = 0; j < n; j++) items[j] = r.scalar(itemType);
      kv.set(key, { type, itemType, value: items });
    } else {
      kv.set(key, { type, value: r.scalar(type) });
    }
  }
  const tensors: TensorInfo[] = [];
  for (let i = 0; i < nTensors; i++) {
    const name = r.string();
    const nDims = r.u32();
    const dims = Array.from({ length: nDims }, () => Number(r.u64()));
    tensors.push({ name, dims, type: r.u32() as GgmlType, offset: r.u64() });
  }
  const alignment = Number(kv.get("general.alignment")?.value ?? 32);
  const dataOffset = Math.ceil(r.pos / alignment) * alignment;
  return { version, kv, tensors, alignment, dataOffset };
}

/** Accumulates bytes in chunks (no quadratic concatenation). */
class Writer {
  private readonly chunks: Buffer[] = [];
  length = 0;
  push(b: Buffer) { this.chunks.push(b); this.length += b.length; }
  u32(v: number) { const b = Buffer.alloc(4); b.writeUInt32LE(v); this.push(b); }
  u64(v: number | bigint) { const b = Buffer.alloc(8); b.writeBigUInt64LE(BigInt(v)); this.push(b); }
  string(s: string) { const b = Buffer.from(s, "utf8"); this.u64(b.length); this.push(b); }
  scalar(t: GgufType, v: GgufScalar) {
    let b: Buffer;
    switch (t) {
      case GgufType.UINT8: b = Buffer.alloc(1); b.writeUInt8(Number(v)); break;
      case GgufType.INT8: b = Buffer.alloc(1); b.writeInt8(Number(v)); break;
      case GgufType.UINT16: b = Buffer.alloc(2); b.writeUInt16LE(Number(v)); break;
      case GgufType.INT16: b = Buffer.alloc(2); b.writeInt16LE(Number(v)); break;
      case GgufType.UINT32: b = Buffer.alloc(4); b.writeUInt32LE(Number(v)); break;
      case GgufType.INT32: b = Buffer.alloc(4); b.writeInt32LE(Number(v)); break;
      case GgufType.FLOAT32: b = Buffer.alloc(4); b.writeFloatLE(Number(v)); break;
      case GgufType.BOOL: b = Buffer.from([v ? 1 : 0]); break;
      case GgufType.STRING: this.string(String(v)); return;
      case GgufType.UINT64: b = Buffer.alloc(8); b.writeBigUInt64LE(BigInt(v)); break;
      case GgufType.INT64: b = Buffer.alloc(8); b.writeBigInt64LE(BigInt(v)); break;
      case GgufType.FLOAT64: b = Buffer.alloc(8); b.writeDoubleLE(Number(v)); break;
      default: throw new Error(`unsupported GGUF value type ${t}`);
    }
    this.push(b);
  }
  pad(alignment: number) { const n = (alignment - (this.length % alignment)) % alignment; if (n) this.push(Buffer.alloc(n)); }
  toBuffer() { return Buffer.concat(this.chunks, this.length); }
}

export interface TensorData {
  name: string;
  dims: number[];
  type: GgmlType;
  data: Buffer;
}

/** A tensor whose bytes are produced only when they are written: a large model never sits in memory whole. */
export interface TensorSource {
  name: string;
  dims: number[];
  type: GgmlType;
  byteLength: number;
  data(): Buffer;
}

const padded = (n: number, alignment: number) => Math.ceil(n / alignment) * alignment;

/** Everything before the tensor data: header, key-value pairs, tensor infos, padding to the alignment. */
function ggufHead(kv: Map<string, GgufValue>, tensors: Pick<TensorSource, "name" | "dims" | "type" | "byteLength">[], alignment: number): Buffer {
  const w = new Writer();
  w.u32(MAGIC);
  w.u32(3);
  w.u64(tensors.length);
  w.u64(kv.size);
  for (const [key, v] of kv) {
    w.string(key);
    w.u32(v.type);
    if (v.type === GgufType.ARRAY) {
      const items = v.value as GgufScalar[];
      w.u32(v.itemType ?? GgufType.UINT8);
      w.u64(items.length);
      for (const item of items) w.scalar(v.itemType ?? GgufType.UINT8, item);
    } else {
      w.scalar(v.type, v.value as GgufScalar);
    }
  }
  let offset = 0;
  for (const t of tensors) {
    w.string(t.name);
    w.u32(t.dims.length);
    for (const d of t.dims) w.u64(d);
    w.u32(t.type);
    w.u64(offset);
    offset += padded(t.byteLength, alignment);
  }
  w.pad(alignment);
  return w.toBuffer();
}

export function writeGguf(kv: Map<string, GgufValue>, tensors: TensorData[], alignment = 32): Buffer {
  const w = new Writer();
  w.push(ggufHead(kv, tensors.map((t) => ({ ...t, byteLength: t.data.length })), alignment));
  for (const t of tensors) {
    w.push(t.data);
    w.pad(alignment);
  }
  return w.toBuffer();
}

/** Writes the same bytes as writeGguf to `file`, one tensor in memory at a time; returns the file's size. */
export function writeGgufFile(file: string, kv: Map<string, GgufValue>, tensors: TensorSource[], alignment = 32): number {
  const fd = openSync(file, "w");
  try {
    let size = 0;
    const put = (b: Buffer) => {
      for (let done = 0; done < b.length; ) done += writeSync(fd, b, done, b.length - done);
      size += b.length;
    };
    put(ggufHead(kv, tensors, alignment));
    for (const t of tensors) {
      const data = t.data();
      if (data.length !== t.byteLength) throw new Error(`tensor ${t.name}: ${data.length} bytes, declared ${t.byteLength}`);
      put(data);
      const pad = padded(data.length, alignment) - data.length;
      if (pad) put(Buffer.alloc(pad));
    }
    return size;
  } finally {
    closeSync(fd);
  }
}

const F32 = new Float32Array(1);
const U32 = new Uint32Array(F32.buffer);

/** IEEE 754 half precision, round to nearest even. */
export function toFloat16(value: number): number {
  F32[0] = value;
  const x = U32[0] as number;
  const sign = (x >>> 16) & 0x8000;
  let exp = ((x >>> 23) & 0xff) - 127 + 15;
  let mant = x & 0x7fffff;
  if (exp >= 31) return sign | 0x7c00;
  if (exp <= 0) {
    if (exp < -10) return sign;
    mant = (mant | 0x800000) >> (1 - exp);
    return sign | ((mant + 0x1000) >> 13);
  }
  const half = sign | (exp << 10) | (mant >> 13);
  const rest = mant & 0x1fff;
  return rest > 0x1000 || (rest === 0x1000 && (half & 1)) ? half + 1 : half;
}
