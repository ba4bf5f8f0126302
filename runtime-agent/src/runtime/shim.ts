/**
 * The process chain of a container, all spawned detached with an empty environment:
 *
 *   sh (joins the cgroups: before the cgroup namespace exists, so its root is the container's)
 *    └─exec unshare --pid --mount --uts --ipc [--net] --cgroup --propagation private
 *       └─exec sh SHIM          (in the new namespaces except PID; its first child is PID 1)
 *           └─ node init.cjs   (PID 1: mounts, pivot_root, then execve of the user's command)
 *
 * The shim is the only process per container besides the container's own: a POSIX sh running
 * builtins only (after pivot_root its root is the container's, so it must never exec anything).
 * It waits for PID 1 and writes its exact wait status (exit code, or 128+signal) to the exit
 * file; holds the pty master (fd 8) and the stdin pipe's write end (fd 6) so both survive an
 * agent restart (the agent takes copies back with pidfd_getfd); and ignores the signals a
 * terminal or a session could send it.
 *
 * fds of the chain: 0 stdin (pipe read end or /dev/null), 1/2 the raw stdout/stderr files,
 * 3 the init's channel (socketpair), 4 the shim's channel (TTY only), 5 the exit file,
 * 6 the stdin holder (OpenStdin only).
 */
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { assetDir, isMusl } from '../paths';
import { koffiNativePath } from '../sys/koffi';
import { Unavailable } from '../errdefs';

export const SHIM_MASTER_FD = 8;
export const SHIM_STDIN_FD = 6;

const OUTER = 'while [ "$1" != -- ]; do echo $$ > "$1" || exit 125; shift; done; shift; exec "$@"';

const SHIM = [
  "trap '' HUP INT QUIT TERM PIPE TTIN TTOU TSTP",
  "trap 'exec 6>&-; intr=1' USR1",
  'tty=$1; shift',
  'exec 9<&0',
  '"$@" 0<&9 4>&- 5>&- 6>&- 9<&- &',
  'pid=$!',
  'exec 0<&- 1>&- 2>&- 3>&- 9<&-',
  // A pre-started (pool) chain learns its mode when it is claimed: "<tty 0|1> <keep stdin 0|1>".
  'if [ "$tty" = ask ]; then read -r tty keep <&4; [ "$keep" = 1 ] || exec 6>&-; fi',
  // TTY: the init has mounted devpts and pivoted (so has this shell): open the container's ptmx.
  'if [ "$tty" = 1 ] && read -r _ <&4; then exec 8<>/dev/ptmx; echo T >&4; fi',
  'exec 4>&-',
  'while :; do intr=; wait "$pid"; rc=$?; if [ -n "$intr" ] && kill -0 "$pid"; then continue; fi; break; done',
  'echo "$rc" >&5',
].join('\n');

let binCache: Record<string, string> = {};

export function findBinary(name: string): string {
  const hit = binCache[name];
  if (hit) return hit;
  const dirs = (process.env.PATH ?? '').split(':').concat(['/usr/sbin', '/usr/bin', '/sbin', '/bin']);
  for (const d of dirs) {
    if (!d) continue;
    const p = path.join(d, name);
    try {
      fs.accessSync(p, fs.constants.X_OK);
      return (binCache[name] = p);
    } catch {
      /* next */
    }
  }
  throw new Unavailable(`${name} (util-linux) is not installed: berthd needs it to create namespaces`);
}

export function resetBinaryCache(): void {
  binCache = {};
}

let assets: { node: string; init: string; execInit: string; koffi: string; libc: string } | undefined;

export function initAssets(): { node: string; init: string; execInit: string; koffi: string; libc: string } {
  if (assets) return assets;
  const dir = assetDir();
  const init = path.join(dir, 'init.cjs');
  if (!fs.existsSync(init)) throw new Unavailable(`container init not found at ${init}: run npm run build`);
  assets = {
    node: process.execPath,
    init,
    execInit: path.join(dir, 'exec-init.cjs'),
    koffi: koffiNativePath(),
    libc: isMusl() ? 'libc.so' : 'libc.so.6',
  };
  return assets;
}

export interface ShimSpawn {
  /** cgroup.procs files the chain joins before the cgroup namespace ([] for a pool member). */
  procsFiles: string[];
  newNet: boolean;
  /** "ask": a pool member, told on fd 4 when claimed. */
  tty: boolean | 'ask';
  stdin: number | 'ignore';
  stdout: number;
  stderr: number;
  exitFd: number;
  stdinHolder: number | undefined;
}

export function spawnShim(o: ShimSpawn): ChildProcess {
  const a = initAssets();
  const ns = [
    '--pid',
    '--mount',
    '--uts',
    '--ipc',
    ...(o.newNet ? ['--net'] : []),
    '--cgroup',
    '--propagation',
    'private',
  ];
  const args = [
    '-c',
    OUTER,
    'berth-shim',
    ...o.procsFiles,
    '--',
    findBinary('unshare'),
    ...ns,
    '--',
    '/bin/sh',
    '-c',
    SHIM,
    'berth-shim',
    o.tty === 'ask' ? 'ask' : o.tty ? '1' : '0',
    a.node,
    '--v8-pool-size=0',
    a.init,
    a.koffi,
    a.libc,
  ];
  const stdio: StdioOptions = [
    o.stdin,
    o.stdout,
    o.stderr,
    'pipe',
    o.tty ? 'pipe' : 'ignore',
    o.exitFd,
    o.stdinHolder ?? 'ignore',
  ];
  return spawn('/bin/sh', args, { detached: true, cwd: '/', env: {}, stdio });
}

/** exec: sh joins the cgroups, nsenter enters the namespaces (and forks into the PID one). */
export function spawnExec(o: {
  procsFiles: string[];
  pid: number;
  hostNet: boolean;
  stdio: StdioOptions;
}): ChildProcess {
  const a = initAssets();
  const ns = ['--pid', '--uts', '--ipc', ...(o.hostNet ? [] : ['--net']), '--cgroup'];
  const args = [
    '-c',
    OUTER,
    'berth-exec',
    ...o.procsFiles,
    '--',
    findBinary('nsenter'),
    '--target',
    String(o.pid),
    ...ns,
    '--',
    a.node,
    '--v8-pool-size=0',
    a.execInit,
    a.koffi,
    a.libc,
  ];
  return spawn('/bin/sh', args, { detached: true, cwd: '/', env: {}, stdio: o.stdio });
}
