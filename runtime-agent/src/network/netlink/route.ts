/**
 * rtnetlink operations the bridge driver needs: links (bridge, veth pair with one end created
 * directly inside the container's namespace, up/down, bridge-port hairpin, delete), IPv4
 * addresses and routes, and dumps of links, addresses and routes. Several requests can be sent
 * in one datagram (`batch`), which the kernel handles in order.
 */
import { ipToBytes } from '../ip';
import {
  MessageBuilder,
  NLM_F_ACK,
  NLM_F_CREATE,
  NLM_F_DUMP,
  NLM_F_EXCL,
  NLM_F_REQUEST,
  attrString,
  attrU32,
  parseAttrs,
  type Message,
} from './message';
import { NETLINK_ROUTE } from './libc';
import { NetlinkSocket } from './socket';

export const RTM_NEWLINK = 16;
export const RTM_DELLINK = 17;
export const RTM_GETLINK = 18;
export const RTM_SETLINK = 19;
export const RTM_NEWADDR = 20;
export const RTM_GETADDR = 22;
export const RTM_NEWROUTE = 24;
export const RTM_GETROUTE = 26;

const AF_UNSPEC = 0;
const AF_INET = 2;
const AF_BRIDGE = 7;
const IFF_UP = 1;

const IFLA_ADDRESS = 1;
const IFLA_IFNAME = 3;
const IFLA_MTU = 4;
const IFLA_MASTER = 10;
const IFLA_PROTINFO = 12;
const IFLA_LINKINFO = 18;
const IFLA_AF_SPEC = 26;
const AF_INET6 = 10;
const IFLA_INET6_ADDR_GEN_MODE = 8;
const IN6_ADDR_GEN_MODE_NONE = 1;
const IFLA_NET_NS_FD = 28;
const IFLA_INFO_KIND = 1;
const IFLA_INFO_DATA = 2;
const VETH_INFO_PEER = 1;
const IFLA_BRPORT_MODE = 4;

const IFA_ADDRESS = 1;
const IFA_LOCAL = 2;
const IFA_BROADCAST = 4;

const RTA_DST = 1;
const RTA_OIF = 4;
const RTA_GATEWAY = 5;
const RTA_TABLE = 15;
const RT_TABLE_MAIN = 254;
const RTPROT_BOOT = 3;
const RT_SCOPE_UNIVERSE = 0;
const RTN_UNICAST = 1;

export interface LinkInfo {
  index: number;
  name: string;
  kind: string | undefined;
  master: number | undefined;
  up: boolean;
}

export interface AddrInfo {
  index: number;
  address: number;
  prefixLen: number;
}

export interface RouteInfo {
  table: number;
  dst: number;
  dstLen: number;
  oif: number | undefined;
  type: number;
}

function ifinfomsg(index = 0, flags = 0, change = 0, family = AF_UNSPEC): Buffer {
  const b = Buffer.alloc(16);
  b.writeUInt8(family, 0);
  b.writeInt32LE(index, 4);
  b.writeUInt32LE(flags, 8);
  b.writeUInt32LE(change, 12);
  return b;
}

function ifaddrmsg(index: number, prefixLen: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeUInt8(AF_INET, 0);
  b.writeUInt8(prefixLen, 1);
  b.writeUInt32LE(index, 4);
  return b;
}

function rtmsg(dstLen: number, family = AF_INET, table = RT_TABLE_MAIN): Buffer {
  const b = Buffer.alloc(12);
  b.writeUInt8(family, 0);
  b.writeUInt8(dstLen, 1);
  b.writeUInt8(table, 4);
  b.writeUInt8(RTPROT_BOOT, 5);
  b.writeUInt8(RT_SCOPE_UNIVERSE, 6);
  b.writeUInt8(RTN_UNICAST, 7);
  return b;
}

