/**
 * The runtime creates a RUN mount's target (and missing parents) in the container's upper dir so
 * it can mount there; BuildKit leaves no trace of its mounts in the image. After the step, such
 * stubs — an empty file or directory that no lower layer has — are removed from the upper dir
 * before it is committed, walking up through parents the mount created.
 */
import fs from 'node:fs/promises';
import path from 'node:path';

async function exists(p: string): Promise<boolean> {
  try {
    await fs.lstat(p);
    return true;
  } catch {
    return false;
  }
}

async function isEmptyStub(p: string): Promise<boolean> {
  let st;
  try {
    st = await fs.lstat(p);
  } catch {
    return false;
  }
  if (st.isFile()) return st.size === 0;
  if (st.isDirectory()) return (await fs.readdir(p)).length === 0;
  return false;
}

/** Removes the stubs of `targets` (absolute container paths) from `upper`. */
export async function removeMountStubs(upper: string, lowers: readonly string[], targets: readonly string[]) {
  for (const target of targets) {
    let rel = path.posix.normalize(target).replace(/^\/+/, '').replace(/\/+$/, '');
    while (rel !== '' && rel !== '.') {
      const inUpper = path.join(upper, rel);
      if (!(await isEmptyStub(inUpper))) break;
      let inLower = false;
      for (const l of lowers) if ((inLower = await exists(path.join(l, rel)))) break;
      if (inLower) break;
      await fs.rm(inUpper, { recursive: true, force: true });
      rel = path.posix.dirname(rel);
    }
  }
}
