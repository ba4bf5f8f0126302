/**
 * Shared state of the network module and the kernel side of networks: realizing a bridge
 * network (bridge + address under the host-wide lock with a fresh clash check, its embedded DNS,
 * the firewall model) and taking it down again.
 */
import crypto from 'node:crypto';
import path from 'node:path';
import type { Logger } from '../daemon/logger';
import { InvalidArgument } from '../errdefs';
import { BridgeDriver } from './bridge';
import { DnsServer } from './dns/server';
import { NameIndex } from './dns/names';
import { parseUpstream, type Upstream } from './dns/forwarder';
import { readHostResolvConf, FALLBACK_NAMESERVERS, type ResolvConf } from './dns/resolvconf';
import { Firewall } from './firewall/manager';
import type { FirewallPreference } from './firewall/detect';
import type { Runner } from './firewall/exec';
import type { FwNetwork, FwPort } from './firewall/types';
import { formatCidr, formatIPv4, parseCidr, parseIPv4 } from './ip';
import { netlinkElementWriter } from './netlink/nftables';
import { PortReservations } from './ports/reserve';
import { NetworkRegistry } from './registry';
import { NetworkStore } from './store';
import { checkSubnet, chooseSubnet, withHostLock, type ClashContext } from './subnets';
import { enableIpForward, procSysctl, type Sysctl } from './sysctl';
import type { NetworkRecord, SandboxRecord } from './types';

export interface NetworkConfig {
  /** State lives in <stateDir> (the daemon passes <data-root>/network). */
  stateDir: string;
  /** Prefix of every host-global name: nft table, iptables chains, veths, user bridges (1–6 chars). */
  prefix: string;
  /** Kernel name of the default bridge. */
  bridgeName: string;
  bridgeSubnet?: string | undefined;
  mtu: number;
  /** May turn on net.ipv4.ip_forward (outbound traffic of containers). */
  ipForward: boolean;
  firewall: FirewallPreference;
  /** Where to look for nft / iptables (default: PATH + sbin dirs). */
  toolDirs?: string[] | undefined;
  /** Upstream resolvers of the embedded DNS ("ip" or "ip:port"); default: the host's resolv.conf. */
  dnsUpstreams?: string[] | undefined;
  hostResolvConf?: string | undefined;
  hostsFile?: string | undefined;
  log: Logger;
  sysctl?: Sysctl | undefined;
  run?: Runner | undefined;
  hostLockFile?: string | undefined;
  /** nftables map updates over netlink (default true); false spawns `nft` for them too. */
  nftNetlink?: boolean | undefined;
}

export const PREFIX_RE = /^[a-z][a-z0-9]{0,5}$/;

export function checkConfig(c: NetworkConfig): void {
  if (!PREFIX_RE.test(c.prefix))
    throw new InvalidArgument(
      `invalid network prefix "${c.prefix}": 1–6 lower-case letters or digits, starting with a letter`,
    );
  if (!Number.isInteger(c.mtu) || c.mtu < 68 || c.mtu > 65535)
    throw new InvalidArgument(`invalid MTU ${c.mtu}: want 68–65535`);
}

export class NetworkContext {
  readonly store: NetworkStore;
  readonly registry: NetworkRegistry;
  readonly bridge: BridgeDriver;
  readonly firewall: Firewall;
  readonly ports = new PortReservations();
  readonly names = new NameIndex();
  readonly sandboxes = new Map<string, SandboxRecord>();
  /** Networks whose bridge is up (and DNS running, for user networks). */
  readonly realized = new Set<string>();
  readonly dnsServers = new Map<string, DnsServer>();
  readonly sysctl: Sysctl;
  readonly log: Logger;
  hostResolv: ResolvConf;
  upstreams: Upstream[];
  ipForwardDone = false;

