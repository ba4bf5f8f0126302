/**
 * Notices, without polling, when the engine behind a socket goes away: it holds one idle
 * connection to the socket (berthd keeps idle connections until it exits), and the kernel closes
 * it when the process dies, however it dies.
 */
import net from 'node:net';

export interface SocketWatch {
  close(): void;
}

export function watchSocket(socketPath: string, onGone: (reason: string) => void): SocketWatch {
  let closed = false;
  const sock = net.connect(socketPath);
  const gone = (reason: string): void => {
    if (closed) return;
    closed = true;
    sock.destroy();
    onGone(reason);
  };
  sock.setKeepAlive?.(true);
  sock.on('error', (err) => gone(err.message));
  sock.on('close', () => gone('the engine closed its socket'));
  // Any bytes are unexpected on an idle connection; ignore them.
  sock.on('data', () => undefined);
  return {
    close() {
      closed = true;
      sock.destroy();
    },
  };
}
