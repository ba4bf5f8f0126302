/**
 * IPv4 address management for one network: the lowest free address of the pool (as libnetwork's
 * default IPAM does), static addresses, release. The pool itself holds no state on disk: the
 * network manager rebuilds it from the persisted endpoint records at start, so an address is
 * owned by exactly one record and survives an agent restart with it.
 */
import { Conflict, InvalidArgument, ResourceExhausted } from '../errdefs';
import {
  broadcastOf,
  contains,
  formatCidr,
  formatIPv4,
  parseCidr,
  parseIPv4,
  prefixSize,
  within,
  type Prefix,
} from './ip';

/** IPAM configuration of one network as stored (Docker's IPAM.Config entry). */
export interface IpamConfig {
  subnet: string;
  gateway: string;
  ipRange?: string | undefined;
  /** Docker's AuxiliaryAddresses: name → address, kept out of allocation. */
  auxAddresses?: Record<string, string> | undefined;
}

export interface PoolLayout {
  subnet: Prefix;
  range: Prefix;
  gateway: number;
  reserved: Set<number>;
}

/** Validate an IPAM config and compute the pool layout; throws InvalidArgument naming the field. */
export function poolLayout(cfg: IpamConfig): PoolLayout {
  const subnet = parseCidr(cfg.subnet, 'subnet');
  if (subnet.len > 30)
    throw new InvalidArgument(`subnet ${cfg.subnet} is too small: a bridge network needs at least a /30`);
  if (subnet.len < 8) throw new InvalidArgument(`subnet ${cfg.subnet} is too large: the prefix must be /8 or longer`);
  const range = cfg.ipRange ? parseCidr(cfg.ipRange, 'ip-range') : subnet;
  if (!within(range, subnet)) throw new InvalidArgument(`ip-range ${cfg.ipRange} is not within subnet ${cfg.subnet}`);
  const gateway = parseIPv4(cfg.gateway, 'gateway');
  const bcast = broadcastOf(subnet);
  const checkHost = (ip: number, what: string, text: string): void => {
    if (!contains(subnet, ip)) throw new InvalidArgument(`${what} ${text} is not within subnet ${cfg.subnet}`);
    if (ip === subnet.addr || ip === bcast)
      throw new InvalidArgument(`${what} ${text} is the network or broadcast address of ${cfg.subnet}`);
  };
  checkHost(gateway, 'gateway', cfg.gateway);
  const reserved = new Set<number>([gateway]);
  for (const [name, text] of Object.entries(cfg.auxAddresses ?? {})) {
    const ip = parseIPv4(text, `auxiliary address ${name}`);
    checkHost(ip, `auxiliary address ${name}`, text);
    reserved.add(ip);
  }
  return { subnet, range, gateway, reserved };
}

/** The first usable host address of a subnet: the default gateway. */
export function defaultGateway(subnet: string): string {
  const p = parseCidr(subnet, 'subnet');
  return formatIPv4(p.addr + 1);
}

export class AddressPool {
  private readonly owners = new Map<number, string>();
  readonly layout: PoolLayout;

  constructor(cfg: IpamConfig) {
    this.layout = poolLayout(cfg);
  }

  get subnetText(): string {
    return formatCidr(this.layout.subnet);
  }

  /** Claim an address: the given one (static) or the lowest free one of the range. */
  allocate(owner: string, wanted?: string): number {
    if (wanted !== undefined) {
      const ip = parseIPv4(wanted, 'IPv4 address');
      this.claim(ip, owner, wanted);
      return ip;
    }
    const { range, subnet } = this.layout;
    const bcast = broadcastOf(subnet);
    const end = range.addr + prefixSize(range);
    for (let ip = range.addr; ip < end; ip++) {
      if (ip === subnet.addr || ip === bcast) continue;
      if (this.layout.reserved.has(ip) || this.owners.has(ip)) continue;
      this.owners.set(ip, owner);
      return ip;
    }
    throw new ResourceExhausted(`no available IPv4 addresses on this network's address pool (${formatCidr(range)})`);
  }

  /** Re-claim an address recorded before (restart) or requested statically. */
  claim(ip: number, owner: string, text = formatIPv4(ip)): void {
    const { subnet } = this.layout;
    if (!contains(subnet, ip))
      throw new InvalidArgument(`no configured subnet contains the IP address ${text} (subnet ${formatCidr(subnet)})`);
    if (ip === subnet.addr || ip === broadcastOf(subnet))
      throw new InvalidArgument(`${text} is the network or broadcast address of ${formatCidr(subnet)}`);
    if (this.layout.reserved.has(ip)) throw new Conflict(`address ${text} is reserved (gateway or auxiliary address)`);
    const cur = this.owners.get(ip);
    if (cur !== undefined && cur !== owner) throw new Conflict(`address ${text} is already in use`);
    this.owners.set(ip, owner);
  }

  release(ip: number): void {
    this.owners.delete(ip);
  }

  ownerOf(ip: number): string | undefined {
    return this.owners.get(ip);
  }

  get size(): number {
    return this.owners.size;
  }
}
