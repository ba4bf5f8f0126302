/**
 * Netlink message encoding and decoding (rtnetlink and nfnetlink share it): a builder that
 * writes the 16-byte header, a family header and type-length-value attributes (nests patched in
 * place), and parsers for replies. Pure code over Buffers, unit-tested without a kernel.
 */

export const NLMSG_NOOP = 1;
export const NLMSG_ERROR = 2;
export const NLMSG_DONE = 3;

export const NLM_F_REQUEST = 0x1;
export const NLM_F_MULTI = 0x2;
export const NLM_F_ACK = 0x4;
export const NLM_F_ROOT = 0x100;
export const NLM_F_MATCH = 0x200;
export const NLM_F_DUMP = NLM_F_ROOT | NLM_F_MATCH;
export const NLM_F_REPLACE = 0x100;
export const NLM_F_EXCL = 0x200;
export const NLM_F_CREATE = 0x400;
/** In an error message: the kernel appended TLVs (extended ack). */
export const NLM_F_ACK_TLVS = 0x200;
export const NLMSGERR_ATTR_MSG = 1;

export const NLA_F_NESTED = 0x8000;
const NLA_TYPE_MASK = 0x3fff;

export const NLMSG_HDRLEN = 16;

const align4 = (n: number): number => (n + 3) & ~3;

/** Builds one netlink message. Call `finish(seq)` to get the bytes. */
export class MessageBuilder {
  private buf: Buffer;
  private len = NLMSG_HDRLEN;
  private readonly nests: number[] = [];

  constructor(
    readonly type: number,
    readonly flags: number,
    familyHeader: Buffer = Buffer.alloc(0),
    capacity = 256,
  ) {
    this.buf = Buffer.alloc(Math.max(capacity, NLMSG_HDRLEN + familyHeader.length + 64));
    this.append(familyHeader);
  }

  private ensure(extra: number): void {
    if (this.len + extra <= this.buf.length) return;
    const next = Buffer.alloc(Math.max(this.buf.length * 2, this.len + extra + 64));
    this.buf.copy(next, 0, 0, this.len);
    this.buf = next;
  }

  private append(data: Buffer): void {
    const padded = align4(data.length);
    this.ensure(padded);
    data.copy(this.buf, this.len);
    this.buf.fill(0, this.len + data.length, this.len + padded);
    this.len += padded;
  }

  attr(type: number, payload: Buffer): this {
    this.ensure(4 + align4(payload.length));
    this.buf.writeUInt16LE(4 + payload.length, this.len);
    this.buf.writeUInt16LE(type, this.len + 2);
    this.len += 4;
    this.append(payload);
    return this;
  }

  str(type: number, s: string): this {
    return this.attr(type, Buffer.from(s + '\0', 'utf8'));
  }

  u8(type: number, v: number): this {
    return this.attr(type, Buffer.from([v & 255]));
  }

  u16(type: number, v: number): this {
    const b = Buffer.alloc(2);
    b.writeUInt16LE(v, 0);
    return this.attr(type, b);
  }

  u32(type: number, v: number): this {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(v >>> 0, 0);
    return this.attr(type, b);
  }

  /** Big-endian u32 (nfnetlink attributes are in network byte order). */
  be32(type: number, v: number): this {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(v >>> 0, 0);
    return this.attr(type, b);
  }

  /** Raw bytes appended at the current position (e.g. a family header inside a nest). */
  raw(data: Buffer): this {
    this.append(data);
    return this;
  }

  nest(type: number, fill: (m: this) => void, flagNested = false): this {
    this.ensure(4);
    const start = this.len;
    this.buf.writeUInt16LE(type | (flagNested ? NLA_F_NESTED : 0), start + 2);
    this.len += 4;
    this.nests.push(start);
    fill(this);
    this.nests.pop();
    this.buf.writeUInt16LE(this.len - start, start);
    return this;
  }

  finish(seq: number, portId = 0): Buffer {
    const out = Buffer.from(this.buf.subarray(0, this.len));
    out.writeUInt32LE(this.len, 0);
    out.writeUInt16LE(this.type, 4);
    out.writeUInt16LE(this.flags, 6);
    out.writeUInt32LE(seq >>> 0, 8);
    out.writeUInt32LE(portId >>> 0, 12);
    return out;
  }
}

export interface Message {
  type: number;
  flags: number;
  seq: number;
  portId: number;
  /** The bytes after the 16-byte header. */
  payload: Buffer;
}

/** Split a received datagram into messages. */
export function parseMessages(buf: Buffer): Message[] {
  const out: Message[] = [];
  let off = 0;
  while (off + NLMSG_HDRLEN <= buf.length) {
    const len = buf.readUInt32LE(off);
    if (len < NLMSG_HDRLEN || off + len > buf.length) break;
    out.push({
      type: buf.readUInt16LE(off + 4),
      flags: buf.readUInt16LE(off + 6),
      seq: buf.readUInt32LE(off + 8),
      portId: buf.readUInt32LE(off + 12),
      payload: buf.subarray(off + NLMSG_HDRLEN, off + len),
    });
    off += align4(len);
  }
  return out;
}

/** Attributes of a region, by type (flags masked off); the last one of a type wins. */
export function parseAttrs(buf: Buffer, start = 0, end = buf.length): Map<number, Buffer> {
  const out = new Map<number, Buffer>();
  let off = start;
  while (off + 4 <= end) {
    const len = buf.readUInt16LE(off);
    if (len < 4 || off + len > end) break;
    out.set(buf.readUInt16LE(off + 2) & NLA_TYPE_MASK, buf.subarray(off + 4, off + len));
    off += align4(len);
  }
  return out;
}

/** A NUL-terminated string attribute. */
export function attrString(b: Buffer | undefined): string | undefined {
  if (!b) return undefined;
  const nul = b.indexOf(0);
  return b.toString('utf8', 0, nul < 0 ? b.length : nul);
}

export function attrU32(b: Buffer | undefined): number | undefined {
  return b && b.length >= 4 ? b.readUInt32LE(0) : undefined;
}

/** The error code and extended-ack text of an NLMSG_ERROR payload (error 0 = ACK). */
export function parseError(m: Message): { errno: number; message: string | undefined } {
  const errno = -m.payload.readInt32LE(0);
  let message: string | undefined;
  if (m.flags & NLM_F_ACK_TLVS && m.payload.length >= 4 + NLMSG_HDRLEN) {
    // With NETLINK_CAP_ACK the original request is cut to its header.
    const origLen = m.payload.readUInt32LE(4);
    const capped = m.flags & 0x100; // NLM_F_CAPPED
    const tlvStart = 4 + (capped ? NLMSG_HDRLEN : align4(origLen));
    message = attrString(parseAttrs(m.payload, tlvStart).get(NLMSGERR_ATTR_MSG));
  }
  return { errno, message };
}
