/**
 * nf_tables set-element updates over netlink (NETLINK_NETFILTER), so publishing a container's
 * ports adds map elements in one batch without spawning `nft` (which costs 10–100 ms here).
 * Only elements of the two port maps the nftables backend declares are written; tables, chains
 * and rules still go through `nft -f`. Key and data are concatenations whose fields each take
 * a 32-bit register: addr(4) . l4proto(1+3) . port(2+2) → addr(4) . port(2+2).
 */
import type { ElementWriter } from '../firewall/nftables';
import type { FwPort } from '../firewall/types';
import { parseIPv4 } from '../ip';
import { NETLINK_NETFILTER } from './libc';
import { MessageBuilder, NLM_F_ACK, NLM_F_CREATE, NLM_F_REQUEST } from './message';
import { NetlinkSocket } from './socket';

const NFNL_SUBSYS_NFTABLES = 10;
const NFNL_MSG_BATCH_BEGIN = 16;
const NFNL_MSG_BATCH_END = 17;
const NFT_MSG_NEWSETELEM = 12;
const NFT_MSG_DELSETELEM = 14;
const NFPROTO_IPV4 = 2;

const NFTA_SET_ELEM_LIST_TABLE = 1;
const NFTA_SET_ELEM_LIST_SET = 2;
const NFTA_SET_ELEM_LIST_ELEMENTS = 3;
const NFTA_LIST_ELEM = 1;
const NFTA_SET_ELEM_KEY = 1;
const NFTA_SET_ELEM_DATA = 2;
const NFTA_DATA_VALUE = 1;

const IPPROTO = { tcp: 6, udp: 17 } as const;

function nfgenmsg(family: number, resId: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt8(family, 0);
  b.writeUInt16BE(resId, 2);
  return b;
}

/** The element key of a published port in ports_ip (with host address) or ports_any. */
export function portKeyBytes(p: FwPort): Buffer {
  const parts: Buffer[] = [];
  if (p.hostIp) {
    const a = Buffer.alloc(4);
    a.writeUInt32BE(parseIPv4(p.hostIp), 0);
    parts.push(a);
  }
  const proto = Buffer.alloc(4);
  proto.writeUInt8(IPPROTO[p.proto], 0);
  const port = Buffer.alloc(4);
  port.writeUInt16BE(p.hostPort, 0);
  parts.push(proto, port);
  return Buffer.concat(parts);
}

export function portDataBytes(p: FwPort): Buffer {
  const b = Buffer.alloc(8);
  b.writeUInt32BE(parseIPv4(p.containerIp), 0);
  b.writeUInt16BE(p.containerPort, 4);
  return b;
}

export function elementMessage(table: string, p: FwPort, add: boolean): MessageBuilder {
  const type = (NFNL_SUBSYS_NFTABLES << 8) | (add ? NFT_MSG_NEWSETELEM : NFT_MSG_DELSETELEM);
  const m = new MessageBuilder(type, NLM_F_REQUEST | NLM_F_ACK | (add ? NLM_F_CREATE : 0), nfgenmsg(NFPROTO_IPV4, 0));
  m.str(NFTA_SET_ELEM_LIST_TABLE, table).str(NFTA_SET_ELEM_LIST_SET, p.hostIp ? 'ports_ip' : 'ports_any');
  m.nest(
    NFTA_SET_ELEM_LIST_ELEMENTS,
    (list) =>
      list.nest(
        NFTA_LIST_ELEM,
        (el) => {
          el.nest(NFTA_SET_ELEM_KEY, (k) => k.attr(NFTA_DATA_VALUE, portKeyBytes(p)), true);
          if (add) el.nest(NFTA_SET_ELEM_DATA, (d) => d.attr(NFTA_DATA_VALUE, portDataBytes(p)), true);
        },
        true,
      ),
    true,
  );
  return m;
}

export class NetlinkElementWriter implements ElementWriter {
  private sock: NetlinkSocket | undefined;

  constructor(private readonly table: string) {}

  update(added: FwPort[], removed: FwPort[]): void {
    this.sock ??= NetlinkSocket.open(NETLINK_NETFILTER);
    const sock = this.sock;
    const seqs: number[] = [];
    const parts: Buffer[] = [];
    const begin = new MessageBuilder(NFNL_MSG_BATCH_BEGIN, NLM_F_REQUEST, nfgenmsg(0, NFNL_SUBSYS_NFTABLES));
    parts.push(begin.finish(sock.nextSeq()));
    for (const [p, add] of [...removed.map((p) => [p, false] as const), ...added.map((p) => [p, true] as const)]) {
      const seq = sock.nextSeq();
      seqs.push(seq);
      parts.push(elementMessage(this.table, p, add).finish(seq));
    }
    const end = new MessageBuilder(NFNL_MSG_BATCH_END, NLM_F_REQUEST, nfgenmsg(0, NFNL_SUBSYS_NFTABLES));
    parts.push(end.finish(sock.nextSeq()));
    sock.transact(Buffer.concat(parts), seqs, `update nftables table ${this.table}`);
  }

  close(): void {
    this.sock?.close();
    this.sock = undefined;
  }
}

/** The writer, or undefined where netlink cannot be used (then `nft` is spawned). */
export function netlinkElementWriter(table: string): ElementWriter | undefined {
  try {
    return new NetlinkElementWriter(table);
  } catch {
    return undefined;
  }
}
