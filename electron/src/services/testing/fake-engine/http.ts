/**
 * The fake engine's HTTP plumbing: a tiny router (moby-style paths with an optional /vX.Y prefix,
 * `{name*}` for image names with slashes), JSON bodies, and hijacked connections (101 UPGRADED).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';

export interface Ctx {
  req: IncomingMessage;
  res?: ServerResponse;
  socket?: Duplex;
  params: Record<string, string>;
  query: URLSearchParams;
  body(): Promise<unknown>;
  raw(): Promise<Buffer>;
  json(status: number, body: unknown): void;
  status(code: number): void;
  error(status: number, message: string): void;
  /** Start a streaming 200 response (headers flushed at once). */
  stream(contentType: string): ServerResponse;
  /** Answer 101 and hand over the raw connection. */
  hijack(): Duplex;
}

type Handler = (c: Ctx) => unknown;

interface Route {
  method: string;
  re: RegExp;
  names: string[];
  handler: Handler;
}

export class MiniRouter {
  private readonly routes: Route[] = [];

  on(method: string, pattern: string, handler: Handler): this {
    const names: string[] = [];
    const src = pattern.replace(/\{(\w+)(\*?)\}/g, (_m, n: string, g: string) => {
      names.push(n);
      return g ? '(.+)' : '([^/]+)';
    });
    this.routes.push({ method, re: new RegExp(`^${src}$`), names, handler });
    return this;
  }

  match(method: string, path: string): { handler: Handler; params: Record<string, string> } | undefined {
    const p = path.replace(/^\/v\d+\.\d+(?=\/)/, '');
    for (const r of this.routes) {
      if (r.method !== method && !(method === 'HEAD' && r.method === 'GET')) continue;
      const m = r.re.exec(p);
      if (!m) continue;
      const params: Record<string, string> = {};
      r.names.forEach((n, i) => (params[n] = decodeURIComponent(m[i + 1]!)));
      return { handler: r.handler, params };
    }
    return undefined;
  }
}

export function makeCtx(
  req: IncomingMessage,
  params: Record<string, string>,
  query: URLSearchParams,
  res?: ServerResponse,
  socket?: Duplex,
): Ctx {
  let rawBody: Promise<Buffer> | undefined;
  const raw = (): Promise<Buffer> =>
    (rawBody ??= new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => resolve(Buffer.concat(chunks)));
      req.on('error', reject);
    }));
  const json = (status: number, body: unknown): void => {
    const text = JSON.stringify(body);
    if (res) {
      res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(text)) });
      res.end(text);
    } else
      socket?.end(
        `HTTP/1.1 ${status} X\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(text)}\r\n\r\n${text}`,
      );
  };
  return {
    req,
    ...(res ? { res } : {}),
    ...(socket ? { socket } : {}),
    params,
    query,
    raw,
    async body() {
      const b = await raw();
      return b.length ? (JSON.parse(b.toString('utf8')) as unknown) : {};
    },
    json,
    status(code) {
      if (res) res.writeHead(code).end();
      else socket?.end(`HTTP/1.1 ${code} X\r\nContent-Length: 0\r\n\r\n`);
    },
    error(status, message) {
      json(status, { message });
    },
    stream(contentType) {
      if (!res) throw new Error('not a plain request');
      res.writeHead(200, { 'Content-Type': contentType });
      res.flushHeaders();
      return res;
    },
    hijack() {
      if (!socket) throw new Error('not an upgrade request');
      socket.write(
        'HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.raw-stream\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n',
      );
      return socket;
    },
  };
}

/** One frame of the engine's stdout/stderr multiplexing. */
export function frame(stream: 1 | 2, data: string | Buffer): Buffer {
  const payload = typeof data === 'string' ? Buffer.from(data) : data;
  const h = Buffer.alloc(8);
  h[0] = stream;
  h.writeUInt32BE(payload.length, 4);
  return Buffer.concat([h, payload]);
}

export const bool = (q: URLSearchParams, k: string): boolean => ['1', 'true', 'True'].includes(q.get(k) ?? '');
