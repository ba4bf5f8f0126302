/**
 * The network records in memory: lookup by name, ID or unique ID prefix (Docker's rules), the
 * address pool of each bridge network, and validation of a create request into a record.
 */
import crypto from 'node:crypto';
import { Conflict, Forbidden, InvalidArgument, NotFound, NotImplemented } from '../errdefs';
import { AddressPool, defaultGateway, type IpamConfig } from './ipam';
import { isIPv4, parseCidr, type Prefix } from './ip';
import type { NetworkStore } from './store';
import type { NetworkRecord } from './types';

export const OPT_BRIDGE_NAME = 'com.docker.network.bridge.name';
export const OPT_MTU = 'com.docker.network.driver.mtu';
export const OPT_MASQUERADE = 'com.docker.network.bridge.enable_ip_masquerade';
export const OPT_ICC = 'com.docker.network.bridge.enable_icc';
export const OPT_HOST_BINDING = 'com.docker.network.bridge.host_binding_ipv4';
export const OPT_DEFAULT_BRIDGE = 'com.docker.network.bridge.default_bridge';

export const NAME_RE = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

export interface CreateNetworkRequest {
  name: string;
  driver?: string | undefined;
  internal?: boolean | undefined;
  attachable?: boolean | undefined;
  enableIPv6?: boolean | undefined;
  ipam?:
    | {
        driver?: string | undefined;
        config?: Array<Partial<IpamConfig>> | undefined;
        options?: Record<string, string> | undefined;
      }
    | undefined;
  options?: Record<string, string> | undefined;
  labels?: Record<string, string> | undefined;
}

export function newId(): string {
  return crypto.randomBytes(32).toString('hex');
}

function boolOption(opts: Record<string, string>, key: string, dflt: boolean): boolean {
  const v = opts[key];
  if (v === undefined || v === '') return dflt;
  if (/^(1|true|t|yes)$/i.test(v)) return true;
  if (/^(0|false|f|no)$/i.test(v)) return false;
  throw new InvalidArgument(`invalid value "${v}" for option ${key}: want true or false`);
}

/** Interface names: at most 15 bytes, no slash, colon or white space. */
export function checkIfName(name: string, what: string): void {
  if (!/^[a-zA-Z0-9_.-]{1,15}$/.test(name))
    throw new InvalidArgument(`invalid ${what} "${name}": 1–15 characters of letters, digits, '_', '.' or '-'`);
}

export class NetworkRegistry {
  private readonly byId = new Map<string, NetworkRecord>();
  private readonly pools = new Map<string, AddressPool>();

  constructor(private readonly store: NetworkStore) {}

  load(): void {
    for (const n of this.store.loadNetworks()) this.put(n, false);
  }

  put(n: NetworkRecord, persist = true): void {
    this.byId.set(n.id, n);
    this.pools.delete(n.id);
    if (n.driver === 'bridge' && n.ipam.config[0]) this.pools.set(n.id, new AddressPool(n.ipam.config[0]));
    if (persist) this.store.saveNetwork(n);
  }

  delete(id: string): void {
    this.byId.delete(id);
    this.pools.delete(id);
    this.store.deleteNetwork(id);
  }

  all(): NetworkRecord[] {
    return [...this.byId.values()];
  }

  bridges(): NetworkRecord[] {
    return this.all().filter((n) => n.driver === 'bridge');
  }

  get(id: string): NetworkRecord | undefined {
    return this.byId.get(id);
  }

  pool(id: string): AddressPool {
    const p = this.pools.get(id);
    if (!p) throw new InvalidArgument(`network ${this.byId.get(id)?.name ?? id} has no IPv4 address pool`);
    return p;
  }

  byName(name: string): NetworkRecord | undefined {
    for (const n of this.byId.values()) if (n.name === name) return n;
    return undefined;
  }

  /** Docker's order: full ID, then exact name, then unique ID prefix. */
  find(idOrName: string): NetworkRecord | undefined {
    const direct = this.byId.get(idOrName) ?? this.byName(idOrName);
    if (direct) return direct;
    if (!/^[0-9a-f]+$/.test(idOrName)) return undefined;
    const hits = this.all().filter((n) => n.id.startsWith(idOrName));
    if (hits.length > 1) throw new InvalidArgument(`network ${idOrName} is ambiguous (${hits.length} matches found)`);
    return hits[0];
  }

