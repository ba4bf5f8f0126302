/** Builds of one host: the history (with live `builds:update` events) and starting a build. */
import { onScopeDispose, ref, shallowRef } from 'vue';
import type { BuildLogLine, BuildRecord, BuildRequest, ErrorPayload, UploadContent } from '@contract';
import { BerthError, berth, call, errorPayload } from '@/bridge';
import { perHostStore } from './per-host';

export const useBuildsStore = perHostStore('builds', (hostId: string) => {
  const items = shallowRef<BuildRecord[]>([]);
  const loaded = ref(false);
  const error = ref<ErrorPayload>();

  const sorted = (list: BuildRecord[]): BuildRecord[] =>
    [...list].sort((a, b) => b.startedAt.localeCompare(a.startedAt));

  async function load(): Promise<void> {
    try {
      items.value = sorted(await call('builds:list', { hostId }));
      loaded.value = true;
      error.value = undefined;
    } catch (err) {
      error.value = errorPayload(err);
    }
  }

  const ensure = (): Promise<void> => (loaded.value ? Promise.resolve() : load());

  function upsert(r: BuildRecord): void {
    if (r.hostId !== hostId) return;
    const rest = items.value.filter((b) => b.id !== r.id);
    items.value = sorted([r, ...rest]);
  }

  const off = berth().on('builds:update', upsert);
  onScopeDispose(off);

  /** Sends an uploaded context first when there is one; answers the task and build ids. */
  async function start(
    req: Omit<BuildRequest, 'hostId' | 'context'> & {
      context: BuildRequest['context'] | { kind: 'content'; content: UploadContent };
    },
  ): Promise<{ taskId: string; buildId: string }> {
    let context: BuildRequest['context'];
    if (req.context.kind === 'content') {
      const up = await berth().upload(req.context.content);
      if (!up.ok) throw new BerthError({ ...up.error, field: up.error.field ?? ['context'] });
      context = { kind: 'upload', uploadId: up.value.uploadId };
    } else context = req.context;
    return call('builds:start', { ...req, hostId, context });
  }

  const log = (buildId: string): Promise<BuildLogLine[]> => call('builds:log', { buildId });

  async function clear(): Promise<void> {
    await call('builds:clear', { hostId });
    await load();
  }

  return { hostId, items, loaded, error, load, ensure, start, log, clear };
});
