/**
 * Host-port reservations. Every published port is held by a socket in the agent bound to
 * hostIp:hostPort, as docker-proxy does: the kernel then refuses the port to anyone else (and
 * tells us when someone else has it: a clear Conflict naming the port), random ports (-P) come
 * from the kernel's ephemeral range, and a TCP connection that reaches the socket instead of the
 * DNAT rule is proxied to the container.
 */
import dgram from 'node:dgram';
import net from 'node:net';
import { Conflict, InvalidArgument } from '../../errdefs';
import { spliceTo, type ProxyTarget } from './proxy';
import type { PortBinding, PortRequest, Proto } from './spec';

interface Holder {
  binding: PortBinding;
  owner: string;
  close(): Promise<void>;
}

const keyOf = (proto: Proto, hostIp: string, port: number): string => `${proto}/${hostIp || '0.0.0.0'}:${port}`;

function describe(proto: Proto, hostIp: string, port: number): string {
  return `${hostIp || '0.0.0.0'}:${port}${proto === 'udp' ? '/udp' : ''}`;
}

function bindError(err: unknown, proto: Proto, hostIp: string, port: number): Error {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'EADDRINUSE')
    return new Conflict(`Bind for ${describe(proto, hostIp, port)} failed: port is already allocated`, { cause: err });
  if (code === 'EADDRNOTAVAIL')
    return new InvalidArgument(`cannot publish on ${hostIp}: the address is not assigned to this host`, { cause: err });
  if (code === 'EACCES')
    return new Conflict(`Bind for ${describe(proto, hostIp, port)} failed: permission denied`, { cause: err });
  return err as Error;
}

async function holdTcp(
  hostIp: string,
  port: number,
  target: ProxyTarget,
): Promise<{ port: number; close(): Promise<void> }> {
  const conns = new Set<net.Socket>();
  const server = net.createServer((c) => spliceTo(c, target, conns));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: hostIp || '0.0.0.0', port, exclusive: true }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.unref();
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const c of conns) c.destroy();
        server.close(() => resolve());
      }),
  };
}

async function holdUdp(hostIp: string, port: number): Promise<{ port: number; close(): Promise<void> }> {
  const s = dgram.createSocket('udp4');
  await new Promise<void>((resolve, reject) => {
    s.once('error', reject);
    s.bind({ address: hostIp || '0.0.0.0', port, exclusive: true }, () => {
      s.off('error', reject);
      resolve();
    });
  }).catch((err: unknown) => {
    s.close();
    throw err;
  });
  s.on('error', () => undefined);
  s.unref();
  return { port: s.address().port, close: () => new Promise<void>((r) => s.close(() => r())) };
}

export class PortReservations {
  private readonly held = new Map<string, Holder>();

  private async bindOne(proto: Proto, hostIp: string, port: number, target: ProxyTarget) {
    return proto === 'tcp' ? holdTcp(hostIp, port, target) : holdUdp(hostIp, port);
  }

  /** Reserve a host port for a request: the given port, the first free one of a range, or a random one. */
  async reserve(req: PortRequest, target: ProxyTarget, owner: string): Promise<PortBinding> {
    const { proto, hostIp } = req;
    if (req.hostPortStart === 0) {
      const h = await this.bindOne(proto, hostIp, 0, target).catch((e: unknown) => {
        throw bindError(e, proto, hostIp, 0);
      });
      return this.record({ proto, hostIp, hostPort: h.port, containerPort: req.containerPort }, owner, h.close);
    }
    let lastErr: Error | undefined;
    for (let port = req.hostPortStart; port <= req.hostPortEnd; port++) {
      const ours = this.held.get(keyOf(proto, hostIp, port)) ?? this.held.get(keyOf(proto, '', port));
      if (ours) {
        lastErr = new Conflict(`Bind for ${describe(proto, hostIp, port)} failed: port is already allocated`);
        continue;
      }
      try {
        const h = await this.bindOne(proto, hostIp, port, target);
        return this.record({ proto, hostIp, hostPort: h.port, containerPort: req.containerPort }, owner, h.close);
      } catch (err) {
        lastErr = bindError(err, proto, hostIp, port);
        if (!(lastErr instanceof Conflict)) throw lastErr;
      }
    }
    if (req.hostPortEnd > req.hostPortStart && lastErr instanceof Conflict)
      throw new Conflict(
        `Bind for ${hostIp || '0.0.0.0'}:${req.hostPortStart}-${req.hostPortEnd}${proto === 'udp' ? '/udp' : ''} failed: every port of the range is already allocated`,
      );
    throw lastErr ?? new Conflict('no host port available');
  }

  /** Take the exact binding again after an agent restart; false when the port is now someone else's. */
  async adopt(b: PortBinding, target: ProxyTarget, owner: string): Promise<boolean> {
    if (this.held.has(keyOf(b.proto, b.hostIp, b.hostPort))) return true;
    try {
      const h = await this.bindOne(b.proto, b.hostIp, b.hostPort, target);
      this.record(b, owner, h.close);
      return true;
    } catch {
      return false;
    }
  }

  private record(binding: PortBinding, owner: string, close: () => Promise<void>): PortBinding {
    this.held.set(keyOf(binding.proto, binding.hostIp, binding.hostPort), { binding, owner, close });
    return binding;
  }

  async release(b: PortBinding): Promise<void> {
    const key = keyOf(b.proto, b.hostIp, b.hostPort);
    const h = this.held.get(key);
    if (!h) return;
    this.held.delete(key);
    await h.close();
  }

  async releaseAll(): Promise<void> {
    const all = [...this.held.values()];
    this.held.clear();
    await Promise.all(all.map((h) => h.close()));
  }

  get size(): number {
    return this.held.size;
  }
}
