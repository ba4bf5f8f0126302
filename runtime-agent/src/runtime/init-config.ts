/** ContainerRecord → the init's config, and the per-container /etc files. */
import fs from 'node:fs';
import path from 'node:path';
import type { CgroupManager } from '../cgroups/manager';
import type { InitConfig, InitMount } from './init/config';
import type { PreparedRootfs } from './rootfs';
import { MASKED_PATHS, READONLY_PATHS } from './spec/defaults';
import type { ContainerRecord } from './state';
import { defaultHosts, defaultResolvConf, hostnameFile } from './spec/etc-files';
import type { ContainerSpec, CreateOptions } from './spec/types';

export function etcPaths(containerDir: string): { hostname: string; hosts: string; resolvConf: string } {
  return {
    hostname: path.join(containerDir, 'hostname'),
    hosts: path.join(containerDir, 'hosts'),
    resolvConf: path.join(containerDir, 'resolv.conf'),
  };
}

/** Masked and read-only paths that exist on this kernel (the container sees the same /proc and /sys). */
function existing(paths: string[]): string[] {
  return paths.filter((p) => fs.existsSync(p));
}

export function buildInitConfig(
  rec: ContainerRecord,
  containerDir: string,
  rootfs: PreparedRootfs,
  cgroups: CgroupManager,
  joinNetns: string | undefined,
): InitConfig {
  const s = rec.spec;
  const etc = etcPaths(containerDir);
  const mounts: InitMount[] = [...s.mounts];
  const have = new Set(mounts.map((m) => m.target));
  for (const [target, source] of [
    ['/etc/hostname', etc.hostname],
    ['/etc/hosts', etc.hosts],
    ['/etc/resolv.conf', etc.resolvConf],
  ] as const) {
    if (!have.has(target)) mounts.push({ kind: 'bind', source, target, file: true, readonly: false });
  }
  return {
    id: rec.id,
    rootDir: rootfs.rootDir,
    rootfs: rootfs.init,
    merged: rootfs.merged,
    readonlyRoot: s.readonlyRootfs,
    hostname: s.hostname,
    loopbackUp: s.networkMode !== 'host' && !s.networkMode.startsWith('container:'),
    ...(joinNetns ? { joinNetns } : {}),
    mounts,
    maskedPaths: existing(MASKED_PATHS),
    readonlyPaths: existing(READONLY_PATHS),
    cgroupfs: cgroups.containerMounts(),
    devptsGid: 5,
    shmSize: s.shmSize,
    process: {
      args: s.args,
      env: s.env,
      cwd: s.workingDir,
      user: s.user,
      groupAdd: s.groupAdd,
      tty: s.tty,
      caps: s.caps,
      noNewPrivs: s.noNewPrivileges,
      rlimits: s.rlimits,
    },
  };
}

/**
 * /etc/hostname, /etc/hosts, /etc/resolv.conf of a new container: the caller's content (the
 * network module's), else copied from the container whose network it joins, else defaults.
 */
export function writeEtcFiles(dir: string, spec: ContainerSpec, o: CreateOptions, peerDir: string | undefined): void {
  const etc = etcPaths(dir);
  const hostMode = spec.networkMode === 'host';
  const peer = peerDir ? etcPaths(peerDir) : undefined;
  const copy = (p: string | undefined): string | undefined => (p ? fs.readFileSync(p, 'utf8') : undefined);
  fs.writeFileSync(etc.hostname, copy(peer?.hostname) ?? hostnameFile(spec.hostname), { mode: 0o644 });
  fs.writeFileSync(etc.hosts, o.etcHosts ?? copy(peer?.hosts) ?? defaultHosts(o.extraHosts, hostMode), { mode: 0o644 });
  fs.writeFileSync(etc.resolvConf, o.resolvConf ?? copy(peer?.resolvConf) ?? defaultResolvConf(hostMode), {
    mode: 0o644,
  });
}
