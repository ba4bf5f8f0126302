/**
 * The container's file system, built inside its own mount namespace (so it all disappears with
 * the namespace): root (overlay or bind), /proc, /dev, /dev/pts, /dev/shm, /dev/mqueue, /sys,
 * /sys/fs/cgroup, user mounts, masked and read-only paths, then pivot_root.
 */
import fs from 'node:fs';
import type { InitConfig, InitMount } from './config';
import { fdPath, RootFs } from './inroot';
import { MS, O, type InitLibc } from './libc';

const DEVICES: [string, number, number][] = [
  ['null', 1, 3],
  ['zero', 1, 5],
  ['full', 1, 7],
  ['random', 1, 8],
  ['urandom', 1, 9],
  ['tty', 5, 0],
];

const S_IFCHR = 0o020000;

function makedev(major: number, minor: number): number {
  return ((major & 0xfff) << 8) | (minor & 0xff) | ((minor & ~0xff) << 12);
}

export function setupRootfs(cfg: InitConfig, libc: InitLibc): void {
  libc.mount(null, '/', null, MS.REC | MS.PRIVATE, null);
  if (cfg.rootfs.kind === 'overlay') {
    // Relative lower dirs (l/N links) keep the option string under one page for up to 500 layers.
    libc.chdir(cfg.rootDir);
    libc.mount('overlay', cfg.merged, 'overlay', 0, cfg.rootfs.options);
  } else {
    libc.mount(cfg.rootfs.dir, cfg.merged, null, MS.BIND | MS.REC, null);
    libc.mount(null, cfg.merged, null, MS.REC | MS.PRIVATE, null);
  }
  const R = cfg.merged;
  const rootFd = libc.open(R, O.PATH | O.DIRECTORY | O.CLOEXEC);
  const root = new RootFs(libc, rootFd);
  const at = (target: string, kind: 'file' | 'dir', fn: (p: string) => void): void => {
    const fd = root.ensure(target, kind);
    try {
      fn(fdPath(fd));
    } finally {
      libc.close(fd);
    }
  };
  const nsx = MS.NOSUID | MS.NODEV | MS.NOEXEC;

  at('/proc', 'dir', (p) => libc.mount('proc', p, 'proc', nsx, null));
  at('/dev', 'dir', (p) => libc.mount('tmpfs', p, 'tmpfs', MS.NOSUID | MS.STRICTATIME, 'mode=755,size=65536k'));
  // /dev is a fresh tmpfs now: plain paths below it cannot be redirected.
  const dev = `${R}/dev`;
  const old = libc.umask(0);
  try {
    for (const [name, major, minor] of DEVICES) libc.mknod(`${dev}/${name}`, S_IFCHR | 0o666, makedev(major, minor));
    if (cfg.process.tty) fs.writeFileSync(`${dev}/console`, '', { mode: 0o600 });
  } finally {
    libc.umask(old);
  }
  for (const [name, target] of [
    ['fd', '/proc/self/fd'],
    ['stdin', '/proc/self/fd/0'],
    ['stdout', '/proc/self/fd/1'],
    ['stderr', '/proc/self/fd/2'],
    ['ptmx', 'pts/ptmx'],
    ['core', '/proc/kcore'],
  ] as const)
    fs.symlinkSync(target, `${dev}/${name}`);
  for (const d of ['pts', 'shm', 'mqueue']) fs.mkdirSync(`${dev}/${d}`, { mode: 0o755 });
  const gid = cfg.devptsGid === undefined ? '' : `,gid=${cfg.devptsGid}`;
  libc.mount('devpts', `${dev}/pts`, 'devpts', MS.NOSUID | MS.NOEXEC, `newinstance,ptmxmode=0666,mode=0620${gid}`);
  libc.mount('shm', `${dev}/shm`, 'tmpfs', nsx, `mode=1777,size=${Math.max(1, Math.floor(cfg.shmSize / 1024))}k`);
  libc.mount('mqueue', `${dev}/mqueue`, 'mqueue', nsx, null);
  at('/sys', 'dir', (p) => libc.mount('sysfs', p, 'sysfs', nsx | MS.RDONLY, null));
  mountCgroupfs(cfg, libc, root);

  const mounts = [...cfg.mounts].sort((a, b) => depth(a.target) - depth(b.target));
  for (const m of mounts) userMount(m, libc, root);

  for (const p of cfg.maskedPaths) {
    const fd = root.openPath(p);
    if (fd === undefined) continue;
    try {
      if (fs.statSync(fdPath(fd)).isDirectory()) libc.mount('tmpfs', fdPath(fd), 'tmpfs', MS.RDONLY, 'size=0k');
      else libc.mount(`${dev}/null`, fdPath(fd), null, MS.BIND, null);
    } finally {
      libc.close(fd);
    }
  }
  for (const p of cfg.readonlyPaths) {
    const fd = root.openPath(p);
    if (fd === undefined) continue;
    try {
      libc.mount(fdPath(fd), fdPath(fd), null, MS.BIND | MS.REC, null);
    } finally {
      libc.close(fd);
    }
    remountReadonly(p, libc, root, nsx);
  }
  libc.close(rootFd);
}

