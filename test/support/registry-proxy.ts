/**
 * A fault-injecting HTTP proxy in front of a test registry (loopback, free port): every request is
 * logged (method, path, Range) and a test-chosen rule may answer it instead, corrupt the body,
 * cut the connection after some bytes, or stall. Used for retries, resumption, digest mismatch
 * and killed-mid-pull tests.
 */
import http from 'node:http';
import { freePort } from './ports';

export interface ProxiedRequest {
  method: string;
  path: string;
  range?: string | undefined;
}

export type Fault =
  | { kind: 'status'; status: number; body?: string; headers?: Record<string, string> }
  /** Flip a byte of the body (same length). */
  | { kind: 'corrupt' }
  /** Send this many body bytes, then destroy the connection. */
  | { kind: 'drop'; afterBytes: number }
  /** Send this many body bytes, then hold the connection open until released. */
  | { kind: 'stall'; afterBytes: number }
  /** Replace the body (Content-Length adjusted). */
  | { kind: 'body'; body: Buffer; contentType?: string };

export type Rule = (r: ProxiedRequest) => Fault | undefined;

export interface RegistryProxy {
  readonly host: string;
  readonly log: ProxiedRequest[];
  rule: Rule | undefined;
  /** Release stalled responses (they are then destroyed). */
  releaseStalled(): void;
  stop(): Promise<void>;
}

export async function startRegistryProxy(upstream: string): Promise<RegistryProxy> {
  const target = new URL(upstream);
  const port = await freePort();
  const stalled = new Set<http.ServerResponse>();
  const proxy: RegistryProxy = {
    host: `127.0.0.1:${port}`,
    log: [],
    rule: undefined,
    releaseStalled() {
      for (const r of stalled) r.destroy();
      stalled.clear();
    },
    stop: async () => undefined,
  };
  const server = http.createServer((req, res) => {
    const entry: ProxiedRequest = {
      method: req.method ?? 'GET',
      path: req.url ?? '/',
      range: typeof req.headers.range === 'string' ? req.headers.range : undefined,
    };
    proxy.log.push(entry);
    const fault = proxy.rule?.(entry);
    if (fault?.kind === 'status') {
      req.resume();
      res.writeHead(fault.status, { 'Content-Type': 'application/json', ...fault.headers });
      res.end(fault.body ?? JSON.stringify({ errors: [{ code: 'UNKNOWN', message: `injected ${fault.status}` }] }));
      return;
    }
    const headers = { ...req.headers, host: target.host };
    const up = http.request(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers },
      (ures) => {
        const h = { ...ures.headers };
        if (ures.headers.location) {
          h.location = ures.headers.location.replace(target.host, proxy.host);
        }
        if (fault?.kind === 'body') {
          ures.resume();
          h['content-length'] = String(fault.body.length);
          if (fault.contentType) h['content-type'] = fault.contentType;
          delete h['docker-content-digest'];
          res.writeHead(ures.statusCode ?? 502, h);
          res.end(fault.body);
          return;
        }
        res.writeHead(ures.statusCode ?? 502, h);
        let sent = 0;
        let corrupted = false;
        ures.on('data', (chunk: Buffer) => {
          if (fault?.kind === 'corrupt' && !corrupted && chunk.length > 0) {
            chunk = Buffer.from(chunk);
            chunk[Math.floor(chunk.length / 2)] ^= 0xff;
            corrupted = true;
          }
          if (fault?.kind === 'drop' || fault?.kind === 'stall') {
            const room = fault.afterBytes - sent;
            if (room <= 0) return;
            const part = chunk.subarray(0, room);
            sent += part.length;
            res.write(part);
            if (sent >= fault.afterBytes) {
              ures.destroy();
              if (fault.kind === 'drop') setTimeout(() => res.destroy(), 20);
              else stalled.add(res);
            }
            return;
          }
          res.write(chunk);
        });
        ures.on('end', () => {
          if (fault?.kind !== 'drop' && fault?.kind !== 'stall') res.end();
        });
        ures.on('error', () => res.destroy());
      },
    );
    up.on('error', () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    req.pipe(up);
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  proxy.stop = async () => {
    proxy.releaseStalled();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return proxy;
}
