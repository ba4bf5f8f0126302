/**
 * Containers on networks: attach at start (every endpoint of the container plumbed into its
 * namespace, ports published, names registered, /etc files written), detach at stop (kernel side
 * removed, addresses kept) or at removal (addresses released), and connect/disconnect of a
 * running or stopped container. Every step that changes the host registers its undo; a failure
 * runs them backwards, so a refused request leaves nothing behind.
 */
import { Conflict, Forbidden, InvalidArgument, NotFound } from '../errdefs';
import type { ContainerRef } from './containers';
import type { NetworkContext } from './context';
import { dockerNetworkSettings, type DockerNetworkSettings } from './docker-shape';
import type { EtcFiles } from './etc-files';
import { formatIPv4, macForIPv4, parseCidr, parseIPv4, parseMac } from './ip';
import type { NetnsRef } from './netlink/netns';
import { newId } from './registry';
import { checkAliases, planEndpoints, validateRequest, type Undo } from './endpoints';
import { parseMode, renderSandboxFiles, writeSandboxFiles } from './sandbox-files';
import type { ContainerNetworkRequest, EndpointRecord, EndpointRequest, NetworkRecord, SandboxRecord } from './types';

export interface AttachResult {
  settings: DockerNetworkSettings;
  files: EtcFiles;
}

async function rollback(undo: Undo): Promise<void> {
  for (const u of undo.reverse()) {
    try {
      await u();
    } catch {
      /* best effort: the original error is what the caller sees */
    }
  }
}

export class Sandboxes {
  constructor(private readonly ctx: NetworkContext) {}

  private save(s: SandboxRecord): void {
    this.ctx.sandboxes.set(s.containerId, s);
    this.ctx.store.saveSandbox(s);
  }

  private network(id: string): NetworkRecord {
    const n = this.ctx.registry.get(id);
    if (!n) throw new NotFound(`network ${id} not found`);
    return n;
  }

  /** Create-time checks of a request, without side effects. */
  validate(req: ContainerNetworkRequest): void {
    validateRequest(this.ctx, req);
  }

