/**
 * Timestamps in query strings (since/until of /events and /logs): moby sends Unix seconds with an
 * optional fraction ("1700000000.123456789"); RFC 3339 is accepted too. Results are nanoseconds.
 */
import { InvalidArgument } from '../errdefs';

export function parseTimestampNs(value: string, name = 'timestamp'): bigint {
  const v = value.trim();
  const m = /^(-?\d+)(?:\.(\d{1,9}))?$/.exec(v);
  if (m) {
    const secs = BigInt(m[1]!);
    const frac = (m[2] ?? '').padEnd(9, '0');
    const sign = secs < 0n ? -1n : 1n;
    return secs * 1_000_000_000n + sign * BigInt(frac || '0');
  }
  const ms = Date.parse(v);
  if (Number.isNaN(ms))
    throw new InvalidArgument(`invalid value for ${name}: "${value}" (want Unix seconds or RFC 3339)`);
  const fracMatch = /\.(\d+)/.exec(v);
  const extraNs = fracMatch ? BigInt((fracMatch[1]! + '000000000').slice(3, 9)) : 0n;
  return BigInt(ms) * 1_000_000n + extraNs;
}

export function nowNs(): bigint {
  return BigInt(Date.now()) * 1_000_000n;
}

/** RFC 3339 with nanoseconds, as Docker prints timestamps ("2024-01-02T03:04:05.123456789Z"). */
export function rfc3339Nano(ns: bigint): string {
  const ms = Number(ns / 1_000_000n);
  const base = new Date(ms).toISOString().slice(0, 19);
  const frac = (ns % 1_000_000_000n).toString().padStart(9, '0');
  return `${base}.${frac}Z`;
}
