/**
 * IPv4 arithmetic on unsigned 32-bit numbers: parsing, CIDR prefixes, overlap tests and MAC
 * addresses derived from an IP (as Docker does: 02:42 + the four address bytes, so a reused IP
 * never meets a stale ARP entry of another MAC).
 */
import { InvalidArgument } from '../errdefs';

export interface Prefix {
  /** Network address (host bits zero). */
  readonly addr: number;
  readonly len: number;
}

const DOTTED = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

export function isIPv4(s: string): boolean {
  const m = DOTTED.exec(s);
  return !!m && m.slice(1).every((p) => Number(p) <= 255 && (p === '0' || !p.startsWith('0')));
}

export function parseIPv4(s: string, what = 'IP address'): number {
  if (!isIPv4(s)) throw new InvalidArgument(`invalid ${what} "${s}": want a dotted IPv4 address`);
  return s.split('.').reduce((acc, p) => acc * 256 + Number(p), 0) >>> 0;
}

export function formatIPv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

export function maskOf(len: number): number {
  return len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
}

export function prefixSize(p: Prefix): number {
  return 2 ** (32 - p.len);
}

/** Parse "a.b.c.d/n"; host bits must be zero unless `allowHostBits` (then they are cleared). */
export function parseCidr(s: string, what = 'subnet', allowHostBits = false): Prefix {
  const slash = s.indexOf('/');
  if (slash < 0) throw new InvalidArgument(`invalid ${what} "${s}": want CIDR notation (a.b.c.d/n)`);
  const lenText = s.slice(slash + 1);
  if (!/^\d{1,2}$/.test(lenText) || Number(lenText) > 32)
    throw new InvalidArgument(`invalid ${what} "${s}": prefix length must be 0–32`);
  const len = Number(lenText);
  const ip = parseIPv4(s.slice(0, slash), what);
  const addr = (ip & maskOf(len)) >>> 0;
  if (addr !== ip && !allowHostBits)
    throw new InvalidArgument(`invalid ${what} "${s}": host bits are set (did you mean ${formatIPv4(addr)}/${len}?)`);
  return { addr, len };
}

export function formatCidr(p: Prefix): string {
  return `${formatIPv4(p.addr)}/${p.len}`;
}

export function contains(p: Prefix, ip: number): boolean {
  return (ip & maskOf(p.len)) >>> 0 === p.addr;
}

export function overlaps(a: Prefix, b: Prefix): boolean {
  const len = Math.min(a.len, b.len);
  const m = maskOf(len);
  return (a.addr & m) >>> 0 === (b.addr & m) >>> 0;
}

/** True when `inner` lies entirely within `outer`. */
export function within(inner: Prefix, outer: Prefix): boolean {
  return inner.len >= outer.len && contains(outer, inner.addr);
}

export function broadcastOf(p: Prefix): number {
  return (p.addr + prefixSize(p) - 1) >>> 0;
}

/** Docker's MAC scheme: 02:42 followed by the IPv4 address bytes. */
export function macForIPv4(ip: number): string {
  const bytes = [0x02, 0x42, ip >>> 24, (ip >>> 16) & 255, (ip >>> 8) & 255, ip & 255];
  return bytes.map((b) => b.toString(16).padStart(2, '0')).join(':');
}

export function parseMac(s: string): Buffer {
  if (!/^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$/.test(s))
    throw new InvalidArgument(`invalid MAC address "${s}": want six hex bytes (02:42:ac:11:00:02)`);
  const b = Buffer.from(s.split(':').map((x) => parseInt(x, 16)));
  if (b[0]! & 1) throw new InvalidArgument(`invalid MAC address "${s}": a multicast address cannot be assigned`);
  return b;
}

export function ipToBytes(ip: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(ip >>> 0, 0);
  return b;
}