export interface VethSpec {
  /** Host end, enslaved to `master` and brought up. */
  hostName: string;
  master: number;
  /** Container end, created inside the namespace open on `peerNsFd`, up. */
  peerName: string;
  peerNsFd: number;
  peerMac?: Buffer | undefined;
  mtu: number;
}

export function parseLink(m: Message): LinkInfo {
  const index = m.payload.readInt32LE(4);
  const flags = m.payload.readUInt32LE(8);
  const attrs = parseAttrs(m.payload, 16);
  const info = attrs.get(IFLA_LINKINFO);
  const kind = info ? attrString(parseAttrs(info).get(IFLA_INFO_KIND)) : undefined;
  return {
    index,
    name: attrString(attrs.get(IFLA_IFNAME)) ?? '',
    kind,
    master: attrU32(attrs.get(IFLA_MASTER)),
    up: (flags & IFF_UP) !== 0,
  };
}

/** An rtnetlink connection to one namespace. */
export class RtNetlink {
  private constructor(readonly sock: NetlinkSocket) {}

  /** The agent's own namespace, or the one open on `nsFd`. */
  static open(nsFd?: number): RtNetlink {
    return new RtNetlink(NetlinkSocket.open(NETLINK_ROUTE, nsFd));
  }

  close(): void {
    this.sock.close();
  }

  private msg(type: number, flags: number, header: Buffer): MessageBuilder {
    return new MessageBuilder(type, NLM_F_REQUEST | flags, header);
  }

  /** Several already-built messages in one datagram, all acknowledged. */
  batch(msgs: MessageBuilder[], what: string): void {
    const seqs: number[] = [];
    const parts = msgs.map((m) => {
      const seq = this.sock.nextSeq();
      seqs.push(seq);
      return m.finish(seq);
    });
    this.sock.transact(Buffer.concat(parts), seqs, what);
  }

  /** `batch` without blocking the event loop (see NetlinkSocket.transactAsync). */
  async batchAsync(msgs: MessageBuilder[], what: string): Promise<void> {
    const seqs: number[] = [];
    const parts = msgs.map((m) => {
      const seq = this.sock.nextSeq();
      seqs.push(seq);
      return m.finish(seq);
    });
    await this.sock.transactAsync(Buffer.concat(parts), seqs, what);
  }

  linkByName(name: string): LinkInfo | undefined {
    const m = this.msg(RTM_GETLINK, 0, ifinfomsg()).str(IFLA_IFNAME, name);
    try {
      return parseLink(this.sock.get(m.finish(this.sock.nextSeq()), `look up link ${name}`));
    } catch (err) {
      if ((err as { errno?: number }).errno === 19) return undefined;
      throw err;
    }
  }

  links(): LinkInfo[] {
    const m = this.msg(RTM_GETLINK, NLM_F_DUMP, ifinfomsg());
    return this.sock.dump(m.finish(this.sock.nextSeq()), 'list links').map(parseLink);
  }

  /** RTM_NEWLINK for a bridge (not sent: add it to a batch). */
  newBridge(name: string, mtu: number, mac: Buffer): MessageBuilder {
    return this.msg(RTM_NEWLINK, NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, ifinfomsg(0, IFF_UP, IFF_UP))
      .str(IFLA_IFNAME, name)
      .u32(IFLA_MTU, mtu)
      .attr(IFLA_ADDRESS, mac)
      .nest(IFLA_LINKINFO, (n) => n.str(IFLA_INFO_KIND, 'bridge'));
  }

