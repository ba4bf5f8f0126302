/**
 * A blocking netlink socket over koffi. rtnetlink and nfnetlink requests are handled by the
 * kernel inside send(), so their replies are already queued when recv() runs: a request costs
 * two system calls and never waits on the event loop. SO_RCVTIMEO bounds a misbehaving reply.
 * Extended acks are on, so kernel error strings reach the error message.
 */
import { FailedPrecondition } from '../../errdefs';
import {
  AF_NETLINK,
  EAGAIN,
  EINTR,
  NETLINK_CAP_ACK,
  NETLINK_EXT_ACK,
  SO_RCVBUF,
  SO_RCVTIMEO,
  SOCK_CLOEXEC,
  SOCK_RAW,
  SOL_NETLINK,
  SOL_SOCKET,
  netLibc,
} from './libc';
import { NLMSG_DONE, NLMSG_ERROR, parseError, parseMessages, type Message } from './message';
import { inNetns } from './netns';

const ERRNO_NAMES: Record<number, string> = {
  1: 'EPERM',
  2: 'ENOENT',
  16: 'EBUSY',
  17: 'EEXIST',
  19: 'ENODEV',
  22: 'EINVAL',
  34: 'ERANGE',
  95: 'EOPNOTSUPP',
  98: 'EADDRINUSE',
  99: 'EADDRNOTAVAIL',
  101: 'ENETUNREACH',
};

export class NetlinkError extends Error {
  readonly errno: number;
  readonly code: string;
  constructor(errno: number, what: string, detail?: string) {
    const code = ERRNO_NAMES[errno] ?? `errno ${errno}`;
    super(`${what}: ${code}${detail ? ` (${detail})` : ''}`);
    this.errno = errno;
    this.code = code;
  }
}

const MSG_DONTWAIT = 0x40;

export const ENOENT = 2;
export const ESRCH = 3;
export const EEXIST = 17;
export const ENODEV = 19;
export const EADDRNOTAVAIL = 99;

function int32(v: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32LE(v, 0);
  return b;
}

export class NetlinkSocket {
  private seq = Math.floor(Math.random() * 0x7fffffff);
  private readonly rx = Buffer.alloc(64 * 1024);
  private closed = false;

  private constructor(readonly fd: number) {}

