/**
 * Where a registry host is reached: https by default; for `--insecure-registry` hosts and loopback
 * (localhost, 127.0.0.0/8, ::1) https without verification is tried first and plain http after,
 * as dockerd does; the answer is remembered per host. docker.io is served by registry-1.docker.io.
 */
import net from 'node:net';
import { InvalidArgument, Unavailable, errorMessage } from '../../errdefs';
import { DEFAULT_DOMAIN } from '../reference';
import type { Transport } from './transport';

export interface Endpoint {
  base: URL;
  insecureTls: boolean;
}

function hostOnly(hostPort: string): string {
  if (hostPort.startsWith('[')) return hostPort.slice(1, hostPort.indexOf(']'));
  const i = hostPort.lastIndexOf(':');
  return i > 0 && !hostPort.slice(0, i).includes(':') ? hostPort.slice(0, i) : hostPort;
}

function ipv4ToInt(ip: string): number {
  return ip.split('.').reduce((a, b) => a * 256 + Number(b), 0);
}

function inCidr(ip: string, cidr: string): boolean {
  const [net4, bitsText] = cidr.split('/');
  const bits = Number(bitsText);
  if (!net.isIPv4(ip) || !net4 || !net.isIPv4(net4) || !Number.isInteger(bits) || bits < 0 || bits > 32) return false;
  if (bits === 0) return true;
  const mask = (0xffffffff << (32 - bits)) >>> 0;
  return (ipv4ToInt(ip) & mask) >>> 0 === (ipv4ToInt(net4) & mask) >>> 0;
}

export function isLoopbackHost(hostPort: string): boolean {
  const h = hostOnly(hostPort).toLowerCase();
  return h === 'localhost' || h === '::1' || (net.isIPv4(h) && h.startsWith('127.'));
}

export class Endpoints {
  private readonly known = new Map<string, Endpoint>();

  constructor(
    private readonly transport: Transport,
    private readonly insecureRegistries: readonly string[],
  ) {
    for (const r of insecureRegistries) {
      if (r.includes('://')) {
        throw new InvalidArgument(`insecure registry "${r}" should be host[:port] or a CIDR, without a scheme`);
      }
    }
  }

  isInsecure(hostPort: string): boolean {
    if (isLoopbackHost(hostPort)) return true;
    const h = hostOnly(hostPort);
    return this.insecureRegistries.some((r) => r === hostPort || r === h || (r.includes('/') && inCidr(h, r)));
  }

  /** The host that serves the registry API for a reference's domain. */
  apiHost(domain: string): string {
    return domain === DEFAULT_DOMAIN ? 'registry-1.docker.io' : domain;
  }

  forget(domain: string): void {
    this.known.delete(domain);
  }

  async resolve(domain: string, signal?: AbortSignal): Promise<Endpoint> {
    const hit = this.known.get(domain);
    if (hit) return hit;
    const host = this.apiHost(domain);
    if (!this.isInsecure(domain)) {
      const ep = { base: new URL(`https://${host}`), insecureTls: false };
      this.known.set(domain, ep);
      return ep;
    }
    let httpsError: unknown;
    try {
      const res = await this.transport.request({
        method: 'GET',
        url: new URL(`https://${host}/v2/`),
        insecureTls: true,
        signal,
        timeoutMs: 15_000,
      });
      res.body.resume();
      const ep = { base: new URL(`https://${host}`), insecureTls: true };
      this.known.set(domain, ep);
      return ep;
    } catch (err) {
      if (signal?.aborted) throw err;
      httpsError = err;
    }
    try {
      const res = await this.transport.request({
        method: 'GET',
        url: new URL(`http://${host}/v2/`),
        signal,
        timeoutMs: 15_000,
      });
      res.body.resume();
    } catch (err) {
      throw new Unavailable(
        `cannot reach registry ${domain}: https: ${errorMessage(httpsError)}; http: ${errorMessage(err)}`,
        { cause: err },
      );
    }
    const ep = { base: new URL(`http://${host}`), insecureTls: false };
    this.known.set(domain, ep);
    return ep;
  }
}
