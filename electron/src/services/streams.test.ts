/**
 * Streams through the service layer against the fake engine: stats shared and ref-counted (one
 * engine stream however many subscribers, none once they leave or their window goes), logs
 * followed, exec sessions (input, resize, exit code), engine events pushed and resumed after the
 * engine comes back. Extend: run against startBerthd() once stats/logs/exec/events land in berthd.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestClient } from './testing/client';
import { startFakeEngine, type FakeEngine } from './testing/fake-engine';
import { createHarness, type Harness } from './testing/harness';

let engine: FakeEngine;
let h: Harness;
let hostId: string;
let web: string;

const openStats = (): number => engine.world.requests.filter((r) => /\/containers\/[^/]+\/stats$/.test(r)).length;

beforeAll(async () => {
  engine = await startFakeEngine();
  engine.world.addImage('busybox:latest');
  h = createHarness();
  hostId = await h.addLocalHost(engine.socketPath);
  web = (await h.client.ok('containers:create', { hostId, start: true, spec: { image: 'busybox', name: 'web' } })).id;
});
afterAll(async () => {
  await h.dispose();
  await engine.close();
});

describe('stats', () => {
  it('shares one engine stream between subscribers and closes it with the last one', async () => {
    const before = openStats();
    const a = await h.client.subscribe('containers:stats', { hostId, id: web });
    const other = new TestClient(h.app.dispatcher);
    const b = await other.subscribe('containers:stats', { hostId, id: web });
    const s1 = await a.next((s) => s.cpuPercent > 0);
    expect(s1.memUsage).toBe(40 * 1024 * 1024); // usage minus inactive_file
    expect(s1.memLimit).toBe(512 * 1024 * 1024);
    expect(s1.memPercent).toBeCloseTo(7.81, 1);
    expect(s1.cpuPercent).toBeCloseTo(10, 5); // 5e7 / 1e9 × 2 CPUs × 100
    expect(s1).toMatchObject({ onlineCpus: 2, blockRead: 4096, blockWrite: 8192, pids: 3 });
    await b.next();
    expect(openStats() - before).toBe(1);
    expect(h.app.stats.hub.subscribers(`${hostId}/${web}`)).toBe(2);
    await a.close();
    expect(h.app.stats.hub.subscribers(`${hostId}/${web}`)).toBe(1);
    // The other window goes away: its streams go with it, and the engine stream closes.
    other.close();
    expect(h.app.stats.hub.size).toBe(0);
    const n = b.data.length;
    await new Promise((r) => setTimeout(r, 300));
    expect(b.data.length).toBe(n);
  });

  it('gives a late subscriber the last sample at once', async () => {
    const a = await h.client.subscribe('containers:stats', { hostId, id: web });
    await a.next();
    const b = await h.client.subscribe('containers:stats', { hostId, id: web });
    expect(b.data.length).toBeGreaterThan(0);
    await Promise.all([a.close(), b.close()]);
  });

  it('fails to open for a container that does not exist', async () => {
    await expect(h.client.subscribe('containers:stats', { hostId, id: 'nope' })).rejects.toThrow(/NotFound/);
    expect(h.app.stats.hub.size).toBe(0);
  });
});

describe('logs', () => {
  it('follows a container: the backlog first, then new lines, then the end when it stops', async () => {
    const s = await h.client.subscribe('containers:logs', { hostId, id: web, tail: 10 });
    expect(s.info).toEqual({ tty: false });
    const first = await s.next();
    expect(first.map((e) => e.text)).toEqual(['hello from web', 'a warning from web']);
    engine.world.log(engine.world.findContainer(web)!, 1, 'line one\nline ');
    engine.world.log(engine.world.findContainer(web)!, 1, 'two\n');
    const more = await s.next((b) => b.some((e) => e.text === 'line two'));
    expect(more.map((e) => e.text)).toContain('line two');
    await h.client.ok('containers:stop', { hostId, id: web });
    expect(await s.end()).toEqual({});
    await h.client.ok('containers:start', { hostId, id: web });
  });
});

describe('exec', () => {
  it('runs a terminal session: input, output, resize, exit code', async () => {
    const s = await h.client.subscribe('exec', {
      hostId,
      containerId: web,
      cmd: ['sh'],
      tty: true,
      cols: 80,
      rows: 24,
    });
    expect(s.info.sessionId).toBe(s.subId);
    const exec = engine.world.execs.get(s.info.execId)!;
    expect(exec.resizes).toEqual([{ h: 24, w: 80 }]);
    await h.client.ok('exec:input', { sessionId: s.subId, data: 'echo héllo\n' });
    const out = await s.next((e) => e.type === 'output' && e.data.includes('héllo'));
    expect(out).toMatchObject({ type: 'output', stream: 'stdout' });
    await h.client.ok('exec:resize', { sessionId: s.subId, cols: 120, rows: 40 });
    expect(exec.resizes.at(-1)).toEqual({ h: 40, w: 120 });
    await h.client.ok('exec:input', { sessionId: s.subId, data: 'exit 3\n' });
    expect(await s.next((e) => e.type === 'exit')).toEqual({ type: 'exit', exitCode: 3 });
    await s.end();
    expect((await h.client.fails('exec:input', { sessionId: s.subId, data: 'x' })).code).toBe('NotFound');
  });

  it('separates stdout and stderr without a TTY', async () => {
    const s = await h.client.subscribe('exec', { hostId, containerId: web, cmd: ['sh'], tty: false });
    await h.client.ok('exec:input', { sessionId: s.subId, data: 'to stderr\n' });
    await s.next((e) => e.type === 'output' && e.stream === 'stderr');
    await s.close();
  });

  it("answers input for another window's session with NotFound", async () => {
    const s = await h.client.subscribe('exec', { hostId, containerId: web, cmd: ['sh'], tty: true });
    const other = new TestClient(h.app.dispatcher);
    expect((await other.fails('exec:input', { sessionId: s.subId, data: 'x\n' })).code).toBe('NotFound');
    other.close();
    await s.close();
  });
});

describe('engine events', () => {
  it("pushes the engine's events (no polling) and shares one stream per host", async () => {
    const a = await h.client.subscribe('engine:events', { hostId });
    const b = await h.client.subscribe('engine:events', { hostId });
    expect(engine.world.requests.filter((r) => r === 'GET /events').length).toBe(1);
    await h.client.ok('containers:create', { hostId, spec: { image: 'busybox', name: 'evt' } });
    const ev = await a.next((f) => f.kind === 'event' && f.event.action === 'create');
    expect(ev).toMatchObject({ kind: 'event', event: { type: 'container', attributes: { name: 'evt' } } });
    await b.next((f) => f.kind === 'event' && f.event.action === 'create');
    await a.close();
    await b.close();
    expect(h.app.engineEvents.size).toBe(0);
  });
});
