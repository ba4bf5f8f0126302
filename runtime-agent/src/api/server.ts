/**
 * The Engine API server: one http.Server listening on every unix socket given with -H.
 * Sockets are created with mode 0660 (root, plus --group when given): never world-writable.
 * Upgrade requests (attach, exec start) are routed like the others and may hijack the socket.
 */
import fs from 'node:fs';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import net from 'node:net';
import path from 'node:path';
import type { Duplex } from 'node:stream';
import { BerthError, Conflict, InvalidArgument, errorMessage } from '../errdefs';
import type { Logger } from '../daemon/logger';
import { API_VERSION, BERTH_VERSION } from '../version';
import { createContext, type RouteContext } from './context';
import { errorBody, statusOf } from './errors';
import { Router, routeNotFound, splitVersion } from './router';

export interface ApiServerOptions {
  router: Router;
  log: Logger;
  /** Group name or gid that may use the socket; root only when undefined. */
  group?: string | undefined;
}

export class ApiServer {
  private readonly server: http.Server;
  private readonly sockets = new Set<Duplex>();
  private readonly paths: string[] = [];
  private readonly commonHeaders: Record<string, string> = {
    'Api-Version': API_VERSION,
    'Docker-Experimental': 'false',
    Ostype: 'linux',
    Server: `Berth/${BERTH_VERSION} (linux)`,
  };

