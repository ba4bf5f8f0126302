/**
 * Image config + user options → a resolved ContainerSpec, validated up front so that bad input
 * fails at create with a typed error and nothing on disk.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { InvalidArgument, NotImplemented } from '../../errdefs';
import type { InitMount, InitRlimit } from '../init/config';
import { capabilityMask } from './caps';
import { DEFAULT_SHM_SIZE, DEFAULT_STOP_TIMEOUT, RLIMITS, RLIMIT_NOFILE } from './defaults';
import { parseSecurityOpts } from './security-opts';
import { parseSignal } from './signals';
import { validateRestartPolicy } from '../restart';
import type { ContainerSpec, CreateOptions, MountOption } from './types';

export interface HostLimits {
  /** Current hard limit per RLIMIT number (what the agent may hand out without CAP_SYS_RESOURCE). */
  hardLimit(resource: number): bigint;
  canRaiseHardLimits: boolean;
  /** cgroup v2 host: no device filter yet, so CAP_MKNOD is dropped by default. */
  dropMknod: boolean;
}

const MS_NOSUID = 2;
const MS_NODEV = 4;
const MS_NOEXEC = 8;

function absTarget(t: string, what: string): string {
  if (!t || !t.startsWith('/'))
    throw new InvalidArgument(`invalid mount config for ${what}: mount path must be absolute: "${t}"`);
  const n = path.posix.normalize(t);
  if (n === '/') throw new InvalidArgument(`invalid mount config for ${what}: destination can't be '/'`);
  return n;
}

/** "size=64m,mode=1777,exec" → mount data and flags. */
export function tmpfsOptions(opts: string): { data: string; flags: number } {
  let flags = MS_NOSUID | MS_NODEV | MS_NOEXEC;
  const data: string[] = [];
  for (const o of opts
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean)) {
    if (o === 'exec') flags &= ~MS_NOEXEC;
    else if (o === 'noexec') flags |= MS_NOEXEC;
    else if (o === 'suid') flags &= ~MS_NOSUID;
    else if (o === 'nosuid') flags |= MS_NOSUID;
    else if (o === 'dev') flags &= ~MS_NODEV;
    else if (o === 'nodev') flags |= MS_NODEV;
    else if (o === 'rw') continue;
    else if (o === 'ro') flags |= 1;
    else if (/^(size|mode|uid|gid|nr_inodes|nr_blocks)=[0-9a-zA-Z%]+$/.test(o)) data.push(o);
    else throw new InvalidArgument(`invalid tmpfs option "${o}"`);
  }
  return { data: data.join(','), flags };
}

function bindMount(source: string, target: string, readonly: boolean, what: string): InitMount {
  if (!source.startsWith('/'))
    throw new InvalidArgument(`invalid mount config for ${what}: bind source path must be absolute: "${source}"`);
  let st: fs.Stats;
  try {
    st = fs.statSync(source);
  } catch {
    throw new InvalidArgument(`invalid mount config for type "bind": bind source path does not exist: ${source}`);
  }
  return { kind: 'bind', source, target: absTarget(target, what), readonly, file: !st.isDirectory() };
}

function parseBind(b: string): InitMount {
  const parts = b.split(':');
  if (parts.length < 2 || parts.length > 3) throw new InvalidArgument(`invalid volume specification: '${b}'`);
  const [src, dst, mode = 'rw'] = parts as [string, string, string?];
  const modes = mode.split(',');
  for (const m of modes)
    if (!['ro', 'rw', 'z', 'Z', 'private', 'rprivate', 'nocopy'].includes(m))
      throw new InvalidArgument(`invalid mode: ${mode}`);
  if (!src.startsWith('/'))
    throw new NotImplemented(`named volumes are not supported by the runtime: "${src}" (use an absolute host path)`);
  return bindMount(src, dst, modes.includes('ro'), b);
}

function fromMountOption(m: MountOption): InitMount {
  if (m.type === 'bind') return bindMount(m.source ?? '', m.target, !!m.readonly, m.target);
  if (m.type === 'tmpfs') {
    const data = [
      m.tmpfsSize ? `size=${m.tmpfsSize}` : '',
      m.tmpfsMode !== undefined ? `mode=${m.tmpfsMode.toString(8)}` : '',
    ]
      .filter(Boolean)
      .join(',');
    return { kind: 'tmpfs', target: absTarget(m.target, m.target), data, flags: MS_NOSUID | MS_NODEV | MS_NOEXEC };
  }
  throw new InvalidArgument(`mount type "${String((m as { type: unknown }).type)}" is not supported`);
}

function rlimits(o: CreateOptions, host: HostLimits): InitRlimit[] {
  const out = new Map<number, InitRlimit>();
  const nofileHard = host.hardLimit(RLIMIT_NOFILE);
  // Node raises its soft NOFILE to the hard limit; containers get Docker's usual 1024 soft.
  out.set(RLIMIT_NOFILE, {
    resource: RLIMIT_NOFILE,
    soft: String(nofileHard < 1024n ? nofileHard : 1024n),
    hard: String(nofileHard),
  });
  for (const u of o.ulimits ?? []) {
    const res = RLIMITS[u.name];
    if (res === undefined) throw new InvalidArgument(`invalid ulimit type: ${u.name}`);
    if (!Number.isSafeInteger(u.soft) || !Number.isSafeInteger(u.hard))
      throw new InvalidArgument(`invalid ulimit ${u.name}: soft and hard must be integers`);
    const soft = u.soft < 0 ? 0xffffffffffffffffn : BigInt(u.soft);
    const hard = u.hard < 0 ? 0xffffffffffffffffn : BigInt(u.hard);
    if (soft > hard)
      throw new InvalidArgument(`ulimit soft limit must be less than or equal to hard limit: ${u.soft} > ${u.hard}`);
    if (!host.canRaiseHardLimits && hard > host.hardLimit(res))
      throw new InvalidArgument(
        `ulimit ${u.name}: hard limit ${u.hard} is above this host's hard limit ${host.hardLimit(res)} (berthd lacks CAP_SYS_RESOURCE)`,
      );
    out.set(res, { resource: res, soft: String(soft), hard: String(hard) });
  }
  return [...out.values()];
}

