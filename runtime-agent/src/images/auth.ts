/**
 * Registry credentials: from the request (X-Registry-Auth, base64url JSON as the docker CLI sends
 * it) or from a docker-style config.json `auths` map (`--registry-auth-file`, default
 * /root/.docker/config.json). The request wins. Credential helpers (credsStore/credHelpers) would
 * mean running helper binaries as root on behalf of API callers: not supported, said clearly.
 */
import fs from 'node:fs';
import { InvalidArgument } from '../errdefs';
import { DEFAULT_DOMAIN } from './reference';

export interface Credentials {
  username?: string | undefined;
  password?: string | undefined;
  /** OAuth2 refresh token (docker login to a registry with identity tokens). */
  identityToken?: string | undefined;
  /** A bearer token to use as is. */
  registryToken?: string | undefined;
}

export const DEFAULT_AUTH_FILE = '/root/.docker/config.json';
const INDEX_SERVER = 'https://index.docker.io/v1/';

export function hasCredentials(c: Credentials | undefined): c is Credentials {
  return !!c && !!(c.username || c.password || c.identityToken || c.registryToken);
}

function fromAuthField(auth: string): { username: string; password: string } {
  const text = Buffer.from(auth, 'base64').toString('utf8');
  const i = text.indexOf(':');
  if (i < 0) throw new InvalidArgument('invalid auth field: want base64 of "user:password"');
  return { username: text.slice(0, i), password: text.slice(i + 1) };
}

function fromJson(obj: Record<string, unknown>): Credentials | undefined {
  const s = (k: string): string | undefined =>
    typeof obj[k] === 'string' && obj[k] !== '' ? (obj[k] as string) : undefined;
  const c: Credentials = {
    username: s('username'),
    password: s('password'),
    identityToken: s('identitytoken') ?? s('identityToken'),
    registryToken: s('registrytoken') ?? s('registryToken'),
  };
  const auth = s('auth');
  if (auth && !c.username && !c.password) Object.assign(c, fromAuthField(auth));
  return hasCredentials(c) ? c : undefined;
}

/** Decode the X-Registry-Auth header (base64url of JSON; "e30=" is `{}`, i.e. anonymous). */
export function decodeRegistryAuth(header: string | undefined): Credentials | undefined {
  if (!header || header.trim() === '') return undefined;
  let obj: unknown;
  try {
    const b64 = header.trim().replace(/-/g, '+').replace(/_/g, '/');
    obj = JSON.parse(Buffer.from(b64, 'base64').toString('utf8'));
  } catch {
    throw new InvalidArgument('invalid X-Registry-Auth header: want base64url-encoded JSON');
  }
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) {
    throw new InvalidArgument('invalid X-Registry-Auth header: not a JSON object');
  }
  return fromJson(obj as Record<string, unknown>);
}

/** The keys config.json may use for a registry host. */
export function authKeys(host: string): string[] {
  if (host === DEFAULT_DOMAIN || host === 'index.docker.io' || host === 'registry-1.docker.io') {
    return [
      INDEX_SERVER,
      'index.docker.io',
      'docker.io',
      'registry-1.docker.io',
      'https://index.docker.io',
      'https://registry-1.docker.io',
    ];
  }
  return [
    host,
    `https://${host}`,
    `http://${host}`,
    `https://${host}/v1/`,
    `https://${host}/v2/`,
    `http://${host}/v1/`,
  ];
}

/** A docker config.json, re-read when it changes. */
export class AuthFile {
  private cache: { mtimeMs: number; auths: Record<string, unknown>; helpers: boolean } | undefined;

  constructor(readonly path: string) {}

  private load(): { auths: Record<string, unknown>; helpers: boolean } {
    let st: fs.Stats;
    try {
      st = fs.statSync(this.path);
    } catch {
      this.cache = undefined;
      return { auths: {}, helpers: false };
    }
    if (this.cache && this.cache.mtimeMs === st.mtimeMs) return this.cache;
    let doc: Record<string, unknown>;
    try {
      doc = JSON.parse(fs.readFileSync(this.path, 'utf8')) as Record<string, unknown>;
    } catch (err) {
      throw new InvalidArgument(`registry auth file ${this.path} is not valid JSON: ${(err as Error).message}`);
    }
    const auths = typeof doc.auths === 'object' && doc.auths !== null ? (doc.auths as Record<string, unknown>) : {};
    const helpers =
      typeof doc.credsStore === 'string' || (typeof doc.credHelpers === 'object' && doc.credHelpers !== null);
    this.cache = { mtimeMs: st.mtimeMs, auths, helpers };
    return this.cache;
  }

  lookup(host: string): Credentials | undefined {
    const { auths } = this.load();
    for (const k of authKeys(host)) {
      const v = auths[k];
      if (typeof v === 'object' && v !== null) {
        const c = fromJson(v as Record<string, unknown>);
        if (c) return c;
      }
    }
    return undefined;
  }

  /** True when the file names credential helpers, which are not used (see the header comment). */
  usesHelpers(): boolean {
    return this.load().helpers;
  }
}

/** Credentials for a host: the request's, else the auth file's. */
export function credentialsFor(
  host: string,
  fromRequest: Credentials | undefined,
  file: AuthFile | undefined,
): Credentials | undefined {
  if (hasCredentials(fromRequest)) return fromRequest;
  return file?.lookup(host);
}
