/**
 * The runtime's NetworkHook implemented by the network module: at start, plumb the container's
 * fresh namespace with the request kept in its engine record (the module writes hosts,
 * resolv.conf and hostname into the container's directory, in place); at stop and removal,
 * take it down.
 */
import { Internal } from '../errdefs';
import type { NetworkService } from '../network/service';
import type { NetworkHook } from '../runtime/network-hook';
import type { EngineRecord } from './engine-record';

export function runtimeNetworkHook(
  network: NetworkService,
  engineOf: (id: string) => EngineRecord | undefined,
): NetworkHook {
  return {
    async attach(ctx) {
      const eng = engineOf(ctx.containerId);
      if (!eng) throw new Internal(`no network configuration recorded for container ${ctx.containerId}`);
      await network.attach(
        ctx.containerId,
        { pid: ctx.pid },
        { ...eng.network, containerName: ctx.containerName, hostname: ctx.hostname },
      );
    },
    async detach(ctx) {
      await network.detach(ctx.containerId, { release: ctx.removing });
    },
  };
}
