/**
 * What containers of one test runtime could leave on the host: mounts in the host's mount
 * namespace under a path, cgroup directories under the cgroup parent, processes in those
 * cgroups, container directories under the data root. Compare before/after to prove clean-up.
 */
import fs from 'node:fs';
import path from 'node:path';

export interface HostTraces {
  mounts: string[];
  cgroups: string[];
  processes: number[];
  containerDirs: string[];
}

function walk(dir: string, out: string[]): void {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries) {
    if (!e.isDirectory()) continue;
    const p = path.join(dir, e.name);
    out.push(p);
    walk(p, out);
  }
}

export function hostTraces(cgroupParent: string, opts: { mountPrefix?: string; dataRoot?: string } = {}): HostTraces {
  const mountinfo = fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n');
  const cgroupMounts = mountinfo.filter((l) => / - cgroup2? /.test(l)).map((l) => l.split(' ')[4]!);
  const mounts = mountinfo.filter(
    (l) =>
      l.includes('/berth-rt-') ||
      l.includes('/berthd-test-') ||
      (opts.mountPrefix ? l.includes(opts.mountPrefix) : false),
  );
  const cgroups: string[] = [];
  for (const mp of cgroupMounts) walk(path.join(mp, cgroupParent), cgroups);
  const processes: number[] = [];
  for (const p of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    try {
      if (fs.readFileSync(`/proc/${p}/cgroup`, 'utf8').includes(`/${cgroupParent}/`)) processes.push(Number(p));
    } catch {
      /* gone */
    }
  }
  let containerDirs: string[] = [];
  if (opts.dataRoot) {
    try {
      containerDirs = fs.readdirSync(path.join(opts.dataRoot, 'containers'));
    } catch {
      containerDirs = [];
    }
  }
  return { mounts, cgroups: cgroups.sort(), processes, containerDirs: containerDirs.sort() };
}