  resolve(idOrName: string): NetworkRecord {
    const n = this.find(idOrName);
    if (!n) throw new NotFound(`network ${idOrName} not found`);
    return n;
  }

  subnets(exceptId?: string): Array<{ name: string; subnet: Prefix }> {
    return this.bridges()
      .filter((n) => n.id !== exceptId && n.ipam.config[0])
      .map((n) => ({ name: n.name, subnet: parseCidr(n.ipam.config[0]!.subnet) }));
  }

  /**
   * Turn a create request into a record (not yet stored). `subnetFor` picks a subnet when the
   * request has none. Throws typed errors naming the bad field.
   */
  buildRecord(
    req: CreateNetworkRequest,
    bridgeFor: (id: string) => string,
    defaults: { mtu: number },
    subnetFor: () => string,
  ): NetworkRecord {
    const name = req.name;
    if (!name) throw new InvalidArgument('network name is required');
    if (!NAME_RE.test(name))
      throw new InvalidArgument(`invalid network name "${name}": only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`);
    const driver = req.driver || 'bridge';
    if (driver === 'host' || driver === 'null')
      throw new Forbidden(`only one instance of "${driver}" network is allowed`);
    if (driver !== 'bridge') throw new NotFound(`plugin "${driver}" not found: Berth provides the bridge driver only`);
    if (this.byName(name)) throw new Conflict(`network with name ${name} already exists`);
    if (req.enableIPv6) throw new NotImplemented('IPv6 networks are not supported by Berth yet (EnableIPv6)');
    const ipamDriver = req.ipam?.driver || 'default';
    if (ipamDriver !== 'default')
      throw new NotFound(`IPAM driver "${ipamDriver}" not found: only "default" is available`);
    const configs = req.ipam?.config ?? [];
    if (configs.length > 1) throw new NotImplemented('a network can have one IPv4 subnet (several IPAM configs given)');
    const opts = { ...(req.options ?? {}) };
    const mtuText = opts[OPT_MTU];
    const mtu = mtuText ? Number(mtuText) : defaults.mtu;
    if (!Number.isInteger(mtu) || mtu < 68 || mtu > 65535)
      throw new InvalidArgument(`invalid MTU "${mtuText}": want 68–65535`);
    if (!boolOption(opts, OPT_ICC, true))
      throw new NotImplemented(`${OPT_ICC}=false is not supported: containers on one bridge always reach each other`);
    const masquerade = boolOption(opts, OPT_MASQUERADE, true);
    const hostBindingIp = opts[OPT_HOST_BINDING] ?? '';
    if (hostBindingIp && hostBindingIp !== '0.0.0.0' && !isIPv4(hostBindingIp))
      throw new InvalidArgument(`invalid ${OPT_HOST_BINDING} "${hostBindingIp}": want an IPv4 address`);
    const id = newId();
    const bridge = opts[OPT_BRIDGE_NAME] || bridgeFor(id);
    checkIfName(bridge, 'bridge name');
    const c = configs[0] ?? {};
    if ((c as { IPv6?: unknown }).IPv6) throw new NotImplemented('IPv6 subnets are not supported');
    const autoSubnet = !c.subnet;
    if (autoSubnet && (c.gateway || c.ipRange)) throw new InvalidArgument('a gateway or ip-range needs a subnet');
    const subnet = c.subnet ?? subnetFor();
    const cfg: IpamConfig = {
      subnet,
      gateway: c.gateway || defaultGateway(subnet),
      ...(c.ipRange ? { ipRange: c.ipRange } : {}),
      ...(c.auxAddresses && Object.keys(c.auxAddresses).length ? { auxAddresses: c.auxAddresses } : {}),
    };
    new AddressPool(cfg); // validates
    return {
      id,
      name,
      driver: 'bridge',
      created: new Date().toISOString(),
      predefined: false,
      bridge,
      ipam: { driver: 'default', config: [cfg], options: req.ipam?.options ?? {} },
      autoSubnet,
      internal: !!req.internal,
      attachable: !!req.attachable,
      mtu,
      masquerade,
      hostBindingIp: hostBindingIp === '0.0.0.0' ? '' : hostBindingIp,
      options: opts,
      labels: req.labels ?? {},
    };
  }
}
