/** Facts about the host for /version and /info, read at run time. */
import fs from 'node:fs';
import os from 'node:os';
import { detectCgroups, dockerCgroupVersion, type CgroupLayout } from '../cgroups/detect';

export interface HostInfo {
  kernelVersion: string;
  operatingSystem: string;
  osVersion: string;
  /** uname -m: x86_64, aarch64 … */
  machine: string;
  /** Go-style architecture as the Engine API names it: amd64, arm64 … */
  goArch: string;
  ncpu: number;
  memTotal: number;
  hostname: string;
  cgroupVersion: '1' | '2';
  cgroupSetup: CgroupLayout['setup'];
  memoryLimit: boolean;
  swapLimit: boolean;
  cpuCfsQuota: boolean;
  cpuShares: boolean;
  cpuSet: boolean;
  pidsLimit: boolean;
  ipv4Forwarding: boolean;
  bridgeNfIptables: boolean;
  bridgeNfIp6tables: boolean;
}

const GOARCH: Record<string, string> = {
  x64: 'amd64',
  arm64: 'arm64',
  arm: 'arm',
  ia32: '386',
  riscv64: 'riscv64',
  ppc64: 'ppc64le',
  s390x: 's390x',
};
const UNAME: Record<string, string> = {
  x64: 'x86_64',
  arm64: 'aarch64',
  arm: 'armv7l',
  ia32: 'i686',
  riscv64: 'riscv64',
  ppc64: 'ppc64le',
  s390x: 's390x',
};

export function goArch(nodeArch = process.arch): string {
  return GOARCH[nodeArch] ?? nodeArch;
}

export function parseOsRelease(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^([A-Z_]+)=(.*)$/.exec(line.trim());
    if (!m) continue;
    let v = m[2]!;
    if ((v.startsWith('"') && v.endsWith('"')) || (v.startsWith("'") && v.endsWith("'"))) v = v.slice(1, -1);
    out[m[1]!] = v;
  }
  return out;
}

function readTrim(p: string): string | undefined {
  try {
    return fs.readFileSync(p, 'utf8').trim();
  } catch {
    return undefined;
  }
}

function exists(p: string): boolean {
  return fs.existsSync(p);
}

export function readHostInfo(): HostInfo {
  const rel = parseOsRelease(readTrim('/etc/os-release') ?? readTrim('/usr/lib/os-release') ?? '');
  const layout = detectCgroups();
  const v2 = layout.setup === 'unified' && layout.unifiedRoot ? layout.unifiedRoot : undefined;
  const mem = layout.v1.get('memory');
  const cpu = layout.v1.get('cpu');
  const cpuset = layout.v1.get('cpuset');
  const pids = layout.v1.get('pids');
  const has2 = (c: string): boolean => layout.v2Controllers.includes(c);
  return {
    kernelVersion: os.release(),
    operatingSystem: rel.PRETTY_NAME ?? 'Linux',
    osVersion: rel.VERSION_ID ?? '',
    machine: UNAME[process.arch] ?? process.arch,
    goArch: goArch(),
    ncpu: os.availableParallelism?.() ?? os.cpus().length,
    memTotal: os.totalmem(),
    hostname: os.hostname(),
    cgroupVersion: dockerCgroupVersion(layout),
    cgroupSetup: layout.setup,
    memoryLimit: v2 ? has2('memory') : !!mem,
    swapLimit: v2 ? has2('memory') : !!mem && exists(`${mem}/memory.memsw.limit_in_bytes`),
    cpuCfsQuota: v2 ? has2('cpu') : !!cpu && exists(`${cpu}/cpu.cfs_quota_us`),
    cpuShares: v2 ? has2('cpu') : !!cpu && exists(`${cpu}/cpu.shares`),
    cpuSet: v2 ? has2('cpuset') : !!cpuset,
    pidsLimit: v2 ? has2('pids') : !!pids,
    ipv4Forwarding: readTrim('/proc/sys/net/ipv4/ip_forward') === '1',
    bridgeNfIptables: readTrim('/proc/sys/net/bridge/bridge-nf-call-iptables') === '1',
    bridgeNfIp6tables: readTrim('/proc/sys/net/bridge/bridge-nf-call-ip6tables') === '1',
  };
}
