/**
 * Agent start: the pre-defined networks, then everything as it was — addresses re-claimed from
 * the records that own them, running containers re-adopted (names, port sockets, a veth someone
 * deleted plugged again), removed containers' records released, stopped ones unplugged, the
 * firewall re-applied whole (repair), and interfaces with Berth's names that no record explains
 * deleted (a crash between two steps).
 */
import type { ContainerRef, ContainerSource } from './containers';
import type { NetworkContext } from './context';
import { parseCidr, parseIPv4 } from './ip';
import { defaultGateway } from './ipam';
import {
  newId,
  OPT_BRIDGE_NAME,
  OPT_DEFAULT_BRIDGE,
  OPT_HOST_BINDING,
  OPT_ICC,
  OPT_MASQUERADE,
  OPT_MTU,
} from './registry';
import type { Sandboxes } from './sandboxes';
import { withHostLock } from './subnets';
import type { NetworkRecord, SandboxRecord } from './types';

/** `host`, `none` and the default `bridge` (subnet from --bridge-subnet or chosen now, stored). */
export function ensurePredefined(ctx: NetworkContext): void {
  const { registry, config } = ctx;
  const now = new Date().toISOString();
  const base: Omit<NetworkRecord, 'id' | 'name' | 'driver'> = {
    created: now,
    predefined: true,
    bridge: '',
    ipam: { driver: 'default', config: [], options: {} },
    autoSubnet: false,
    internal: false,
    attachable: false,
    mtu: config.mtu,
    masquerade: false,
    hostBindingIp: '',
    options: {},
    labels: {},
  };
  if (!registry.byName('host')) registry.put({ ...base, id: newId(), name: 'host', driver: 'host' });
  if (!registry.byName('none')) registry.put({ ...base, id: newId(), name: 'none', driver: 'null' });
  const existing = registry.byName('bridge');
  const unused = !existing || ctx.usersOf(existing.id).length === 0;
  const want = config.bridgeSubnet;
  const current = existing?.ipam.config[0]?.subnet;
  const sameConfig = (!want || current === want) && existing?.bridge === config.bridgeName;
  if (existing && (sameConfig || !unused)) {
    if (!sameConfig)
      ctx.log.warn('network: the default bridge settings changed; they apply once no container uses it', {
        subnet: current,
        wanted: want,
      });
    return;
  }
  if (want) parseCidr(want, '--bridge-subnet');
  let subnet = want ?? current;
  if (!subnet) {
    try {
      subnet = withHostLock(() => ctx.chooseSubnet(), config.hostLockFile);
    } catch (err) {
      // The daemon still serves everything else; a container on the default bridge gets this error.
      ctx.log.error('network: no subnet for the default bridge network', { error: (err as Error).message });
      return;
    }
  }
  registry.put({
    ...base,
    created: existing?.created ?? now,
    id: existing?.id ?? newId(),
    name: 'bridge',
    driver: 'bridge',
    bridge: config.bridgeName,
    ipam: { driver: 'default', config: [{ subnet, gateway: defaultGateway(subnet) }], options: {} },
    autoSubnet: !want,
    masquerade: true,
    options: {
      [OPT_DEFAULT_BRIDGE]: 'true',
      [OPT_ICC]: 'true',
      [OPT_MASQUERADE]: 'true',
      [OPT_HOST_BINDING]: '0.0.0.0',
      [OPT_BRIDGE_NAME]: config.bridgeName,
      [OPT_MTU]: String(config.mtu),
    },
  });
}