  constructor(readonly config: NetworkConfig) {
    checkConfig(config);
    this.log = config.log;
    this.sysctl = config.sysctl ?? procSysctl;
    this.store = new NetworkStore(config.stateDir);
    this.registry = new NetworkRegistry(this.store);
    this.bridge = new BridgeDriver(this.sysctl);
    this.firewall = new Firewall({
      prefix: config.prefix,
      prefer: config.firewall,
      toolDirs: config.toolDirs,
      run: config.run,
      markerFile: path.join(config.stateDir, 'firewall-installed'),
      log: config.log,
      elementWriter: config.nftNetlink === false ? undefined : netlinkElementWriter,
    });
    this.hostResolv = readHostResolvConf(config.hostResolvConf);
    const ups = config.dnsUpstreams ?? this.hostResolv.nameservers.filter((s) => !s.includes(':'));
    this.upstreams = (ups.length ? ups : FALLBACK_NAMESERVERS).map(parseUpstream);
  }

  /** A fresh host-side veth name: <prefix>v + 8 hex (≤ 15 bytes). */
  vethName(): string {
    return `${this.config.prefix}v${crypto.randomBytes(4).toString('hex')}`;
  }

  isOurVeth(name: string): boolean {
    return new RegExp(`^${this.config.prefix}v[0-9a-f]{8}$`).test(name);
  }

  userBridgeName(id: string): string {
    return `${this.config.prefix}-${id.slice(0, 8)}`;
  }

  isOurBridgeName(name: string): boolean {
    return name === this.config.bridgeName || new RegExp(`^${this.config.prefix}-[0-9a-f]{8}$`).test(name);
  }

  clashContext(exceptId?: string, ignore?: Set<number>): ClashContext {
    const links = this.bridge.links();
    const names = new Map(links.map((l) => [l.index, l.name]));
    return {
      routes: this.bridge.routes(),
      ifName: (i) => names.get(i),
      ignoreIfIndexes: ignore,
      networks: this.registry.subnets(exceptId),
    };
  }

  /** Pick a free subnet now (a record is stored right after, under the same lock). */
  chooseSubnet(): string {
    return formatCidr(chooseSubnet(this.clashContext()));
  }

  usersOf(networkId: string): SandboxRecord[] {
    return [...this.sandboxes.values()].filter((s) => s.endpoints.some((e) => e.networkId === networkId));
  }

  activeUsersOf(networkId: string): SandboxRecord[] {
    return this.usersOf(networkId).filter((s) => s.active);
  }

  fwNetworks(): FwNetwork[] {
    return [...this.realized].flatMap((id) => {
      const n = this.registry.get(id);
      const c = n?.ipam.config[0];
      if (!n || !c) return [];
      const dns = this.dnsServers.get(id);
      return [
        {
          bridge: n.bridge,
          subnet: c.subnet,
          gateway: c.gateway,
          internal: n.internal,
          masquerade: n.masquerade,
          dnsPort: dns?.port,
        },
      ];
    });
  }

  fwPortsOf(s: SandboxRecord): FwPort[] {
    const primary = s.endpoints[0];
    if (!primary || !s.active) return [];
    return s.ports.map((b) => ({
      proto: b.proto,
      hostIp: b.hostIp,
      hostPort: b.hostPort,
      containerIp: primary.ip,
      containerPort: b.containerPort,
    }));
  }

  fwPorts(): FwPort[] {
    return [...this.sandboxes.values()].flatMap((s) => this.fwPortsOf(s));
  }

  async syncFirewall(): Promise<void> {
    await this.firewall.sync(this.fwNetworks(), this.fwPorts());
  }

