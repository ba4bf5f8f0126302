/** A container's inspect data, re-read (debounced) when an engine event concerns it. */
import { onBeforeUnmount, ref, shallowRef } from 'vue';
import type { ContainerDetail, ErrorPayload } from '@contract';
import { call, errorPayload } from '@/bridge';
import { onEngineEvent, onResync } from '@/stores/engine-feed';
import { isListChange } from '@/stores/containers';

export function useContainerDetail(hostId: string, id: () => string) {
  const detail = shallowRef<ContainerDetail>();
  const error = ref<ErrorPayload>();
  const gone = ref(false);
  let timer: ReturnType<typeof setTimeout> | undefined;

  async function load(): Promise<void> {
    try {
      detail.value = await call('containers:inspect', { hostId, id: id() });
      error.value = undefined;
      gone.value = false;
    } catch (err) {
      const p = errorPayload(err);
      if (p.code === 'NotFound') gone.value = true;
      else error.value = p;
    }
  }
  const schedule = (): void => {
    clearTimeout(timer);
    timer = setTimeout(() => void load(), 120);
  };
  const offs = [
    onEngineEvent(hostId, (ev) => {
      const cur = id();
      if (!isListChange(ev) || !(ev.id === cur || ev.id.startsWith(cur) || cur.startsWith(ev.id))) return;
      if (ev.action === 'destroy') gone.value = true;
      else schedule();
    }),
    onResync(hostId, schedule),
  ];
  onBeforeUnmount(() => {
    offs.forEach((o) => o());
    clearTimeout(timer);
  });
  return { detail, error, gone, load };
}
