/**
 * Containers of one host. The list loads once; after that each engine event about a container
 * refetches just that container (batched), and `destroy` drops it — no polling.
 */
import { computed, onScopeDispose, ref, shallowRef } from 'vue';
import type { BulkResult, ContainerAction, ContainerSummary, EngineEvent, ErrorPayload, RunSpec } from '@contract';
import { call, errorPayload } from '@/bridge';
import { onEngineEvent, onResync } from './engine-feed';
import { perHostStore } from './per-host';

/** Container event actions that do not change what the list shows. */
const IGNORED = new Set(['attach', 'detach', 'resize', 'top', 'copy', 'archive-path', 'extract-to-dir', 'export']);

export function isListChange(ev: EngineEvent): boolean {
  return ev.type === 'container' && !ev.action.startsWith('exec_') && !IGNORED.has(ev.action);
}

export const useContainersStore = perHostStore('containers', (hostId: string) => {
  const items = shallowRef<ContainerSummary[]>([]);
  const loading = ref(false);
  const loaded = ref(false);
  const error = ref<ErrorPayload>();
  /** Ids with an action under way (buttons show it and stay disabled). */
  const busy = ref<Record<string, ContainerAction | 'create'>>({});
  let wanted = false;
  const queued = new Set<string>();
  let flushTimer: ReturnType<typeof setTimeout> | undefined;
  let resyncTimer: ReturnType<typeof setTimeout> | undefined;

  const byId = computed(() => new Map(items.value.map((c) => [c.id, c])));

  async function load(): Promise<void> {
    wanted = true;
    loading.value = true;
    try {
      items.value = await call('containers:list', { hostId, all: true });
      error.value = undefined;
      loaded.value = true;
      queued.clear();
    } catch (err) {
      error.value = errorPayload(err);
    } finally {
      loading.value = false;
    }
  }

  const ensure = (): Promise<void> => (loaded.value ? Promise.resolve() : load());

  function drop(id: string): void {
    items.value = items.value.filter((c) => c.id !== id);
  }

  async function flush(): Promise<void> {
    flushTimer = undefined;
    const ids = [...queued];
    queued.clear();
    if (!ids.length) return;
    try {
      const fresh = await call('containers:list', { hostId, all: true, filters: { id: ids } });
      const got = new Map(fresh.map((c) => [c.id, c]));
      const known = new Set(items.value.map((c) => c.id));
      const next = items.value.flatMap((c) => {
        if (!ids.some((id) => c.id.startsWith(id))) return [c];
        const f = got.get(c.id);
        return f ? [f] : [];
      });
      for (const f of fresh) if (!known.has(f.id)) next.push(f);
      items.value = next;
    } catch {
      /* the host went away: its reconnect resyncs the list */
    }
  }

  function onEvent(ev: EngineEvent): void {
    if (!wanted || !isListChange(ev)) return;
    if (ev.action === 'destroy') {
      queued.delete(ev.id);
      drop(ev.id);
      return;
    }
    queued.add(ev.id);
    flushTimer ??= setTimeout(() => void flush(), 60);
  }

  const offs = [
    onEngineEvent(hostId, onEvent),
    onResync(hostId, () => {
      if (!wanted) return;
      clearTimeout(resyncTimer);
      resyncTimer = setTimeout(() => void load(), 100);
    }),
  ];
  onScopeDispose(() => {
    offs.forEach((o) => o());
    clearTimeout(flushTimer);
    clearTimeout(resyncTimer);
  });

  async function withBusy<T>(id: string, what: ContainerAction | 'create', fn: () => Promise<T>): Promise<T> {
    busy.value = { ...busy.value, [id]: what };
    try {
      return await fn();
    } finally {
      const { [id]: _, ...rest } = busy.value;
      busy.value = rest;
    }
  }

  function act(action: ContainerAction, id: string, opts: { force?: boolean } = {}): Promise<void> {
    return withBusy(id, action, async () => {
      switch (action) {
        case 'remove':
          await call('containers:remove', { hostId, id, force: opts.force ?? false });
          drop(id);
          return;
        case 'start':
        case 'stop':
        case 'restart':
        case 'pause':
        case 'unpause':
        case 'kill':
          await call(`containers:${action}`, { hostId, id });
      }
    });
  }

  async function bulk(action: ContainerAction, ids: string[], force = false): Promise<BulkResult[]> {
    const results = await call('containers:bulk', { hostId, action, ids, force });
    if (action === 'remove') {
      const removed = new Set(results.filter((r) => r.ok).map((r) => r.id));
      items.value = items.value.filter((c) => !removed.has(c.id));
    }
    return results;
  }

  async function create(spec: RunSpec, start: boolean): Promise<{ id: string; warnings: string[]; started: boolean }> {
    const r = await call('containers:create', { hostId, spec, start, pull: 'missing' });
    queued.add(r.id);
    await flush();
    return r;
  }

  return { hostId, items, byId, loading, loaded, error, busy, load, ensure, act, bulk, create };
});
