import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ContainerSummary, EngineEventFrame, HostSummary } from '@contract';
import { installFakeBridge, type FakeBridge } from '@/testing/fake-bridge';
import { freshPinia } from '@/testing/mount';
import { useContainersStore } from './containers';
import { resetFeeds } from './engine-feed';
import { useHostsStore } from './hosts';

const connected: HostSummary['state'] = {
  status: 'connected',
  engine: { flavour: 'berth', version: '1', apiVersion: '1.45', os: 'linux', arch: 'amd64' },
};
const host = (state: HostSummary['state']): HostSummary => ({
  id: 'h1',
  name: 'Local',
  kind: 'local',
  config: { kind: 'local', socketPath: '/s' },
  autoConnect: true,
  builtin: false,
  state,
});
const row = (id: string, state: ContainerSummary['state'] = 'running'): ContainerSummary => ({
  id,
  name: `c-${id}`,
  image: 'busybox',
  imageId: 'sha256:x',
  command: 'sh',
  created: 1,
  state,
  status: '',
  health: 'none',
  ports: [],
  labels: {},
  networks: [],
  mounts: [],
});
const event = (action: string, id: string): EngineEventFrame => ({
  kind: 'event',
  event: { type: 'container', action, id, attributes: {}, time: 0 },
});

describe('containers store', () => {
  let bridge: FakeBridge;
  let list: ContainerSummary[];
  beforeEach(async () => {
    vi.useFakeTimers();
    resetFeeds();
    list = [row('a'), row('b', 'exited')];
    bridge = installFakeBridge()
      .handle('hosts:list', [host(connected)])
      .handle('hosts:info', { hostId: 'h1' } as never)
      .handle('containers:list', (req) =>
        req.filters?.id ? list.filter((c) => req.filters!.id!.includes(c.id)) : list,
      );
    freshPinia();
    const hosts = useHostsStore();
    hosts.listen();
    await hosts.load();
  });
  afterEach(() => vi.useRealTimers());

  const feed = () => bridge.openStreams('engine:events')[0]!;

  it('loads once, then follows engine events without polling', async () => {
    const store = useContainersStore('h1');
    await store.load();
    expect(store.items.map((c) => c.id)).toEqual(['a', 'b']);
    const listCalls = () => bridge.callsTo('containers:list').length;
    expect(listCalls()).toBe(1);

    // Nothing happens: nothing is asked.
    await vi.advanceTimersByTimeAsync(60_000);
    expect(listCalls()).toBe(1);

    // A start event refetches just that container (batched with others in the same moment).
    list = [row('a'), row('b', 'running'), row('c')];
    feed().push(event('start', 'b'));
    feed().push(event('create', 'c'));
    feed().push(event('exec_start: sh', 'a'));
    await vi.advanceTimersByTimeAsync(100);
    expect(bridge.callsTo('containers:list').at(-1)).toMatchObject({ filters: { id: ['b', 'c'] } });
    expect(store.items.map((c) => [c.id, c.state])).toEqual([
      ['a', 'running'],
      ['b', 'running'],
      ['c', 'running'],
    ]);

    // destroy drops the row without asking.
    const before = listCalls();
    feed().push(event('destroy', 'a'));
    expect(store.items.map((c) => c.id)).toEqual(['b', 'c']);
    await vi.advanceTimersByTimeAsync(1000);
    expect(listCalls()).toBe(before);
  });

  it('reloads when the feed says it missed events (resync)', async () => {
    const store = useContainersStore('h1');
    await store.load();
    list = [row('z')];
    feed().push({ kind: 'resync', reason: 'gap' });
    await vi.advanceTimersByTimeAsync(200);
    expect(store.items.map((c) => c.id)).toEqual(['z']);
  });

  it('closes the host feed when the host goes away and reopens (and resyncs) when it is back', async () => {
    const store = useContainersStore('h1');
    await store.load();
    expect(bridge.openStreams('engine:events')).toHaveLength(1);
    bridge.emit('hosts:state', host({ status: 'reconnecting', attempt: 1, retryInMs: 1000, lastError: 'gone' }));
    expect(bridge.openStreams('engine:events')).toHaveLength(0);
    list = [row('a'), row('n')];
    bridge.emit('hosts:state', host(connected));
    expect(bridge.openStreams('engine:events')).toHaveLength(1);
    feed().open({});
    await vi.advanceTimersByTimeAsync(200);
    expect(store.items.map((c) => c.id)).toEqual(['a', 'n']);
  });

  it('runs actions and bulk actions through the contract', async () => {
    bridge
      .handle('containers:stop', undefined)
      .handle('containers:remove', undefined)
      .handle('containers:bulk', (req) =>
        req.ids.map((id) => ({
          id,
          ok: id !== 'b',
          ...(id === 'b' ? { error: { code: 'Conflict', message: 'busy' } } : {}),
        })),
      );
    const store = useContainersStore('h1');
    await store.load();
    await store.act('stop', 'a');
    expect(bridge.callsTo('containers:stop')).toEqual([{ hostId: 'h1', id: 'a' }]);
    await store.act('remove', 'a', { force: true });
    expect(bridge.callsTo('containers:remove')).toEqual([{ hostId: 'h1', id: 'a', force: true }]);
    expect(store.items.map((c) => c.id)).toEqual(['b']);
    list = [row('b'), row('c')];
    await store.load();
    const r = await store.bulk('remove', ['b', 'c']);
    expect(r.filter((x) => !x.ok).map((x) => x.id)).toEqual(['b']);
    expect(store.items.map((c) => c.id)).toEqual(['b']);
  });
});
