/**
 * A container's /etc/hosts, /etc/resolv.conf and /etc/hostname. The runtime bind-mounts these
 * files, so they are rewritten in place (same inode) when a network is connected or
 * disconnected, never replaced.
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { InvalidArgument } from '../errdefs';
import { writeAllSync } from '../util/write-all';

export interface EtcFiles {
  hosts: string;
  resolvConf: string;
  hostname: string;
}

const DEFAULT_HOSTS = [
  '127.0.0.1\tlocalhost',
  '::1\tlocalhost ip6-localhost ip6-loopback',
  'fe00::0\tip6-localnet',
  'ff00::0\tip6-mcastprefix',
  'ff02::1\tip6-allnodes',
  'ff02::2\tip6-allrouters',
];

export interface ExtraHost {
  name: string;
  ip: string;
}

/** Docker's ExtraHosts entries "name:ip" (IPv6 allowed after the first colon); `host-gateway` → gateway. */
export function parseExtraHosts(entries: readonly string[] | undefined, hostGateway: string | undefined): ExtraHost[] {
  return (entries ?? []).map((e) => {
    const colon = e.indexOf(':');
    const name = colon > 0 ? e.slice(0, colon).trim() : '';
    let ip = colon > 0 ? e.slice(colon + 1).trim() : '';
    if (!name || !ip) throw new InvalidArgument(`invalid extra host "${e}": want name:ip`);
    if (/\s/.test(name)) throw new InvalidArgument(`invalid extra host "${e}": the name contains white space`);
    if (ip === 'host-gateway') {
      if (!hostGateway)
        throw new InvalidArgument(`extra host "${e}": host-gateway needs the container to be on a bridge network`);
      ip = hostGateway;
    }
    if (ip.startsWith('[') && ip.endsWith(']')) ip = ip.slice(1, -1);
    if (!net.isIP(ip)) throw new InvalidArgument(`invalid extra host "${e}": "${ip}" is not an IP address`);
    return { name, ip };
  });
}

export function renderHosts(own: Array<{ ip: string; names: string[] }>, extra: readonly ExtraHost[]): string {
  const lines = [...DEFAULT_HOSTS];
  for (const x of extra) lines.push(`${x.ip}\t${x.name}`);
  for (const o of own) lines.push(`${o.ip}\t${o.names.join(' ')}`);
  return lines.join('\n') + '\n';
}

/** Write the three files into `dir`, rewriting existing files in place. */
export function writeEtcFiles(dir: string, files: EtcFiles): void {
  fs.mkdirSync(dir, { recursive: true, mode: 0o755 });
  const put = (name: string, content: string): void => {
    const p = path.join(dir, name);
    const fd = fs.openSync(p, fs.constants.O_WRONLY | fs.constants.O_CREAT, 0o644);
    try {
      fs.ftruncateSync(fd, 0);
      writeAllSync(fd, content, 0);
    } finally {
      fs.closeSync(fd);
    }
  };
  put('hosts', files.hosts);
  put('resolv.conf', files.resolvConf);
  put('hostname', files.hostname.endsWith('\n') ? files.hostname : files.hostname + '\n');
}
