/**
 * A small fake Docker Engine on a unix socket, for unit tests of the service layer while berthd's
 * container/image/volume/network endpoints are being built. It answers the Engine API shapes the
 * service layer uses (dockerode calls them exactly as against dockerd): containers with logs,
 * stats, exec (hijacked), images with pull/push progress, classic builds, volumes, networks, and a
 * live /events stream. Not a stand-in for berthd in integration tests: those use the real agent.
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { Duplex } from 'node:stream';
import { containerRoutes } from './containers';
import { MiniRouter, makeCtx } from './http';
import { imageRoutes } from './images';
import { miscRoutes, type Identity } from './misc';
import { World } from './state';

export interface FakeEngine {
  readonly socketPath: string;
  readonly world: World;
  /** Close every connection now (as if the engine died). */
  crash(): Promise<void>;
  close(): Promise<void>;
}

export async function startFakeEngine(
  opts: { socketPath?: string; identity?: Partial<Identity> } = {},
): Promise<FakeEngine> {
  const dir = opts.socketPath ? undefined : fs.mkdtempSync(path.join(os.tmpdir(), 'berth-fake-engine-'));
  const socketPath = opts.socketPath ?? path.join(dir!, 'engine.sock');
  const world = new World();
  const router = new MiniRouter();
  containerRoutes(router, world);
  imageRoutes(router, world);
  miscRoutes(router, world, {
    platform: opts.identity?.platform ?? 'Docker Engine - Community',
    version: opts.identity?.version ?? '27.0.0',
  });
  const conns = new Set<Duplex>();
  const dispatch = (req: http.IncomingMessage, res?: http.ServerResponse, socket?: Duplex): void => {
    const url = new URL(req.url ?? '/', 'http://fake');
    world.requests.push(`${req.method} ${url.pathname.replace(/^\/v\d+\.\d+/, '')}`);
    const m = router.match(req.method ?? 'GET', url.pathname);
    const ctx = makeCtx(req, m?.params ?? {}, url.searchParams, res, socket);
    if (!m) return ctx.error(404, 'page not found');
    Promise.resolve(m.handler(ctx)).catch((err: unknown) => ctx.error(500, (err as Error).message));
  };
  const server = http.createServer((req, res) => dispatch(req, res));
  server.on('upgrade', (req, socket) => dispatch(req, undefined, socket));
  server.on('connection', (s) => {
    conns.add(s);
    s.on('close', () => conns.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  const close = async (): Promise<void> => {
    for (const c of conns) c.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
    else fs.rmSync(socketPath, { force: true });
  };
  return {
    socketPath,
    world,
    async crash() {
      for (const c of conns) c.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      fs.rmSync(socketPath, { force: true });
    },
    close: async () => {
      if (server.listening) await close();
      else if (dir) fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