  /**
   * Bring a bridge network up: firewall backend present (else a clear error before anything is
   * created), subnet re-checked against the host's routes under the host-wide lock (a subnet
   * Berth chose and nothing uses yet is chosen again), bridge + address, DNS, firewall rules.
   */
  async realize(n: NetworkRecord, syncFirewall = true): Promise<void> {
    if (this.realized.has(n.id)) return;
    this.firewall.ensureBackend();
    let createdBridge = false;
    withHostLock(() => {
      const existing = this.bridge.link(n.bridge);
      const ctx = this.clashContext(n.id, existing ? new Set([existing.index]) : undefined);
      const cfg = n.ipam.config[0]!;
      try {
        checkSubnet(parseCidr(cfg.subnet), ctx);
      } catch (err) {
        if (!n.autoSubnet || this.usersOf(n.id).length > 0) throw err;
        const subnet = formatCidr(chooseSubnet(ctx));
        this.log.warn('network: subnet now clashes, choosing another', { network: n.name, old: cfg.subnet, subnet });
        n.ipam.config[0] = { subnet, gateway: formatIPv4(parseCidr(subnet).addr + 1) };
        this.registry.put(n);
      }
      const c = n.ipam.config[0]!;
      createdBridge = !existing;
      this.bridge.ensureBridge({
        name: n.bridge,
        subnet: parseCidr(c.subnet),
        gateway: parseIPv4(c.gateway),
        mtu: n.mtu,
      });
    }, this.config.hostLockFile);
    try {
      if (!n.predefined) await this.startDns(n);
      this.realized.add(n.id);
      if (syncFirewall) await this.syncFirewall();
    } catch (err) {
      this.realized.delete(n.id);
      await this.stopDns(n.id);
      if (createdBridge) await this.bridge.deleteLinkAsync(n.bridge);
      throw err;
    }
  }

  /** Take a network's kernel side down (bridge, DNS); the caller syncs the firewall. */
  async unrealize(n: NetworkRecord): Promise<void> {
    await this.stopDns(n.id);
    this.names.dropNetwork(n.id);
    await this.bridge.deleteLinkAsync(n.bridge);
    this.realized.delete(n.id);
  }

  private async startDns(n: NetworkRecord): Promise<void> {
    if (this.dnsServers.has(n.id)) return;
    const gateway = n.ipam.config[0]!.gateway;
    const records = {
      lookup: (name: string, clientIp: string) => this.names.lookup(this.visibleNetworks(n.id, clientIp), name),
      reverse: (ip: number, clientIp: string) => this.names.reverse(this.visibleNetworks(n.id, clientIp), ip),
      upstreamsFor: (clientIp: string) => {
        const s = this.sandboxByIp(clientIp);
        return s?.dns.length ? s.dns.map(parseUpstream) : this.upstreams;
      },
    };
    let server = new DnsServer({ address: gateway, port: 53, records, log: this.log });
    try {
      await server.start();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
      // Something on the host holds port 53 on every address: listen elsewhere, redirect 53 to it.
      server = new DnsServer({ address: gateway, port: 0, records, log: this.log });
      await server.start();
      this.log.info('network: port 53 taken, embedded DNS redirected', { network: n.name, port: server.port });
    }
    this.dnsServers.set(n.id, server);
  }

  private async stopDns(networkId: string): Promise<void> {
    const s = this.dnsServers.get(networkId);
    this.dnsServers.delete(networkId);
    await s?.close();
  }

  sandboxByIp(ip: string): SandboxRecord | undefined {
    for (const s of this.sandboxes.values()) if (s.active && s.endpoints.some((e) => e.ip === ip)) return s;
    return undefined;
  }

  private visibleNetworks(own: string, clientIp: string): string[] {
    const s = this.sandboxByIp(clientIp);
    return s ? s.endpoints.map((e) => e.networkId) : [own];
  }

  /** net.ipv4.ip_forward, once, when a container joins a network that may reach outside. */
  maybeEnableIpForward(n: NetworkRecord): void {
    if (this.ipForwardDone || !this.config.ipForward || n.internal || !n.masquerade) return;
    this.ipForwardDone = true;
    if (enableIpForward(this.sysctl))
      this.log.info('network: enabled net.ipv4.ip_forward for outbound container traffic');
  }
}