  constructor(private readonly opts: ApiServerOptions) {
    this.server = http.createServer({ keepAliveTimeout: 60_000, requestTimeout: 0, headersTimeout: 60_000 });
    this.server.on('request', (req: IncomingMessage, res: ServerResponse) => void this.handle(req, res));
    this.server.on(
      'upgrade',
      (req: IncomingMessage, socket: Duplex, head: Buffer) => void this.handle(req, undefined, socket, head),
    );
    this.server.on('connection', (s: net.Socket) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    this.server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
      this.opts.log.debug('client error', { error: err.message });
      // A reset peer reads nothing more: destroy (ending would leave buffered response bytes, and
      // the response, waiting for a flush that never comes). A malformed request gets its 400.
      if (err.code === 'ECONNRESET' || err.code === 'EPIPE' || !socket.writable) socket.destroy();
      else socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    });
  }

  /** Listen on a unix socket path, replacing a stale socket file but never a live one. */
  async listen(socketPath: string): Promise<void> {
    await fs.promises.mkdir(path.dirname(socketPath), { recursive: true, mode: 0o755 });
    await removeStaleSocket(socketPath);
    const gid = this.opts.group !== undefined ? resolveGroup(this.opts.group) : undefined;
    const oldMask = process.umask(0o177);
    try {
      await new Promise<void>((resolve, reject) => {
        const onError = (err: Error): void => reject(err);
        this.server.once('error', onError);
        // One http.Server may listen once; further sockets get their own net.Server feeding it.
        if (!this.server.listening) {
          this.server.listen(socketPath, () => {
            this.server.off('error', onError);
            resolve();
          });
        } else {
          this.server.off('error', onError);
          const extra = net.createServer((s) => this.server.emit('connection', s));
          extra.once('error', reject);
          extra.listen(socketPath, () => {
            this.extraServers.push(extra);
            resolve();
          });
        }
      });
    } finally {
      process.umask(oldMask);
    }
    await fs.promises.chmod(socketPath, 0o660);
    await fs.promises.chown(socketPath, 0, gid ?? 0);
    this.paths.push(socketPath);
    this.opts.log.info('API listening', { socket: socketPath, group: this.opts.group });
  }

  private readonly extraServers: net.Server[] = [];

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await Promise.all([
      new Promise<void>((resolve) => (this.server.listening ? this.server.close(() => resolve()) : resolve())),
      ...this.extraServers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))),
    ]);
    for (const p of this.paths) fs.rmSync(p, { force: true });
  }

  private async handle(req: IncomingMessage, res?: ServerResponse, socket?: Duplex, head?: Buffer): Promise<void> {
    const started = process.hrtime.bigint();
    const url = new URL(req.url ?? '/', 'http://berth.invalid');
    let ctx: RouteContext | undefined;
    const log = this.opts.log;
    try {
      const { path: routePath, apiVersion } = splitVersion(url.pathname);
      const method = req.method === 'HEAD' ? 'HEAD' : (req.method ?? 'GET');
      let match = this.opts.router.match(method, routePath);
      if (!match && method === 'HEAD') match = this.opts.router.match('GET', routePath);
      ctx = createContext({
        req,
        ...(res ? { res } : {}),
        ...(socket ? { socket } : {}),
        ...(head ? { head } : {}),
        path: routePath,
        params: match?.params ?? {},
        query: url.searchParams,
        apiVersion,
        log,
        commonHeaders: this.commonHeaders,
      });
      if (!match) throw routeNotFound();
      await match.handler(ctx);
    } catch (err) {
      this.fail(err, req, res, socket, ctx);
    } finally {
      if (log.enabled('debug')) {
        const ms = Number(process.hrtime.bigint() - started) / 1e6;
        log.debug('API request', {
          method: req.method,
          path: url.pathname,
          query: url.search || undefined,
          status: res?.statusCode,
          ms: ms.toFixed(2),
        });
      }
    }
  }

  private fail(err: unknown, req: IncomingMessage, res?: ServerResponse, socket?: Duplex, ctx?: RouteContext): void {
    const status = statusOf(err);
    if (status >= 500 && !(err instanceof BerthError)) {
      this.opts.log.error('handler error', {
        method: req.method,
        path: req.url,
        error: errorMessage(err),
        stack: (err as Error)?.stack,
      });
    } else {
      this.opts.log.debug('request failed', { method: req.method, path: req.url, status, error: errorMessage(err) });
    }
    if (ctx?.responded) {
      // Headers already went out: a stream broke mid-way. Ending the connection is all we can do.
      if (res && !res.writableEnded) res.destroy();
      if (socket && !socket.destroyed) socket.destroy();
      return;
    }
    const body = JSON.stringify(errorBody(err)) + '\n';
    if (res) {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      res.writeHead(status, {
        ...this.commonHeaders,
        'Content-Type': 'application/json',
        'Content-Length': String(Buffer.byteLength(body)),
      });
      res.end(req.method === 'HEAD' ? undefined : body);
    } else if (socket) {
      let text = `HTTP/1.1 ${status} Error\r\n`;
      for (const [k, v] of Object.entries(this.commonHeaders)) text += `${k}: ${v}\r\n`;
      text += `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`;
      socket.end(text);
    }
  }
}

async function removeStaleSocket(socketPath: string): Promise<void> {
  let st: fs.Stats;
  try {
    st = await fs.promises.lstat(socketPath);
  } catch {
    return;
  }
  if (!st.isSocket()) throw new Conflict(`${socketPath} exists and is not a socket; refusing to replace it`);
  const alive = await new Promise<boolean>((resolve) => {
    const c = net.connect(socketPath);
    c.once('connect', () => {
      c.destroy();
      resolve(true);
    });
    c.once('error', () => resolve(false));
  });
  if (alive) throw new Conflict(`socket ${socketPath} is in use by another process (is another daemon running?)`);
  await fs.promises.rm(socketPath, { force: true });
}

/** Group name or numeric gid → gid, from /etc/group. */
export function resolveGroup(group: string): number {
  if (/^\d+$/.test(group)) return Number.parseInt(group, 10);
  let text = '';
  try {
    text = fs.readFileSync('/etc/group', 'utf8');
  } catch {
    /* no group file */
  }
  for (const line of text.split('\n')) {
    const [name, , gid] = line.split(':');
    if (name === group && gid !== undefined) return Number.parseInt(gid, 10);
  }
  throw new InvalidArgument(`group "${group}" not found (create it with: groupadd ${group})`);
}
