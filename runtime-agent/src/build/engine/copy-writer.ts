/**
 * Writes a COPY/ADD step into the merged view of its parent (a writable overlay): destination
 * rules from copy-destination.ts, symlinks in the destination resolved inside the image, missing
 * parent directories created (0755, root), ownership 0:0, `--chown` (names resolved against the
 * image's /etc/passwd and /etc/group) or the source's (COPY --from), `--chmod`, source mtimes,
 * ADD's archives extracted safely and URL downloads (0600, Last-Modified).
 */
import { createReadStream } from 'node:fs';
import type { Stats } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { resolveInRoot } from '../../containers/archive/secure-join';
import { resolveChown, type Ids } from '../chown';
import { decompressStream } from '../context/decompress';
import { extractTar } from '../context/extract';
import { readTar } from '../context/tar-reader';
import { copyTarget, type CopyEntry } from '../copy-destination';
import type { CopyStep } from '../planner/types';

interface Plan {
  root: string;
  /** Fixed owner, or undefined to keep the source's. */
  owner: Ids | undefined;
  chmod: number | undefined;
}

async function readOptional(p: string): Promise<string | undefined> {
  try {
    return await fs.readFile(p, 'utf8');
  } catch {
    return undefined;
  }
}

async function ownerFor(root: string, step: CopyStep): Promise<Ids | undefined> {
  if (step.chown !== undefined && step.chown !== '') {
    const passwd = await readOptional(resolveInRoot(root, '/etc/passwd', { followFinal: true }));
    const group = await readOptional(resolveInRoot(root, '/etc/group', { followFinal: true }));
    return resolveChown(step.chown, passwd, group);
  }
  return step.preserveOwnership ? undefined : { uid: 0, gid: 0 };
}

async function lstatOrUndefined(p: string): Promise<Stats | undefined> {
  try {
    return await fs.lstat(p);
  } catch {
    return undefined;
  }
}

/** The host path of `target` inside the image (parents resolved in the root), parents created. */
async function hostTarget(root: string, target: string): Promise<string> {
  const parent = resolveInRoot(root, path.posix.dirname(target), { followFinal: true });
  await mkdirp(root, parent);
  return path.join(parent, path.posix.basename(target));
}

/** mkdir -p for a path resolveInRoot produced: new directories are 0755 root:root. */
async function mkdirp(root: string, dir: string): Promise<void> {
  const rel = path.relative(root, dir);
  if (rel === '' || rel.startsWith('..')) return;
  let cur = root;
  for (const part of rel.split(path.sep)) {
    cur = path.join(cur, part);
    const st = await lstatOrUndefined(cur);
    if (st?.isDirectory()) continue;
    if (st) await fs.rm(cur, { force: true });
    await fs.mkdir(cur, { mode: 0o755 });
    await fs.chmod(cur, 0o755);
  }
}

async function applyMeta(p: string, st: Stats | undefined, plan: Plan, mtime: Date | undefined): Promise<void> {
  const isLink = st?.isSymbolicLink() ?? false;
  const uid = plan.owner?.uid ?? st?.uid ?? 0;
  const gid = plan.owner?.gid ?? st?.gid ?? 0;
  await fs.lchown(p, uid, gid);
  if (!isLink) {
    const mode = plan.chmod ?? (st ? st.mode & 0o7777 : 0o644);
    await fs.chmod(p, mode);
  }
  const t = mtime ?? st?.mtime;
  if (t) await fs.lutimes(p, t, t);
}

/** Replaces whatever is at `dest` unless both are directories. */
async function clearFor(dest: string, isDir: boolean): Promise<void> {
  const st = await lstatOrUndefined(dest);
  if (!st) return;
  if (isDir && st.isDirectory()) return;
  await fs.rm(dest, { recursive: true, force: true });
}

async function copyEntry(src: string, dest: string, st: Stats, plan: Plan): Promise<void> {
  if (st.isSymbolicLink()) {
    await clearFor(dest, false);
    await fs.symlink(await fs.readlink(src), dest);
  } else if (st.isDirectory()) {
    await clearFor(dest, true);
    if (!(await lstatOrUndefined(dest))) await fs.mkdir(dest);
  } else if (st.isFile()) {
    await clearFor(dest, false);
    await fs.copyFile(src, dest);
  } else {
    return; // devices, sockets and FIFOs are not copied
  }
  await applyMeta(dest, st, plan, undefined);
}

type Excluded = (relToRoot: string) => boolean;

/** Copies the contents of directory `src` into `dest` (merged), skipping excluded entries. */
async function mergeDir(src: string, dest: string, plan: Plan, excluded: Excluded | undefined, rel: string) {
  const dirs: Array<[string, Stats]> = [];
  for (const name of (await fs.readdir(src)).sort()) {
    const s = path.join(src, name);
    const d = path.join(dest, name);
    const r = rel === '' ? name : `${rel}/${name}`;
    const st = await fs.lstat(s);
    if (excluded?.(r)) {
      if (st.isDirectory()) await mergeExcludedDir(s, d, plan, excluded, r, async () => undefined);
      continue;
    }
    await copyEntry(s, d, st, plan);
    if (st.isDirectory()) {
      await mergeDir(s, d, plan, excluded, r);
      dirs.push([d, st]);
    }
  }
  // Directory mtimes last: writing their entries changed them.
  for (const [d, st] of dirs) await fs.lutimes(d, st.mtime, st.mtime);
}

