/**
 * Subnet choice and clash checks. A bridge subnet must not overlap another Berth network, nor any
 * route the host already has (its LAN, a VPN, Docker's docker0 or another Berth daemon's bridge):
 * otherwise the new bridge's connected route would capture that traffic. Automatic choice walks
 * Docker's default pools (172.17–31.0.0/16, then 192.168.0.0/16 in /20s). Daemons on one host
 * choose under one host-wide lock, so two never pick the same free subnet at the same moment.
 */
import fs from 'node:fs';
import { Conflict, Forbidden, ResourceExhausted } from '../errdefs';
import { agentLibc, LOCK_EX, LOCK_NB, LOCK_UN } from '../sys/libc';
import { formatCidr, overlaps, type Prefix } from './ip';
import type { RouteInfo } from './netlink/route';

const RT_TABLE_LOCAL = 255;

export function* defaultPools(): Generator<Prefix> {
  for (let b = 17; b <= 31; b++) yield { addr: ((172 << 24) | (b << 16)) >>> 0, len: 16 };
  for (let i = 0; i < 16; i++) yield { addr: ((192 << 24) | (168 << 16) | (i << 12)) >>> 0, len: 20 };
}

export interface ClashContext {
  routes: readonly RouteInfo[];
  /** Interface name for a route's oif (messages). */
  ifName: (index: number) => string | undefined;
  /** Interfaces whose routes do not count (the network's own bridge when it is re-checked). */
  ignoreIfIndexes?: ReadonlySet<number>;
  networks: ReadonlyArray<{ name: string; subnet: Prefix }>;
}

export function routeClash(subnet: Prefix, ctx: ClashContext): RouteInfo | undefined {
  return ctx.routes.find(
    (r) =>
      r.table !== RT_TABLE_LOCAL &&
      r.dstLen > 0 &&
      !(r.oif !== undefined && ctx.ignoreIfIndexes?.has(r.oif)) &&
      overlaps(subnet, { addr: r.dst, len: r.dstLen }),
  );
}

/** Throw a clear error when the subnet overlaps a Berth network or a host route. */
export function checkSubnet(subnet: Prefix, ctx: ClashContext): void {
  const net = ctx.networks.find((n) => overlaps(subnet, n.subnet));
  if (net)
    throw new Forbidden(
      `Pool overlaps with other one on this address space: ${formatCidr(subnet)} overlaps network "${net.name}" (${formatCidr(net.subnet)})`,
    );
  const r = routeClash(subnet, ctx);
  if (r) {
    const dev = r.oif !== undefined ? ctx.ifName(r.oif) : undefined;
    throw new Conflict(
      `subnet ${formatCidr(subnet)} clashes with the host route ${formatCidr({ addr: r.dst, len: r.dstLen })}` +
        `${dev ? ` dev ${dev}` : ''}: traffic to it would be captured by the bridge; choose another subnet`,
    );
  }
}

export function chooseSubnet(ctx: ClashContext, pools: Iterable<Prefix> = defaultPools()): Prefix {
  for (const p of pools) {
    if (ctx.networks.some((n) => overlaps(p, n.subnet))) continue;
    if (routeClash(p, ctx)) continue;
    return p;
  }
  throw new ResourceExhausted(
    'could not find an available, non-overlapping IPv4 address pool among the defaults to assign to the network',
  );
}

const HOST_LOCK = '/run/berth-network.lock';

/** Run `fn` holding the host-wide network lock (subnet choice + bridge creation across daemons). */
export function withHostLock<T>(fn: () => T, lockFile = HOST_LOCK): T {
  const fd = fs.openSync(lockFile, 'a', 0o600);
  const { flock } = agentLibc();
  try {
    const deadline = Date.now() + 5000;
    const pause = new Int32Array(new SharedArrayBuffer(4));
    while (flock(fd, LOCK_EX | LOCK_NB) !== 0) {
      if (Date.now() > deadline) throw new Conflict(`another Berth daemon holds ${lockFile} for more than 5 s`);
      Atomics.wait(pause, 0, 0, 2);
    }
    try {
      return fn();
    } finally {
      flock(fd, LOCK_UN);
    }
  } finally {
    fs.closeSync(fd);
  }
}
