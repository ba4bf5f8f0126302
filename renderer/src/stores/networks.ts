/** Networks of one host (refetched on network events: create, destroy, connect, disconnect). */
import type { NetworkCreate, NetworkSummary, PruneReport } from '@contract';
import { call } from '@/bridge';
import { listResource, perHostStore } from './per-host';

export const useNetworksStore = perHostStore('networks', (hostId: string) => {
  const list = listResource(
    hostId,
    () => call('networks:list', { hostId }),
    (ev) => ev.type === 'network',
  );

  async function create(spec: NetworkCreate): Promise<NetworkSummary> {
    const n = await call('networks:create', { hostId, spec });
    await list.load();
    return n;
  }

  async function remove(id: string): Promise<void> {
    await call('networks:remove', { hostId, id });
    list.items.value = list.items.value.filter((n) => n.id !== id);
  }

  async function prune(): Promise<PruneReport> {
    const r = await call('networks:prune', { hostId });
    await list.load();
    return r;
  }

  const inspect = (id: string): Promise<NetworkSummary> => call('networks:inspect', { hostId, id });

  async function connect(id: string, containerId: string, aliases: string[]): Promise<void> {
    await call('networks:connect', { hostId, id, containerId, ...(aliases.length ? { aliases } : {}) });
    await list.load();
  }

  async function disconnect(id: string, containerId: string): Promise<void> {
    await call('networks:disconnect', { hostId, id, containerId });
    await list.load();
  }

  return { hostId, ...list, create, remove, prune, inspect, connect, disconnect };
});
