/**
 * The hosts (engines) the app knows, their connection state, which one the window shows, and each
 * host's /info for the status bar. Everything arrives as events (`hosts:state`, `hosts:changed`);
 * /info is re-read when a host connects and, debounced, when its containers change.
 */
import { defineStore } from 'pinia';
import { computed, ref, shallowRef } from 'vue';
import type { HostInfo, HostSpec, HostSummary } from '@contract';
import { berth, call } from '@/bridge';
import { closeAllFeeds, closeFeed, onEngineEvent, openFeed } from './engine-feed';

const ACTIVE_KEY = 'berth.activeHost';

export const useHostsStore = defineStore('hosts', () => {
  const hosts = shallowRef<HostSummary[]>([]);
  const loaded = ref(false);
  const activeId = ref<string | undefined>(readActive());
  const info = ref<Record<string, HostInfo | undefined>>({});
  const infoTimers = new Map<string, ReturnType<typeof setTimeout>>();
  const infoOffs = new Map<string, () => void>();

  const active = computed(() => hosts.value.find((h) => h.id === activeId.value));
  const byId = (id: string): HostSummary | undefined => hosts.value.find((h) => h.id === id);
  const isConnected = (id: string | undefined): boolean => !!id && byId(id)?.state.status === 'connected';

  function readActive(): string | undefined {
    try {
      return localStorage.getItem(ACTIVE_KEY) ?? undefined;
    } catch {
      return undefined;
    }
  }

  function setActive(id: string): void {
    activeId.value = id;
    try {
      localStorage.setItem(ACTIVE_KEY, id);
    } catch {
      /* session only */
    }
  }

  function ensureActive(): void {
    if (activeId.value && byId(activeId.value)) return;
    const pick = hosts.value.find((h) => h.state.status === 'connected') ?? hosts.value[0];
    if (pick) setActive(pick.id);
    else activeId.value = undefined;
  }

  async function refreshInfo(id: string): Promise<void> {
    try {
      const i = await call('hosts:info', { hostId: id });
      info.value = { ...info.value, [id]: i };
    } catch {
      /* the host state says why */
    }
  }

  function scheduleInfo(id: string): void {
    if (infoTimers.has(id)) return;
    infoTimers.set(
      id,
      setTimeout(() => {
        infoTimers.delete(id);
        void refreshInfo(id);
      }, 1000),
    );
  }

  /** Open or close a host's event feed and info watcher to match its state. */
  function follow(h: HostSummary, fresh: boolean): void {
    if (h.state.status === 'connected') {
      openFeed(h.id, fresh);
      if (!infoOffs.has(h.id))
        infoOffs.set(
          h.id,
          onEngineEvent(h.id, (ev) => {
            if (ev.type === 'container' || ev.type === 'image') scheduleInfo(h.id);
          }),
        );
      void refreshInfo(h.id);
    } else {
      closeFeed(h.id);
      infoOffs.get(h.id)?.();
      infoOffs.delete(h.id);
      clearTimeout(infoTimers.get(h.id));
      infoTimers.delete(h.id);
    }
  }

  function upsert(h: HostSummary): void {
    const prev = byId(h.id);
    const i = hosts.value.findIndex((x) => x.id === h.id);
    hosts.value = i >= 0 ? hosts.value.map((x) => (x.id === h.id ? h : x)) : [...hosts.value, h];
    const was = prev?.state.status;
    if (was !== h.state.status) follow(h, was !== undefined && was !== 'connected');
    ensureActive();
  }

  function replaceAll(list: HostSummary[], fresh: boolean): void {
    const gone = hosts.value.filter((h) => !list.some((x) => x.id === h.id));
    for (const g of gone) follow({ ...g, state: { status: 'idle' } }, false);
    const before = new Map(hosts.value.map((h) => [h.id, h.state.status]));
    hosts.value = list;
    for (const h of list) if (fresh || before.get(h.id) !== h.state.status) follow(h, fresh || before.has(h.id));
    loaded.value = true;
    ensureActive();
  }

  async function load(fresh = false): Promise<void> {
    if (fresh) closeAllFeeds();
    replaceAll(await call('hosts:list', {}), fresh);
  }

  /** Listens to host events; returns the clean-up. */
  function listen(): () => void {
    const offs = [
      berth().on('hosts:state', (h) => upsert(h)),
      berth().on('hosts:changed', (list) => replaceAll(list, false)),
    ];
    return () => {
      offs.forEach((o) => o());
      closeAllFeeds();
      infoOffs.forEach((o) => o());
      infoOffs.clear();
      infoTimers.forEach((t) => clearTimeout(t));
      infoTimers.clear();
    };
  }

  async function add(spec: HostSpec): Promise<HostSummary> {
    const h = await call('hosts:add', { spec });
    upsert(h);
    setActive(h.id);
    return h;
  }

  async function update(id: string, spec: HostSpec): Promise<HostSummary> {
    const h = await call('hosts:update', { id, spec });
    upsert(h);
    return h;
  }

  async function remove(id: string): Promise<void> {
    await call('hosts:remove', { id });
    replaceAll(
      hosts.value.filter((h) => h.id !== id),
      false,
    );
  }

  async function connect(id: string): Promise<HostSummary> {
    const h = await call('hosts:connect', { id });
    upsert(h);
    return h;
  }

  async function disconnect(id: string): Promise<void> {
    upsert(await call('hosts:disconnect', { id }));
  }

  return {
    hosts,
    loaded,
    activeId,
    active,
    info,
    byId,
    isConnected,
    setActive,
    load,
    listen,
    add,
    update,
    remove,
    connect,
    disconnect,
    refreshInfo,
  };
});
