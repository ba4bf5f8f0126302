/**
 * The part of the DNS wire format (RFC 1035) the embedded server needs: read the header and the
 * first question of a query, and build answers (A, PTR, empty NOERROR, NXDOMAIN, SERVFAIL) that
 * echo the question. Forwarded queries and replies pass through as bytes; only the ID changes.
 */

export const TYPE_A = 1;
export const TYPE_PTR = 12;
export const TYPE_AAAA = 28;
export const CLASS_IN = 1;

export const RCODE_NOERROR = 0;
export const RCODE_FORMERR = 1;
export const RCODE_SERVFAIL = 2;
export const RCODE_NXDOMAIN = 3;
export const RCODE_NOTIMP = 4;

export interface Question {
  name: string;
  type: number;
  cls: number;
}

export interface Query {
  id: number;
  flags: number;
  opcode: number;
  question: Question | undefined;
  /** Offset just past the first question (the question bytes are echoed in answers). */
  questionEnd: number;
}

export class DnsFormatError extends Error {}

/** Read a (possibly compressed) name at `off`; returns the name and the offset after it. */
export function readName(buf: Buffer, off: number): { name: string; end: number } {
  const labels: string[] = [];
  let pos = off;
  let end = -1;
  for (let jumps = 0; ;) {
    if (pos >= buf.length) throw new DnsFormatError('name runs past the message');
    const len = buf[pos]!;
    if (len === 0) {
      if (end < 0) end = pos + 1;
      break;
    }
    if ((len & 0xc0) === 0xc0) {
      if (pos + 1 >= buf.length) throw new DnsFormatError('truncated pointer');
      if (end < 0) end = pos + 2;
      pos = ((len & 0x3f) << 8) | buf[pos + 1]!;
      if (++jumps > 16) throw new DnsFormatError('compression loop');
      continue;
    }
    if (len > 63) throw new DnsFormatError('label too long');
    if (pos + 1 + len > buf.length) throw new DnsFormatError('label runs past the message');
    labels.push(buf.toString('latin1', pos + 1, pos + 1 + len));
    pos += 1 + len;
  }
  return { name: labels.join('.'), end };
}

export function encodeName(name: string): Buffer {
  const parts = name.replace(/\.$/, '').split('.').filter(Boolean);
  const out: Buffer[] = [];
  for (const p of parts) {
    const b = Buffer.from(p, 'latin1');
    if (b.length > 63) throw new DnsFormatError(`label "${p}" is longer than 63 bytes`);
    out.push(Buffer.from([b.length]), b);
  }
  out.push(Buffer.from([0]));
  return Buffer.concat(out);
}

export function parseQuery(buf: Buffer): Query {
  if (buf.length < 12) throw new DnsFormatError('message shorter than its header');
  const id = buf.readUInt16BE(0);
  const flags = buf.readUInt16BE(2);
  const qd = buf.readUInt16BE(4);
  let question: Question | undefined;
  let questionEnd = 12;
  if (qd > 0) {
    const { name, end } = readName(buf, 12);
    if (end + 4 > buf.length) throw new DnsFormatError('question truncated');
    question = { name, type: buf.readUInt16BE(end), cls: buf.readUInt16BE(end + 2) };
    questionEnd = end + 4;
  }
  return { id, flags, opcode: (flags >> 11) & 0xf, question, questionEnd };
}

export interface Answer {
  type: number;
  ttl: number;
  data: Buffer;
}

/** A response echoing the query's first question, with the given answers (name = pointer to the question). */
export function buildResponse(
  query: Buffer,
  q: Query,
  rcode: number,
  answers: Answer[] = [],
  authoritative = true,
): Buffer {
  const questionBytes = q.question ? query.subarray(12, q.questionEnd) : Buffer.alloc(0);
  const header = Buffer.alloc(12);
  header.writeUInt16BE(q.id, 0);
  const rd = q.flags & 0x0100;
  // QR, opcode echoed, AA for names we own, RD echoed, RA.
  const flags = 0x8000 | (q.opcode << 11) | (authoritative ? 0x0400 : 0) | rd | 0x0080 | (rcode & 0xf);
  header.writeUInt16BE(flags, 2);
  header.writeUInt16BE(q.question ? 1 : 0, 4);
  header.writeUInt16BE(answers.length, 6);
  const rrs = answers.map((a) => {
    const rr = Buffer.alloc(12);
    rr.writeUInt16BE(0xc00c, 0);
    rr.writeUInt16BE(a.type, 2);
    rr.writeUInt16BE(CLASS_IN, 4);
    rr.writeUInt32BE(a.ttl, 6);
    rr.writeUInt16BE(a.data.length, 10);
    return Buffer.concat([rr, a.data]);
  });
  return Buffer.concat([header, questionBytes, ...rrs]);
}

/** Build a query (tests and the fake upstream use it). */
export function buildQuery(id: number, name: string, type: number): Buffer {
  const h = Buffer.alloc(12);
  h.writeUInt16BE(id, 0);
  h.writeUInt16BE(0x0100, 2);
  h.writeUInt16BE(1, 4);
  const tail = Buffer.alloc(4);
  tail.writeUInt16BE(type, 0);
  tail.writeUInt16BE(CLASS_IN, 2);
  return Buffer.concat([h, encodeName(name), tail]);
}

export interface ParsedAnswer {
  name: string;
  type: number;
  ttl: number;
  data: Buffer;
}

/** Parse a response: rcode and answer records (tests, diagnostics). */
export function parseResponse(buf: Buffer): { id: number; rcode: number; answers: ParsedAnswer[] } {
  const q = parseQuery(buf);
  const an = buf.readUInt16BE(6);
  let off = q.questionEnd;
  const answers: ParsedAnswer[] = [];
  for (let i = 0; i < an; i++) {
    const { name, end } = readName(buf, off);
    const type = buf.readUInt16BE(end);
    const ttl = buf.readUInt32BE(end + 4);
    const len = buf.readUInt16BE(end + 8);
    answers.push({ name, type, ttl, data: buf.subarray(end + 10, end + 10 + len) });
    off = end + 10 + len;
  }
  return { id: q.id, rcode: q.flags & 0xf, answers };
}

/** "2.0.17.172.in-addr.arpa" → 172.17.0.2 as a number, or undefined. */
export function parseReverseName(name: string): number | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.in-addr\.arpa\.?$/i.exec(name);
  if (!m) return undefined;
  const parts = m.slice(1).map(Number).reverse();
  if (parts.some((p) => p > 255)) return undefined;
  return parts.reduce((acc, p) => acc * 256 + p, 0) >>> 0;
}