function depth(p: string): number {
  return p.split('/').filter(Boolean).length;
}

function remountReadonly(p: string, libc: InitLibc, root: RootFs, extra: number): void {
  // Reopen: the fd from before the bind points at the mount underneath.
  const fd = root.openPath(p);
  if (fd === undefined) return;
  try {
    libc.mount(null, fdPath(fd), null, MS.BIND | MS.REMOUNT | MS.RDONLY | extra, null);
  } finally {
    libc.close(fd);
  }
}

function userMount(m: InitMount, libc: InitLibc, root: RootFs): void {
  if (m.kind === 'tmpfs') {
    const fd = root.ensure(m.target, 'dir');
    try {
      libc.mount('tmpfs', fdPath(fd), 'tmpfs', m.flags ?? 0, m.data ?? null);
    } finally {
      libc.close(fd);
    }
    return;
  }
  const source = m.source!;
  const isDir = fs.statSync(source).isDirectory();
  const fd = root.ensure(m.target, isDir ? 'dir' : 'file');
  try {
    libc.mount(source, fdPath(fd), null, MS.BIND | MS.REC, null);
  } finally {
    libc.close(fd);
  }
  const top = root.openPath(m.target);
  if (top === undefined) return;
  try {
    libc.mount(null, fdPath(top), null, MS.REC | MS.PRIVATE, null);
  } finally {
    libc.close(top);
  }
  if (m.readonly) remountReadonly(m.target, libc, root, 0);
}

function mountCgroupfs(cfg: InitConfig, libc: InitLibc, root: RootFs): void {
  const flags = MS.NOSUID | MS.NODEV | MS.NOEXEC | MS.RDONLY;
  const fd = root.openPath('/sys/fs/cgroup', O.DIRECTORY);
  if (fd === undefined) return;
  const target = fdPath(fd);
  try {
    if (cfg.cgroupfs.version === 2) {
      libc.mount('cgroup', target, 'cgroup2', flags, null);
      return;
    }
    libc.mount('cgroup', target, 'tmpfs', MS.NOSUID | MS.NODEV | MS.NOEXEC, 'mode=755');
    const base = fs.realpathSync(target);
    for (const h of cfg.cgroupfs.hierarchies) {
      fs.mkdirSync(`${base}/${h.dir}`);
      libc.mount('cgroup', `${base}/${h.dir}`, 'cgroup', flags, h.options);
    }
    if (cfg.cgroupfs.unified) {
      fs.mkdirSync(`${base}/unified`);
      libc.mount('cgroup2', `${base}/unified`, 'cgroup2', flags, null);
    }
    libc.mount(null, base, null, MS.REMOUNT | MS.RDONLY | MS.NOSUID | MS.NODEV | MS.NOEXEC, 'mode=755');
  } finally {
    libc.close(fd);
  }
}

/** pivot_root into the merged root and detach the old root (the host's file system). */
export function pivotRoot(cfg: InitConfig, libc: InitLibc): void {
  libc.chdir(cfg.merged);
  libc.pivotRoot('.', '.');
  // The old root is stacked on top of the new one: make sure no unmount propagates, then drop it.
  libc.mount(null, '.', null, MS.SLAVE | MS.REC, null);
  libc.umount2('.', 2 /* MNT_DETACH */);
  libc.chdir('/');
  if (cfg.readonlyRoot) libc.mount(null, '/', null, MS.BIND | MS.REMOUNT | MS.RDONLY, null);
}
