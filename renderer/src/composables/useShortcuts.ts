/** Global keyboard shortcuts: Ctrl/Cmd+K opens the command palette; "/" focuses the view's search box. */
import { onBeforeUnmount, onMounted } from 'vue';
import { useUiStore } from '@/stores/ui';

function typing(el: EventTarget | null): boolean {
  return (
    el instanceof HTMLElement &&
    (el.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(el.tagName) || !!el.closest('.xterm'))
  );
}

export function useShortcuts(): void {
  const ui = useUiStore();
  const onKey = (e: KeyboardEvent): void => {
    if ((e.ctrlKey || e.metaKey) && !e.altKey && e.key.toLowerCase() === 'k') {
      e.preventDefault();
      ui.paletteOpen = !ui.paletteOpen;
    } else if (e.key === '/' && !typing(e.target) && !ui.dialog && !ui.paletteOpen) {
      const search = document.querySelector<HTMLInputElement>('[data-search]');
      if (search) {
        e.preventDefault();
        search.focus();
      }
    }
  };
  onMounted(() => window.addEventListener('keydown', onKey));
  onBeforeUnmount(() => window.removeEventListener('keydown', onKey));
}