/** Take over a running container after an agent restart. */
async function adopt(ctx: NetworkContext, sandboxes: Sandboxes, s: SandboxRecord, ref: ContainerRef): Promise<void> {
  for (const [i, e] of s.endpoints.entries()) {
    if (ctx.bridge.link(e.hostIf) || !ref.netns || !ctx.realized.has(e.networkId)) continue;
    try {
      sandboxes.plugEndpoint(ref.netns, e, i === 0);
      ctx.log.info('network: re-plugged a missing veth', { container: s.containerName, veth: e.hostIf });
    } catch (err) {
      ctx.log.warn('network: cannot re-plug a container', {
        container: s.containerName,
        error: (err as Error).message,
      });
    }
  }
  for (const e of s.endpoints) sandboxes.register(s, e);
  const primary = s.endpoints[0];
  for (const b of primary ? s.ports : []) {
    const ok = await ctx.ports.adopt(b, { ip: primary!.ip, port: b.containerPort }, s.containerId);
    if (!ok)
      ctx.log.warn('network: a published port is now held by someone else (DNAT still serves it)', {
        container: s.containerName,
        port: b.hostPort,
      });
  }
}

async function removeStrays(ctx: NetworkContext): Promise<void> {
  const veths = new Set<string>();
  for (const s of ctx.sandboxes.values()) if (s.active) for (const e of s.endpoints) veths.add(e.hostIf);
  const bridges = new Set([...ctx.realized].map((id) => ctx.registry.get(id)?.bridge));
  for (const l of ctx.bridge.links()) {
    const stray =
      (l.kind === 'veth' && ctx.isOurVeth(l.name) && !veths.has(l.name)) ||
      (l.kind === 'bridge' && ctx.isOurBridgeName(l.name) && !bridges.has(l.name));
    if (!stray) continue;
    ctx.log.info('network: removing leftover interface', { name: l.name });
    await ctx.bridge.deleteLinkAsync(l.name);
  }
}

export async function restoreState(
  ctx: NetworkContext,
  sandboxes: Sandboxes,
  containers: ContainerSource,
): Promise<void> {
  ctx.registry.load();
  for (const s of ctx.store.loadSandboxes()) ctx.sandboxes.set(s.containerId, s);
  ensurePredefined(ctx);
  for (const s of ctx.sandboxes.values()) {
    s.endpoints = s.endpoints.filter((e) => {
      if (!ctx.registry.get(e.networkId)) return false;
      try {
        ctx.registry.pool(e.networkId).claim(parseIPv4(e.ip), s.containerId);
        return true;
      } catch (err) {
        ctx.log.warn('network: dropping an endpoint whose address cannot be restored', {
          container: s.containerName,
          ip: e.ip,
          error: (err as Error).message,
        });
        return false;
      }
    });
  }
  const live = new Map<string, ContainerRef>(containers.list().map((c) => [c.id, c]));
  const adopted: Array<{ s: SandboxRecord; ref: ContainerRef }> = [];
  for (const s of [...ctx.sandboxes.values()]) {
    const ref = live.get(s.containerId);
    if (ref?.running) {
      if (s.active) adopted.push({ s, ref });
      continue;
    }
    if (s.active) {
      for (const e of s.endpoints) await ctx.bridge.deleteLinkAsync(e.hostIf);
      s.active = false;
      s.ports = [];
    }
    if (ref) ctx.store.saveSandbox(s);
    else await sandboxes.detach(s.containerId, true);
  }
  const needed = new Set(
    ctx.registry
      .bridges()
      .filter((n) => !n.predefined)
      .map((n) => n.id),
  );
  for (const { s } of adopted) for (const e of s.endpoints) needed.add(e.networkId);
  for (const id of needed) {
    const n = ctx.registry.get(id)!;
    try {
      await ctx.realize(n, false);
    } catch (err) {
      ctx.log.error('network: cannot bring up network', { network: n.name, error: (err as Error).message });
    }
  }
  for (const { s, ref } of adopted) await adopt(ctx, sandboxes, s, ref);
  if (ctx.realized.size > 0) {
    await ctx.syncFirewall().catch((err: unknown) => {
      ctx.log.error('network: firewall repair failed', { error: (err as Error).message });
    });
  } else if (ctx.firewall.maybeInstalled) {
    await ctx.firewall.clear().catch(() => undefined);
  }
  await removeStrays(ctx);
}
