/**
 * HTTP(S) for registries: keep-alive agents, timeouts, redirects (GET/HEAD only, as blob storage
 * does; Authorization is dropped when the host changes), bounded body reads, cancellation.
 */
import http, { type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import type { Agent as HttpsAgent } from 'node:https';
import type { Readable } from 'node:stream';
import { InvalidArgument, Unavailable } from '../../errdefs';
import { lazyHttps } from '../lazy';

export interface HttpResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: IncomingMessage;
  /** The URL that answered (after redirects). */
  url: URL;
}

export interface RequestOptions {
  method: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  url: URL;
  headers?: Record<string, string> | undefined;
  /** A buffer, or a factory for a stream (called again on a redirect). */
  body?: Buffer | (() => Readable) | undefined;
  signal?: AbortSignal | undefined;
  /** Skip TLS verification (insecure registries). */
  insecureTls?: boolean | undefined;
  maxRedirects?: number | undefined;
  /** Time to get response headers. */
  timeoutMs?: number | undefined;
  /** A connection silent for this long (also while a body streams) is dropped as ETIMEDOUT. */
  idleMs?: number | undefined;
}

/** Errors worth a retry: the connection, not the request, failed. */
export function isTransient(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | null)?.code ?? '';
  return (
    [
      'ECONNRESET',
      'ECONNREFUSED',
      'ETIMEDOUT',
      'EPIPE',
      'EAI_AGAIN',
      'ENETUNREACH',
      'EHOSTUNREACH',
      'ECONNABORTED',
      'ERR_STREAM_PREMATURE_CLOSE',
      'UND_ERR_SOCKET',
    ].includes(code) ||
    /socket hang up|aborted|premature close/i.test((err as Error | null)?.message ?? '') ||
    (err as { transient?: boolean } | null)?.transient === true
  );
}

export class Transport {
  private readonly httpAgent = new http.Agent({ keepAlive: true, maxSockets: 32, keepAliveMsecs: 10_000 });
  // TLS is loaded on the first https request (see ../lazy.ts).
  private httpsAgent: HttpsAgent | undefined;
  private insecureAgent: HttpsAgent | undefined;

  constructor(private readonly userAgent: string) {}

  async request(opts: RequestOptions): Promise<HttpResponse> {
    let url = opts.url;
    const headers: Record<string, string> = { 'User-Agent': this.userAgent, ...opts.headers };
    const max = opts.maxRedirects ?? 10;
    for (let hop = 0; ; hop++) {
      const res = await this.once(opts, url, headers);
      const loc = res.headers.location;
      const redirect = [301, 302, 303, 307, 308].includes(res.status) && loc;
      if (!redirect || (opts.method !== 'GET' && opts.method !== 'HEAD')) return res;
      res.body.resume();
      if (hop >= max) throw new Unavailable(`too many redirects from ${opts.url.host}`);
      const next = new URL(loc, url);
      if (next.protocol !== 'https:' && next.protocol !== 'http:') {
        throw new InvalidArgument(`registry redirected to an unsupported URL scheme: ${next.protocol}`);
      }
      if (next.host !== url.host) delete headers.Authorization;
      url = next;
    }
  }

  private once(opts: RequestOptions, url: URL, headers: Record<string, string>): Promise<HttpResponse> {
    const secure = url.protocol === 'https:';
    const https = secure ? lazyHttps() : undefined;
    const mod = https ?? http;
    let agent: http.Agent = this.httpAgent;
    if (https) {
      agent = opts.insecureTls
        ? (this.insecureAgent ??= new https.Agent({ keepAlive: true, maxSockets: 32, rejectUnauthorized: false }))
        : (this.httpsAgent ??= new https.Agent({ keepAlive: true, maxSockets: 32 }));
    }
    const body = typeof opts.body === 'function' ? opts.body() : opts.body;
    const h = { ...headers };
    if (Buffer.isBuffer(body)) h['Content-Length'] = String(body.length);
    return new Promise<HttpResponse>((resolve, reject) => {
      const req = mod.request(url, { method: opts.method, headers: h, agent, signal: opts.signal }, (res) => {
        clearTimeout(timer);
        res.on('error', () => undefined); // consumers see errors through their own reads
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: res, url });
      });
      const timer = setTimeout(() => {
        const e = new Error(`timeout waiting for ${url.host}`) as NodeJS.ErrnoException;
        e.code = 'ETIMEDOUT';
        req.destroy(e);
      }, opts.timeoutMs ?? 60_000);
      req.setTimeout(opts.idleMs ?? 120_000, () => {
        const e = new Error(`connection to ${url.host} idle for too long`) as NodeJS.ErrnoException;
        e.code = 'ETIMEDOUT';
        req.destroy(e);
      });
      req.on('error', (err) => {
        clearTimeout(timer);
        if (body && !Buffer.isBuffer(body)) body.destroy();
        reject(err);
      });
      if (body === undefined) req.end();
      else if (Buffer.isBuffer(body)) req.end(body);
      else {
        body.on('error', (err) => req.destroy(err));
        body.pipe(req);
      }
    });
  }

  close(): void {
    this.httpAgent.destroy();
    this.httpsAgent?.destroy();
    this.insecureAgent?.destroy();
  }
}

/** Read a whole (small) response body; refuse more than `limit` bytes. */
export async function readBody(res: IncomingMessage, limit: number, what: string): Promise<Buffer> {
  const declared = Number(res.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    res.destroy();
    throw new InvalidArgument(`${what} is ${declared} bytes, larger than the ${limit}-byte limit`);
  }
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of res as AsyncIterable<Buffer>) {
    n += c.length;
    if (n > limit) {
      res.destroy();
      throw new InvalidArgument(`${what} is larger than the ${limit}-byte limit`);
    }
    chunks.push(c);
  }
  return Buffer.concat(chunks);
}

export function header(res: HttpResponse, name: string): string | undefined {
  const v = res.headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}
