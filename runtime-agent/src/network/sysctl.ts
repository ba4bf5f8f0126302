/**
 * The few kernel settings the bridge driver changes. Per-interface settings apply to Berth's own
 * bridges only; the host-wide net.ipv4.ip_forward is turned on only when a container needs to
 * reach beyond the host, and only when the daemon allows it (--ip-forward).
 */
import fs from 'node:fs';
import { FailedPrecondition } from '../errdefs';

export interface Sysctl {
  read(key: string): string | undefined;
  write(key: string, value: string): void;
}

const toPath = (key: string): string => `/proc/sys/${key.replace(/\./g, '/')}`;

export const procSysctl: Sysctl = {
  read(key) {
    try {
      return fs.readFileSync(toPath(key), 'utf8').trim();
    } catch {
      return undefined;
    }
  },
  write(key, value) {
    try {
      fs.writeFileSync(toPath(key), value);
    } catch (err) {
      throw new FailedPrecondition(`cannot set ${key}=${value}: ${(err as Error).message}`, { cause: err });
    }
  },
};

/** Per-bridge settings: forward what enters the bridge (hairpin, published ports between networks),
 * accept 127.0.0.1 sources (host loopback → DNAT → container), no IPv6 link-local noise. */
export function configureBridgeSysctls(sysctl: Sysctl, bridge: string): void {
  sysctl.write(`net.ipv4.conf.${bridge}.forwarding`, '1');
  sysctl.write(`net.ipv4.conf.${bridge}.route_localnet`, '1');
  if (sysctl.read(`net.ipv6.conf.${bridge}.disable_ipv6`) !== undefined)
    sysctl.write(`net.ipv6.conf.${bridge}.disable_ipv6`, '1');
}

/** Turn on host-wide IPv4 forwarding (outbound traffic of containers); returns true if it changed. */
export function enableIpForward(sysctl: Sysctl): boolean {
  if (sysctl.read('net.ipv4.ip_forward') === '1') return false;
  sysctl.write('net.ipv4.ip_forward', '1');
  return true;
}
