/**
 * What every per-host view needs: the host id (from the route), whether it is connected, and
 * `whenConnected` (a view mounted while its host is down loads when the host comes back).
 */
import { computed, watch } from 'vue';
import { useRoute } from 'vue-router';
import { useHostsStore } from '@/stores/hosts';

export function useHostView() {
  const route = useRoute();
  const hosts = useHostsStore();
  const hostId = String(route.params.hostId);
  const host = computed(() => hosts.byId(hostId));
  const connected = computed(() => hosts.isConnected(hostId));
  /** Where published ports are reached: the SSH host's name, else this machine. */
  const portHost = computed(() => (host.value?.config.kind === 'ssh' ? host.value.config.host : 'localhost'));
  function whenConnected(load: () => unknown): void {
    watch(
      connected,
      (c) => {
        if (c) void load();
      },
      { immediate: true },
    );
  }
  return { hostId, host, connected, portHost, whenConnected };
}
