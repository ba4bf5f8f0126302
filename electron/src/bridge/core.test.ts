/**
 * The bridge the renderer sees (window.berth), over an in-process transport to the real service
 * layer: typed results, events, stream subscriptions from open to close, and a lost connection
 * ending every stream with Unavailable.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerFrame } from '../contract/protocol';
import { startFakeEngine, type FakeEngine } from '../services/testing/fake-engine';
import { createHarness, type Harness } from '../services/testing/harness';
import { createBridge, type Transport } from './core';

let h: Harness;
let engine: FakeEngine;
let hostId: string;
let web: string;
let drop: (connected: boolean) => void = () => undefined;

function transport(): Transport {
  const frames = new Set<(f: ServerFrame) => void>();
  const conn = new Set<(c: boolean) => void>();
  const session = h.app.dispatcher.openSession((f) => frames.forEach((l) => l(structuredClone(f))));
  drop = (c) => conn.forEach((l) => l(c));
  return {
    mode: 'electron',
    invoke: (channel, req) => h.app.dispatcher.invoke(session, channel, structuredClone(req)),
    onFrame: (l) => void frames.add(l),
    upload: (name, data) => h.app.dispatcher.invoke(session, 'upload:put', { name, data }) as never,
    onConnection: (l) => (conn.add(l), () => void conn.delete(l)),
  };
}

beforeAll(async () => {
  engine = await startFakeEngine();
  engine.world.addImage('busybox:latest');
  h = createHarness();
  hostId = await h.addLocalHost(engine.socketPath);
  web = (await h.client.ok('containers:create', { hostId, start: true, spec: { image: 'busybox' } })).id;
});
afterAll(async () => {
  await h.dispose();
  await engine.close();
});

const until = async (cond: () => boolean, ms = 5000): Promise<void> => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe('bridge', () => {
  it('invokes with typed results and delivers events to listeners until they unsubscribe', async () => {
    const berth = createBridge(transport());
    expect(berth.mode).toBe('electron');
    const list = await berth.invoke('containers:list', { hostId });
    expect(list.ok && list.value.length).toBe(1);
    const bad = await berth.invoke('containers:inspect', { hostId, id: 'nope' });
    expect(bad).toMatchObject({ ok: false, error: { code: 'NotFound', hostId } });
    const seen: string[] = [];
    const off = berth.on('hosts:changed', (hosts) => seen.push(hosts.map((x) => x.name).join()));
    await berth.invoke('hosts:add', { spec: { name: 'two', config: { kind: 'local', socketPath: '/run/two.sock' } } });
    off();
    await berth.invoke('hosts:add', {
      spec: { name: 'three', config: { kind: 'local', socketPath: '/run/three.sock' } },
    });
    expect(seen).toEqual(['test engine,two']);
  });

  it('opens a stream, reports it open, delivers data, and closes it on the service side', async () => {
    const berth = createBridge(transport());
    const samples: number[] = [];
    let opened = false;
    const close = berth.subscribe(
      'containers:stats',
      { hostId, id: web },
      { data: (s) => samples.push(s.pids), open: () => (opened = true) },
    );
    await until(() => samples.length >= 2);
    expect(opened).toBe(true);
    expect(h.app.stats.hub.subscribers(`${hostId}/${web}`)).toBe(1);
    close();
    await until(() => h.app.stats.hub.size === 0);
  });

  it('reports a stream that cannot open through end(error)', async () => {
    const berth = createBridge(transport());
    const err = await new Promise((resolve) =>
      berth.subscribe('containers:stats', { hostId, id: 'nope' }, { data: () => undefined, end: resolve }),
    );
    expect(err).toMatchObject({ code: 'NotFound' });
  });

  it('ends every stream with Unavailable when the connection is lost', async () => {
    const berth = createBridge(transport());
    const ended = new Promise((resolve) =>
      berth.subscribe('containers:stats', { hostId, id: web }, { data: () => undefined, end: resolve }),
    );
    await until(() => h.app.stats.hub.size === 1);
    drop(false);
    expect(await ended).toMatchObject({ code: 'Unavailable' });
  });

  it('packs a folder into a tar for upload', async () => {
    const berth = createBridge(transport());
    const r = await berth.upload({
      kind: 'files',
      name: 'app',
      files: [{ path: 'Dockerfile', data: new TextEncoder().encode('FROM busybox\n').buffer as ArrayBuffer }],
    });
    expect(r).toMatchObject({ ok: true, value: { size: 2048 } });
  });
});
