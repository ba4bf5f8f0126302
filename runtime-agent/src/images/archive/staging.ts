/**
 * Staging an uploaded archive: the body is written to a file, extracted by the unpack worker (the
 * same hostile-entry checks as layers, whiteouts kept as plain files) into a private directory,
 * and its members are then opened only through `resolveInside`, which follows a relative symlink
 * (old docker-archives link shared layer.tar files) only while it stays inside the directory.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { InvalidArgument, ResourceExhausted } from '../../errdefs';
import type { Applier } from '../applier';
import { cleanEntryName } from '../tar-unpack';

export interface Staged {
  dir: string;
  remove(): Promise<void>;
}

export async function stageArchive(
  tmpRoot: string,
  body: NodeJS.ReadableStream,
  applier: Applier,
  onProgress?: (read: number, total: number) => void,
): Promise<Staged> {
  const dir = path.join(tmpRoot, `stage-${crypto.randomBytes(8).toString('hex')}`);
  await fs.promises.mkdir(dir, { recursive: true, mode: 0o700 });
  const remove = (): Promise<void> => fs.promises.rm(dir, { recursive: true, force: true });
  try {
    const upload = path.join(dir, 'upload');
    try {
      await pipeline(body, fs.createWriteStream(upload, { mode: 0o600 }));
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOSPC' || code === 'EDQUOT')
        throw new ResourceExhausted('no space left on device while receiving the archive');
      throw err;
    }
    if ((await fs.promises.stat(upload)).size === 0) throw new InvalidArgument('empty archive');
    await applier.apply(
      { file: upload, compression: 'auto', dest: path.join(dir, 'x'), options: { whiteouts: 'keep' } },
      onProgress,
    );
    await fs.promises.rm(upload, { force: true });
    return { dir: path.join(dir, 'x'), remove };
  } catch (err) {
    await remove();
    throw err;
  }
}

/**
 * The real path of an archive member, never leaving `root`: every component is lstat'ed and a
 * symlink is followed only when it is relative and stays inside (at most 16 hops).
 */
export async function resolveInside(root: string, member: string): Promise<string> {
  let parts = cleanEntryName(member).split('/').filter(Boolean);
  let cur = root;
  let hops = 0;
  while (parts.length > 0) {
    const next = path.join(cur, parts[0]!);
    let st: fs.Stats;
    try {
      st = await fs.promises.lstat(next);
    } catch {
      throw new InvalidArgument(`archive member "${member}" is missing`);
    }
    if (st.isSymbolicLink()) {
      if (++hops > 16) throw new InvalidArgument(`archive member "${member}": too many symlinks`);
      const target = await fs.promises.readlink(next);
      if (path.isAbsolute(target)) throw new InvalidArgument(`archive member "${member}" links outside the archive`);
      const joined = path.relative(root, path.resolve(cur, target));
      if (joined.startsWith('..') || path.isAbsolute(joined)) {
        throw new InvalidArgument(`archive member "${member}" links outside the archive`);
      }
      parts = [...joined.split(path.sep).filter(Boolean), ...parts.slice(1)];
      cur = root;
      continue;
    }
    if (parts.length > 1 && !st.isDirectory()) throw new InvalidArgument(`archive member "${member}" is missing`);
    if (parts.length === 1 && !st.isFile())
      throw new InvalidArgument(`archive member "${member}" is not a regular file`);
    cur = next;
    parts = parts.slice(1);
  }
  return cur;
}

export async function readMember(root: string, member: string, limit: number): Promise<Buffer> {
  const p = await resolveInside(root, member);
  const fh = await fs.promises.open(p, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
  try {
    const st = await fh.stat();
    if (st.size > limit) throw new InvalidArgument(`archive member "${member}" is larger than ${limit} bytes`);
    return await fh.readFile();
  } finally {
    await fh.close();
  }
}

export async function memberExists(root: string, member: string): Promise<boolean> {
  try {
    await resolveInside(root, member);
    return true;
  } catch {
    return false;
  }
}

/** A copy of a member in a fresh file (members linked from several places stay readable). */
export async function copyMember(root: string, member: string, dest: string): Promise<void> {
  const p = await resolveInside(root, member);
  await fs.promises.copyFile(p, dest, fs.constants.COPYFILE_EXCL);
}
