/**
 * Cache keys: each step's key is the sha256 of its parent's key and its own inputs (the expanded
 * instruction as Docker compares it, the build-arg environment a RUN sees, the content digests of
 * COPY/ADD sources). A change in one step therefore changes that step's key and every later one.
 */
import { createHash } from 'node:crypto';

/** JSON with object keys sorted, so equal inputs always hash equally. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return '[' + value.map((v) => canonicalJson(v === undefined ? null : v)).join(',') + ']';
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj)
    .filter((k) => obj[k] !== undefined)
    .sort();
  return '{' + keys.map((k) => JSON.stringify(k) + ':' + canonicalJson(obj[k])).join(',') + '}';
}

export function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

export function chainKey(parent: string, inputs: Record<string, unknown>): string {
  return 'sha256:' + sha256Hex(canonicalJson({ parent, inputs }));
}

export function baseKey(baseIdentity: string, platform: string | undefined): string {
  return chainKey('', { op: 'from', base: baseIdentity, platform: platform ?? null });
}
