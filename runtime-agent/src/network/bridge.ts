/**
 * The bridge driver's kernel work, all over rtnetlink: create/remove a Linux bridge with its
 * gateway address, and plug/unplug a container — one veth pair whose container end is created
 * directly inside the container's namespace, named eth<N>, with its MAC, address, MTU and (for
 * the primary network) the default route. A plug is three netlink round trips on the host socket
 * and one batch on a socket opened inside the container's namespace.
 */
import crypto from 'node:crypto';
import { Conflict, FailedPrecondition, Internal, NotFound } from '../errdefs';
import { broadcastOf, formatCidr, type Prefix } from './ip';
import { RtNetlink, type LinkInfo } from './netlink/route';
import { NetlinkError, EEXIST, ENODEV } from './netlink/socket';
import { openNetns, type NetnsRef } from './netlink/netns';
import fs from 'node:fs';
import { configureBridgeSysctls, type Sysctl } from './sysctl';

export interface BridgeSpec {
  name: string;
  subnet: Prefix;
  gateway: number;
  mtu: number;
}

export interface PlugSpec {
  bridge: string;
  hostIf: string;
  /** Interface name inside the container (eth0, eth1 …). */
  ifName: string;
  mac: Buffer;
  ip: number;
  subnet: Prefix;
  /** Set the default route via this gateway (the container's first network). */
  defaultGateway?: number | undefined;
  mtu: number;
}

function randomBridgeMac(): Buffer {
  const b = crypto.randomBytes(6);
  b[0] = (b[0]! & 0xfe) | 0x02; // unicast, locally administered
  return b;
}

function wrap(err: unknown, what: string): Error {
  if (err instanceof NetlinkError) {
    if (err.errno === EEXIST) return new Conflict(`${what}: ${err.message}`, { cause: err });
    if (err.errno === 1)
      return new FailedPrecondition(`${what}: permission denied (berthd must run as root)`, { cause: err });
    return new Internal(`${what}: ${err.message}`, { cause: err });
  }
  return err as Error;
}

/** The kernel gives every namespace's loopback this index. */
const LOOPBACK_IFINDEX = 1;

export class BridgeDriver {
  private host: RtNetlink | undefined;
  /** A second socket for deletions, which wait in the kernel; used one at a time. */
  private slow: RtNetlink | undefined;
  private slowQueue: Promise<unknown> = Promise.resolve();
  /** Bridge name → ifindex (indexes are never reused quickly; a stale one fails with ENODEV). */
  private readonly indexes = new Map<string, number>();

  constructor(private readonly sysctl: Sysctl) {}

  private rt(): RtNetlink {
    this.host ??= RtNetlink.open();
    return this.host;
  }

  close(): void {
    this.host?.close();
    this.host = undefined;
    this.slow?.close();
    this.slow = undefined;
  }

  link(name: string): LinkInfo | undefined {
    return this.rt().linkByName(name);
  }

  links(): LinkInfo[] {
    return this.rt().links();
  }

  routes(): ReturnType<RtNetlink['routes']> {
    return this.rt().routes();
  }

  /** Create the bridge if missing; make sure it is up, has its gateway address and Berth's sysctls. */
  ensureBridge(spec: BridgeSpec): void {
    const rt = this.rt();
    let br = rt.linkByName(spec.name);
    if (br && br.kind !== 'bridge')
      throw new Conflict(`interface ${spec.name} exists on the host and is not a bridge: choose another bridge name`);
    try {
      if (!br) {
        rt.batch([rt.newBridge(spec.name, spec.mtu, randomBridgeMac())], `create bridge ${spec.name}`);
        br = rt.linkByName(spec.name);
        if (!br) throw new Internal(`bridge ${spec.name} vanished right after it was created`);
      } else if (!br.up) {
        rt.batch([rt.setUp(br.index)], `bring up bridge ${spec.name}`);
      }
      const index = br.index;
      this.indexes.set(spec.name, index);
      const has = rt.addresses().some((a) => a.index === index && a.address === spec.gateway);
      if (!has) {
        rt.batch(
          [rt.newAddress(index, spec.gateway, spec.subnet.len, broadcastOf(spec.subnet))],
          `add address to bridge ${spec.name} (${formatCidr(spec.subnet)})`,
        );
      }
    } catch (err) {
      throw wrap(err, `set up bridge ${spec.name}`);
    }
    configureBridgeSysctls(this.sysctl, spec.name);
  }

