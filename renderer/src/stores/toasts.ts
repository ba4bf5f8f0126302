/** Toasts: short messages for events and errors; each goes away after a while or when dismissed. */
import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { ErrorPayload } from '@contract';

export type ToastKind = 'info' | 'success' | 'warning' | 'error';

export interface Toast {
  id: number;
  kind: ToastKind;
  title: string;
  detail?: string;
}

const LIFETIME_MS: Record<ToastKind, number> = { info: 4000, success: 4000, warning: 8000, error: 10000 };
const MAX = 5;

export const useToasts = defineStore('toasts', () => {
  const items = ref<Toast[]>([]);
  const timers = new Map<number, ReturnType<typeof setTimeout>>();
  let next = 1;

  function dismiss(id: number): void {
    clearTimeout(timers.get(id));
    timers.delete(id);
    items.value = items.value.filter((t) => t.id !== id);
  }

  function push(kind: ToastKind, title: string, detail?: string): number {
    const id = next++;
    items.value = [...items.value, { id, kind, title, ...(detail ? { detail } : {}) }];
    while (items.value.length > MAX) dismiss(items.value[0]!.id);
    timers.set(
      id,
      setTimeout(() => dismiss(id), LIFETIME_MS[kind]),
    );
    return id;
  }

  function error(title: string, err: ErrorPayload): number {
    return push('error', title, err.hint ? `${err.message} — ${err.hint}` : err.message);
  }

  function clear(): void {
    for (const id of [...timers.keys()]) dismiss(id);
  }

  return { items, push, error, dismiss, clear };
});
