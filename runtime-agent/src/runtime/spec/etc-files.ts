/** Default content of a container's /etc/hostname, /etc/hosts and /etc/resolv.conf. */
import fs from 'node:fs';

export function hostnameFile(hostname: string): string {
  return hostname + '\n';
}

export function defaultHosts(extraHosts: string[] = [], hostMode = false): string {
  if (hostMode) {
    try {
      return fs.readFileSync('/etc/hosts', 'utf8');
    } catch {
      /* fall through */
    }
  }
  const lines = [
    '127.0.0.1\tlocalhost',
    '::1\tlocalhost ip6-localhost ip6-loopback',
    'fe00::0\tip6-localnet',
    'ff00::0\tip6-mcastprefix',
    'ff02::1\tip6-allnodes',
    'ff02::2\tip6-allrouters',
  ];
  for (const e of extraHosts) {
    const i = e.indexOf(':');
    if (i > 0) lines.push(`${e.slice(i + 1)}\t${e.slice(0, i)}`);
  }
  return lines.join('\n') + '\n';
}

/**
 * The host's resolv.conf; for a container with its own network namespace, nameservers on
 * loopback (127.x, ::1) cannot be reached from inside and are filtered out (as Docker does),
 * falling back to Google's public resolvers when none is left.
 */
export function defaultResolvConf(hostMode: boolean, hostText?: string): string {
  let text = hostText;
  if (text === undefined) {
    try {
      text = fs.readFileSync('/etc/resolv.conf', 'utf8');
    } catch {
      text = '';
    }
  }
  if (hostMode) return text;
  const out: string[] = [];
  let nameservers = 0;
  for (const line of text.split('\n')) {
    const m = /^\s*nameserver\s+(\S+)/.exec(line);
    if (m) {
      const ip = m[1]!;
      if (ip.startsWith('127.') || ip === '::1') continue;
      nameservers++;
    }
    if (line.trim() !== '') out.push(line);
  }
  if (nameservers === 0) out.push('nameserver 8.8.8.8', 'nameserver 8.8.4.4');
  return out.join('\n') + '\n';
}
