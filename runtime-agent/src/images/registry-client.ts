/**
 * A client of the OCI distribution API (and Docker Registry v2): manifests by tag or digest, blobs
 * (ranged reads for resumption), uploads (HEAD to skip, cross-repository mount, chunked PATCH, PUT
 * with the digest) and tag lists. Every request is authorised for its scope (auth via
 * registry/token.ts), idempotent ones are retried with backoff on connection errors, 429 and 5xx,
 * and registry error bodies become clear typed errors.
 */
import type { Readable } from 'node:stream';
import {
  BerthError,
  Forbidden,
  InvalidArgument,
  NotFound,
  NotImplemented,
  Unauthorized,
  Unavailable,
  errorMessage,
} from '../errdefs';
import { hasCredentials, type Credentials } from './auth';
import { parseDigest, sha256Digest, type Digest } from './digest';
import { MANIFEST_ACCEPT, MAX_MANIFEST_BYTES, detectMediaType } from './manifest';
import { Endpoints } from './registry/endpoints';
import { Authorizer, TokenCache } from './registry/token';
import { Transport, header, isTransient, readBody, type HttpResponse, type RequestOptions } from './registry/transport';
import { DEFAULT_BACKOFF, backoffDelay, retryAfterMs, sleep } from './retry';

export interface RegistryClientOptions {
  insecureRegistries: readonly string[];
  userAgent: string;
  /** Attempts for idempotent requests (default 5). */
  attempts?: number;
  /** First backoff delay in ms (default 200). */
  backoffMs?: number;
}

export class RegistryClient {
  readonly transport: Transport;
  readonly endpoints: Endpoints;
  readonly tokens = new TokenCache();
  private readonly authorizers = new Map<string, Authorizer>();

  constructor(readonly opts: RegistryClientOptions) {
    this.transport = new Transport(opts.userAgent);
    this.endpoints = new Endpoints(this.transport, opts.insecureRegistries);
  }

  repository(ref: { domain: string; path: string }, credentials?: Credentials, signal?: AbortSignal): Repository {
    return new Repository(this, ref.domain, ref.path, credentials, signal);
  }

  /** @internal one authorizer per host and identity, so challenges and tokens are learnt once. */
  authorizer(domain: string, credentials: Credentials | undefined): Authorizer {
    const who = hasCredentials(credentials) ? JSON.stringify(credentials) : '';
    const key = `${domain}|${who}`;
    let a = this.authorizers.get(key);
    if (!a) {
      a = new Authorizer({
        transport: this.transport,
        cache: this.tokens,
        host: domain,
        credentials,
        allowHttpRealm: this.endpoints.isInsecure(domain),
      });
      if (this.authorizers.size > 64) this.authorizers.delete(this.authorizers.keys().next().value!);
      this.authorizers.set(key, a);
    }
    return a;
  }

  close(): void {
    this.transport.close();
  }
}

interface SendOptions {
  method: RequestOptions['method'];
  /** Path under /v2/<name>/, or an absolute URL (upload locations). */
  path?: string;
  url?: URL;
  headers?: Record<string, string>;
  body?: RequestOptions['body'];
  push?: boolean;
  extraScopes?: string[];
  retry?: boolean;
}

/** A registry error body: {"errors":[{"code","message","detail"}]}. */
function registryMessage(body: Buffer): { code?: string; message: string } | undefined {
  try {
    const doc = JSON.parse(body.toString('utf8')) as { errors?: Array<{ code?: string; message?: string }> };
    const e = doc.errors?.[0];
    if (e)
      return {
        code: e.code,
        message: [e.code?.toLowerCase().replace(/_/g, ' '), e.message].filter(Boolean).join(': '),
      };
  } catch {
    /* not JSON */
  }
  return undefined;
}

export class Repository {
  private readonly auth: Authorizer;

  constructor(
    private readonly client: RegistryClient,
    readonly domain: string,
    readonly path: string,
    private readonly credentials: Credentials | undefined,
    private readonly signal: AbortSignal | undefined,
  ) {
    this.auth = client.authorizer(domain, credentials);
  }

