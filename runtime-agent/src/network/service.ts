/**
 * NetworkService: the network module as the rest of the agent sees it. It is the runtime's
 * NetworkHook (attach/detach around a container's start and stop), the /networks API's backend
 * (through api-backend.ts), and it restores itself at agent start: re-adopts running containers'
 * addresses, ports and names, repairs the firewall, removes what removed containers left.
 * Every mutating call runs one at a time.
 */
import { Forbidden, NotFound } from '../errdefs';
import { noContainers, type ContainerRef, type ContainerSource } from './containers';
import { NetworkContext, type NetworkConfig } from './context';
import type { DockerNetworkSettings } from './docker-shape';
import type { EtcFiles } from './etc-files';
import type { NetworkHook } from './hook';
import { parseCidr, parseIPv4 } from './ip';
import type { NetnsRef } from './netlink/netns';
import {
  newId,
  OPT_BRIDGE_NAME,
  OPT_DEFAULT_BRIDGE,
  OPT_HOST_BINDING,
  OPT_ICC,
  OPT_MASQUERADE,
  OPT_MTU,
  type CreateNetworkRequest,
} from './registry';
import { checkSubnet, withHostLock } from './subnets';
import { Sandboxes, type AttachResult } from './sandboxes';
import type { ContainerNetworkRequest, EndpointRequest, NetworkRecord } from './types';
import { defaultGateway } from './ipam';

export interface PruneFilter {
  until?: Date | undefined;
  match?: ((n: NetworkRecord) => boolean) | undefined;
}

export class NetworkService implements NetworkHook {
  readonly ctx: NetworkContext;
  readonly sandboxes: Sandboxes;
  private containers: ContainerSource = noContainers;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(config: NetworkConfig) {
    this.ctx = new NetworkContext(config);
    this.sandboxes = new Sandboxes(this.ctx);
  }

  private serial<T>(fn: () => Promise<T> | T): Promise<T> {
    const next = this.queue.then(fn, fn);
    this.queue = next.catch(() => undefined);
    return next;
  }

  setContainers(src: ContainerSource): void {
    this.containers = src;
  }

  // ---------------------------------------------------------------- start, restore, shutdown

  /** Load state, create the pre-defined networks, re-adopt live containers, clean leftovers. */
  start(containers: ContainerSource = this.containers): Promise<void> {
    this.containers = containers;
    return this.serial(() => this.restore());
  }