const HOSTNAME_RE = /^[a-zA-Z0-9]([a-zA-Z0-9-]{0,62})(\.[a-zA-Z0-9]([a-zA-Z0-9-]{0,62}))*$/;

export function buildSpec(id: string, o: CreateOptions, host: HostLimits): ContainerSpec {
  if (o.privileged)
    throw new NotImplemented(
      'privileged containers are not supported by Berth yet: use --cap-add for the capabilities the container needs',
    );
  const img = o.imageConfig ?? {};
  const entrypoint =
    o.entrypoint !== undefined
      ? o.entrypoint.filter((x, i) => !(i === 0 && x === '' && o.entrypoint!.length === 1))
      : (img.Entrypoint ?? []);
  // A new entrypoint resets the image's Cmd (Docker's rule).
  const cmd = o.cmd !== undefined && o.cmd.length > 0 ? o.cmd : o.entrypoint !== undefined ? [] : (img.Cmd ?? []);
  const args = [...entrypoint, ...cmd];
  if (args.length === 0 || args[0] === '') throw new InvalidArgument('No command specified');
  const networkMode = o.networkMode ?? 'bridge';
  // With the host's network the container takes the host's name (as Docker), else its short id.
  const hostname = o.hostname ?? (networkMode === 'host' ? os.hostname() : id.slice(0, 12));
  if (!HOSTNAME_RE.test(hostname) || hostname.length > 64) throw new InvalidArgument(`invalid hostname: "${hostname}"`);
  const env = [...(img.Env ?? [])];
  for (const e of o.env ?? []) {
    if (!e || e.startsWith('=')) throw new InvalidArgument(`invalid environment variable: "${e}"`);
    const key = e.includes('=') ? e.slice(0, e.indexOf('=')) : e;
    const i = env.findIndex((x) => x.startsWith(key + '='));
    if (!e.includes('=')) continue; // "KEY" without value: taken from the client's env by the CLI, never here
    if (i >= 0) env[i] = e;
    else env.push(e);
  }
  const workingDir = o.workingDir || img.WorkingDir || '';
  if (workingDir && !workingDir.startsWith('/'))
    throw new InvalidArgument(`the working directory '${workingDir}' is invalid, it needs to be an absolute path`);
  const mounts: InitMount[] = [];
  for (const b of o.binds ?? []) mounts.push(parseBind(b));
  for (const m of o.mounts ?? []) mounts.push(fromMountOption(m));
  for (const [target, opts] of Object.entries(o.tmpfs ?? {})) {
    const t = tmpfsOptions(opts);
    mounts.push({ kind: 'tmpfs', target: absTarget(target, target), data: t.data, flags: t.flags });
  }
  const seen = new Set<string>();
  for (const m of mounts) {
    if (seen.has(m.target)) throw new InvalidArgument(`Duplicate mount point: ${m.target}`);
    seen.add(m.target);
  }
  const sec = parseSecurityOpts(o.securityOpt);
  const stopSignal = parseSignal(o.stopSignal ?? img.StopSignal ?? 'SIGTERM');
  const stopTimeout = o.stopTimeout ?? DEFAULT_STOP_TIMEOUT;
  if (!Number.isInteger(stopTimeout) || stopTimeout < -1)
    throw new InvalidArgument(`invalid stop timeout: ${stopTimeout}`);
  const shmSize = o.shmSize ?? DEFAULT_SHM_SIZE;
  if (!Number.isSafeInteger(shmSize) || shmSize < 0) throw new InvalidArgument('SHM size can not be less than 0');
  if (networkMode.startsWith('container:') && networkMode.length <= 'container:'.length)
    throw new InvalidArgument(`invalid network mode: ${networkMode}`);
  return {
    args,
    entrypoint,
    cmd,
    env,
    workingDir,
    user: o.user ?? img.User ?? '',
    groupAdd: o.groupAdd ?? [],
    hostname,
    domainname: o.domainname ?? '',
    tty: !!o.tty,
    openStdin: !!o.openStdin,
    stdinOnce: !!o.stdinOnce,
    labels: { ...(img.Labels ?? {}), ...(o.labels ?? {}) },
    stopSignal,
    stopTimeout,
    readonlyRootfs: !!o.readonlyRootfs,
    mounts,
    caps: capabilityMask(o.capAdd, o.capDrop, host.dropMknod),
    noNewPrivileges: sec.noNewPrivileges,
    rlimits: rlimits(o, host),
    resources: o.resources ?? {},
    shmSize: shmSize || DEFAULT_SHM_SIZE,
    networkMode,
    securityOpt: o.securityOpt ?? [],
    autoRemove: !!o.autoRemove,
    restartPolicy: validateRestartPolicy(o.restartPolicy, !!o.autoRemove),
  };
}
