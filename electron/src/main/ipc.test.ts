/**
 * The Electron IPC wiring, with Electron's ipcMain and WebContents replaced by small fakes (the
 * Electron binary cannot run here): calls only from our renderer page, one session per window,
 * and every stream of a window closed when it reloads, crashes or closes.
 */
import { EventEmitter } from 'node:events';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { IPC_EVENT, IPC_INVOKE } from '../contract/protocol';
import { startFakeEngine, type FakeEngine } from '../services/testing/fake-engine';
import { createHarness, type Harness } from '../services/testing/harness';

const handlers = new Map<string, (event: unknown, ...args: unknown[]) => unknown>();
vi.mock('electron', () => ({
  ipcMain: {
    handle: (ch: string, fn: (event: unknown, ...args: unknown[]) => unknown) => handlers.set(ch, fn),
    removeHandler: (ch: string) => handlers.delete(ch),
  },
}));

const { registerIpc } = await import('./ipc');

const PAGE = 'file:///opt/Berth/resources/app.asar/dist/renderer/index.html';

class FakeWebContents extends EventEmitter {
  static next = 1;
  readonly id = FakeWebContents.next++;
  readonly sent: Array<[string, unknown]> = [];
  readonly mainFrame = { url: PAGE };
  destroyed = false;
  isDestroyed(): boolean {
    return this.destroyed;
  }
  send(channel: string, frame: unknown): void {
    this.sent.push([channel, frame]);
  }
}

const call = (wc: FakeWebContents, channel: unknown, req: unknown, frame: { url: string } = wc.mainFrame) =>
  handlers.get(IPC_INVOKE)!({ sender: wc, senderFrame: frame }, channel, req) as Promise<{
    ok: boolean;
    value?: unknown;
    error?: { code: string };
  }>;

let h: Harness;
let engine: FakeEngine;
let hostId: string;
let unregister: () => void;

beforeEach(async () => {
  engine = await startFakeEngine();
  engine.world.addImage('busybox:latest');
  h = createHarness();
  hostId = await h.addLocalHost(engine.socketPath);
  unregister = registerIpc(h.app.dispatcher, (url) => url === PAGE);
});
afterEach(async () => {
  unregister();
  await h.dispose();
  await engine.close();
});

describe('Electron IPC', () => {
  it('answers our page over one invoke channel and pushes events on one event channel', async () => {
    const wc = new FakeWebContents();
    expect(await call(wc, 'app:info', {})).toMatchObject({ ok: true, value: { mode: 'web' } });
    await call(wc, 'hosts:add', { spec: { name: 'x', config: { kind: 'local', socketPath: '/run/x.sock' } } });
    expect(wc.sent.some(([ch, f]) => ch === IPC_EVENT && (f as { name?: string }).name === 'hosts:changed')).toBe(true);
    expect(await call(wc, 'containers:inspect', { hostId })).toMatchObject({
      ok: false,
      error: { code: 'InvalidArgument' },
    });
  });

  it('refuses calls from another page or from a subframe', async () => {
    const wc = new FakeWebContents();
    expect(await call(wc, 'app:info', {}, { url: 'https://evil.example/' })).toMatchObject({
      ok: false,
      error: { code: 'Forbidden' },
    });
    expect(await call(wc, 'app:info', {}, { url: PAGE })).toMatchObject({ ok: false, error: { code: 'Forbidden' } }); // not its main frame object
  });

  it("closes a window's streams when it reloads, crashes or closes", async () => {
    const id = (await h.client.ok('containers:create', { hostId, start: true, spec: { image: 'busybox' } })).id;
    const key = `${hostId}/${id}`;
    const wc = new FakeWebContents();
    const open = (subId: string) => call(wc, 'stream:open', { subId, topic: 'containers:stats', args: { hostId, id } });
    expect((await open('a')).ok).toBe(true);
    expect(h.app.stats.hub.subscribers(key)).toBe(1);
    wc.emit('did-start-navigation', { isMainFrame: true, isSameDocument: true }); // an in-page route change
    expect(h.app.stats.hub.subscribers(key)).toBe(1);
    wc.emit('did-start-navigation', { isMainFrame: true, isSameDocument: false }); // a reload
    expect(h.app.stats.hub.subscribers(key)).toBe(0);
    expect((await open('b')).ok).toBe(true);
    wc.emit('render-process-gone');
    expect(h.app.stats.hub.subscribers(key)).toBe(0);
    expect((await open('c')).ok).toBe(true);
    wc.destroyed = true;
    wc.emit('destroyed');
    expect(h.app.stats.hub.size).toBe(0);
    expect(h.app.dispatcher.sessionCount).toBe(1); // only the test client's own session is left
  });
});
