/** Facts about host processes from /proc, and the agent-side pidfd and pty calls (koffi). */
import fs from 'node:fs';
import { agentLibc } from '../sys/libc';
import { Internal } from '../errdefs';

/** Field 22 (starttime, clock ticks since boot) of /proc/PID/stat, or 0 when the process is gone. */
export function processStartTime(pid: number): number {
  if (!(pid > 0)) return 0;
  let text: string;
  try {
    text = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return 0;
  }
  // comm may contain spaces and parentheses: fields start after the last ')'.
  const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // rest[0] is field 3 (state): field 22 is rest[19]; a zombie counts as gone.
  if (rest[0] === 'Z' || rest[0] === 'X') return 0;
  return Number(rest[19] ?? 0);
}

/** True when `pid` still is the process that had `start` as its start time. */
export function isSameProcess(pid: number, start: number): boolean {
  return pid > 0 && start > 0 && processStartTime(pid) === start;
}

type Fn = (...args: unknown[]) => number;
let fns:
  | {
      syscall: Fn;
      ioctl: Fn;
      ioctlInt: Fn;
      ioctlWs: Fn;
      fcntl: Fn;
      fallocate: Fn;
      open: Fn;
      pipe2: Fn;
      openHowSize: number;
    }
  | undefined;

function bind(): NonNullable<typeof fns> {
  if (fns) return fns;
  const { koffi, lib } = agentLibc();
  koffi.struct('berth_agent_winsize', { row: 'uint16', col: 'uint16', xpixel: 'uint16', ypixel: 'uint16' });
  const openHow = koffi.struct('berth_agent_open_how', { flags: 'uint64', mode: 'uint64', resolve: 'uint64' });
  fns = {
    syscall: lib.func('long syscall(long, ...)') as Fn,
    ioctl: lib.func('int ioctl(int, unsigned long, _Out_ int *)') as Fn,
    ioctlInt: lib.func('int ioctl(int, unsigned long, ...)') as Fn,
    ioctlWs: lib.func('int ioctl(int, unsigned long, berth_agent_winsize *)') as Fn,
    fcntl: lib.func('int fcntl(int, int, ...)') as Fn,
    fallocate: lib.func('int fallocate(int, int, int64_t, int64_t)') as Fn,
    open: lib.func('int open(const char *, int, ...)') as Fn,
    pipe2: lib.func('int pipe2(_Out_ int *fds, int flags)') as Fn,
    openHowSize: koffi.sizeof(openHow),
  };
  return fns;
}

const SYS_PIDFD_OPEN = 434;
const SYS_PIDFD_GETFD = 438;

function fail(call: string): never {
  const e = agentLibc().koffi.errno();
  throw new Internal(`${call} failed: errno ${e}`);
}

/** A copy of fd `targetFd` of process `pid` (pidfd_getfd; needs ptrace rights, i.e. root). */
export function stealFd(pid: number, targetFd: number): number {
  const f = bind();
  const pidfd = Number(f.syscall(SYS_PIDFD_OPEN, 'int', pid, 'unsigned int', 0));
  if (pidfd < 0) fail(`pidfd_open(${pid})`);
  try {
    const fd = Number(f.syscall(SYS_PIDFD_GETFD, 'int', pidfd, 'int', targetFd, 'unsigned int', 0));
    if (fd < 0) fail(`pidfd_getfd(${pid}, ${targetFd})`);
    return fd;
  } finally {
    fs.closeSync(pidfd);
  }
}

const TIOCGPTN = 0x80045430;
const TIOCSPTLCK = 0x40045431;
const TIOCSWINSZ = 0x5414;

/** Unlock a pty master and return its pts number. */
export function unlockPty(master: number): number {
  const f = bind();
  if (f.ioctlInt(master, TIOCSPTLCK, 'int *', [0]) < 0) fail('ioctl(TIOCSPTLCK)');
  const out = [0];
  if (f.ioctl(master, TIOCGPTN, out) < 0) fail('ioctl(TIOCGPTN)');
  return out[0]!;
}

export function resizePty(master: number, rows: number, cols: number): void {
  const f = bind();
  if (f.ioctlWs(master, TIOCSWINSZ, { row: rows, col: cols, xpixel: 0, ypixel: 0 }) < 0) fail('ioctl(TIOCSWINSZ)');
}

export function setNonBlocking(fd: number): void {
  const f = bind();
  const flags = f.fcntl(fd, 3 /* F_GETFL */);
  if (flags < 0) fail('fcntl(F_GETFL)');
  if (f.fcntl(fd, 4 /* F_SETFL */, 'int', flags | 0o4000) < 0) fail('fcntl(F_SETFL)');
}

/** Give back the disk blocks of [0, len) of a file the agent has consumed (the size stays). */
export function punchHole(fd: number, len: number): boolean {
  if (len <= 0) return true;
  const FALLOC_FL_KEEP_SIZE = 1;
  const FALLOC_FL_PUNCH_HOLE = 2;
  return bind().fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, len) === 0;
}

/** pipe2(O_CLOEXEC): [read end, write end]. */
export function makePipe(): [number, number] {
  const fds = [0, 0];
  if (bind().pipe2(fds, 0o2000000) < 0) fail('pipe2');
  return [fds[0]!, fds[1]!];
}

/**
 * Open `rel` inside a running container's root (/proc/PID/root) with openat2(RESOLVE_IN_ROOT), so
 * that symlinks made in the container cannot point the agent at a host file.
 */
export function openInContainer(pid: number, rel: string, flags: number): number {
  const f = bind();
  const dirfd = f.open(
    `/proc/${pid}/root`,
    0o10000000 | 0o200000 | 0o2000000 /* O_PATH|O_DIRECTORY|O_CLOEXEC */,
    'int',
    0,
  );
  if (dirfd < 0) fail(`open /proc/${pid}/root`);
  try {
    const fd = Number(
      f.syscall(
        437 /* openat2 */,
        'int',
        dirfd,
        'const char *',
        rel,
        'berth_agent_open_how *',
        { flags: BigInt(flags), mode: 0n, resolve: 0x10n | 0x02n /* IN_ROOT | NO_MAGICLINKS */ },
        'size_t',
        f.openHowSize,
      ),
    );
    if (fd < 0) fail(`openat2 ${rel} in container ${pid}`);
    return fd;
  } finally {
    fs.closeSync(dirfd);
  }
}
