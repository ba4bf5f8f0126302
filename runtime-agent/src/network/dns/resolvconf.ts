/**
 * resolv.conf: read the host's, write a container's. On the default bridge a container gets the
 * host's resolvers minus loopback ones (unreachable from its namespace; Google's public servers
 * when none remain, as Docker does). On a user network it gets the embedded DNS at the gateway,
 * which forwards to the host's resolvers (or to the container's --dns servers).
 */
import fs from 'node:fs';

export interface ResolvConf {
  nameservers: string[];
  search: string[];
  options: string[];
}

export const FALLBACK_NAMESERVERS = ['8.8.8.8', '8.8.4.4'];

export function parseResolvConf(text: string): ResolvConf {
  const out: ResolvConf = { nameservers: [], search: [], options: [] };
  for (const raw of text.split('\n')) {
    const line = raw.replace(/[#;].*$/, '').trim();
    if (!line) continue;
    const [key, ...rest] = line.split(/\s+/);
    if (key === 'nameserver' && rest[0]) out.nameservers.push(rest[0]);
    else if (key === 'search') out.search = rest;
    else if (key === 'domain' && rest[0] && out.search.length === 0) out.search = [rest[0]];
    else if (key === 'options') out.options.push(...rest);
  }
  return out;
}

export function readHostResolvConf(file = '/etc/resolv.conf'): ResolvConf {
  try {
    return parseResolvConf(fs.readFileSync(file, 'utf8'));
  } catch {
    return { nameservers: [], search: [], options: [] };
  }
}

const isLoopback = (ns: string): boolean => ns.startsWith('127.') || ns === '::1';
const isIPv6 = (ns: string): boolean => ns.includes(':');

export interface ContainerDnsConfig {
  dns?: string[] | undefined;
  dnsSearch?: string[] | undefined;
  dnsOptions?: string[] | undefined;
}

/** Nameservers a container on the default bridge can reach. */
export function reachableNameservers(host: ResolvConf): string[] {
  const ok = host.nameservers.filter((ns) => !isLoopback(ns) && !isIPv6(ns));
  return ok.length ? ok : FALLBACK_NAMESERVERS;
}

export function renderResolvConf(host: ResolvConf, cfg: ContainerDnsConfig, embedded: string | undefined): string {
  const lines: string[] = [];
  if (embedded) {
    lines.push(`# Berth embedded DNS server (container names on this network; other names go upstream)`);
    lines.push(`nameserver ${embedded}`);
  } else {
    const servers = cfg.dns?.length ? cfg.dns : reachableNameservers(host);
    for (const s of servers) lines.push(`nameserver ${s}`);
  }
  const search = cfg.dnsSearch?.length ? cfg.dnsSearch : host.search;
  if (search.length && !(search.length === 1 && search[0] === '.')) lines.push(`search ${search.join(' ')}`);
  const options = cfg.dnsOptions?.length ? cfg.dnsOptions : host.options;
  if (options.length) lines.push(`options ${options.join(' ')}`);
  return lines.join('\n') + '\n';
}
