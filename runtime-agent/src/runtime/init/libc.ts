/**
 * The libc calls of the container init (and exec-init), bound through koffi's native module
 * (loaded by path: koffi's JS loader costs ~10 ms of start-up). Every call throws a SysError that
 * carries errno, so the init can report precise failures to the agent.
 */
import { createRequire } from 'node:module';
import type * as KoffiModule from 'koffi';

type Koffi = typeof KoffiModule;

export class SysError extends Error {
  constructor(
    readonly call: string,
    readonly errno: number,
    detail?: string,
  ) {
    super(`${call}${detail ? ` ${detail}` : ''}: ${errnoName(errno)}`);
  }
}

const ERRNO_NAMES: Record<number, string> = {
  1: 'EPERM (operation not permitted)',
  2: 'ENOENT (no such file or directory)',
  9: 'EBADF',
  13: 'EACCES (permission denied)',
  16: 'EBUSY',
  17: 'EEXIST',
  18: 'EXDEV (path escapes the root)',
  20: 'ENOTDIR (not a directory)',
  21: 'EISDIR',
  22: 'EINVAL (invalid argument)',
  40: 'ELOOP (too many symbolic links)',
  95: 'EOPNOTSUPP',
};

export function errnoName(e: number): string {
  return ERRNO_NAMES[e] ?? `errno ${e}`;
}

/** Syscall numbers that glibc has no wrapper for (or only a recent one). */
const SYS: Record<string, Record<string, number>> = {
  x64: { pivot_root: 155, openat2: 437, close_range: 436, pidfd_open: 434, pidfd_getfd: 438 },
  arm64: { pivot_root: 41, openat2: 437, close_range: 436, pidfd_open: 434, pidfd_getfd: 438 },
  riscv64: { pivot_root: 41, openat2: 437, close_range: 436, pidfd_open: 434, pidfd_getfd: 438 },
};

export function sysno(name: string): number {
  const n = SYS[process.arch]?.[name];
  if (n === undefined) throw new Error(`${name}: unsupported architecture ${process.arch}`);
  return n;
}

type Fn = (...args: unknown[]) => number;

export interface InitLibc {
  koffi: Koffi;
  mount(src: string | null, target: string, fstype: string | null, flags: number, data: string | null): void;
  umount2(target: string, flags: number): void;
  pivotRoot(newRoot: string, putOld: string): void;
  chdir(p: string): void;
  fchdir(fd: number): void;
  sethostname(name: string): void;
  mknod(p: string, mode: number, dev: number): void;
  prctl(option: number, arg2: number): number;
  capset(effective: bigint, permitted: bigint, inheritable: bigint): void;
  setgroups(gids: number[]): void;
  setresgid(g: number): void;
  setresuid(u: number): void;
  setrlimit(resource: number, soft: bigint, hard: bigint): void;
  signalDefault(sig: number): void;
  unblockAllSignals(): void;
  setFdCloexec(fd: number, on: boolean): void;
  closeRangeCloexec(from: number): void;
  ioctlInt(fd: number, req: number, value: number): void;
  ioctlWinsize(fd: number, rows: number, cols: number): void;
  setsid(): void;
  dup2(from: number, to: number): void;
  open(p: string, flags: number, mode?: number): number;
  openat2(dirfd: number, p: string, flags: number, resolve: number, mode?: number): number;
  close(fd: number): void;
  setns(fd: number, nstype: number): void;
  unshare(flags: number): void;
  umask(mask: number): number;
  execve(path: string, argv: string[], envp: string[]): never | number;
  ifUp(name: string): void;
}

let cached: InitLibc | undefined;

export function loadKoffiNative(): Koffi {
  const req = createRequire(import.meta.url);
  const explicit = process.env.BERTH_KOFFI_PATH;
  if (explicit) return req(explicit) as Koffi;
  throw new Error('BERTH_KOFFI_PATH is not set');
}