  /** RTM_NEWLINK for a veth pair whose peer is born in the container's namespace, both ends up. */
  newVeth(v: VethSpec): MessageBuilder {
    return this.msg(RTM_NEWLINK, NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, ifinfomsg(0, IFF_UP, IFF_UP))
      .str(IFLA_IFNAME, v.hostName)
      .u32(IFLA_MTU, v.mtu)
      .u32(IFLA_MASTER, v.master)
      .nest(IFLA_LINKINFO, (li) =>
        li.str(IFLA_INFO_KIND, 'veth').nest(IFLA_INFO_DATA, (d) =>
          d.nest(VETH_INFO_PEER, (p) => {
            p.raw(ifinfomsg()).str(IFLA_IFNAME, v.peerName).u32(IFLA_MTU, v.mtu);
            p.u32(IFLA_NET_NS_FD, v.peerNsFd);
            if (v.peerMac) p.attr(IFLA_ADDRESS, v.peerMac);
          }),
        ),
      );
  }

  /** Bridge-port hairpin mode: a container can reach itself through a published port. */
  setHairpin(index: number): MessageBuilder {
    return this.msg(RTM_SETLINK, NLM_F_ACK, ifinfomsg(index, 0, 0, AF_BRIDGE)).nest(
      IFLA_PROTINFO,
      (n) => n.u8(IFLA_BRPORT_MODE, 1),
      true,
    );
  }

  /** No IPv6 link-local address: with hairpin on, its duplicate-address probe would come back. */
  addrGenModeNone(index: number): MessageBuilder {
    return this.msg(RTM_NEWLINK, NLM_F_ACK, ifinfomsg(index)).nest(IFLA_AF_SPEC, (a) =>
      a.nest(AF_INET6, (b) => b.u8(IFLA_INET6_ADDR_GEN_MODE, IN6_ADDR_GEN_MODE_NONE)),
    );
  }

  setUp(index: number): MessageBuilder {
    return this.msg(RTM_NEWLINK, NLM_F_ACK, ifinfomsg(index, IFF_UP, IFF_UP));
  }

  deleteLink(name: string): MessageBuilder {
    return this.msg(RTM_DELLINK, NLM_F_ACK, ifinfomsg()).str(IFLA_IFNAME, name);
  }

  newAddress(index: number, address: number, prefixLen: number, broadcast: number): MessageBuilder {
    return this.msg(RTM_NEWADDR, NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, ifaddrmsg(index, prefixLen))
      .attr(IFA_LOCAL, ipToBytes(address))
      .attr(IFA_ADDRESS, ipToBytes(address))
      .attr(IFA_BROADCAST, ipToBytes(broadcast));
  }

  newDefaultRoute(gateway: number, oif: number): MessageBuilder {
    return this.msg(RTM_NEWROUTE, NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, rtmsg(0))
      .attr(RTA_GATEWAY, ipToBytes(gateway))
      .u32(RTA_OIF, oif);
  }

  addresses(): AddrInfo[] {
    const m = this.msg(RTM_GETADDR, NLM_F_DUMP, ifaddrmsg(0, 0));
    return this.sock.dump(m.finish(this.sock.nextSeq()), 'list addresses').flatMap((r) => {
      if (r.payload.readUInt8(0) !== AF_INET) return [];
      const attrs = parseAttrs(r.payload, 8);
      const a = attrs.get(IFA_LOCAL) ?? attrs.get(IFA_ADDRESS);
      if (!a) return [];
      return [{ index: r.payload.readUInt32LE(4), address: a.readUInt32BE(0), prefixLen: r.payload.readUInt8(1) }];
    });
  }

  /** IPv4 routes of every table. */
  routes(): RouteInfo[] {
    const m = this.msg(RTM_GETROUTE, NLM_F_DUMP, rtmsg(0, AF_INET, 0));
    return this.sock.dump(m.finish(this.sock.nextSeq()), 'list routes').map((r) => {
      const attrs = parseAttrs(r.payload, 12);
      const dst = attrs.get(RTA_DST);
      return {
        table: attrU32(attrs.get(RTA_TABLE)) ?? r.payload.readUInt8(4),
        dst: dst ? dst.readUInt32BE(0) : 0,
        dstLen: r.payload.readUInt8(1),
        oif: attrU32(attrs.get(RTA_OIF)),
        type: r.payload.readUInt8(7),
      };
    });
  }
}
