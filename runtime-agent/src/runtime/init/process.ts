/**
 * The last steps before execve, shared by the container init and exec-init: user lookup, PATH
 * lookup, then undoing Node's process state (close-on-exec stdio, ignored SIGPIPE/SIGXFSZ, raised
 * RLIMIT_NOFILE), dropping capabilities, no_new_privs, the uid/gid switch, and execve.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { ProcessConfig } from './config';
import type { InitLibc } from './libc';
import { resolveUser, type ExecUser } from './user';

export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export class InitFailure extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
    readonly kind: 'InvalidArgument' | 'NotFound' | 'Internal' = 'InvalidArgument',
  ) {
    super(message);
  }
}

function readOptional(p: string): string | undefined {
  try {
    return fs.readFileSync(p, 'utf8');
  } catch {
    return undefined;
  }
}

/** Resolve the user inside the container (its root is "/" by now). */
export function lookupUser(p: ProcessConfig): ExecUser {
  try {
    return resolveUser(p.user, readOptional('/etc/passwd'), readOptional('/etc/group'), p.groupAdd);
  } catch (err) {
    throw new InitFailure((err as Error).message, 126);
  }
}

function envValue(env: string[], name: string): string | undefined {
  for (let i = env.length - 1; i >= 0; i--) {
    const e = env[i]!;
    if (e.startsWith(name + '=')) return e.slice(name.length + 1);
  }
  return undefined;
}

/** The environment as Docker gives it: PATH, HOSTNAME, HOME (and TERM for a TTY) when not set. */
export function finalEnv(p: ProcessConfig, user: ExecUser, hostname: string | undefined): string[] {
  const env = [...p.env];
  const add = (k: string, v: string): void => {
    if (envValue(env, k) === undefined) env.push(`${k}=${v}`);
  };
  add('PATH', DEFAULT_PATH);
  if (hostname !== undefined) add('HOSTNAME', hostname);
  if (p.tty) add('TERM', 'xterm');
  add('HOME', user.home || '/');
  return env;
}

function isExecutableFile(p: string): boolean {
  try {
    const st = fs.statSync(p);
    return st.isFile() && (st.mode & 0o111) !== 0;
  } catch {
    return false;
  }
}

/** execve does not search PATH: resolve args[0] against the container's PATH. */
export function lookPath(arg0: string, env: string[], cwd: string): string {
  if (arg0 === '') throw new InitFailure('no command specified', 127);
  if (arg0.includes('/')) {
    const full = path.posix.resolve(cwd, arg0);
    if (!fs.existsSync(full)) throw new InitFailure(`exec: "${arg0}": stat ${arg0}: no such file or directory`, 127);
    return full;
  }
  const search = envValue(env, 'PATH') ?? DEFAULT_PATH;
  for (const dir of search.split(':')) {
    const cand = path.posix.join(dir === '' ? '.' : dir, arg0);
    if (isExecutableFile(path.posix.resolve(cwd, cand))) return path.posix.resolve(cwd, cand);
  }
  throw new InitFailure(`exec: "${arg0}": executable file not found in $PATH`, 127);
}

const PR_CAPBSET_DROP = 24;
const PR_SET_NO_NEW_PRIVS = 38;
const PR_CAP_AMBIENT = 47;
const PR_CAP_AMBIENT_CLEAR_ALL = 4;

function lastCap(): number {
  const t = readOptional('/proc/sys/kernel/cap_last_cap');
  const n = t ? Number.parseInt(t, 10) : NaN;
  return Number.isFinite(n) ? n : 40;
}

/**
 * Everything between "go" and execve. Never returns: on failure it throws an InitFailure and the
 * caller reports it; on success the process image is replaced.
 */
export function finalizeAndExec(
  libc: InitLibc,
  p: ProcessConfig,
  user: ExecUser,
  exe: string,
  env: string[],
  cwd: string,
  capLast = lastCap(),
): never {
  const caps = BigInt('0x' + (p.caps || '0'));
  libc.umask(0o022);
  for (const r of p.rlimits) libc.setrlimit(r.resource, BigInt(r.soft), BigInt(r.hard));
  // Node ignores SIGPIPE and SIGXFSZ; ignored dispositions survive execve.
  for (let sig = 1; sig <= 31; sig++) if (sig !== 9 && sig !== 19) libc.signalDefault(sig);
  libc.unblockAllSignals();
  for (let c = 0; c <= capLast; c++) if (!(caps & (1n << BigInt(c)))) libc.prctl(PR_CAPBSET_DROP, c);
  try {
    libc.prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL);
  } catch {
    /* kernels without ambient capabilities */
  }
  if (p.noNewPrivs) libc.prctl(PR_SET_NO_NEW_PRIVS, 1);
  if (readOptional('/proc/self/setgroups')?.trim() !== 'deny') libc.setgroups(user.groups);
  libc.setresgid(user.gid);
  libc.setresuid(user.uid);
  // Root keeps exactly the configured set; for other users setresuid has cleared it already.
  if (user.uid === 0) libc.capset(caps, caps, 0n);
  try {
    libc.chdir(cwd);
  } catch (err) {
    throw new InitFailure(`chdir to cwd ("${cwd}") set in config.json failed: ${(err as Error).message}`, 126);
  }
  // Node marks 0-2 close-on-exec at start-up; everything else must not leak into the container.
  for (const fd of [0, 1, 2]) libc.setFdCloexec(fd, false);
  libc.closeRangeCloexec(3);
  libc.execve(exe, p.args, env);
  const errno = libc.koffi.errno();
  throw new InitFailure(
    `exec: "${p.args[0]}": ${errno === 13 ? 'permission denied' : `execve failed (errno ${errno})`}`,
    errno === 13 ? 126 : 127,
  );
}