  private ensurePredefined(): void {
    const { registry, config } = this.ctx;
    const now = new Date().toISOString();
    const base = {
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
    const unused = !existing || this.ctx.usersOf(existing.id).length === 0;
    const wantSubnet = config.bridgeSubnet;
    if (
      existing &&
      (!unused ||
        ((!wantSubnet || existing.ipam.config[0]?.subnet === wantSubnet) && existing.bridge === config.bridgeName))
    )
      return;
    if (existing && wantSubnet && existing.ipam.config[0]?.subnet !== wantSubnet && !unused)
      this.ctx.log.warn(
        'network: --bridge-subnet differs from the subnet in use; keeping it until no container uses it',
      );
    let subnet = wantSubnet ?? existing?.ipam.config[0]?.subnet;
    if (wantSubnet) parseCidr(wantSubnet, '--bridge-subnet');
    if (!subnet) {
      try {
        subnet = withHostLock(() => this.ctx.chooseSubnet(), config.hostLockFile);
      } catch (err) {
        // The daemon still serves everything else; `docker run` on the bridge gets this error.
        this.ctx.log.error('network: no subnet for the default bridge network', { error: (err as Error).message });
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
      autoSubnet: !wantSubnet,
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

  private async restore(): Promise<void> {
    const { ctx } = this;
    ctx.registry.load();
    for (const s of ctx.store.loadSandboxes()) ctx.sandboxes.set(s.containerId, s);
    this.ensurePredefined();
    // Addresses come back from the records that own them.
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
    const live = new Map<string, ContainerRef>(this.containers.list().map((c) => [c.id, c]));
    const adopted = [];
    for (const s of [...ctx.sandboxes.values()]) {
      const ref = live.get(s.containerId);
      if (!ref || !ref.running) {
        if (s.active) {
          for (const e of s.endpoints) ctx.bridge.deleteLink(e.hostIf);
          s.active = false;
          s.ports = [];
        }
        if (!ref) await this.sandboxes.detach(s.containerId, true);
        else ctx.store.saveSandbox(s);
        continue;
      }
      if (s.active) adopted.push({ s, ref });
    }
    const needed = new Set(
      ctx.registry
        .bridges()
        .filter((n) => !n.predefined)
        .map((n) => n.id),
    );
    for (const { s } of adopted) for (const e of s.endpoints) needed.add(e.networkId);
    for (const id of needed) {
      try {
        await ctx.realize(ctx.registry.get(id)!, false);
      } catch (err) {
        ctx.log.error('network: cannot bring up network', {
          network: ctx.registry.get(id)?.name,
          error: (err as Error).message,
        });
      }
    }
    for (const { s, ref } of adopted) await this.adopt(s, ref);
    if (ctx.realized.size > 0)
      await ctx
        .syncFirewall()
        .catch((err: unknown) => ctx.log.error('network: firewall repair failed', { error: (err as Error).message }));
    else if (ctx.firewall.maybeInstalled) await ctx.firewall.clear().catch(() => undefined);
    this.removeStrays();
  }

  /** Take over a running container after an agent restart; re-plug a veth someone deleted. */
  private async adopt(s: import('./types').SandboxRecord, ref: ContainerRef): Promise<void> {
    const { ctx } = this;
    for (const [i, e] of s.endpoints.entries()) {
      if (ctx.bridge.link(e.hostIf)) continue;
      if (!ref.netns || !ctx.realized.has(e.networkId)) continue;
      try {
        const n = ctx.registry.get(e.networkId)!;
        const c = n.ipam.config[0]!;
        ctx.bridge.plug(ref.netns, {
          bridge: n.bridge,
          hostIf: e.hostIf,
          ifName: e.ifName,
          mac: Buffer.from(e.mac.split(':').map((x) => parseInt(x, 16))),
          ip: parseIPv4(e.ip),
          subnet: parseCidr(c.subnet),
          defaultGateway: i === 0 && !n.internal ? parseIPv4(c.gateway) : undefined,
          mtu: n.mtu,
        });
        ctx.log.info('network: re-plugged a missing veth', { container: s.containerName, veth: e.hostIf });
      } catch (err) {
        ctx.log.warn('network: cannot re-plug a container', {
          container: s.containerName,
          error: (err as Error).message,
        });
      }
    }
    for (const e of s.endpoints) {
      const n = ctx.registry.get(e.networkId);
      if (n && !n.predefined)
        ctx.names.add(
          n.id,
          [s.containerName, s.containerId.slice(0, 12), `${s.containerName}.${n.name}`, ...e.aliases],
          parseIPv4(e.ip),
          `${s.containerName}.${n.name}`,
        );
    }
    const primary = s.endpoints[0];
    for (const b of s.ports) {
      if (!primary) break;
      const ok = await ctx.ports.adopt(b, { ip: primary.ip, port: b.containerPort }, s.containerId);
      if (!ok)
        ctx.log.warn('network: a published port is now held by someone else (DNAT still serves it)', {
          container: s.containerName,
          port: b.hostPort,
        });
    }
  }

  /** Veths and bridges with Berth's names that no record explains (a crash between steps). */
  private removeStrays(): void {
    const { ctx } = this;
    const veths = new Set<string>();
    for (const s of ctx.sandboxes.values()) if (s.active) for (const e of s.endpoints) veths.add(e.hostIf);
    const bridges = new Set([...ctx.realized].map((id) => ctx.registry.get(id)?.bridge));
    for (const l of ctx.bridge.links()) {
      const stray =
        (l.kind === 'veth' && ctx.isOurVeth(l.name) && !veths.has(l.name)) ||
        (l.kind === 'bridge' && ctx.isOurBridgeName(l.name) && !bridges.has(l.name));
      if (!stray) continue;
      ctx.log.info('network: removing leftover interface', { name: l.name });
      ctx.bridge.deleteLink(l.name);
    }
  }

  /**
   * Agent stop. With no running container everything goes (bridges, rules); otherwise the kernel
   * side stays so containers keep their network while the agent is away.
   */
  shutdown(): Promise<void> {
    return this.serial(async () => {
      const { ctx } = this;
      const busy = [...ctx.sandboxes.values()].some((s) => s.active && s.endpoints.length > 0);
      for (const id of [...ctx.dnsServers.keys()]) await ctx.dnsServers.get(id)?.close();
      ctx.dnsServers.clear();
      await ctx.ports.releaseAll();
      if (!busy) {
        for (const id of [...ctx.realized]) {
          const n = ctx.registry.get(id);
          if (n) await ctx.unrealize(n);
        }
        if (ctx.firewall.maybeInstalled)
          await ctx.firewall
            .clear()
            .catch((err: unknown) =>
              ctx.log.warn('network: cannot remove firewall rules', { error: (err as Error).message }),
            );
      }
      ctx.firewall.close();
      ctx.bridge.close();
    });
  }

  /**
   * Drop every socket without touching the kernel or the state on disk: what the OS does when the
   * agent is killed (tests of the restart path run two instances in one process).
   */
  abandon(): Promise<void> {
    return this.serial(async () => {
      for (const s of this.ctx.dnsServers.values()) await s.close();
      this.ctx.dnsServers.clear();
      await this.ctx.ports.releaseAll();
      this.ctx.firewall.close();
      this.ctx.bridge.close();
    });
  }

  // ---------------------------------------------------------------- the runtime's hook

  validate(req: ContainerNetworkRequest): void {
    this.sandboxes.validate(req);
  }

  attach(containerId: string, ns: NetnsRef | undefined, req: ContainerNetworkRequest): Promise<AttachResult> {
    return this.serial(() => this.sandboxes.attach(containerId, ns, req));
  }

  detach(containerId: string, opts: { release: boolean }): Promise<void> {
    return this.serial(() => this.sandboxes.detach(containerId, opts.release));
  }

  settings(containerId: string): DockerNetworkSettings | undefined {
    return this.sandboxes.settings(containerId);
  }

  files(containerId: string): EtcFiles | undefined {
    return this.sandboxes.files(containerId);
  }

  // ---------------------------------------------------------------- networks

  networks(): NetworkRecord[] {
    return this.ctx.registry.all();
  }

  find(idOrName: string): NetworkRecord {
    return this.ctx.registry.resolve(idOrName);
  }

  create(req: CreateNetworkRequest): Promise<NetworkRecord> {
    return this.serial(async () => {
      const { ctx } = this;
      ctx.firewall.ensureBackend();
      const rec = withHostLock(
        () =>
          ctx.registry.buildRecord(
            req,
            (id) => ctx.userBridgeName(id),
            { mtu: ctx.config.mtu },
            () => ctx.chooseSubnet(),
          ),
        ctx.config.hostLockFile,
      );
      if (ctx.registry.bridges().some((n) => n.bridge === rec.bridge) || ctx.bridge.link(rec.bridge))
        throw new Forbidden(`bridge name ${rec.bridge} is already in use: choose another ${OPT_BRIDGE_NAME}`);
      if (!rec.autoSubnet) checkSubnet(parseCidr(rec.ipam.config[0]!.subnet), ctx.clashContext());
      ctx.registry.put(rec);
      try {
        await ctx.realize(rec);
      } catch (err) {
        ctx.registry.delete(rec.id);
        throw err;
      }
      return rec;
    });
  }

  private async removeLocked(n: NetworkRecord): Promise<void> {
    const { ctx } = this;
    if (n.predefined) throw new Forbidden(`${n.name} is a pre-defined network and cannot be removed`);
    if (ctx.activeUsersOf(n.id).length > 0)
      throw new Forbidden(`error while removing network: network ${n.name} id ${n.id} has active endpoints`);
    for (const s of ctx.usersOf(n.id)) {
      s.endpoints = s.endpoints.filter((e) => e.networkId !== n.id);
      ctx.store.saveSandbox(s);
    }
    const wasRealized = ctx.realized.has(n.id);
    if (wasRealized) await ctx.unrealize(n);
    ctx.registry.delete(n.id);
    if (wasRealized) await ctx.syncFirewall();
  }

  remove(idOrName: string): Promise<void> {
    return this.serial(() => this.removeLocked(this.ctx.registry.resolve(idOrName)));
  }

  /** Remove every custom network nothing runs on (and that passes the filter); names removed. */
  prune(filter: PruneFilter = {}): Promise<string[]> {
    return this.serial(async () => {
      const removed: string[] = [];
      for (const n of this.ctx.registry.all()) {
        if (n.predefined || this.ctx.activeUsersOf(n.id).length > 0) continue;
        if (filter.until && new Date(n.created) >= filter.until) continue;
        if (filter.match && !filter.match(n)) continue;
        await this.removeLocked(n);
        removed.push(n.name);
      }
      return removed;
    });
  }

  private container(idOrName: string): ContainerRef {
    const ref = this.containers.find(idOrName);
    if (!ref) throw new NotFound(`No such container: ${idOrName}`);
    return ref;
  }

  connect(network: string, container: string, cfg: Omit<EndpointRequest, 'network'> = {}): Promise<void> {
    return this.serial(() =>
      this.sandboxes.connect(this.container(container), this.ctx.registry.resolve(network), cfg),
    );
  }

  disconnect(network: string, container: string, force = false): Promise<void> {
    return this.serial(() => {
      const n = this.ctx.registry.resolve(network);
      let ref = this.containers.find(container);
      if (!ref && force) {
        // The container is gone but its record still names it: let force clean the endpoint up.
        const s = [...this.ctx.sandboxes.values()].find(
          (x) => x.containerId === container || x.containerName === container,
        );
        if (s) ref = { id: s.containerId, name: s.containerName, running: false };
      }
      if (!ref) throw new NotFound(`No such container: ${container}`);
      return this.sandboxes.disconnect(ref, n);
    });
  }

  /** Berth's firewall rules as the tool lists them (diagnostics). */
  firewallRules(): Promise<string> {
    return this.ctx.firewall.list();
  }

  /** Gateway of a network (tests, /etc/hosts host-gateway). */
  gateway(idOrName: string): string | undefined {
    return this.ctx.registry.resolve(idOrName).ipam.config[0]?.gateway;
  }
}
