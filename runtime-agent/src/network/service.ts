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
import { parseCidr } from './ip';
import type { NetnsRef } from './netlink/netns';
import { OPT_BRIDGE_NAME, type CreateNetworkRequest } from './registry';
import { restoreState } from './restore';
import { checkSubnet, withHostLock } from './subnets';
import { Sandboxes, type AttachResult } from './sandboxes';
import type { ContainerNetworkRequest, EndpointRequest, NetworkRecord } from './types';

export interface PruneFilter {
  until?: Date | undefined;
  match?: ((n: NetworkRecord) => boolean) | undefined;
}

/** Docker's network events: create, connect, disconnect, destroy (Actor: the network). */
export type NetworkEventSink = (
  action: 'create' | 'connect' | 'disconnect' | 'destroy',
  networkId: string,
  attributes: Record<string, string>,
) => void;

export class NetworkService implements NetworkHook {
  readonly ctx: NetworkContext;
  readonly sandboxes: Sandboxes;
  private containers: ContainerSource = noContainers;
  private queue: Promise<unknown> = Promise.resolve();
  private sink: NetworkEventSink = () => undefined;

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

  setEventSink(sink: NetworkEventSink): void {
    this.sink = sink;
  }

  /** Attributes as dockerd sends them: container (for connect/disconnect), name, type. */
  private emit(action: Parameters<NetworkEventSink>[0], n: NetworkRecord, containerId?: string): void {
    try {
      this.sink(action, n.id, { ...(containerId ? { container: containerId } : {}), name: n.name, type: n.driver });
    } catch {
      /* events never break the network */
    }
  }

  /** The networks a container is on while its sandbox is active (none and host included). */
  private activeNetworks(containerId: string): NetworkRecord[] {
    const s = this.ctx.sandboxes.get(containerId);
    if (!s?.active) return [];
    const ids = Object.values(this.sandboxes.settingsOf(s).Networks).map((e) => e.NetworkID);
    return ids.map((id) => this.ctx.registry.get(id)).filter((n): n is NetworkRecord => n !== undefined);
  }

  // ---------------------------------------------------------------- start, restore, shutdown

  /** Load state, create the pre-defined networks, re-adopt live containers, clean leftovers. */
  start(containers: ContainerSource = this.containers): Promise<void> {
    this.containers = containers;
    return this.serial(() => restoreState(this.ctx, this.sandboxes, this.containers));
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
    return this.serial(async () => {
      const r = await this.sandboxes.attach(containerId, ns, req);
      for (const n of this.activeNetworks(containerId)) this.emit('connect', n, containerId);
      return r;
    });
  }

  detach(containerId: string, opts: { release: boolean }): Promise<void> {
    return this.serial(async () => {
      const was = this.activeNetworks(containerId);
      await this.sandboxes.detach(containerId, opts.release);
      for (const n of was) this.emit('disconnect', n, containerId);
    });
  }

  rename(containerId: string, name: string): Promise<void> {
    return this.serial(() => this.sandboxes.rename(containerId, name));
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
      this.emit('create', rec);
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
      s.lostNetworks = [...(s.lostNetworks ?? []), { id: n.id, name: n.name }];
      ctx.store.saveSandbox(s);
    }
    const wasRealized = ctx.realized.has(n.id);
    if (wasRealized) await ctx.unrealize(n);
    ctx.registry.delete(n.id);
    if (wasRealized) await ctx.syncFirewall();
    this.emit('destroy', n);
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
    return this.serial(async () => {
      const ref = this.container(container);
      const n = this.ctx.registry.resolve(network);
      await this.sandboxes.connect(ref, n, cfg);
      if (this.activeNetworks(ref.id).some((x) => x.id === n.id)) this.emit('connect', n, ref.id);
    });
  }

  disconnect(network: string, container: string, force = false): Promise<void> {
    return this.serial(async () => {
      // A network removed while the container was stopped: disconnecting is how it starts again.
      const owner = this.containers.find(container);
      if (owner && this.sandboxes.forgetLost(owner.id, network)) return;
      const n = this.ctx.registry.resolve(network);
      let ref = owner;
      if (!ref && force) {
        // The container is gone but its record still names it: let force clean the endpoint up.
        const s = [...this.ctx.sandboxes.values()].find(
          (x) => x.containerId === container || x.containerName === container,
        );
        if (s) ref = { id: s.containerId, name: s.containerName, running: false };
      }
      if (!ref) throw new NotFound(`No such container: ${container}`);
      const live = this.activeNetworks(ref.id).some((x) => x.id === n.id);
      await this.sandboxes.disconnect(ref, n);
      if (live) this.emit('disconnect', n, ref.id);
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
