/**
 * Image references, normalised as Docker does (distribution/reference semantics):
 *   busybox                    → docker.io/library/busybox:latest
 *   user/app:1                 → docker.io/user/app:1
 *   host:5000/ns/app@sha256:…  → host:5000/ns/app@sha256:…
 * The first path component is a registry host when it holds a "." or ":" or is "localhost".
 */
import { InvalidArgument } from '../errdefs';
import { parseDigest, type Digest } from './digest';

export const DEFAULT_DOMAIN = 'docker.io';
export const LEGACY_DEFAULT_DOMAIN = 'index.docker.io';
export const OFFICIAL_REPO_PREFIX = 'library/';
export const DEFAULT_TAG = 'latest';
const MAX_NAME_LENGTH = 255;

const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const DOMAIN_LABEL = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN = new RegExp(`^(?:${DOMAIN_LABEL}(?:\\.${DOMAIN_LABEL})*|\\[[a-fA-F0-9:]+\\])(?::[0-9]+)?$`);
const TAG = /^[\w][\w.-]{0,127}$/;
const HEX64 = /^[a-f0-9]{64}$/;

export interface Reference {
  /** Registry host (and port): docker.io, 127.0.0.1:5000, ghcr.io … */
  readonly domain: string;
  /** Repository path inside the registry: library/busybox, berth-test/busybox … */
  readonly path: string;
  readonly tag?: string | undefined;
  readonly digest?: Digest | undefined;
}

function invalid(s: string, why: string): InvalidArgument {
  return new InvalidArgument(`invalid reference format: ${why} ("${s}")`);
}

/** Split off the domain the way Docker does; returns [domain, remainder]. */
function splitDomain(name: string): [string, string] {
  const i = name.indexOf('/');
  const first = i === -1 ? '' : name.slice(0, i);
  if (i === -1 || (!/[.:]/.test(first) && first !== 'localhost' && first.toLowerCase() === first)) {
    return [DEFAULT_DOMAIN, name];
  }
  return [first, name.slice(i + 1)];
}

/**
 * Parse and normalise a reference. Without a tag or digest the result has neither; use
 * `withDefaultTag` to add ":latest" where Docker would.
 */
export function parseReference(input: string): Reference {
  const s = input.trim();
  if (s === '') throw invalid(input, 'empty reference');
  if (HEX64.test(s)) {
    throw new InvalidArgument(`invalid repository name (${s}), cannot specify 64-byte hexadecimal strings`);
  }
  let rest = s;
  let digest: Digest | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    try {
      digest = parseDigest(rest.slice(at + 1));
    } catch (err) {
      throw invalid(input, (err as Error).message);
    }
    rest = rest.slice(0, at);
  }
  let tag: string | undefined;
  const lastSlash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  if (colon > lastSlash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) throw invalid(input, `invalid tag "${tag}"`);
  }
  if (rest === '') throw invalid(input, 'missing repository name');
  let [domain, path] = splitDomain(rest);
  if (!DOMAIN.test(domain)) throw invalid(input, `invalid registry host "${domain}"`);
  if (domain === LEGACY_DEFAULT_DOMAIN) domain = DEFAULT_DOMAIN;
  if (domain === DEFAULT_DOMAIN && !path.includes('/')) path = OFFICIAL_REPO_PREFIX + path;
  if (path.toLowerCase() !== path) {
    throw new InvalidArgument(`invalid reference format: repository name (${path}) must be lowercase`);
  }
  for (const c of path.split('/')) {
    if (!COMPONENT.test(c)) throw invalid(input, `invalid repository name component "${c}"`);
  }
  if (domain.length + 1 + path.length > MAX_NAME_LENGTH) {
    throw invalid(input, `repository name must not be longer than ${MAX_NAME_LENGTH} characters`);
  }
  return { domain, path, tag, digest };
}

/** Add ":latest" when the reference has neither tag nor digest. */
export function withDefaultTag(ref: Reference): Reference {
  return ref.tag || ref.digest ? ref : { ...ref, tag: DEFAULT_TAG };
}

/** Parse, defaulting the tag: what `docker pull NAME` means. */
export function parseNormalized(input: string): Reference {
  return withDefaultTag(parseReference(input));
}

/** domain/path: docker.io/library/busybox */
export function repoName(ref: Pick<Reference, 'domain' | 'path'>): string {
  return `${ref.domain}/${ref.path}`;
}

/** The full normalised string: docker.io/library/busybox:latest[@sha256:…] */
export function refString(ref: Reference): string {
  return repoName(ref) + (ref.tag ? `:${ref.tag}` : '') + (ref.digest ? `@${ref.digest}` : '');
}

/** Docker's "familiar" name: busybox, user/app, host:5000/ns/app. */
export function familiarName(ref: Pick<Reference, 'domain' | 'path'>): string {
  if (ref.domain !== DEFAULT_DOMAIN) return repoName(ref);
  return ref.path.startsWith(OFFICIAL_REPO_PREFIX) ? ref.path.slice(OFFICIAL_REPO_PREFIX.length) : ref.path;
}

export function familiarString(ref: Reference): string {
  return familiarName(ref) + (ref.tag ? `:${ref.tag}` : '') + (ref.digest ? `@${ref.digest}` : '');
}

/** Name and tag only (drops a digest): the key a tag is stored under. */
export function tagged(ref: Reference, tag: string): Reference {
  if (!TAG.test(tag)) throw new InvalidArgument(`invalid tag format: "${tag}"`);
  return { domain: ref.domain, path: ref.path, tag };
}

export function digested(ref: Pick<Reference, 'domain' | 'path'>, digest: Digest): Reference {
  return { domain: ref.domain, path: ref.path, digest };
}

export function isValidTag(tag: string): boolean {
  return TAG.test(tag);
}
