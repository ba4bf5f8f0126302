/** Images of one host: the list (refetched on image events, and on container create/destroy for "in use"), pull/push as tasks, tag, remove, prune. */
import type { ImageHistoryEntry, PruneReport, RegistryAuth } from '@contract';
import { call } from '@/bridge';
import { listResource, perHostStore } from './per-host';

const CONTAINER_ACTIONS = new Set(['create', 'destroy']);

export const useImagesStore = perHostStore('images', (hostId: string) => {
  const list = listResource(
    hostId,
    () => call('images:list', { hostId }),
    (ev) => ev.type === 'image' || (ev.type === 'container' && CONTAINER_ACTIONS.has(ev.action)),
  );

  const pull = (ref: string, auth?: RegistryAuth): Promise<{ taskId: string }> =>
    call('images:pull', { hostId, ref, ...(auth ? { auth } : {}) });
  const push = (ref: string, auth?: RegistryAuth): Promise<{ taskId: string }> =>
    call('images:push', { hostId, ref, ...(auth ? { auth } : {}) });
  const tag = (id: string, repo: string, tagName?: string): Promise<void> =>
    call('images:tag', { hostId, id, repo, ...(tagName ? { tag: tagName } : {}) });

  async function remove(id: string, force = false): Promise<string[]> {
    const r = await call('images:remove', { hostId, id, force });
    await list.load();
    return r;
  }

  async function prune(dangling: boolean): Promise<PruneReport> {
    const r = await call('images:prune', { hostId, dangling });
    await list.load();
    return r;
  }

  const history = (id: string): Promise<ImageHistoryEntry[]> => call('images:history', { hostId, id });

  return { hostId, ...list, pull, push, tag, remove, prune, history };
});
