/**
 * The per-container root file system directory: upper/ and work/ for overlayfs, merged/ (the mount
 * point, used only inside the container's mount namespace) and l/N, short relative symlinks to the
 * lower dirs so the mount options stay under one page (4096 bytes) for up to 500 layers.
 */
import fs from 'node:fs';
import path from 'node:path';
import { InvalidArgument } from '../errdefs';
import type { RootfsSource } from './spec/types';

export const MAX_LAYERS = 500;
const PAGE = 4096;

export interface PreparedRootfs {
  /** Directory the overlay option paths are relative to. */
  rootDir: string;
  merged: string;
  init: { kind: 'overlay'; lowers: string[]; options: string } | { kind: 'bind'; dir: string };
}

export function validateRootfs(src: RootfsSource): void {
  if ('lowerDirs' in src) {
    if (!Array.isArray(src.lowerDirs) || src.lowerDirs.length === 0)
      throw new InvalidArgument('root file system: lowerDirs is empty');
    if (src.lowerDirs.length > MAX_LAYERS)
      throw new InvalidArgument(`root file system: ${src.lowerDirs.length} layers, the kernel allows ${MAX_LAYERS}`);
    for (const d of src.lowerDirs) mustBeDir(d);
  } else if ('dir' in src) {
    mustBeDir(src.dir);
  } else {
    throw new InvalidArgument('root file system: need lowerDirs or dir');
  }
}

function mustBeDir(d: string): void {
  if (typeof d !== 'string' || !path.isAbsolute(d))
    throw new InvalidArgument(`root file system: not an absolute path: ${d}`);
  let st: fs.Stats;
  try {
    st = fs.statSync(d);
  } catch {
    throw new InvalidArgument(`root file system: ${d} does not exist`);
  }
  if (!st.isDirectory()) throw new InvalidArgument(`root file system: ${d} is not a directory`);
}

export function prepareRootfs(containerDir: string, src: RootfsSource): PreparedRootfs {
  const rootDir = path.join(containerDir, 'rootfs');
  const merged = path.join(rootDir, 'merged');
  fs.mkdirSync(merged, { recursive: true, mode: 0o700 });
  if (!('lowerDirs' in src)) return { rootDir, merged, init: { kind: 'bind', dir: src.dir } };
  fs.mkdirSync(path.join(rootDir, 'upper'), { recursive: true, mode: 0o755 });
  fs.mkdirSync(path.join(rootDir, 'work'), { recursive: true, mode: 0o700 });
  const l = path.join(rootDir, 'l');
  fs.rmSync(l, { recursive: true, force: true });
  fs.mkdirSync(l, { mode: 0o700 });
  const lowers = src.lowerDirs.map((d, i) => {
    const name = i.toString(36);
    fs.symlinkSync(d, path.join(l, name));
    return `l/${name}`;
  });
  // index=off: the same lower dirs are mounted by many containers (as Docker's overlay2 does).
  const options = `lowerdir=${lowers.join(':')},upperdir=upper,workdir=work,index=off`;
  if (options.length >= PAGE) throw new InvalidArgument(`overlay mount options too long (${options.length} bytes)`);
  return { rootDir, merged, init: { kind: 'overlay', lowers, options } };
}