/**
 * An excluded directory may still hold `!`-exceptions: copy what is kept, creating the directory
 * (and, through `ensureParent`, its excluded parents) on demand. What the image has there and is
 * not a real directory — a symlink above all — is replaced, never written through.
 */
async function mergeExcludedDir(
  src: string,
  dest: string,
  plan: Plan,
  excluded: Excluded,
  rel: string,
  ensureParent: () => Promise<void>,
) {
  let ready: Promise<void> | undefined;
  const ensure = (): Promise<void> =>
    (ready ??= (async () => {
      await ensureParent();
      const existing = await lstatOrUndefined(dest);
      if (existing?.isDirectory()) return;
      if (existing) await fs.rm(dest, { recursive: true, force: true });
      await fs.mkdir(dest);
      await applyMeta(dest, await fs.lstat(src), plan, undefined);
    })());
  for (const name of (await fs.readdir(src)).sort()) {
    const s = path.join(src, name);
    const r = `${rel}/${name}`;
    const st = await fs.lstat(s);
    if (excluded(r)) {
      if (st.isDirectory()) await mergeExcludedDir(s, path.join(dest, name), plan, excluded, r, ensure);
      continue;
    }
    await ensure();
    await copyEntry(s, path.join(dest, name), st, plan);
    if (st.isDirectory()) await mergeDir(s, path.join(dest, name), plan, excluded, r);
  }
}

async function ensureDir(dest: string, plan: Plan, st: Stats | undefined): Promise<void> {
  const existing = await lstatOrUndefined(dest);
  if (existing?.isDirectory()) return;
  await clearFor(dest, true);
  await fs.mkdir(dest, { mode: 0o755 });
  if (st) await applyMeta(dest, st, plan, undefined);
  else await fs.lchown(dest, plan.owner?.uid ?? 0, plan.owner?.gid ?? 0);
}

async function extractArchive(archive: string, dest: string, plan: Plan, scratch: string): Promise<void> {
  const tmp = await fs.mkdtemp(path.join(scratch, 'add-'));
  const input = createReadStream(archive);
  try {
    const { stream } = await decompressStream(input);
    await extractTar(readTar(stream), tmp);
    await mergeDir(tmp, dest, { ...plan, owner: plan.owner ?? { uid: 0, gid: 0 } }, undefined, '');
  } finally {
    input.destroy();
    await fs.rm(tmp, { recursive: true, force: true });
  }
}

async function writeOne(entry: CopyEntry, data: string | undefined, step: CopyStep, plan: Plan, scratch: string) {
  const { root } = plan;
  const destPath = step.dest.length > 1 && step.dest.endsWith('/') ? step.dest.slice(0, -1) : step.dest;
  const destSt = await lstatOrUndefined(resolveInRoot(root, destPath, { followFinal: true }));
  const action = copyTarget(entry, step, destSt?.isDirectory() ?? false);
  if (action.action === 'merge-dir' || action.action === 'extract') {
    const dest = resolveInRoot(root, action.target, { followFinal: true });
    await mkdirp(root, path.dirname(dest));
    if (action.action === 'extract' && entry.kind === 'path') {
      await ensureDir(dest, plan, undefined);
      return extractArchive(entry.hostPath, dest, plan, scratch);
    }
    if (entry.kind !== 'path') return;
    const srcSt = await fs.stat(entry.hostPath);
    await ensureDir(dest, plan, srcSt);
    const filter = entry.filter;
    const excluded = filter ? (rel: string) => filter.excluded(`${entry.realPath}/${rel}`) : undefined;
    await mergeDir(entry.hostPath, dest, plan, excluded, '');
    await fs.utimes(dest, srcSt.mtime, srcSt.mtime);
    return;
  }
  const dest = await hostTarget(root, action.target);
  if (entry.kind === 'content') {
    await clearFor(dest, false);
    await fs.writeFile(dest, data ?? '');
    await applyMeta(dest, undefined, plan, undefined);
  } else if (entry.kind === 'url') {
    await clearFor(dest, false);
    await fs.copyFile(entry.hostPath, dest);
    await applyMeta(dest, undefined, { ...plan, chmod: plan.chmod ?? 0o600 }, entry.mtime);
  } else {
    const st = await fs.stat(entry.hostPath);
    await clearFor(dest, false);
    await fs.copyFile(entry.hostPath, dest);
    await applyMeta(dest, st, plan, undefined);
  }
}

/** Writes `step` into `root` (the merged view of the parent). `scratch`: a private temp dir. */
export async function writeCopy(root: string, step: CopyStep, scratch: string): Promise<void> {
  const plan: Plan = { root, owner: await ownerFor(root, step), chmod: step.chmod };
  for (const src of step.sources) await writeOne(src, undefined, step, plan, scratch);
  for (const c of step.contents) {
    await writeOne({ kind: 'content', name: c.name }, c.data, step, plan, scratch);
  }
}
