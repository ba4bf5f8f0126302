/** Long operations (pull, push, build) of every host, as the service layer reports them. */
import { defineStore } from 'pinia';
import { computed, ref, shallowRef } from 'vue';
import type { BuildLogLine, TaskInfo } from '@contract';
import { berth, call } from '@/bridge';

const MAX_LOG_LINES = 20_000;

export const useTasksStore = defineStore('tasks', () => {
  const tasks = ref<Record<string, TaskInfo>>({});
  /** Build output per task (live), as it arrives. */
  const logs = shallowRef<Record<string, BuildLogLine[]>>({});
  const waiters = new Map<string, Array<(t: TaskInfo) => void>>();

  const running = computed(() => Object.values(tasks.value).filter((t) => t.state === 'running'));

  function update(t: TaskInfo): void {
    tasks.value = { ...tasks.value, [t.id]: t };
    if (t.state !== 'running') {
      for (const w of waiters.get(t.id) ?? []) w(t);
      waiters.delete(t.id);
    }
  }

  function appendLog(taskId: string, lines: BuildLogLine[]): void {
    const prev = logs.value[taskId] ?? [];
    const next = prev.concat(lines);
    logs.value = { ...logs.value, [taskId]: next.length > MAX_LOG_LINES ? next.slice(-MAX_LOG_LINES) : next };
  }

  async function load(): Promise<void> {
    try {
      for (const t of await call('tasks:list', {})) update(t);
    } catch {
      /* the connection banner says why */
    }
  }

  function listen(): () => void {
    const offs = [berth().on('tasks:update', update), berth().on('tasks:log', (l) => appendLog(l.taskId, l.lines))];
    return () => offs.forEach((o) => o());
  }

  /** Resolves when the task ends (from the events; no polling). */
  function whenDone(taskId: string): Promise<TaskInfo> {
    const t = tasks.value[taskId];
    if (t && t.state !== 'running') return Promise.resolve(t);
    return new Promise((resolve) => {
      const list = waiters.get(taskId) ?? [];
      list.push(resolve);
      waiters.set(taskId, list);
    });
  }

  const cancel = (taskId: string): Promise<TaskInfo> => call('tasks:cancel', { taskId });

  return { tasks, logs, running, update, appendLog, load, listen, whenDone, cancel };
});