  /** Open a socket of `protocol`, in the namespace open on `nsFd` when given. */
  static open(protocol: number, nsFd?: number): NetlinkSocket {
    const libc = netLibc();
    const create = (): number => libc.socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, protocol);
    const fd = nsFd === undefined ? create() : inNetns(nsFd, create);
    if (fd < 0) throw new FailedPrecondition(`cannot open a netlink socket (errno ${libc.errno()})`);
    const sock = new NetlinkSocket(fd);
    try {
      const addr = Buffer.alloc(12);
      addr.writeUInt16LE(AF_NETLINK, 0);
      if (libc.bind(fd, addr, 12) !== 0)
        throw new FailedPrecondition(`cannot bind a netlink socket (errno ${libc.errno()})`);
      libc.setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, int32(1), 4);
      libc.setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, int32(1), 4);
      libc.setsockopt(fd, SOL_SOCKET, SO_RCVBUF, int32(1 << 20), 4);
      const tv = Buffer.alloc(16);
      tv.writeBigInt64LE(5n, 0);
      libc.setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, tv, 16);
    } catch (err) {
      sock.close();
      throw err;
    }
    return sock;
  }

  nextSeq(): number {
    this.seq = (this.seq + 1) & 0x7fffffff;
    return this.seq;
  }

  private sendRaw(data: Buffer, what: string): void {
    const libc = netLibc();
    for (;;) {
      const n = libc.send(this.fd, data, data.length, 0);
      if (n === data.length) return;
      const e = libc.errno();
      if (n < 0 && e === EINTR) continue;
      throw new NetlinkError(n < 0 ? e : 5, `${what}: send`);
    }
  }

  private recvRaw(what: string, dontWait = false): Message[] {
    const libc = netLibc();
    for (;;) {
      const n = libc.recv(this.fd, this.rx, this.rx.length, dontWait ? MSG_DONTWAIT : 0);
      if (n >= 0) return parseMessages(Buffer.from(this.rx.subarray(0, n)));
      const e = libc.errno();
      if (e === EINTR) continue;
      if (e === EAGAIN && dontWait) return [];
      if (e === EAGAIN) throw new NetlinkError(e, `${what}: no reply from the kernel within 5 s`);
      throw new NetlinkError(e, `${what}: recv`);
    }
  }

  /**
   * Send messages (already finished with their sequence numbers) in one datagram and wait for an
   * ack for each of `ackSeqs`. The first error is thrown after all acks were read.
   */
  transact(data: Buffer, ackSeqs: number[], what: string): void {
    this.sendRaw(data, what);
    const pending = new Set(ackSeqs);
    let firstError: NetlinkError | undefined;
    while (pending.size > 0) {
      // After an error an aborted nfnetlink batch may not ack the rest: take what is queued, stop.
      const msgs = this.recvRaw(what, firstError !== undefined);
      if (firstError && msgs.length === 0) break;
      for (const m of msgs) {
        if (m.type !== NLMSG_ERROR || !pending.has(m.seq)) continue;
        pending.delete(m.seq);
        const { errno, message } = parseError(m);
        if (errno !== 0 && !firstError) firstError = new NetlinkError(errno, what, message);
      }
    }
    if (firstError) throw firstError;
  }

  /**
   * `transact` with send and recv on a worker thread: for requests the kernel makes wait (deleting
   * a link waits for an RCU grace period, ~20 ms), so the agent's event loop does not. The caller
   * must not use this socket for anything else until the promise settles.
   */
  async transactAsync(data: Buffer, ackSeqs: number[], what: string): Promise<void> {
    const libc = netLibc();
    const sent = await libc.sendAsync(this.fd, data, data.length, 0);
    if (sent !== data.length) throw new NetlinkError(libc.errno() || 5, `${what}: send`);
    const pending = new Set(ackSeqs);
    let firstError: NetlinkError | undefined;
    const rx = Buffer.alloc(16 * 1024);
    while (pending.size > 0) {
      const n = await libc.recvAsync(this.fd, rx, rx.length, firstError ? MSG_DONTWAIT : 0);
      if (n < 0) {
        if (firstError) break;
        const e = libc.errno();
        if (e === EINTR) continue;
        throw new NetlinkError(e, `${what}: recv`);
      }
      for (const m of parseMessages(Buffer.from(rx.subarray(0, n)))) {
        if (m.type !== NLMSG_ERROR || !pending.has(m.seq)) continue;
        pending.delete(m.seq);
        const { errno, message } = parseError(m);
        if (errno !== 0 && !firstError) firstError = new NetlinkError(errno, what, message);
      }
    }
    if (firstError) throw firstError;
  }

  /** Send one request and wait for its ack. */
  request(msg: Buffer, what: string): void {
    this.transact(msg, [msg.readUInt32LE(8)], what);
  }

  /** Send a dump request and collect every reply message until NLMSG_DONE. */
  dump(msg: Buffer, what: string): Message[] {
    const seq = msg.readUInt32LE(8);
    this.sendRaw(msg, what);
    const out: Message[] = [];
    for (;;) {
      for (const m of this.recvRaw(what)) {
        if (m.seq !== seq) continue;
        if (m.type === NLMSG_DONE) return out;
        if (m.type === NLMSG_ERROR) {
          const { errno, message } = parseError(m);
          if (errno === 0) return out;
          throw new NetlinkError(errno, what, message);
        }
        out.push(m);
      }
    }
  }

  /** Send a request that answers with one message (or an error), e.g. RTM_GETLINK by name. */
  get(msg: Buffer, what: string): Message {
    const seq = msg.readUInt32LE(8);
    this.sendRaw(msg, what);
    for (;;) {
      for (const m of this.recvRaw(what)) {
        if (m.seq !== seq) continue;
        if (m.type === NLMSG_ERROR) {
          const { errno, message } = parseError(m);
          throw new NetlinkError(errno === 0 ? 61 : errno, what, message);
        }
        return m;
      }
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    netLibc().close(this.fd);
  }
}
