/**
 * Hosts: saved without secrets, connected through the connection factory, state broadcast, and
 * recovery when the engine goes away and comes back (the event stream resumes with a resync).
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startFakeEngine, type FakeEngine } from '../testing/fake-engine';
import { createHarness, type Harness } from '../testing/harness';

let h: Harness | undefined;
let engine: FakeEngine | undefined;
afterEach(async () => {
  await h?.dispose();
  await engine?.close();
  h = undefined;
  engine = undefined;
});

describe('hosts', () => {
  it('adds, edits and removes hosts, persisted without secrets', async () => {
    h = createHarness();
    const port = await closedPort();
    const a = await h.client.ok('hosts:add', {
      spec: { name: 'vm', config: { kind: 'ssh', host: 'vm.local', username: 'me', auth: { method: 'password' } } },
    });
    await h.client.ok('hosts:update', {
      id: a.id,
      spec: {
        name: 'vm2',
        config: { kind: 'ssh', host: '127.0.0.1', port, username: 'me', auth: { method: 'agent' } },
      },
    });
    const file = JSON.parse(fs.readFileSync(path.join(h.dir, 'config', 'config.json'), 'utf8')) as { hosts: unknown[] };
    expect(file.hosts).toEqual([
      {
        id: a.id,
        spec: {
          name: 'vm2',
          config: { kind: 'ssh', host: '127.0.0.1', port, username: 'me', auth: { method: 'agent' } },
        },
      },
    ]);
    expect(fs.statSync(path.join(h.dir, 'config', 'config.json')).mode & 0o077).toBe(0);
    expect(h.client.events('hosts:changed').length).toBeGreaterThanOrEqual(2);
    // Nobody listens on the port: connecting fails fast with a typed error and a failed state.
    const e = await h.client.fails('hosts:connect', { id: a.id });
    expect(e.code).toBe('Unavailable');
    expect(e.message).toMatch(/127\.0\.0\.1/);
    expect((await h.client.ok('hosts:list', {}))[0]!.state).toMatchObject({ status: 'failed' });
    await h.client.ok('hosts:remove', { id: a.id });
    expect(await h.client.ok('hosts:list', {})).toEqual([]);
  });

  it('fails to connect to a socket nobody serves, with a typed error and a failed state', async () => {
    h = createHarness();
    const a = await h.client.ok('hosts:add', {
      spec: { name: 'gone', config: { kind: 'local', socketPath: path.join(h.dir, 'none.sock') } },
    });
    const e = await h.client.fails('hosts:connect', { id: a.id });
    expect(e).toMatchObject({ code: 'Unavailable', hostId: a.id });
    const st = await h.client.waitEvent('hosts:state', (s) => s.id === a.id && s.state.status === 'failed');
    expect(st.state).toMatchObject({ error: { code: 'Unreachable' } });
    expect((await h.client.fails('containers:list', { hostId: a.id })).code).toBe('Unavailable');
  });

  it('identifies the engine and reports host info', async () => {
    engine = await startFakeEngine();
    h = createHarness();
    const hostId = await h.addLocalHost(engine.socketPath);
    const s = (await h.client.ok('hosts:list', {})).find((x) => x.id === hostId)!;
    expect(s.state).toMatchObject({ status: 'connected', engine: { flavour: 'docker', version: '27.0.0' } });
    const info = await h.client.ok('hosts:info', { hostId });
    expect(info).toMatchObject({ ncpu: 2, memTotal: 8 * 1024 ** 3, serverVersion: '27.0.0', cgroupVersion: '2' });
  });

  it('reconnects with back-off when the engine dies and comes back; events resume with a resync', async () => {
    engine = await startFakeEngine();
    const sock = engine.socketPath;
    h = createHarness();
    const hostId = await h.addLocalHost(sock);
    // Short back-off for the test.
    (h.app.hosts as unknown as { opts: { baseDelayMs: number } }).opts.baseDelayMs = 50;
    const events = await h.client.subscribe('engine:events', { hostId });
    const mark = h.client.frames.length;
    await engine.crash();
    const rec = await h.client.waitEvent(
      'hosts:state',
      (s) => s.id === hostId && s.state.status === 'reconnecting',
      10_000,
      mark,
    );
    expect(rec.state).toMatchObject({ attempt: 1 });
    expect((await h.client.fails('containers:list', { hostId })).code).toBe('Unavailable');
    const back = await startFakeEngine({ socketPath: sock });
    try {
      await h.client.waitEvent('hosts:state', (s) => s.id === hostId && s.state.status === 'connected', 10_000, mark);
      expect(await events.next((f) => f.kind === 'resync')).toMatchObject({ kind: 'resync' });
      back.world.addImage('x:1');
      await h.client.ok('volumes:create', { hostId, spec: { name: 'after' } });
      await events.next((f) => f.kind === 'event' && f.event.type === 'volume');
      await events.close();
    } finally {
      await h.dispose();
      h = undefined;
      await back.close();
      fs.rmSync(path.dirname(sock), { recursive: true, force: true });
    }
  });

  it('gives up after the configured attempts and stays failed until the user retries', async () => {
    engine = await startFakeEngine();
    h = createHarness();
    const hostId = await h.addLocalHost(engine.socketPath);
    const opts = (h.app.hosts as unknown as { opts: { baseDelayMs: number; maxRetries: number } }).opts;
    opts.baseDelayMs = 10;
    opts.maxRetries = 2;
    await engine.crash();
    await h.client.fails('containers:list', { hostId });
    const failed = await h.client.waitEvent('hosts:state', (s) => s.id === hostId && s.state.status === 'failed');
    expect(failed.state).toMatchObject({
      error: { message: expect.stringMatching(/gave up after 2 attempts/) as string },
    });
  });
});

/** A loopback port nobody listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const { port } = srv.address() as net.AddressInfo;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}
