/**
 * Which cgroup hierarchy this host runs, probed at run time (never assumed: WSL2 and remote
 * distros differ). Like youki's CgroupSetup and crun's CGROUP_MODE_*:
 *  - unified: /sys/fs/cgroup is cgroup2 (most current distros)
 *  - legacy:  only v1 hierarchies
 *  - hybrid:  v1 controllers plus a cgroup2 mount (usually /sys/fs/cgroup/unified) without them
 */
import fs from 'node:fs';

export type CgroupSetup = 'unified' | 'legacy' | 'hybrid';

export interface CgroupMount {
  mountPoint: string;
  fsType: 'cgroup' | 'cgroup2';
  /** v1 controllers of this hierarchy (from the super options); empty for cgroup2. */
  controllers: string[];
}

export interface CgroupLayout {
  setup: CgroupSetup;
  mounts: CgroupMount[];
  /** Mount point of the cgroup2 hierarchy, if any. */
  unifiedRoot: string | undefined;
  /** v1 controller name → mount point. */
  v1: Map<string, string>;
  /** Controllers available on cgroup2 (cgroup.controllers of its root). */
  v2Controllers: string[];
}

/** Parse /proc/self/mountinfo text into the cgroup mounts. */
export function parseCgroupMounts(mountinfo: string): CgroupMount[] {
  const out: CgroupMount[] = [];
  for (const line of mountinfo.split('\n')) {
    if (!line) continue;
    const sep = line.indexOf(' - ');
    if (sep < 0) continue;
    const left = line.slice(0, sep).split(' ');
    const right = line.slice(sep + 3).split(' ');
    const fsType = right[0];
    if (fsType !== 'cgroup' && fsType !== 'cgroup2') continue;
    const mountPoint = unescapeMountPath(left[4] ?? '');
    const superOpts = (right[2] ?? '').split(',');
    const known = new Set([
      'rw',
      'ro',
      'relatime',
      'noatime',
      'nosuid',
      'nodev',
      'noexec',
      'nsdelegate',
      'memory_recursiveprot',
      'xattr',
      'clone_children',
      'noprefix',
    ]);
    const controllers =
      fsType === 'cgroup'
        ? superOpts.filter((o) => !known.has(o) && !o.startsWith('release_agent=') && !o.startsWith('name='))
        : [];
    const named = superOpts.find((o) => o.startsWith('name='));
    if (fsType === 'cgroup' && controllers.length === 0 && named) controllers.push(named);
    out.push({ mountPoint, fsType, controllers });
  }
  return out;
}

function unescapeMountPath(p: string): string {
  return p.replace(/\\([0-7]{3})/g, (_m, oct: string) => String.fromCharCode(Number.parseInt(oct, 8)));
}

export function layoutFromMounts(mounts: CgroupMount[], readControllers: (root: string) => string[]): CgroupLayout {
  const v1 = new Map<string, string>();
  let unifiedRoot: string | undefined;
  for (const m of mounts) {
    if (m.fsType === 'cgroup2') {
      // Prefer /sys/fs/cgroup itself when it is cgroup2.
      if (!unifiedRoot || m.mountPoint === '/sys/fs/cgroup') unifiedRoot = m.mountPoint;
    } else {
      for (const c of m.controllers) if (!v1.has(c)) v1.set(c, m.mountPoint);
    }
  }
  const realV1 = [...v1.keys()].filter((c) => !c.startsWith('name='));
  let setup: CgroupSetup;
  if (realV1.length === 0 && unifiedRoot) setup = 'unified';
  else if (unifiedRoot) setup = 'hybrid';
  else setup = 'legacy';
  const v2Controllers = unifiedRoot ? readControllers(unifiedRoot) : [];
  return { setup, mounts, unifiedRoot, v1, v2Controllers };
}

let cachedLayout: CgroupLayout | undefined;

export function detectCgroups(): CgroupLayout {
  if (cachedLayout) return cachedLayout;
  const mountinfo = fs.readFileSync('/proc/self/mountinfo', 'utf8');
  cachedLayout = layoutFromMounts(parseCgroupMounts(mountinfo), (root) => {
    try {
      return fs.readFileSync(`${root}/cgroup.controllers`, 'utf8').trim().split(/\s+/).filter(Boolean);
    } catch {
      return [];
    }
  });
  return cachedLayout;
}

/** Docker's `CgroupVersion` for /info: "2" only on a unified host. */
export function dockerCgroupVersion(layout: CgroupLayout): '1' | '2' {
  return layout.setup === 'unified' ? '2' : '1';
}
