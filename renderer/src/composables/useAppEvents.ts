/**
 * Wires the app-wide listeners once (hosts, tasks, prompts, engine, the bridge connection) and
 * turns noteworthy events into toasts: a task that ends, a host that connects, fails or is lost,
 * a container that runs out of memory or turns unhealthy. Everything is disposed on unmount.
 */
import { onBeforeUnmount, watch } from 'vue';
import type { HostSummary, TaskInfo } from '@contract';
import { berth } from '@/bridge';
import { t } from '@/i18n';
import { useAppStore } from '@/stores/app';
import { onEngineEvent } from '@/stores/engine-feed';
import { useEngineStore } from '@/stores/engine';
import { useHostsStore } from '@/stores/hosts';
import { usePromptsStore } from '@/stores/prompts';
import { useTasksStore } from '@/stores/tasks';
import { useToasts } from '@/stores/toasts';

export function useAppEvents(): void {
  const app = useAppStore();
  const hosts = useHostsStore();
  const tasks = useTasksStore();
  const prompts = usePromptsStore();
  const engine = useEngineStore();
  const toasts = useToasts();
  const offs: Array<() => void> = [];
  const hostFeeds = new Map<string, () => void>();

  const loadAll = (fresh: boolean): void => {
    void hosts.load(fresh).catch(() => undefined);
    void tasks.load();
    void prompts.load();
    void engine.load();
    void app.loadInfo();
  };

  offs.push(hosts.listen(), tasks.listen(), prompts.listen(), engine.listen());
  offs.push(app.watchConnection(() => loadAll(true)));

  offs.push(
    berth().on('tasks:update', (task: TaskInfo) => {
      if (task.state === 'succeeded') toasts.push('success', t('toasts.taskDone', { title: task.title }));
      else if (task.state === 'failed' && task.error)
        toasts.error(t('toasts.taskFailed', { title: task.title }), task.error);
    }),
    berth().on('hosts:state', (h: HostSummary) => {
      const s = h.state;
      if (s.status === 'connected') toasts.push('success', t('hosts.connectedToast', { name: h.name }));
      else if (s.status === 'failed') toasts.push('error', t('hosts.failedToast', { name: h.name }), s.error.message);
      else if (s.status === 'reconnecting' && s.attempt === 1)
        toasts.push('warning', t('hosts.lostToast', { name: h.name }), s.lastError);
    }),
  );

  // Container events worth a toast, for every connected host.
  const stopWatch = watch(
    () => hosts.hosts.filter((h) => h.state.status === 'connected').map((h) => h.id),
    (ids) => {
      for (const [id, off] of hostFeeds)
        if (!ids.includes(id)) {
          off();
          hostFeeds.delete(id);
        }
      for (const id of ids)
        if (!hostFeeds.has(id))
          hostFeeds.set(
            id,
            onEngineEvent(id, (ev) => {
              if (ev.type !== 'container') return;
              const name = ev.attributes.name ?? ev.id.slice(0, 12);
              if (ev.action === 'oom') toasts.push('error', t('toasts.oom', { name }));
              else if (ev.action === 'health_status: unhealthy')
                toasts.push('warning', t('toasts.unhealthy', { name }));
            }),
          );
    },
    { immediate: true },
  );

  loadAll(false);

  onBeforeUnmount(() => {
    stopWatch();
    offs.forEach((o) => o());
    hostFeeds.forEach((o) => o());
    hostFeeds.clear();
    toasts.clear();
  });
}