  private async send(o: SendOptions): Promise<HttpResponse> {
    const ep = await this.client.endpoints.resolve(this.domain, this.signal);
    const url = o.url ?? new URL(`/v2/${this.path}/${o.path ?? ''}`, ep.base);
    const scopes = [`repository:${this.path}:${o.push ? 'pull,push' : 'pull'}`, ...(o.extraScopes ?? [])];
    const attempts = o.retry === false ? 1 : (this.client.opts.attempts ?? DEFAULT_BACKOFF.attempts);
    const backoff = { ...DEFAULT_BACKOFF, baseMs: this.client.opts.backoffMs ?? DEFAULT_BACKOFF.baseMs };
    let fresh = false;
    let authRetried = false;
    for (let attempt = 1; ; attempt++) {
      let res: HttpResponse;
      try {
        const authz = await this.auth.header(scopes, fresh, this.signal);
        res = await this.client.transport.request({
          method: o.method,
          url,
          headers: { ...o.headers, ...(authz ? { Authorization: authz } : {}) },
          body: o.body,
          signal: this.signal,
          insecureTls: ep.insecureTls,
        });
      } catch (err) {
        if (err instanceof BerthError) throw err;
        if (attempt < attempts && isTransient(err) && !this.signal?.aborted) {
          await sleep(backoffDelay(attempt, backoff), this.signal);
          continue;
        }
        throw new Unavailable(`cannot reach registry ${this.domain}: ${errorMessage(err)}`, { cause: err });
      }
      if (res.status === 401 && !authRetried) {
        const ch = this.auth.learn(header(res, 'www-authenticate'));
        if (ch && (ch.scheme === 'bearer' || hasCredentials(this.credentials))) {
          res.body.resume();
          authRetried = true;
          fresh = true;
          attempt--;
          continue;
        }
      }
      fresh = false;
      if ([429, 500, 502, 503, 504].includes(res.status) && attempt < attempts) {
        res.body.resume();
        const wait = retryAfterMs(header(res, 'retry-after'), backoff.maxMs) ?? backoffDelay(attempt, backoff);
        await sleep(wait, this.signal);
        continue;
      }
      return res;
    }
  }

  /** Turn an unexpected response into a typed error. */
  private async fail(res: HttpResponse, what: string): Promise<never> {
    const body = await readBody(res.body, 64 * 1024, 'error body').catch(() => Buffer.alloc(0));
    const rm = registryMessage(body);
    const msg = rm?.message ?? `HTTP ${res.status}`;
    const where = `${this.domain}/${this.path}`;
    switch (res.status) {
      case 401:
        throw new Unauthorized(
          hasCredentials(this.credentials)
            ? `${what}: unauthorized: registry ${this.domain} refused the credentials${this.credentials?.username ? ` of user "${this.credentials.username}"` : ''} (${msg})`
            : `${what}: unauthorized: ${msg}; registry ${this.domain} needs credentials (docker login ${this.domain})`,
        );
      case 403:
        throw new Forbidden(`${what}: ${rm?.message ?? 'denied: requested access to the resource is denied'}`);
      case 404:
        throw new NotFound(`${what}: ${rm?.message ?? 'not found'} (${where})`);
      case 405:
        throw new NotImplemented(`${what}: registry ${this.domain} does not allow this operation (${msg})`);
      default:
        if (res.status >= 500 || res.status === 429) {
          throw new Unavailable(`${what}: registry ${this.domain} answered ${res.status}: ${msg}`);
        }
        throw new InvalidArgument(`${what}: registry ${this.domain} answered ${res.status}: ${msg}`);
    }
  }

  /** GET a manifest or index by tag or digest; by digest, the content is verified. */
  async getManifest(reference: string): Promise<{ data: Buffer; mediaType: string; digest: Digest }> {
    const res = await this.send({
      method: 'GET',
      path: `manifests/${reference}`,
      headers: { Accept: MANIFEST_ACCEPT },
    });
    if (res.status !== 200) await this.fail(res, `manifest ${this.path}:${reference}`);
    const data = await readBody(res.body, MAX_MANIFEST_BYTES, `manifest ${reference}`);
    const digest = sha256Digest(data);
    if (reference.startsWith('sha256:') && digest !== reference) {
      throw new InvalidArgument(`manifest digest mismatch: asked for ${reference}, the registry sent ${digest}`);
    }
    return { data, mediaType: detectMediaType(data, header(res, 'content-type')), digest };
  }

  async blobExists(digest: Digest): Promise<number | undefined> {
    const res = await this.send({ method: 'HEAD', path: `blobs/${digest}`, push: false });
    res.body.resume();
    if (res.status === 200) return Number(header(res, 'content-length') ?? -1);
    if (res.status === 404) return undefined;
    return this.fail(res, `checking blob ${digest}`);
  }

