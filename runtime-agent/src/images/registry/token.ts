/**
 * Registry authorization from WWW-Authenticate challenges: Basic (credentials on every request)
 * and Bearer (a token from the realm for the request's scopes, cached until it expires, fetched
 * with Basic credentials, an OAuth2 refresh token, or anonymously).
 */
import { InvalidArgument, Unauthorized } from '../../errdefs';
import type { Credentials } from '../auth';
import { readBody, type Transport } from './transport';

export interface Challenge {
  scheme: 'basic' | 'bearer';
  params: Record<string, string>;
}

/** Parse `Bearer realm="…",service="…",scope="…"` (quoted strings may hold commas and \"). */
export function parseChallenge(header: string | undefined): Challenge | undefined {
  if (!header) return undefined;
  const m = /^\s*([A-Za-z]+)\s*(.*)$/s.exec(header);
  if (!m) return undefined;
  const scheme = m[1]!.toLowerCase();
  if (scheme !== 'basic' && scheme !== 'bearer') return undefined;
  const params: Record<string, string> = {};
  const re = /([A-Za-z0-9_-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))\s*,?\s*/gy;
  const rest = m[2]!;
  re.lastIndex = 0;
  let p: RegExpExecArray | null;
  while ((p = re.exec(rest)) !== null && p[0] !== '') {
    params[p[1]!.toLowerCase()] = p[2] !== undefined ? p[2].replace(/\\(.)/g, '$1') : (p[3] ?? '');
  }
  return { scheme, params };
}

interface CachedToken {
  token: string;
  expiresAt: number;
}

function basic(c: Credentials): string {
  return 'Basic ' + Buffer.from(`${c.username ?? ''}:${c.password ?? ''}`).toString('base64');
}

/** Tokens shared by every repository client of the daemon. */
export class TokenCache {
  private readonly tokens = new Map<string, CachedToken>();

  get(key: string): string | undefined {
    const t = this.tokens.get(key);
    if (!t) return undefined;
    if (Date.now() >= t.expiresAt) {
      this.tokens.delete(key);
      return undefined;
    }
    return t.token;
  }

  set(key: string, token: string, ttlSeconds: number): void {
    // Renew a little early; never cache past what the server said.
    const ttl = Math.max(1, ttlSeconds - Math.min(10, ttlSeconds / 4));
    this.tokens.set(key, { token, expiresAt: Date.now() + ttl * 1000 });
  }

  delete(key: string): void {
    this.tokens.delete(key);
  }

  get size(): number {
    return this.tokens.size;
  }
}

export interface AuthorizerOptions {
  transport: Transport;
  cache: TokenCache;
  host: string;
  credentials?: Credentials | undefined;
  /** Whether a plain-http token realm is acceptable (insecure or loopback registries). */
  allowHttpRealm: boolean;
}

/** Authorization for one registry host with one set of credentials. */
export class Authorizer {
  private challenge: Challenge | undefined;
  /** Token requests in flight, so parallel layer downloads share one. */
  private readonly inflight = new Map<string, Promise<string>>();

  constructor(private readonly o: AuthorizerOptions) {}

  get known(): Challenge | undefined {
    return this.challenge;
  }

  /** Learn the challenge from a 401 response. */
  learn(header: string | undefined): Challenge | undefined {
    const c = parseChallenge(header);
    if (c) this.challenge = c;
    return c;
  }

  private key(scopes: string[]): string {
    const c = this.challenge!;
    const who = this.o.credentials?.username ?? (this.o.credentials?.identityToken ? 'idtoken' : '');
    return [c.params.realm, c.params.service, [...scopes].sort().join(' '), who].join('|');
  }

  /** The Authorization header value for these scopes, or undefined (anonymous, no challenge yet). */
  async header(scopes: string[], fresh = false, signal?: AbortSignal): Promise<string | undefined> {
    const creds = this.o.credentials;
    if (creds?.registryToken) return `Bearer ${creds.registryToken}`;
    const c = this.challenge;
    if (!c) return undefined;
    if (c.scheme === 'basic') return creds?.username !== undefined ? basic(creds) : undefined;
    const key = this.key(scopes);
    if (!fresh) {
      const t = this.o.cache.get(key);
      if (t) return `Bearer ${t}`;
    } else this.o.cache.delete(key);
    let p = this.inflight.get(key);
    if (!p) {
      p = this.fetchToken(scopes, signal)
        .then(({ token, ttl }) => {
          this.o.cache.set(key, token, ttl);
          return token;
        })
        .finally(() => this.inflight.delete(key));
      this.inflight.set(key, p);
    }
    return `Bearer ${await p}`;
  }

  private async fetchToken(scopes: string[], signal: AbortSignal | undefined): Promise<{ token: string; ttl: number }> {
    const c = this.challenge!;
    const realm = c.params.realm;
    if (!realm) throw new Unauthorized(`registry ${this.o.host} sent a Bearer challenge without a realm`);
    let url: URL;
    try {
      url = new URL(realm);
    } catch {
      throw new InvalidArgument(`registry ${this.o.host} sent an invalid token realm "${realm}"`);
    }
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && this.o.allowHttpRealm)) {
      throw new Unauthorized(`refusing to send credentials to the non-https token realm ${realm}`);
    }
    const creds = this.o.credentials;
    const headers: Record<string, string> = { Accept: 'application/json' };
    let res;
    if (creds?.identityToken) {
      const form = new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: creds.identityToken,
        service: c.params.service ?? '',
        client_id: 'berth',
      });
      for (const s of scopes) form.append('scope', s);
      res = await this.o.transport.request({
        method: 'POST',
        url,
        headers: { ...headers, 'Content-Type': 'application/x-www-form-urlencoded' },
        body: Buffer.from(form.toString()),
        signal,
      });
    } else {
      if (c.params.service) url.searchParams.set('service', c.params.service);
      for (const s of scopes) url.searchParams.append('scope', s);
      if (creds?.username !== undefined) {
        headers.Authorization = basic(creds);
        url.searchParams.set('account', creds.username);
      }
      res = await this.o.transport.request({ method: 'GET', url, headers, signal });
    }
    const body = await readBody(res.body, 1024 * 1024, 'token response');
    if (res.status === 401 || res.status === 403) {
      throw new Unauthorized(
        creds?.username !== undefined
          ? `unauthorized: the token server of ${this.o.host} refused the credentials of user "${creds.username}" (incorrect username or password)`
          : `unauthorized: authentication required by ${this.o.host} (docker login first)`,
      );
    }
    if (res.status !== 200) {
      throw new Unauthorized(`token server ${url.host} answered ${res.status} for ${this.o.host}`);
    }
    let doc: { token?: unknown; access_token?: unknown; expires_in?: unknown };
    try {
      doc = JSON.parse(body.toString('utf8')) as typeof doc;
    } catch {
      throw new Unauthorized(`token server ${url.host} sent invalid JSON`);
    }
    const token =
      typeof doc.token === 'string' ? doc.token : typeof doc.access_token === 'string' ? doc.access_token : '';
    if (!token) throw new Unauthorized(`token server ${url.host} sent no token`);
    const ttl = typeof doc.expires_in === 'number' && doc.expires_in > 0 ? doc.expires_in : 60;
    return { token, ttl };
  }
}
