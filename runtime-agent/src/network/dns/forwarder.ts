/**
 * Forwards queries the embedded DNS does not answer itself to upstream resolvers (the host's,
 * or the container's --dns servers), over UDP with a fresh random ID per query, trying each
 * upstream in turn with a timeout; and over TCP for clients that retried after truncation.
 */
import crypto from 'node:crypto';
import dgram from 'node:dgram';
import net from 'node:net';

export interface Upstream {
  host: string;
  port: number;
}

interface Pending {
  resolve: (reply: Buffer | undefined) => void;
  timer: NodeJS.Timeout;
}

/** "1.2.3.4", "1.2.3.4:5353" → Upstream. */
export function parseUpstream(text: string): Upstream {
  const m = /^(\d{1,3}(?:\.\d{1,3}){3})(?::(\d{1,5}))?$/.exec(text.trim());
  if (m) return { host: m[1]!, port: m[2] ? Number(m[2]) : 53 };
  return { host: text.trim(), port: 53 };
}

export class Forwarder {
  private socket: dgram.Socket | undefined;
  private readonly pending = new Map<number, Pending>();
  private closed = false;

  constructor(
    private readonly timeoutMs = 2000,
    private readonly maxPending = 1024,
  ) {}

  private udp(): dgram.Socket {
    if (this.socket) return this.socket;
    const s = dgram.createSocket('udp4');
    s.on('message', (msg) => {
      if (msg.length < 12) return;
      const p = this.pending.get(msg.readUInt16BE(0));
      if (!p) return;
      this.pending.delete(msg.readUInt16BE(0));
      clearTimeout(p.timer);
      p.resolve(msg);
    });
    s.on('error', () => undefined);
    s.unref();
    this.socket = s;
    return s;
  }

  private freeId(): number | undefined {
    for (let i = 0; i < 16; i++) {
      const id = crypto.randomInt(0, 0x10000);
      if (!this.pending.has(id)) return id;
    }
    return undefined;
  }

  private once(query: Buffer, up: Upstream): Promise<Buffer | undefined> {
    const id = this.freeId();
    if (id === undefined || this.pending.size >= this.maxPending) return Promise.resolve(undefined);
    const out = Buffer.from(query);
    out.writeUInt16BE(id, 0);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        resolve(undefined);
      }, this.timeoutMs);
      this.pending.set(id, { resolve, timer });
      this.udp().send(out, up.port, up.host, (err) => {
        if (!err) return;
        clearTimeout(timer);
        this.pending.delete(id);
        resolve(undefined);
      });
    });
  }

  /** The upstream's reply with the client's ID restored, or undefined when none answered. */
  async forward(query: Buffer, upstreams: readonly Upstream[]): Promise<Buffer | undefined> {
    if (this.closed || query.length < 12) return undefined;
    const clientId = query.readUInt16BE(0);
    for (const up of upstreams) {
      const reply = await this.once(query, up);
      if (reply) {
        reply.writeUInt16BE(clientId, 0);
        return reply;
      }
    }
    return undefined;
  }

  /** One query over TCP (length-prefixed), for replies too large for UDP. */
  async forwardTcp(query: Buffer, upstreams: readonly Upstream[]): Promise<Buffer | undefined> {
    for (const up of upstreams) {
      const reply = await tcpExchange(query, up, this.timeoutMs);
      if (reply) return reply;
    }
    return undefined;
  }

  close(): void {
    this.closed = true;
    for (const [, p] of this.pending) {
      clearTimeout(p.timer);
      p.resolve(undefined);
    }
    this.pending.clear();
    this.socket?.close();
    this.socket = undefined;
  }
}

export function tcpExchange(query: Buffer, up: Upstream, timeoutMs: number): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const sock = net.connect(up.port, up.host);
    let buf = Buffer.alloc(0);
    const done = (r: Buffer | undefined): void => {
      clearTimeout(timer);
      sock.destroy();
      resolve(r);
    };
    const timer = setTimeout(() => done(undefined), timeoutMs);
    sock.on('connect', () => {
      const len = Buffer.alloc(2);
      len.writeUInt16BE(query.length, 0);
      sock.write(Buffer.concat([len, query]));
    });
    sock.on('data', (c: Buffer) => {
      buf = Buffer.concat([buf, c]);
      if (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) done(buf.subarray(2, 2 + buf.readUInt16BE(0)));
    });
    sock.on('error', () => done(undefined));
    sock.on('close', () => done(undefined));
  });
}