  private baseRecord(
    containerId: string,
    req: ContainerNetworkRequest,
    prev: SandboxRecord | undefined,
  ): SandboxRecord {
    return {
      containerId,
      mode: req.mode,
      containerName: req.containerName.replace(/^\//, ''),
      hostname: req.hostname,
      domainname: req.domainname ?? '',
      dns: req.dns ?? [],
      dnsSearch: req.dnsSearch ?? [],
      dnsOptions: req.dnsOptions ?? [],
      extraHosts: req.extraHosts ?? [],
      portRequests: req.ports ?? [],
      exposedPorts: req.exposedPorts ?? [],
      ports: [],
      active: false,
      etcDir: req.etcDir,
      endpoints: prev?.endpoints.map((e) => ({ ...e })) ?? [],
      ...(prev?.planned ? { planned: true } : {}),
      ...(prev?.lostNetworks?.length ? { lostNetworks: prev.lostNetworks.map((l) => ({ ...l })) } : {}),
    };
  }

  private dnsNames(s: SandboxRecord, e: EndpointRecord, n: NetworkRecord): string[] {
    return [s.containerName, s.containerId.slice(0, 12), `${s.containerName}.${n.name}`, ...e.aliases];
  }

  /** DNS names of an endpoint on a user network (the default bridge has no embedded DNS). */
  register(s: SandboxRecord, e: EndpointRecord): void {
    const n = this.ctx.registry.get(e.networkId);
    if (!n || n.predefined) return;
    this.ctx.names.add(n.id, this.dnsNames(s, e, n), parseIPv4(e.ip), `${s.containerName}.${n.name}`);
  }

  private unregister(s: SandboxRecord, e: EndpointRecord): void {
    const n = this.ctx.registry.get(e.networkId);
    if (n) this.ctx.names.remove(n.id, this.dnsNames(s, e, n), parseIPv4(e.ip));
  }

  plugEndpoint(ns: NetnsRef, e: EndpointRecord, defaultRoute: boolean): void {
    const n = this.network(e.networkId);
    const c = n.ipam.config[0]!;
    this.ctx.bridge.plug(ns, {
      bridge: n.bridge,
      hostIf: e.hostIf,
      ifName: e.ifName,
      mac: parseMac(e.mac),
      ip: parseIPv4(e.ip),
      subnet: parseCidr(c.subnet),
      defaultGateway: defaultRoute && !n.internal ? parseIPv4(c.gateway) : undefined,
      mtu: n.mtu,
    });
  }

  async attach(containerId: string, ns: NetnsRef | undefined, req: ContainerNetworkRequest): Promise<AttachResult> {
    const prev = this.ctx.sandboxes.get(containerId);
    if (prev?.active) throw new Conflict(`container ${req.containerName} is already attached to its networks`);
    const s = this.baseRecord(containerId, req, prev);
    const mode = parseMode(req.mode);
    // As dockerd (moby#17187): no start without a network the container was connected to.
    const lost = s.lostNetworks?.[0];
    if (lost && mode.kind === 'network') throw new NotFound(`network ${lost.name} not found`);
    if (mode.kind !== 'network') {
      for (const e of s.endpoints) this.releaseIp(e);
      s.endpoints = [];
      if (mode.kind === 'none' && ns) this.ctx.bridge.loopbackUp(ns);
      s.active = true;
      const files = writeSandboxFiles(this.ctx, s);
      this.save(s);
      return { settings: this.settingsOf(s), files };
    }
    if (!ns) throw new InvalidArgument(`network mode ${req.mode} needs the container's network namespace`);
    validateRequest(this.ctx, req); // bad input is refused before any bridge comes up
    if (s.planned && s.endpoints.length === 0) {
      // Disconnected from every network (as dockerd allows): only lo.
      this.ctx.bridge.loopbackUp(ns);
      s.active = true;
      const files = writeSandboxFiles(this.ctx, s);
      this.save(s);
      return { settings: this.settingsOf(s), files };
    }
    const undo: Undo = [];
    try {
      // Bridges first: bringing one up may move a still unused default subnet (a clash appeared).
      const requested = s.planned ? [] : [mode.network, ...(req.endpoints ?? []).map((e) => e.network)];
      const nets = requested.map((x) => this.ctx.registry.resolve(x));
      for (const e of s.endpoints) {
        const n = this.ctx.registry.get(e.networkId);
        if (n) nets.push(n);
      }
      for (const n of nets) if (n.driver === 'bridge') await this.ctx.realize(n);
      s.endpoints = s.planned
        ? planEndpoints(this.ctx, s, s.endpoints[0]!.networkId, [], undo)
        : planEndpoints(this.ctx, s, mode.network, req.endpoints ?? [], undo);
      s.planned = true;
      s.active = true;
      this.save(s);
      undo.push(() => {
        if (prev) this.save(prev);
        else {
          this.ctx.sandboxes.delete(containerId);
          this.ctx.store.deleteSandbox(containerId);
        }
      });
      for (const [i, e] of s.endpoints.entries()) {
        this.plugEndpoint(ns, e, i === 0);
        undo.push(() => this.ctx.bridge.deleteLinkAsync(e.hostIf));
      }
      const primary = this.network(s.endpoints[0]!.networkId);
      if (primary.internal && s.portRequests.length)
        this.ctx.log.warn('network: published ports are ignored on an internal network', {
          container: s.containerName,
        });
      else {
        for (const r of s.portRequests) {
          const b = await this.ctx.ports.reserve(
            { ...r, hostIp: r.hostIp || primary.hostBindingIp },
            { ip: s.endpoints[0]!.ip, port: r.containerPort },
            containerId,
          );
          s.ports.push(b);
          undo.push(() => this.ctx.ports.release(b));
        }
      }
      const fw = this.ctx.fwPortsOf(s);
      if (fw.length) {
        await this.ctx.firewall.updatePorts(fw, []);
        undo.push(() => this.ctx.firewall.updatePorts([], fw));
      }
      for (const e of s.endpoints) this.ctx.maybeEnableIpForward(this.network(e.networkId));
      for (const e of s.endpoints) {
        this.register(s, e);
        undo.push(() => this.unregister(s, e));
      }
      const files = writeSandboxFiles(this.ctx, s);
      this.save(s);
      return { settings: this.settingsOf(s), files };
    } catch (err) {
      await rollback(undo);
      throw err;
    }
  }

  private releaseIp(e: EndpointRecord): void {
    if (this.ctx.registry.get(e.networkId)) this.ctx.registry.pool(e.networkId).release(parseIPv4(e.ip));
  }

  /** Remove the kernel side of a container: veths, published ports, DNS names. */
  async deactivate(s: SandboxRecord): Promise<void> {
    const fw = this.ctx.fwPortsOf(s);
    for (const e of s.endpoints) {
      try {
        await this.ctx.bridge.deleteLinkAsync(e.hostIf);
      } catch (err) {
        this.ctx.log.warn('network: cannot delete veth', { veth: e.hostIf, error: (err as Error).message });
      }
      this.unregister(s, e);
    }
    for (const b of s.ports) await this.ctx.ports.release(b);
    s.ports = [];
    s.active = false;
    this.save(s);
    if (fw.length) await this.ctx.firewall.updatePorts([], fw);
  }

  async detach(containerId: string, release: boolean): Promise<void> {
    const s = this.ctx.sandboxes.get(containerId);
    if (!s) return;
    if (s.active) await this.deactivate(s);
    if (!release) return;
    for (const e of s.endpoints) this.releaseIp(e);
    this.ctx.sandboxes.delete(containerId);
    this.ctx.store.deleteSandbox(containerId);
  }

  async connect(ref: ContainerRef, n: NetworkRecord, cfg: Omit<EndpointRequest, 'network'>): Promise<void> {
    if (n.driver === 'host')
      throw new Forbidden('container cannot be disconnected from host network or connected to host network');
    if (n.driver !== 'bridge') throw new Forbidden(`container cannot be connected to the "${n.name}" network`);
    let s = this.ctx.sandboxes.get(ref.id);
    const mode = s ? parseMode(s.mode) : undefined;
    if (s && mode && mode.kind !== 'network')
      throw new Forbidden(
        mode.kind === 'none'
          ? 'container cannot be connected to multiple networks with one of the networks in private (none) mode'
          : 'container sharing network namespace with another container or host cannot be connected to any other network',
      );
    if (s?.endpoints.some((e) => e.networkId === n.id))
      throw new Forbidden(`endpoint with name ${ref.name} already exists in network ${n.name}`);
    if (cfg.ipv4Address && n.predefined)
      throw new InvalidArgument('user specified IP address is supported on user defined networks only');
    const aliases = checkAliases(cfg.aliases);
    if (cfg.macAddress) parseMac(cfg.macAddress);
    s ??= this.baseRecord(
      ref.id,
      { containerName: ref.name, mode: 'bridge', hostname: ref.id.slice(0, 12) },
      undefined,
    );
    const live = s.active && ref.running && ref.netns !== undefined;
    const undo: Undo = [];
    try {
      if (live) await this.ctx.realize(n);
      const pool = this.ctx.registry.pool(n.id);
      const ip = pool.allocate(s.containerId, cfg.ipv4Address);
      undo.push(() => pool.release(ip));
      const used = new Set(s.endpoints.map((e) => e.ifName));
      let idx = 0;
      while (used.has(`eth${idx}`)) idx++;
      const e: EndpointRecord = {
        id: newId(),
        networkId: n.id,
        ifName: `eth${idx}`,
        hostIf: this.ctx.vethName(),
        ip: formatIPv4(ip),
        mac: cfg.macAddress?.toLowerCase() ?? macForIPv4(ip),
        aliases,
        staticIp: !!cfg.ipv4Address,
      };
      if (live) {
        if (this.ctx.bridge.namesIn(ref.netns!).includes(e.ifName))
          throw new Conflict(`interface ${e.ifName} already exists in the container`);
        this.plugEndpoint(ref.netns!, e, s.endpoints.length === 0);
        undo.push(() => this.ctx.bridge.deleteLinkAsync(e.hostIf));
        this.ctx.maybeEnableIpForward(n);
      }
      s.endpoints.push(e);
      if (live) this.register(s, e);
      this.save(s);
      if (live) writeSandboxFiles(this.ctx, s);
    } catch (err) {
      await rollback(undo);
      throw err;
    }
  }

  /**
   * Forget a removed network the stopped container was connected to (by name or id); false when
   * it names none of them, or a live network the container is connected to.
   */
  forgetLost(containerId: string, network: string): boolean {
    const s = this.ctx.sandboxes.get(containerId);
    if (!s?.lostNetworks?.length || s.active) return false;
    const idx = s.lostNetworks.findIndex(
      (l) => l.name === network || l.id === network || (network.length >= 12 && l.id.startsWith(network)),
    );
    if (idx < 0) return false;
    const name = s.lostNetworks[idx]!.name;
    if (s.endpoints.some((e) => this.ctx.registry.get(e.networkId)?.name === name)) return false;
    s.lostNetworks.splice(idx, 1);
    if (!s.lostNetworks.length) delete s.lostNetworks;
    this.save(s);
    return true;
  }

  async disconnect(ref: ContainerRef, n: NetworkRecord): Promise<void> {
    const s = this.ctx.sandboxes.get(ref.id);
    const idx = s ? s.endpoints.findIndex((e) => e.networkId === n.id) : -1;
    if (!s || idx < 0) {
      if (n.driver === 'host' && s && parseMode(s.mode).kind === 'host')
        throw new Forbidden('container cannot be disconnected from host network or connected to host network');
      throw new NotFound(`container ${ref.name} is not connected to network ${n.name}`);
    }
    const e = s.endpoints[idx]!;
    if (s.active) {
      if (idx === 0 && s.ports.length) {
        const fw = this.ctx.fwPortsOf(s);
        for (const b of s.ports) await this.ctx.ports.release(b);
        s.ports = [];
        await this.ctx.firewall.updatePorts([], fw);
      }
      await this.ctx.bridge.deleteLinkAsync(e.hostIf);
      this.unregister(s, e);
    }
    this.releaseIp(e);
    s.endpoints.splice(idx, 1);
    this.save(s);
    if (s.active) writeSandboxFiles(this.ctx, s);
  }

  /** A renamed container: its record and, while it runs, its DNS names follow the new name. */
  rename(containerId: string, name: string): void {
    const s = this.ctx.sandboxes.get(containerId);
    if (!s) return;
    if (s.active) for (const e of s.endpoints) this.unregister(s, e);
    s.containerName = name.replace(/^\//, '');
    if (s.active) for (const e of s.endpoints) this.register(s, e);
    this.save(s);
  }

  files(containerId: string): EtcFiles | undefined {
    const s = this.ctx.sandboxes.get(containerId);
    return s ? renderSandboxFiles(this.ctx, s) : undefined;
  }

  settingsOf(s: SandboxRecord): DockerNetworkSettings {
    const mode = parseMode(s.mode);
    const special =
      mode.kind === 'none' || mode.kind === 'host'
        ? this.ctx.registry.all().find((n) => n.predefined && n.driver === (mode.kind === 'none' ? 'null' : 'host'))
        : undefined;
    return dockerNetworkSettings(
      s,
      (id) => this.ctx.registry.get(id),
      special ? { name: special.name, id: special.id } : undefined,
    );
  }

  settings(containerId: string): DockerNetworkSettings | undefined {
    const s = this.ctx.sandboxes.get(containerId);
    return s ? this.settingsOf(s) : undefined;
  }
}
