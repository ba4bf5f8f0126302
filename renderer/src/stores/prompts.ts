/** Questions a connection or the engine supervisor asks (host keys, passwords, sudo): shown one at a time. */
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { PromptAnswer, PromptRequest } from '@contract';
import { berth, call } from '@/bridge';

export const usePromptsStore = defineStore('prompts', () => {
  const pending = ref<PromptRequest[]>([]);
  const current = computed(() => pending.value[0]);

  function add(p: PromptRequest): void {
    if (!pending.value.some((x) => x.id === p.id)) pending.value = [...pending.value, p];
  }
  function resolved(id: string): void {
    pending.value = pending.value.filter((p) => p.id !== id);
  }

  async function load(): Promise<void> {
    try {
      pending.value = [];
      for (const p of await call('prompts:list', {})) add(p);
    } catch {
      /* shown by the connection banner */
    }
  }

  function listen(): () => void {
    const offs = [berth().on('prompts:request', add), berth().on('prompts:resolved', (r) => resolved(r.id))];
    return () => offs.forEach((o) => o());
  }

  async function answer(id: string, a: PromptAnswer): Promise<void> {
    resolved(id);
    await call('prompts:answer', { id, answer: a });
  }

  return { pending, current, load, listen, answer };
});
