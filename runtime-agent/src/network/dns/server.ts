/**
 * The embedded DNS server of one user-defined network, listening on the network's gateway
 * address (UDP and TCP, port 53, as podman's aardvark-dns does — or a random port that the
 * firewall redirects 53 to when something on the host already holds port 53). It answers the
 * names of the containers on its network (name, aliases, short ID) with their addresses and the
 * reverse lookups of those addresses; everything else goes to the upstream resolvers.
 */
import dgram from 'node:dgram';
import net from 'node:net';
import type { Logger } from '../../daemon/logger';
import { Forwarder, type Upstream } from './forwarder';
import {
  RCODE_FORMERR,
  RCODE_NOERROR,
  RCODE_NOTIMP,
  RCODE_SERVFAIL,
  TYPE_A,
  TYPE_PTR,
  buildResponse,
  encodeName,
  parseQuery,
  parseReverseName,
  type Answer,
} from './message';

export const DNS_TTL = 600;

export interface DnsRecords {
  /** Addresses of a name visible to the client (lower-case, no trailing dot); undefined = not ours. */
  lookup(name: string, clientIp: string): number[] | undefined;
  /** The name of an address visible to the client. */
  reverse(ip: number, clientIp: string): string | undefined;
  /** Where to forward a client's other queries. */
  upstreamsFor(clientIp: string): Upstream[];
}

export interface DnsServerOptions {
  address: string;
  /** 53, or 0 for a random port. */
  port: number;
  records: DnsRecords;
  log?: Logger | undefined;
  timeoutMs?: number;
}

function ipBytes(ip: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(ip >>> 0, 0);
  return b;
}

export class DnsServer {
  private udp: dgram.Socket | undefined;
  private tcp: net.Server | undefined;
  private readonly conns = new Set<net.Socket>();
  private readonly forwarder: Forwarder;
  private boundPort = 0;

  constructor(private readonly opts: DnsServerOptions) {
    this.forwarder = new Forwarder(opts.timeoutMs ?? 2000);
  }

  get port(): number {
    return this.boundPort;
  }

  get address(): string {
    return this.opts.address;
  }

  /**
   * Bind UDP and TCP on the same port. Rejects with the bind error (EADDRINUSE …). With port 0
   * the kernel picks a free UDP port, whose TCP twin may be taken: then another port is tried.
   */
  async start(): Promise<number> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.bindBoth();
      } catch (err) {
        const inUse = (err as NodeJS.ErrnoException).code === 'EADDRINUSE';
        if (this.opts.port !== 0 || !inUse || attempt >= 8) throw err;
      }
    }
  }

  private async bindBoth(): Promise<number> {
    const udp = dgram.createSocket({ type: 'udp4' });
    await new Promise<void>((resolve, reject) => {
      udp.once('error', reject);
      udp.bind({ address: this.opts.address, port: this.opts.port, exclusive: true }, () => {
        udp.off('error', reject);
        resolve();
      });
    }).catch((err: unknown) => {
      udp.close();
      throw err;
    });
    this.udp = udp;
    this.boundPort = udp.address().port;
    udp.on('message', (msg, rinfo) => {
      void this.answer(msg, rinfo.address, false).then((reply) => {
        if (reply && this.udp) this.udp.send(reply, rinfo.port, rinfo.address, () => undefined);
      });
    });
    udp.on('error', (err) => this.opts.log?.warn('dns: udp socket error', { error: err.message }));
    const tcp = net.createServer((sock) => this.serveTcp(sock));
    try {
      await new Promise<void>((resolve, reject) => {
        tcp.once('error', reject);
        tcp.listen({ host: this.opts.address, port: this.boundPort, exclusive: true }, () => {
          tcp.off('error', reject);
          resolve();
        });
      });
    } catch (err) {
      this.udp = undefined;
      await new Promise<void>((r) => udp.close(() => r()));
      throw err;
    }
    this.tcp = tcp;
    return this.boundPort;
  }

  private serveTcp(sock: net.Socket): void {
    this.conns.add(sock);
    let buf = Buffer.alloc(0);
    sock.setTimeout(10_000, () => sock.destroy());
    sock.on('close', () => this.conns.delete(sock));
    sock.on('error', () => undefined);
    sock.on('data', (c: Buffer) => {
      buf = Buffer.concat([buf, c]);
      while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        const msg = buf.subarray(2, 2 + buf.readUInt16BE(0));
        buf = buf.subarray(2 + msg.length);
        void this.answer(msg, sock.remoteAddress ?? '', true).then((reply) => {
          if (!reply || sock.destroyed) return;
          const len = Buffer.alloc(2);
          len.writeUInt16BE(reply.length, 0);
          sock.write(Buffer.concat([len, reply]));
        });
      }
    });
  }

  /** The reply to one query (exported through the class for unit tests). */
  async answer(msg: Buffer, clientIp: string, viaTcp: boolean): Promise<Buffer | undefined> {
    let q;
    try {
      q = parseQuery(msg);
    } catch {
      if (msg.length < 12) return undefined;
      return buildResponse(
        msg,
        { id: msg.readUInt16BE(0), flags: msg.readUInt16BE(2), opcode: 0, question: undefined, questionEnd: 12 },
        RCODE_FORMERR,
      );
    }
    if (q.flags & 0x8000) return undefined; // a response, not a query
    if (q.opcode !== 0) return buildResponse(msg, q, RCODE_NOTIMP);
    if (!q.question) return buildResponse(msg, q, RCODE_FORMERR);
    const name = q.question.name.toLowerCase().replace(/\.$/, '');
    const local = this.local(name, q.question.type, clientIp);
    if (local) return buildResponse(msg, q, RCODE_NOERROR, local);
    const ups = this.opts.records.upstreamsFor(clientIp);
    const reply = viaTcp ? await this.forwarder.forwardTcp(msg, ups) : await this.forwarder.forward(msg, ups);
    return reply ?? buildResponse(msg, q, RCODE_SERVFAIL, [], false);
  }

  private local(name: string, type: number, clientIp: string): Answer[] | undefined {
    if (type === TYPE_PTR) {
      const ip = parseReverseName(name);
      const host = ip === undefined ? undefined : this.opts.records.reverse(ip, clientIp);
      return host ? [{ type: TYPE_PTR, ttl: DNS_TTL, data: encodeName(host) }] : undefined;
    }
    const ips = this.opts.records.lookup(name, clientIp);
    if (!ips) return undefined;
    // A known name answers A queries; AAAA and the rest get an empty NOERROR (no IPv6 here).
    return type === TYPE_A ? ips.map((ip) => ({ type: TYPE_A, ttl: DNS_TTL, data: ipBytes(ip) })) : [];
  }

  async close(): Promise<void> {
    this.forwarder.close();
    for (const c of this.conns) c.destroy();
    this.conns.clear();
    const udp = this.udp;
    this.udp = undefined;
    if (udp) await new Promise<void>((r) => udp.close(() => r()));
    const tcp = this.tcp;
    this.tcp = undefined;
    if (tcp) await new Promise<void>((r) => tcp.close(() => r()));
  }
}
