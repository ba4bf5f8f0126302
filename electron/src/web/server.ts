/**
 * Web mode's HTTP server on 127.0.0.1: the built UI (index.html carries the token for the page's
 * own calls), build-context uploads (POST, token header, same origin), and the WebSocket.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { UPLOAD_PATH } from '../contract/protocol';
import type { AppServices } from '../services/app';
import { toErrorPayload } from '../services/errors';
import { COOKIE, apiAuthorized, originAllowed, pageAuthorized } from './auth';
import { serveStatic } from './static';
import { attachWebSocket } from './ws-server';

export interface WebServerOptions {
  services: AppServices;
  rendererDir: string;
  token: string;
  host?: string;
  port?: number;
}

export interface WebServer {
  readonly url: string;
  readonly port: number;
  readonly wsClients: number;
  close(): Promise<void>;
}

function csp(origin: string): string {
  const ws = origin.replace(/^http/, 'ws');
  return `default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self' ${ws}; font-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'`;
}

function json(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': String(Buffer.byteLength(text)),
    'Cache-Control': 'no-store',
  });
  res.end(text);
}

export async function startWebServer(o: WebServerOptions): Promise<WebServer> {
  const host = o.host ?? '127.0.0.1';
  const origins = new Set<string>();
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    // DNS rebinding: a page of another site whose name now points at 127.0.0.1 sends its own Host.
    if (!origins.has(`http://${req.headers.host ?? ''}`)) {
      req.resume();
      res.writeHead(421, { 'Content-Type': 'text/plain' }).end('Berth web mode answers on 127.0.0.1 only.\n');
      return;
    }
    if (url.pathname === UPLOAD_PATH) {
      if (req.method !== 'POST')
        return json(res, 405, { ok: false, error: { code: 'InvalidArgument', message: 'POST only' } });
      if (!originAllowed(req, origins) || !apiAuthorized(req, o.token)) {
        req.resume();
        return json(res, 401, { ok: false, error: { code: 'Unauthorized', message: 'the token is missing or wrong' } });
      }
      const len = Number(req.headers['content-length'] ?? 0);
      if (len > o.services.uploads.maxBytes) {
        req.resume();
        return json(res, 413, { ok: false, error: { code: 'ResourceExhausted', message: 'the upload is too large' } });
      }
      const name = url.searchParams.get('name') ?? 'context';
      o.services.uploads.put(name, req).then(
        (v) => json(res, 200, { ok: true, value: v }),
        (err: unknown) => json(res, 400, { ok: false, error: toErrorPayload(err) }),
      );
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD' }).end();
      return;
    }
    if (!pageAuthorized(req, url, o.token)) {
      res
        .writeHead(401, { 'Content-Type': 'text/plain; charset=utf-8' })
        .end('Berth web mode: open the URL with its token.\n');
      return;
    }
    const origin = origins.has(`http://${req.headers.host}`) ? `http://${req.headers.host}` : ([...origins][0] ?? '');
    const headers: Record<string, string> = {
      'Content-Security-Policy': csp(origin),
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
      'Cross-Origin-Opener-Policy': 'same-origin',
      'X-Frame-Options': 'DENY',
    };
    if (url.searchParams.has('token'))
      headers['Set-Cookie'] = `${COOKIE}=${o.token}; HttpOnly; SameSite=Strict; Path=/`;
    const meta = `<meta name="berth-token" content="${o.token}">`;
    serveStatic(
      o.rendererDir,
      url.pathname,
      res,
      headers,
      (html) => html.replace('</head>', `  ${meta}\n  </head>`),
      req.method === 'HEAD',
    );
  });
  server.headersTimeout = 30_000;
  server.requestTimeout = 0; // uploads may be large
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  origins.add(`http://${host}:${port}`);
  if (host === '127.0.0.1') origins.add(`http://localhost:${port}`);
  const ws = attachWebSocket(server, {
    token: o.token,
    allowedOrigins: () => origins,
    dispatcher: o.services.dispatcher,
  });
  return {
    url: `http://${host}:${port}/?token=${o.token}`,
    port,
    get wsClients() {
      return ws.clients;
    },
    async close() {
      ws.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
