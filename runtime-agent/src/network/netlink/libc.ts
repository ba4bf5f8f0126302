/**
 * The libc calls the network module makes through koffi: netlink sockets and setns. Bound once,
 * lazily, on the agent's libc handle (sys/libc.ts).
 */
import { agentLibc } from '../../sys/libc';

export interface NetLibc {
  socket(domain: number, type: number, protocol: number): number;
  bind(fd: number, addr: Buffer, len: number): number;
  send(fd: number, buf: Buffer, len: number, flags: number): number;
  recv(fd: number, buf: Buffer, len: number, flags: number): number;
  setsockopt(fd: number, level: number, name: number, value: Buffer, len: number): number;
  getsockname(fd: number, addr: Buffer, len: Buffer): number;
  close(fd: number): number;
  setns(fd: number, nstype: number): number;
  errno(): number;
  /** On a libuv worker thread (for calls the kernel makes wait, e.g. deleting a link). */
  sendAsync(fd: number, buf: Buffer, len: number, flags: number): Promise<number>;
  recvAsync(fd: number, buf: Buffer, len: number, flags: number): Promise<number>;
}

type AsyncFn = { async: (...args: unknown[]) => void };

function promisified(fn: unknown): (...args: unknown[]) => Promise<number> {
  return (...args) =>
    new Promise((resolve, reject) => {
      (fn as AsyncFn).async(...args, (err: unknown, res: number) => (err ? reject(err as Error) : resolve(res)));
    });
}

let bound: NetLibc | undefined;

export function netLibc(): NetLibc {
  if (bound) return bound;
  const { koffi, lib } = agentLibc();
  const fn = <T>(sig: string): T => lib.func(sig) as T;
  const send = fn<NetLibc['send']>('long send(int fd, void *buf, size_t len, int flags)');
  const recv = fn<NetLibc['recv']>('long recv(int fd, void *buf, size_t len, int flags)');
  bound = {
    socket: fn('int socket(int domain, int type, int protocol)'),
    bind: fn('int bind(int fd, void *addr, uint32_t len)'),
    send,
    recv,
    sendAsync: promisified(send),
    recvAsync: promisified(recv),
    setsockopt: fn('int setsockopt(int fd, int level, int name, void *value, uint32_t len)'),
    getsockname: fn('int getsockname(int fd, void *addr, void *len)'),
    close: fn('int close(int fd)'),
    setns: fn('int setns(int fd, int nstype)'),
    errno: () => koffi.errno(),
  };
  return bound;
}

export const AF_NETLINK = 16;
export const SOCK_RAW = 3;
export const SOCK_CLOEXEC = 0x80000;
export const NETLINK_ROUTE = 0;
export const NETLINK_NETFILTER = 12;
export const SOL_SOCKET = 1;
export const SO_RCVTIMEO = 20;
export const SO_SNDBUF = 7;
export const SO_RCVBUF = 8;
export const SOL_NETLINK = 270;
export const NETLINK_CAP_ACK = 10;
export const NETLINK_EXT_ACK = 11;
export const CLONE_NEWNET = 0x40000000;

export const EINTR = 4;
export const EAGAIN = 11;
