/**
 * File-system calls Node lacks: mknod (overlayfs whiteouts are 0/0 character devices, FIFOs) and
 * the l*xattr family (opaque directories, file capabilities). Never follows a final symlink.
 * Errors are thrown like Node's own (err.code = 'EPERM', 'ENOTSUP' …). Usable from worker threads.
 */
import { agentLibc, errno } from './libc';

type MknodFn = (path: string, mode: number, dev: bigint) => number;
type SetFn = (path: string, name: string, value: Buffer, size: number, flags: number) => number;
type GetFn = (path: string, name: string, value: Buffer | null, size: number) => number;
type ListFn = (path: string, list: Buffer | null, size: number) => number;

interface Fns {
  mknod: MknodFn;
  lsetxattr: SetFn;
  lgetxattr: GetFn;
  llistxattr: ListFn;
  strerror: (e: number) => string;
}

let fns: Fns | undefined;

function bind(): Fns {
  if (fns) return fns;
  const { lib } = agentLibc();
  fns = {
    mknod: lib.func('int mknod(const char *path, uint32_t mode, uint64_t dev)') as MknodFn,
    lsetxattr: lib.func(
      'int lsetxattr(const char *path, const char *name, const void *value, size_t size, int flags)',
    ) as SetFn,
    lgetxattr: lib.func('long lgetxattr(const char *path, const char *name, _Out_ void *value, size_t size)') as GetFn,
    llistxattr: lib.func('long llistxattr(const char *path, _Out_ void *list, size_t size)') as ListFn,
    strerror: lib.func('const char *strerror(int errnum)') as (e: number) => string,
  };
  return fns;
}

const ERRNO_NAMES: Record<number, string> = {
  1: 'EPERM',
  2: 'ENOENT',
  13: 'EACCES',
  17: 'EEXIST',
  20: 'ENOTDIR',
  22: 'EINVAL',
  28: 'ENOSPC',
  34: 'ERANGE',
  61: 'ENODATA',
  95: 'ENOTSUP',
  122: 'EDQUOT',
};

function fail(call: string, path: string): never {
  const e = errno();
  const err = new Error(`${call} ${path}: ${bind().strerror(e)}`) as NodeJS.ErrnoException;
  err.errno = e;
  err.code = ERRNO_NAMES[e] ?? `E${e}`;
  err.syscall = call;
  err.path = path;
  throw err;
}

export const S_IFCHR = 0o020000;
export const S_IFBLK = 0o060000;
export const S_IFIFO = 0o010000;

/** glibc's makedev. */
export function makedev(major: number, minor: number): bigint {
  const ma = BigInt(major);
  const mi = BigInt(minor);
  return ((ma & 0xfffff000n) << 32n) | ((ma & 0xfffn) << 8n) | ((mi & 0xffffff00n) << 12n) | (mi & 0xffn);
}

export function mknod(path: string, type: 'char' | 'block' | 'fifo', perm: number, major = 0, minor = 0): void {
  const fmt = type === 'char' ? S_IFCHR : type === 'block' ? S_IFBLK : S_IFIFO;
  if (bind().mknod(path, fmt | (perm & 0o7777), makedev(major, minor)) !== 0) fail('mknod', path);
}

export function lsetxattr(path: string, name: string, value: Buffer): void {
  if (bind().lsetxattr(path, name, value, value.length, 0) !== 0) fail('lsetxattr', path);
}

/** The value, or undefined when the attribute is absent or xattrs are unsupported. */
export function lgetxattr(path: string, name: string): Buffer | undefined {
  const f = bind();
  for (;;) {
    const size = f.lgetxattr(path, name, null, 0);
    if (size < 0) {
      const e = errno();
      if (e === 61 || e === 95) return undefined;
      fail('lgetxattr', path);
    }
    const buf = Buffer.alloc(size);
    const n = size === 0 ? 0 : f.lgetxattr(path, name, buf, size);
    if (n < 0) {
      if (errno() === 34) continue; // grew in between: ERANGE, try again
      fail('lgetxattr', path);
    }
    return buf.subarray(0, n);
  }
}

export function llistxattr(path: string): string[] {
  const f = bind();
  for (;;) {
    const size = f.llistxattr(path, null, 0);
    if (size < 0) {
      if (errno() === 95) return [];
      fail('llistxattr', path);
    }
    if (size === 0) return [];
    const buf = Buffer.alloc(size);
    const n = f.llistxattr(path, buf, size);
    if (n < 0) {
      if (errno() === 34) continue;
      fail('llistxattr', path);
    }
    return buf
      .subarray(0, n)
      .toString('utf8')
      .split('\0')
      .filter((s) => s !== '');
  }
}
