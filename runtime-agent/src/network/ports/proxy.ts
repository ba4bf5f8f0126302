/**
 * The userland TCP proxy: a connection accepted on a host port is spliced to the container's
 * address. Berth publishes ports with DNAT (see ports/README in the network README for the
 * measurements); the proxy serves connections DNAT does not catch — e.g. while the packet filter
 * was flushed by someone else — on the socket that reserves the host port anyway.
 */
import net from 'node:net';

export interface ProxyTarget {
  ip: string;
  port: number;
}

/** Splice one accepted connection to the target; both ends are destroyed together. */
export function spliceTo(client: net.Socket, target: ProxyTarget, track?: Set<net.Socket>): void {
  const upstream = net.connect({ host: target.ip, port: target.port });
  track?.add(client);
  track?.add(upstream);
  const end = (): void => {
    client.destroy();
    upstream.destroy();
    track?.delete(client);
    track?.delete(upstream);
  };
  client.on('error', end);
  upstream.on('error', end);
  client.on('close', end);
  upstream.on('close', end);
  client.pipe(upstream);
  upstream.pipe(client);
}

/** A stand-alone TCP proxy listening on host:port (benchmarks compare it with DNAT). */
export async function startProxy(
  host: string,
  port: number,
  target: ProxyTarget,
): Promise<{ port: number; close(): Promise<void> }> {
  const conns = new Set<net.Socket>();
  const server = net.createServer((c) => spliceTo(c, target, conns));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const addr = server.address() as net.AddressInfo;
  return {
    port: addr.port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const c of conns) c.destroy();
        server.close(() => resolve());
      }),
  };
}
