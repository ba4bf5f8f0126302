/**
 * Content digests ("sha256:<64 hex>"). Only sha256 is accepted for content we store: it is what
 * every registry and both image specs use, and one algorithm keeps the on-disk layout simple.
 */
import crypto from 'node:crypto';
import { InvalidArgument } from '../errdefs';

export type Digest = `sha256:${string}`;

const SHA256_RE = /^sha256:[a-f0-9]{64}$/;
const ANY_DIGEST_RE = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;

export function isDigest(s: string): s is Digest {
  return SHA256_RE.test(s);
}

/** Validate a digest string; other algorithms are refused with a clear message. */
export function parseDigest(s: string): Digest {
  if (SHA256_RE.test(s)) return s as Digest;
  if (ANY_DIGEST_RE.test(s) && !s.startsWith('sha256:')) {
    throw new InvalidArgument(`unsupported digest algorithm in "${s}": only sha256 is supported`);
  }
  throw new InvalidArgument(`invalid digest "${s}": want sha256:<64 hex digits>`);
}

export function hexOf(d: Digest): string {
  return d.slice('sha256:'.length);
}

export function sha256Digest(data: Buffer | string): Digest {
  return `sha256:${crypto.createHash('sha256').update(data).digest('hex')}`;
}

/** Docker's short ID: the first 12 hex digits. */
export function shortId(d: string): string {
  return (d.startsWith('sha256:') ? d.slice(7) : d).slice(0, 12);
}
