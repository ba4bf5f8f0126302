/**
 * Which endpoints a container gets, before anything touches the kernel: the create-time check of
 * a request, and the plan of a start — primary network first (eth0, default route), then the
 * requested extra networks, then networks connected while it was stopped; addresses re-used from
 * earlier starts or allocated (each allocation registers its undo).
 */
import { InvalidArgument } from '../errdefs';
import type { NetworkContext } from './context';
import { parseExtraHosts } from './etc-files';
import { formatIPv4, macForIPv4, parseIPv4, parseMac } from './ip';
import { newId } from './registry';
import { parseMode } from './sandbox-files';
import type { ContainerNetworkRequest, EndpointRecord, EndpointRequest, SandboxRecord } from './types';

export type Undo = Array<() => unknown>;

export function checkAliases(aliases: readonly string[] | undefined): string[] {
  for (const a of aliases ?? []) {
    if (!a || /\s/.test(a) || a.length > 253) throw new InvalidArgument(`invalid network alias "${a}"`);
  }
  return [...(aliases ?? [])];
}

const STATIC_ON_DEFAULT = 'user specified IP address is supported on user defined networks only';

/** Create-time checks of a request, without side effects. */
export function validateRequest(ctx: NetworkContext, req: ContainerNetworkRequest): void {
  const mode = parseMode(req.mode);
  if (mode.kind !== 'network') {
    if ((req.ports?.length ?? 0) > 0)
      ctx.log.debug('network: published ports are ignored in this network mode', { mode: req.mode });
    parseExtraHosts(req.extraHosts, undefined);
    return;
  }
  const n = ctx.registry.resolve(mode.network);
  if (n.driver !== 'bridge') throw new InvalidArgument(`network ${mode.network} cannot be used as a network mode`);
  for (const e of req.endpoints ?? []) {
    const en = ctx.registry.resolve(e.network);
    if (e.ipv4Address) {
      parseIPv4(e.ipv4Address, 'IPv4 address');
      if (en.predefined) throw new InvalidArgument(STATIC_ON_DEFAULT);
    }
    if (e.macAddress) parseMac(e.macAddress);
    checkAliases(e.aliases);
  }
  parseExtraHosts(req.extraHosts, '0.0.0.0');
}

export function planEndpoints(
  ctx: NetworkContext,
  s: SandboxRecord,
  primaryName: string,
  reqs: readonly EndpointRequest[],
  undo: Undo,
): EndpointRecord[] {
  const primary = ctx.registry.resolve(primaryName);
  if (primary.driver !== 'bridge') throw new InvalidArgument(`network ${primaryName} cannot be used as a network mode`);
  const wanted = new Map<string, EndpointRequest>();
  for (const r of reqs) {
    const n = ctx.registry.resolve(r.network);
    if (n.driver !== 'bridge')
      throw new InvalidArgument(`container cannot be connected to network ${n.name} and ${primary.name}`);
    if (wanted.has(n.id)) throw new InvalidArgument(`network ${n.name} is given twice`);
    wanted.set(n.id, r);
  }
  const order = [primary.id, ...[...wanted.keys()].filter((id) => id !== primary.id)];
  // Endpoints of networks removed meanwhile are dropped (their pools are gone too).
  for (const e of s.endpoints)
    if (!order.includes(e.networkId) && ctx.registry.get(e.networkId)) order.push(e.networkId);
  const out: EndpointRecord[] = [];
  for (const [i, networkId] of order.entries()) {
    const n = ctx.registry.resolve(networkId);
    const pool = ctx.registry.pool(networkId);
    const r = wanted.get(networkId);
    const old = s.endpoints.find((e) => e.networkId === networkId);
    let ip: string;
    let staticIp = !!r?.ipv4Address;
    if (old && (!r?.ipv4Address || r.ipv4Address === old.ip)) {
      ip = old.ip;
      staticIp = old.staticIp || staticIp;
    } else {
      if (r?.ipv4Address && n.predefined) throw new InvalidArgument(STATIC_ON_DEFAULT);
      if (old) {
        pool.release(parseIPv4(old.ip));
        undo.push(() => pool.claim(parseIPv4(old.ip), s.containerId));
      }
      const got = pool.allocate(s.containerId, r?.ipv4Address);
      undo.push(() => pool.release(got));
      ip = formatIPv4(got);
    }
    if (r?.macAddress) parseMac(r.macAddress);
    const mac = r?.macAddress?.toLowerCase() ?? (old && old.ip === ip ? old.mac : macForIPv4(parseIPv4(ip)));
    out.push({
      id: old?.id ?? newId(),
      networkId,
      ifName: `eth${i}`,
      hostIf: ctx.vethName(),
      ip,
      mac,
      aliases: r?.aliases ? checkAliases(r.aliases) : (old?.aliases ?? []),
      staticIp,
    });
  }
  return out;
}
