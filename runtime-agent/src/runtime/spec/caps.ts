/** Linux capabilities by name, Docker's default set, and cap-add/cap-drop. */
import { InvalidArgument } from '../../errdefs';

export const CAPABILITIES = [
  'CHOWN',
  'DAC_OVERRIDE',
  'DAC_READ_SEARCH',
  'FOWNER',
  'FSETID',
  'KILL',
  'SETGID',
  'SETUID',
  'SETPCAP',
  'LINUX_IMMUTABLE',
  'NET_BIND_SERVICE',
  'NET_BROADCAST',
  'NET_ADMIN',
  'NET_RAW',
  'IPC_LOCK',
  'IPC_OWNER',
  'SYS_MODULE',
  'SYS_RAWIO',
  'SYS_CHROOT',
  'SYS_PTRACE',
  'SYS_PACCT',
  'SYS_ADMIN',
  'SYS_BOOT',
  'SYS_NICE',
  'SYS_RESOURCE',
  'SYS_TIME',
  'SYS_TTY_CONFIG',
  'MKNOD',
  'LEASE',
  'AUDIT_WRITE',
  'AUDIT_CONTROL',
  'SETFCAP',
  'MAC_OVERRIDE',
  'MAC_ADMIN',
  'SYSLOG',
  'WAKE_ALARM',
  'BLOCK_SUSPEND',
  'AUDIT_READ',
  'PERFMON',
  'BPF',
  'CHECKPOINT_RESTORE',
] as const;

/** Docker's default set (CapEff 00000000a80425fb). */
export const DOCKER_DEFAULT_CAPS = [
  'CHOWN',
  'DAC_OVERRIDE',
  'FSETID',
  'FOWNER',
  'MKNOD',
  'NET_RAW',
  'SETGID',
  'SETUID',
  'SETFCAP',
  'SETPCAP',
  'NET_BIND_SERVICE',
  'SYS_CHROOT',
  'KILL',
  'AUDIT_WRITE',
];

function normalise(name: string): string {
  const n = name.trim().toUpperCase();
  return n.startsWith('CAP_') ? n.slice(4) : n;
}

function capNumber(name: string): number {
  const i = (CAPABILITIES as readonly string[]).indexOf(name);
  if (i < 0) throw new InvalidArgument(`unknown capability: "CAP_${name}"`);
  return i;
}

/**
 * The capability mask after cap-add/cap-drop, as hex. `dropMknod` removes CAP_MKNOD from the
 * default set (cgroup v2 hosts: no device filter yet) unless it is added explicitly.
 */
export function capabilityMask(capAdd: string[] = [], capDrop: string[] = [], dropMknod = false): string {
  const add = capAdd.map(normalise);
  const drop = capDrop.map(normalise);
  let set = new Set(DOCKER_DEFAULT_CAPS);
  if (dropMknod) set.delete('MKNOD');
  for (const d of drop) if (d !== 'ALL') capNumber(d);
  for (const a of add) if (a !== 'ALL') capNumber(a);
  if (drop.includes('ALL')) set = new Set();
  else for (const d of drop) set.delete(d);
  if (add.includes('ALL')) set = new Set(CAPABILITIES);
  else for (const a of add) set.add(a);
  let mask = 0n;
  for (const c of set) mask |= 1n << BigInt(capNumber(c));
  return mask.toString(16).padStart(16, '0');
}