  /**
   * Delete a link without blocking the event loop: unregistering a device waits for an RCU grace
   * period (~20–30 ms here). A missing link is fine. Deletions run one after the other.
   */
  deleteLinkAsync(name: string): Promise<boolean> {
    this.indexes.delete(name);
    const run = async (): Promise<boolean> => {
      this.slow ??= RtNetlink.open();
      try {
        await this.slow.batchAsync([this.slow.deleteLink(name)], `delete ${name}`);
        return true;
      } catch (err) {
        if (err instanceof NetlinkError && err.errno === ENODEV) return false;
        throw wrap(err, `delete interface ${name}`);
      }
    };
    const next = this.slowQueue.then(run, run);
    this.slowQueue = next.catch(() => undefined);
    return next;
  }

  private bridgeIndex(name: string, fresh = false): number {
    const cached = fresh ? undefined : this.indexes.get(name);
    if (cached !== undefined) return cached;
    const br = this.rt().linkByName(name);
    if (!br) throw new NotFound(`bridge ${name} does not exist (was it removed outside Berth?)`);
    this.indexes.set(name, br.index);
    return br.index;
  }

  /** Plug a container into a bridge. On failure nothing is left: the veth is deleted again. */
  plug(ns: NetnsRef, p: PlugSpec): void {
    const rt = this.rt();
    const nsFd = openNetns(ns);
    let created = false;
    try {
      const create = (master: number): void =>
        rt.batch(
          [rt.newVeth({ hostName: p.hostIf, master, peerName: p.ifName, peerNsFd: nsFd, peerMac: p.mac, mtu: p.mtu })],
          `create veth ${p.hostIf} → ${p.ifName}`,
        );
      try {
        create(this.bridgeIndex(p.bridge));
      } catch (err) {
        if (!(err instanceof NetlinkError && err.errno === ENODEV)) throw err;
        create(this.bridgeIndex(p.bridge, true)); // the bridge was re-created meanwhile
      }
      created = true;
      const hostEnd = rt.linkByName(p.hostIf);
      if (hostEnd) rt.batch([rt.setHairpin(hostEnd.index)], `hairpin on ${p.hostIf}`);
      const inner = RtNetlink.open(nsFd);
      try {
        const eth = inner.linkByName(p.ifName);
        if (!eth) throw new Internal(`${p.ifName} did not appear in the container's namespace`);
        const msgs = [
          inner.addrGenModeNone(eth.index),
          inner.newAddress(eth.index, p.ip, p.subnet.len, broadcastOf(p.subnet)),
          inner.setUp(eth.index),
          inner.setUp(LOOPBACK_IFINDEX),
        ];
        if (p.defaultGateway !== undefined) msgs.push(inner.newDefaultRoute(p.defaultGateway, eth.index));
        inner.batch(msgs, `configure ${p.ifName} in the container`);
      } finally {
        inner.close();
      }
    } catch (err) {
      if (created) {
        try {
          rt.batch([rt.deleteLink(p.hostIf)], `delete ${p.hostIf}`);
        } catch {
          /* already gone */
        }
      }
      throw wrap(err, `connect the container to ${p.bridge}`);
    } finally {
      fs.closeSync(nsFd);
    }
  }

  /** Bring up lo in a namespace (mode none, or before the first plug). */
  loopbackUp(ns: NetnsRef): void {
    const nsFd = openNetns(ns);
    try {
      const inner = RtNetlink.open(nsFd);
      try {
        const lo = inner.linkByName('lo');
        if (lo && !lo.up) inner.batch([inner.setUp(lo.index)], 'bring up lo');
      } finally {
        inner.close();
      }
    } finally {
      fs.closeSync(nsFd);
    }
  }

  /** Names of the interfaces inside a namespace (eth index choice on connect). */
  namesIn(ns: NetnsRef): string[] {
    const nsFd = openNetns(ns);
    try {
      const inner = RtNetlink.open(nsFd);
      try {
        return inner.links().map((l) => l.name);
      } finally {
        inner.close();
      }
    } finally {
      fs.closeSync(nsFd);
    }
  }
}
