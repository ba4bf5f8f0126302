/**
 * App-wide facts: whether the service layer is reachable (web mode: the WebSocket), the app's
 * version and mode. Set up once by the shell; the bridge tells when the connection comes back.
 */
import { defineStore } from 'pinia';
import { ref } from 'vue';
import { berth, call } from '@/bridge';

export const useAppStore = defineStore('app', () => {
  const connected = ref(true);
  const version = ref('');
  const mode = ref<'electron' | 'web'>('web');
  const platform = ref('');
  const reconnects = ref(0);

  async function loadInfo(): Promise<void> {
    try {
      const i = await call('app:info', {});
      version.value = i.version;
      mode.value = i.mode;
      platform.value = i.platform;
    } catch {
      /* shown as unknown; the connection banner says why */
    }
  }

  /** Starts watching the bridge; `onBack` runs each time the connection returns. Returns the clean-up. */
  function watchConnection(onBack: () => void): () => void {
    mode.value = berth().mode;
    return berth().onConnection((c) => {
      const wasDown = !connected.value;
      connected.value = c;
      if (c && wasDown) {
        reconnects.value++;
        onBack();
      }
    });
  }

  return { connected, version, mode, platform, reconnects, loadInfo, watchConnection };
});
