/** Which app-level dialogs are open (so the command palette, menus and views can open them). */
import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { RunSpec } from '@contract';

export type Dialog =
  | { kind: 'run'; preset?: Partial<RunSpec> }
  | { kind: 'host'; editId?: string }
  | { kind: 'pull'; ref?: string }
  | { kind: 'engine' }
  | { kind: 'volume' }
  | { kind: 'network' };

export const useUiStore = defineStore('ui', () => {
  const dialog = ref<Dialog>();
  const paletteOpen = ref(false);

  function open(d: Dialog): void {
    paletteOpen.value = false;
    dialog.value = d;
  }
  function close(): void {
    dialog.value = undefined;
  }

  return { dialog, paletteOpen, open, close };
});
