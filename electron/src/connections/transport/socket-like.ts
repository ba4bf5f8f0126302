/**
 * Makes a Duplex (an ssh2 channel, a child's stdio) acceptable to Node's HTTP client as a socket.
 * http.Agent calls setKeepAlive/unref/setTimeout when it parks a socket and ref when it reuses
 * one; ClientRequest calls setNoDelay and setTimeout. Channels have none of these. setTimeout is
 * real (an idle timer refreshed by traffic, emitting 'timeout'), so the agent drops idle pooled
 * channels before the server's keep-alive timeout closes them under a new request. The others
 * are no-ops: there is no TCP socket of its own under a channel.
 * Also attaches an 'error' listener: a hijacked stream has none from http, and an unhandled
 * transport error would otherwise crash the app.
 */
import type { Duplex } from 'node:stream';

export interface SocketMethods {
  setTimeout(ms: number, cb?: () => void): unknown;
  setKeepAlive(enable?: boolean, delay?: number): unknown;
  setNoDelay(noDelay?: boolean): unknown;
  ref(): unknown;
  unref(): unknown;
  timeout?: number;
}

const SHIMMED = Symbol('berth.socketLike');

type Shimmed = Duplex & SocketMethods & { [SHIMMED]?: true };

export function asSocketLike<T extends Duplex>(stream: T): T & SocketMethods {
  const s = stream as unknown as Shimmed;
  if (s[SHIMMED]) return s as unknown as T & SocketMethods;
  s[SHIMMED] = true;
  let timer: NodeJS.Timeout | undefined;
  let idleMs = 0;
  const arm = (): void => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (idleMs > 0 && !s.destroyed) {
      timer = setTimeout(() => s.emit('timeout'), idleMs);
      timer.unref();
    }
  };
  // Traffic both ways counts as activity, as for net.Socket.
  const push = s.push.bind(s);
  s.push = (chunk: unknown, encoding?: BufferEncoding): boolean => {
    if (timer) arm();
    return push(chunk, encoding);
  };
  const write = s.write.bind(s) as (...args: unknown[]) => boolean;
  (s as { write: (...args: unknown[]) => boolean }).write = (...args: unknown[]): boolean => {
    if (timer) arm();
    return write(...args);
  };
  // As net.Socket: a callback is added as a once-listener, and setTimeout(0, cb) removes it
  // (http's keep-alive path relies on that to drop its per-request listener).
  s.setTimeout = (ms: number, cb?: () => void) => {
    idleMs = ms > 0 ? ms : 0;
    s.timeout = idleMs;
    if (cb) {
      if (idleMs > 0) s.once('timeout', cb);
      else s.removeListener('timeout', cb);
    }
    arm();
    return s;
  };
  s.setKeepAlive ??= () => s;
  s.setNoDelay ??= () => s;
  s.ref ??= () => s;
  s.unref ??= () => s;
  s.on('close', () => {
    if (timer) clearTimeout(timer);
    timer = undefined;
  });
  s.on('error', () => {
    /* reported to the request using the stream; never an uncaught exception */
  });
  return s as unknown as T & SocketMethods;
}
