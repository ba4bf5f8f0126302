/**
 * The runtime creates a RUN mount's target (and missing parents) in the container's upper dir so
 * it can mount there; BuildKit leaves no trace of its mounts in the image. After the step, such
 * stubs — an empty file or directory that no lower layer has — are removed from the upper dir
 * before it is committed, walking up through parents the mount created. The same goes for what
 * the container's set-up mounts over (/etc/hosts and co., VOLUME targets) when the image lacks it.
 *
 * The upper dir is what the step's processes wrote: any component of a target's path may have
 * been replaced by a symlink (to a host path, as seen from the agent). Paths are therefore walked
 * component by component with lstat, and a target whose parents are not all real directories is
 * left alone.
 */
import fs from 'node:fs/promises';
import path from 'node:path';

async function lstatOrUndefined(p: string) {
  try {
    return await fs.lstat(p);
  } catch {
    return undefined;
  }
}

/**
 * The host path of `rel` (a clean relative path) under `base` when every parent component is a
 * real directory (not a symlink); undefined otherwise or when a parent is missing.
 */
export async function pathUnder(base: string, rel: string): Promise<string | undefined> {
  const comps = rel.split('/');
  let cur = base;
  for (let i = 0; i < comps.length - 1; i++) {
    cur = path.join(cur, comps[i] as string);
    const st = await lstatOrUndefined(cur);
    if (!st?.isDirectory()) return undefined;
  }
  return path.join(cur, comps[comps.length - 1] as string);
}

async function exists(base: string, rel: string): Promise<boolean> {
  const p = await pathUnder(base, rel);
  return p !== undefined && (await lstatOrUndefined(p)) !== undefined;
}

async function isEmptyStub(p: string): Promise<boolean> {
  const st = await lstatOrUndefined(p);
  if (!st) return false;
  if (st.isFile()) return st.size === 0;
  if (st.isDirectory()) return (await fs.readdir(p)).length === 0;
  return false;
}

/** `target` (an absolute container path) as a clean relative path; '' for the root. */
function relOf(target: string): string {
  const rel = path.posix.normalize(`/${target}`).replace(/^\/+/, '').replace(/\/+$/, '');
  return rel === '.' ? '' : rel;
}

/** Removes the stubs of `targets` (absolute container paths) from `upper`. */
export async function removeMountStubs(upper: string, lowers: readonly string[], targets: readonly string[]) {
  for (const target of targets) {
    let rel = relOf(target);
    while (rel !== '' && rel !== '.') {
      const inUpper = await pathUnder(upper, rel);
      if (inUpper === undefined || !(await isEmptyStub(inUpper))) break;
      let inLower = false;
      for (const l of lowers) if ((inLower = await exists(l, rel))) break;
      if (inLower) break;
      await fs.rm(inUpper, { recursive: true, force: true });
      rel = path.posix.dirname(rel);
    }
  }
}
