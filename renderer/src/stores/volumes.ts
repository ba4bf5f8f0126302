/** Volumes of one host (refetched on volume events, and on container create/destroy for "used by"). */
import type { PruneReport, VolumeCreate, VolumeSummary } from '@contract';
import { call } from '@/bridge';
import { listResource, perHostStore } from './per-host';

export const useVolumesStore = perHostStore('volumes', (hostId: string) => {
  const list = listResource(
    hostId,
    () => call('volumes:list', { hostId }),
    (ev) => ev.type === 'volume' || (ev.type === 'container' && (ev.action === 'create' || ev.action === 'destroy')),
  );

  async function create(spec: VolumeCreate): Promise<VolumeSummary> {
    const v = await call('volumes:create', { hostId, spec });
    await list.load();
    return v;
  }

  async function remove(name: string, force = false): Promise<void> {
    await call('volumes:remove', { hostId, name, force });
    list.items.value = list.items.value.filter((v) => v.name !== name);
  }

  async function prune(): Promise<PruneReport> {
    const r = await call('volumes:prune', { hostId });
    await list.load();
    return r;
  }

  const inspect = (name: string): Promise<VolumeSummary> => call('volumes:inspect', { hostId, name });

  return { hostId, ...list, create, remove, prune, inspect };
});