  /** GET a blob from `offset` (a ranged request when > 0): status 200 (whole) or 206 (partial). */
  async fetchBlob(digest: Digest, offset = 0): Promise<HttpResponse> {
    const res = await this.send({
      method: 'GET',
      path: `blobs/${digest}`,
      headers: offset > 0 ? { Range: `bytes=${offset}-` } : {},
    });
    if (res.status === 200 || res.status === 206) return res;
    if (res.status === 416 && offset > 0) {
      res.body.resume();
      return this.fetchBlob(digest, 0);
    }
    return this.fail(res, `fetching blob ${digest}`);
  }

  async fetchSmallBlob(digest: Digest, limit: number): Promise<Buffer> {
    const res = await this.fetchBlob(digest);
    const data = await readBody(res.body, limit, `blob ${digest}`);
    const got = sha256Digest(data);
    if (got !== digest) throw new InvalidArgument(`digest mismatch: expected ${digest}, the registry sent ${got}`);
    return data;
  }

  /** Try to mount a blob from another repository of the same registry; else start an upload. */
  async mountOrStart(
    digest: Digest,
    from: string | undefined,
  ): Promise<{ mounted: true } | { mounted: false; location: URL }> {
    const q = from ? `?mount=${encodeURIComponent(digest)}&from=${encodeURIComponent(from)}` : '';
    const res = await this.send({
      method: 'POST',
      path: `blobs/uploads/${q}`,
      push: true,
      extraScopes: from ? [`repository:${from}:pull`] : [],
      body: Buffer.alloc(0),
      retry: true,
    });
    res.body.resume();
    if (res.status === 201 && from) return { mounted: true };
    if (res.status !== 202) return this.fail(res, `starting the upload of ${digest}`);
    return { mounted: false, location: this.location(res) };
  }

  private location(res: HttpResponse): URL {
    const loc = header(res, 'location');
    if (!loc) throw new Unavailable(`registry ${this.domain} sent no upload location`);
    return new URL(loc, res.url);
  }

  /** PATCH one chunk [start, start+length) of an upload; returns the next location. */
  async uploadChunk(location: URL, body: () => Readable, start: number, length: number): Promise<URL> {
    const res = await this.send({
      method: 'PATCH',
      url: location,
      push: true,
      headers: {
        'Content-Type': 'application/octet-stream',
        'Content-Length': String(length),
        'Content-Range': `${start}-${start + length - 1}`,
      },
      body,
      retry: false,
    });
    res.body.resume();
    if (res.status !== 202 && res.status !== 204) return this.fail(res, 'uploading a chunk');
    return this.location(res);
  }

  /** Complete an upload with the blob's digest. */
  async finishUpload(location: URL, digest: Digest): Promise<void> {
    const url = new URL(location);
    url.searchParams.set('digest', digest);
    const res = await this.send({
      method: 'PUT',
      url,
      push: true,
      headers: { 'Content-Type': 'application/octet-stream' },
      body: Buffer.alloc(0),
      retry: false,
    });
    res.body.resume();
    if (res.status !== 201 && res.status !== 204) return this.fail(res, `completing the upload of ${digest}`);
  }

  async putManifest(reference: string, mediaType: string, data: Buffer): Promise<Digest> {
    const res = await this.send({
      method: 'PUT',
      path: `manifests/${reference}`,
      push: true,
      headers: { 'Content-Type': mediaType },
      body: data,
    });
    res.body.resume();
    if (res.status !== 201 && res.status !== 200 && res.status !== 202) {
      return this.fail(res, `pushing manifest ${this.path}:${reference}`);
    }
    const d = header(res, 'docker-content-digest');
    return d ? parseDigest(d) : sha256Digest(data);
  }

  async listTags(): Promise<string[]> {
    const out: string[] = [];
    let next: string | undefined = 'tags/list?n=1000';
    for (let page = 0; next && page < 100; page++) {
      const res: HttpResponse = await this.send({ method: 'GET', path: next });
      if (res.status !== 200) await this.fail(res, `listing tags of ${this.path}`);
      const doc = JSON.parse((await readBody(res.body, 16 * 1024 * 1024, 'tag list')).toString('utf8')) as {
        tags?: unknown;
      };
      if (Array.isArray(doc.tags)) out.push(...doc.tags.filter((t): t is string => typeof t === 'string'));
      const link = /<([^>]+)>;\s*rel="next"/.exec(header(res, 'link') ?? '');
      next = link ? link[1]!.replace(/^\/v2\/[^?]*\/tags\/list/, 'tags/list') : undefined;
    }
    return out;
  }
}
