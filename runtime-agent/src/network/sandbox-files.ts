/** The /etc files of one container, from its record and the networks it is on. */
import fs from 'node:fs';
import os from 'node:os';
import { NotFound } from '../errdefs';
import type { NetworkContext } from './context';
import { renderResolvConf } from './dns/resolvconf';
import { parseExtraHosts, renderHosts, writeEtcFiles, type EtcFiles } from './etc-files';
import type { SandboxRecord } from './types';

export type ModeKind =
  { kind: 'none' } | { kind: 'host' } | { kind: 'container'; target: string } | { kind: 'network'; network: string };

export function parseMode(mode: string): ModeKind {
  const m = mode.trim();
  if (m === '' || m === 'default' || m === 'bridge') return { kind: 'network', network: 'bridge' };
  if (m === 'none') return { kind: 'none' };
  if (m === 'host') return { kind: 'host' };
  if (m.startsWith('container:')) return { kind: 'container', target: m.slice('container:'.length) };
  return { kind: 'network', network: m };
}

function readOr(file: string, dflt: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return dflt;
  }
}

function hostnameLine(s: SandboxRecord): string[] {
  return s.domainname ? [`${s.hostname}.${s.domainname}`, s.hostname] : [s.hostname];
}

export function renderSandboxFiles(ctx: NetworkContext, s: SandboxRecord, depth = 0): EtcFiles {
  const mode = parseMode(s.mode);
  const dnsCfg = { dns: s.dns, dnsSearch: s.dnsSearch, dnsOptions: s.dnsOptions };
  if (mode.kind === 'host') {
    const extra = parseExtraHosts(s.extraHosts, undefined);
    const hosts = readOr(ctx.config.hostsFile ?? '/etc/hosts', '127.0.0.1\tlocalhost\n');
    const tail = extra.map((x) => `${x.ip}\t${x.name}\n`).join('');
    const resolvConf = s.dns.length
      ? renderResolvConf(ctx.hostResolv, dnsCfg, undefined)
      : readOr(ctx.config.hostResolvConf ?? '/etc/resolv.conf', '');
    return {
      hosts: (hosts.endsWith('\n') ? hosts : hosts + '\n') + tail,
      resolvConf,
      hostname: s.hostname || os.hostname(),
    };
  }
  if (mode.kind === 'container') {
    const target = [...ctx.sandboxes.values()].find(
      (x) => x.containerId === mode.target || x.containerName === mode.target || x.containerId.startsWith(mode.target),
    );
    if (!target || depth > 4) throw new NotFound(`network mode container:${mode.target}: no such running container`);
    return renderSandboxFiles(ctx, target, depth + 1);
  }
  const primary = s.endpoints[0];
  const net = primary ? ctx.registry.get(primary.networkId) : undefined;
  const gateway = net?.ipam.config[0]?.gateway;
  const extra = parseExtraHosts(s.extraHosts, gateway);
  const own = primary && s.active ? [{ ip: primary.ip, names: hostnameLine(s) }] : [];
  // The embedded DNS of the first user network the container is on (it may have joined one
  // later with `network connect` while its primary network is the default bridge).
  const userNet = s.active
    ? s.endpoints.map((e) => ctx.registry.get(e.networkId)).find((n) => n !== undefined && !n.predefined)
    : undefined;
  const embedded = userNet?.ipam.config[0]?.gateway;
  return {
    hosts: renderHosts(own, extra),
    resolvConf: renderResolvConf(ctx.hostResolv, dnsCfg, embedded),
    hostname: s.hostname,
  };
}

export function writeSandboxFiles(ctx: NetworkContext, s: SandboxRecord): EtcFiles {
  const files = renderSandboxFiles(ctx, s);
  if (s.etcDir) writeEtcFiles(s.etcDir, files);
  return files;
}
