/** The local engine supervisor's state (issue 11): starting, running, stopped, failed (with why). */
import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { EngineState } from '@contract';
import { berth, call } from '@/bridge';

export const useEngineStore = defineStore('engine', () => {
  const state = ref<EngineState>();
  const available = ref(true);
  const logs = ref<string[]>([]);

  async function load(): Promise<void> {
    try {
      state.value = await call('engine:state', {});
      available.value = true;
    } catch {
      // No supervisor here (e.g. web mode with --no-engine, or not Linux).
      available.value = false;
    }
  }

  function listen(): () => void {
    return berth().on('engine:state', (s) => {
      state.value = s;
      available.value = true;
    });
  }

  async function run(action: 'start' | 'stop' | 'restart'): Promise<void> {
    state.value = await call(`engine:${action}`, {});
  }

  async function loadLogs(): Promise<void> {
    logs.value = await call('engine:logs', { lines: 200 });
  }

  return { state, available, logs, load, listen, run, loadLogs };
});