export function initLibc(koffi: Koffi, libcName = 'libc.so.6'): InitLibc {
  if (cached) return cached;
  const lib = koffi.load(libcName);
  const f = (decl: string): Fn => lib.func(decl) as Fn;
  const check = (call: string, r: number | bigint, detail?: string): number => {
    const n = Number(r);
    if (n < 0) throw new SysError(call, koffi.errno(), detail);
    return n;
  };
  const mount = f('int mount(const char *, const char *, const char *, unsigned long, const char *)');
  const umount2 = f('int umount2(const char *, int)');
  const syscall = f('long syscall(long, ...)');
  const chdir = f('int chdir(const char *)');
  const fchdir = f('int fchdir(int)');
  const sethostname = f('int sethostname(const char *, size_t)');
  const mknod = f('int mknod(const char *, unsigned int, unsigned long)');
  const prctl = f('int prctl(int, unsigned long, unsigned long, unsigned long, unsigned long)');
  koffi.struct('berth_cap_header', { version: 'uint32', pid: 'int' });
  const capData = koffi.struct('berth_cap_data', { effective: 'uint32', permitted: 'uint32', inheritable: 'uint32' });
  const capset = f('int capset(berth_cap_header *, berth_cap_data *)');
  const setgroups = f('int setgroups(size_t, const uint32_t *)');
  const setresgid = f('int setresgid(uint32_t, uint32_t, uint32_t)');
  const setresuid = f('int setresuid(uint32_t, uint32_t, uint32_t)');
  koffi.struct('berth_rlimit', { cur: 'uint64', max: 'uint64' });
  const setrlimit = f('int setrlimit(int, berth_rlimit *)');
  const signal = f('void *signal(int, void *)');
  const sigprocmask = f('int sigprocmask(int, const uint8_t *, uint8_t *)');
  const fcntl = f('int fcntl(int, int, ...)');
  const ioctl = f('int ioctl(int, unsigned long, ...)');
  koffi.struct('berth_winsize', { row: 'uint16', col: 'uint16', xpixel: 'uint16', ypixel: 'uint16' });
  const ioctlWs = f('int ioctl(int, unsigned long, berth_winsize *)');
  const setsid = f('int setsid()');
  const dup2 = f('int dup2(int, int)');
  const open = f('int open(const char *, int, ...)');
  const close = f('int close(int)');
  const setns = f('int setns(int, int)');
  const unshare = f('int unshare(int)');
  const umask = f('unsigned int umask(unsigned int)');
  const execve = f('int execve(const char *, const char **, const char **)');
  const openHow = koffi.struct('berth_open_how', { flags: 'uint64', mode: 'uint64', resolve: 'uint64' });
  const socket = f('int socket(int, int, int)');
  koffi.struct('berth_ifreq', {
    name: koffi.array('char', 16, 'String'),
    flags: 'int16',
    pad: koffi.array('uint8', 22),
  });
  const ioctlIfr = f('int ioctl(int, unsigned long, _Inout_ berth_ifreq *)');

  cached = {
    koffi,
    mount: (src, target, fstype, flags, data) => void check('mount', mount(src, target, fstype, flags, data), target),
    umount2: (target, flags) => void check('umount2', umount2(target, flags), target),
    pivotRoot: (n, o) => void check('pivot_root', syscall(sysno('pivot_root'), 'const char *', n, 'const char *', o)),
    chdir: (p) => void check('chdir', chdir(p), p),
    fchdir: (fd) => void check('fchdir', fchdir(fd)),
    sethostname: (name) => void check('sethostname', sethostname(name, Buffer.byteLength(name))),
    mknod: (p, mode, dev) => void check('mknod', mknod(p, mode, dev), p),
    prctl: (option, arg2) => check('prctl', prctl(option, arg2, 0, 0, 0), String(option)),
    capset(e, p, i) {
      const lo = (v: bigint): number => Number(v & 0xffffffffn);
      const hi = (v: bigint): number => Number((v >> 32n) & 0xffffffffn);
      // _LINUX_CAPABILITY_VERSION_3: two 32-bit words.
      const data = [
        { effective: lo(e), permitted: lo(p), inheritable: lo(i) },
        { effective: hi(e), permitted: hi(p), inheritable: hi(i) },
      ];
      const buf = Buffer.alloc(koffi.sizeof(capData) * 2);
      koffi.encode(buf, 0, capData, data[0]);
      koffi.encode(buf, koffi.sizeof(capData), capData, data[1]);
      check('capset', capset({ version: 0x20080522, pid: 0 }, buf));
    },
    setgroups(gids) {
      const arr = Uint32Array.from(gids);
      check('setgroups', setgroups(arr.length, arr));
    },
    setresgid: (g) => void check('setresgid', setresgid(g, g, g)),
    setresuid: (u) => void check('setresuid', setresuid(u, u, u)),
    setrlimit: (res, soft, hard) => void check('setrlimit', setrlimit(res, { cur: soft, max: hard }), String(res)),
    signalDefault: (sig) => void signal(sig, null),
    unblockAllSignals() {
      const empty = new Uint8Array(128);
      check('sigprocmask', sigprocmask(2 /* SIG_SETMASK */, empty, null));
    },
    setFdCloexec: (fd, on) => void check('fcntl', fcntl(fd, 2 /* F_SETFD */, 'int', on ? 1 : 0), `F_SETFD ${fd}`),
    closeRangeCloexec: (from) =>
      void check(
        'close_range',
        syscall(sysno('close_range'), 'unsigned int', from, 'unsigned int', 0xffffffff, 'unsigned int', 4),
      ),
    ioctlInt: (fd, req, value) => void check('ioctl', ioctl(fd, req, 'int', value), `0x${req.toString(16)}`),
    ioctlWinsize: (fd, rows, cols) =>
      void check('ioctl', ioctlWs(fd, 0x5414, { row: rows, col: cols, xpixel: 0, ypixel: 0 }), 'TIOCSWINSZ'),
    setsid: () => void check('setsid', setsid()),
    dup2: (a, b) => void check('dup2', dup2(a, b)),
    open: (p, flags, mode = 0) => check('open', open(p, flags, 'unsigned int', mode), p),
    openat2: (dirfd, p, flags, resolve, mode = 0) =>
      check(
        'openat2',
        syscall(
          sysno('openat2'),
          'int',
          dirfd,
          'const char *',
          p,
          'berth_open_how *',
          { flags: BigInt(flags), mode: BigInt(mode), resolve: BigInt(resolve) },
          'size_t',
          koffi.sizeof(openHow),
        ),
        p,
      ),
    close: (fd) => void close(fd),
    setns: (fd, type) => void check('setns', setns(fd, type)),
    unshare: (flags) => void check('unshare', unshare(flags)),
    umask: (m) => umask(m),
    execve: (p, argv, envp) => execve(p, [...argv, null], [...envp, null]) as never,
    ifUp(name) {
      const s = check('socket', socket(2 /* AF_INET */, 2 | 0x80000 /* SOCK_DGRAM|CLOEXEC */, 0));
      try {
        const req = { name, flags: 0, pad: new Array(22).fill(0) };
        check('ioctl', ioctlIfr(s, 0x8913 /* SIOCGIFFLAGS */, req), 'SIOCGIFFLAGS');
        req.flags |= 1; /* IFF_UP */
        check('ioctl', ioctlIfr(s, 0x8914 /* SIOCSIFFLAGS */, req), 'SIOCSIFFLAGS');
      } finally {
        close(s);
      }
    },
  };
  return cached;
}

export const MS = {
  RDONLY: 1,
  NOSUID: 2,
  NODEV: 4,
  NOEXEC: 8,
  REMOUNT: 32,
  NOATIME: 1024,
  BIND: 4096,
  MOVE: 8192,
  REC: 16384,
  PRIVATE: 1 << 18,
  SLAVE: 1 << 19,
  STRICTATIME: 1 << 24,
  RELATIME: 1 << 21,
} as const;

export const O = {
  RDONLY: 0,
  WRONLY: 1,
  RDWR: 2,
  CREAT: 0o100,
  NOCTTY: 0o400,
  DIRECTORY: 0o200000,
  NOFOLLOW: 0o400000,
  CLOEXEC: 0o2000000,
  PATH: 0o10000000,
} as const;

export const RESOLVE = { NO_XDEV: 1, NO_MAGICLINKS: 2, NO_SYMLINKS: 4, BENEATH: 8, IN_ROOT: 0x10 } as const;

export const CLONE = { NEWNS: 0x20000, NEWCGROUP: 0x02000000, NEWNET: 0x40000000, FS: 0x200 } as const;
