/**
 * Keeps live stats streams open for exactly the running containers on screen: the table tells
 * which ids are visible; after scrolling settles, new ones are retained and gone ones released.
 */
import { onBeforeUnmount } from 'vue';
import { useStatsStore } from '@/stores/stats';

export function useVisibleStats(hostId: string, settleMs = 250) {
  const stats = useStatsStore();
  const held = new Map<string, () => void>();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let wanted: string[] = [];

  function apply(): void {
    timer = undefined;
    const want = new Set(wanted);
    for (const [id, release] of held)
      if (!want.has(id)) {
        release();
        held.delete(id);
      }
    for (const id of want) if (!held.has(id)) held.set(id, stats.retain(hostId, id));
  }

  function setVisible(ids: string[]): void {
    wanted = ids;
    clearTimeout(timer);
    timer = setTimeout(apply, settleMs);
  }

  onBeforeUnmount(() => {
    clearTimeout(timer);
    held.forEach((r) => r());
    held.clear();
  });

  return { setVisible, held };
}
