/**
 * Named volumes of the `local` driver: <data-root>/volumes/<name>/_data, metadata beside it.
 * Volumes with options (tmpfs, bind of a host dir, device) are mounted on first use and
 * unmounted when the last container lets go. Removal refuses volumes in use.
 */
import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { Conflict, InvalidArgument, NotFound } from '../errdefs';
import type { EventBus } from '../events/bus';
import type { Filters } from '../api/query';
import { checkFilterKeys } from '../api/query';
import { mount, umount, MNT_DETACH } from '../sys/mount';
import { duBytes } from '../util/du';
import { mountSpec, validateLocalOptions } from './options';
import { ANONYMOUS_LABEL, type Volume, type VolumeCreateRequest, type VolumeUsage } from './types';

const run = promisify(execFile);

const NAME_RE = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;
const META = 'berth-volume.json';

interface Meta {
  name: string;
  createdAt: string;
  labels: Record<string, string>;
  options: Record<string, string>;
  /** Set once the volume was filled from an image path (Docker copies only into a fresh volume). */
  populated?: boolean;
}

export class VolumeStore {
  private readonly volumes = new Map<string, Meta>();
  /** name → container IDs holding a mount of an option volume. */
  private readonly holders = new Map<string, Set<string>>();
  private usage: VolumeUsage = { usersOf: () => [] };

  constructor(
    private readonly root: string,
    private readonly events?: EventBus,
  ) {}

  init(): void {
    fs.mkdirSync(this.root, { recursive: true, mode: 0o701 });
    for (const name of fs.readdirSync(this.root)) {
      const metaPath = path.join(this.root, name, META);
      try {
        const meta = JSON.parse(fs.readFileSync(metaPath, 'utf8')) as Meta;
        this.volumes.set(meta.name, meta);
        // A mount left from before an agent restart is reused as is (containers may hold it).
      } catch {
        /* not a volume dir (or half-created): ignored */
      }
    }
  }

  setUsage(usage: VolumeUsage): void {
    this.usage = usage;
  }

  private dataDir(name: string): string {
    return path.join(this.root, name, '_data');
  }

  private toVolume(m: Meta, withUsage = false): Volume {
    const v: Volume = {
      Name: m.name,
      Driver: 'local',
      Mountpoint: this.dataDir(m.name),
      CreatedAt: m.createdAt,
      Labels: m.labels,
      Options: m.options,
      Scope: 'local',
    };
    if (withUsage) v.UsageData = { Size: -1, RefCount: this.usage.usersOf(m.name).length };
    return v;
  }

  create(req: VolumeCreateRequest): Volume {
    const driver = req.Driver || 'local';
    if (driver !== 'local') throw new NotFound(`plugin "${driver}" not found`);
    const name = req.Name || crypto.randomBytes(32).toString('hex');
    if (!NAME_RE.test(name)) {
      throw new InvalidArgument(
        `create ${name}: "${name}" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path`,
      );
    }
    const existing = this.volumes.get(name);
    if (existing) return this.toVolume(existing);
    const options = req.DriverOpts ?? {};
    validateLocalOptions(options);
    const meta: Meta = { name, createdAt: new Date().toISOString(), labels: req.Labels ?? {}, options };
    const dir = path.join(this.root, name);
    const tmp = path.join(this.root, `.${name}.tmp-${process.pid}`);
    fs.rmSync(tmp, { recursive: true, force: true });
    fs.mkdirSync(path.join(tmp, '_data'), { recursive: true, mode: 0o755 });
    fs.writeFileSync(path.join(tmp, META), JSON.stringify(meta));
    fs.renameSync(tmp, dir);
    this.volumes.set(name, meta);
    this.events?.publish('volume', 'create', name, { driver: 'local' });
    return this.toVolume(meta);
  }

  get(name: string): Volume {
    const m = this.volumes.get(name);
    if (!m) throw new NotFound(`get ${name}: no such volume`);
    return this.toVolume(m, true);
  }

  has(name: string): boolean {
    return this.volumes.has(name);
  }

  list(filters: Filters): Volume[] {
    checkFilterKeys(filters, ['dangling', 'driver', 'label', 'name']);
    return [...this.volumes.values()]
      .filter((m) => this.matches(m, filters))
      .map((m) => this.toVolume(m))
      .sort((a, b) => a.Name.localeCompare(b.Name));
  }

  private matches(m: Meta, filters: Filters): boolean {
    const dangling = filters.get('dangling');
    if (dangling?.length) {
      const want = dangling.some((d) => d === 'true' || d === '1');
      if ((this.usage.usersOf(m.name).length === 0) !== want) return false;
    }
    const driver = filters.get('driver');
    if (driver?.length && !driver.includes('local')) return false;
    const names = filters.get('name');
    if (names?.length && !names.some((n) => m.name.includes(n))) return false;
    for (const l of filters.get('label') ?? []) {
      const eq = l.indexOf('=');
      if (eq < 0 ? !Object.hasOwn(m.labels, l) : m.labels[l.slice(0, eq)] !== l.slice(eq + 1)) return false;
    }
    return true;
  }

  remove(name: string, force = false): void {
    const m = this.volumes.get(name);
    if (!m) {
      if (force) return;
      throw new NotFound(`get ${name}: no such volume`);
    }
    const users = this.usage.usersOf(name);
    if (users.length > 0) throw new Conflict(`remove ${name}: volume is in use - [${users.join(', ')}]`);
    this.unmountIfMounted(name);
    fs.rmSync(path.join(this.root, name), { recursive: true, force: true });
    this.volumes.delete(name);
    this.holders.delete(name);
    this.events?.publish('volume', 'destroy', name, { driver: 'local' });
  }

  async prune(filters: Filters): Promise<{ VolumesDeleted: string[]; SpaceReclaimed: number }> {
    checkFilterKeys(filters, ['label', 'label!', 'all']);
    const all = (filters.get('all') ?? []).some((v) => v === 'true' || v === '1');
    const deleted: string[] = [];
    let reclaimed = 0;
    for (const m of [...this.volumes.values()]) {
      if (!all && !Object.hasOwn(m.labels, ANONYMOUS_LABEL)) continue;
      if (this.usage.usersOf(m.name).length > 0) continue;
      if (!labelsMatch(m.labels, filters)) continue;
      reclaimed += await this.size(m.name);
      this.remove(m.name);
      deleted.push(m.name);
    }
    return { VolumesDeleted: deleted, SpaceReclaimed: reclaimed };
  }

  /** Disk use of a volume's data in bytes (du). */
  size(name: string): Promise<number> {
    return duBytes(this.dataDir(name));
  }

  /** The host path to mount into a container; mounts option volumes on first use. */
  acquire(name: string, containerId: string): string {
    const m = this.volumes.get(name);
    if (!m) throw new NotFound(`get ${name}: no such volume`);
    const spec = mountSpec(m.options);
    const dir = this.dataDir(name);
    if (spec) {
      const holders = this.holders.get(name) ?? new Set<string>();
      if (holders.size === 0 && !isMountPoint(dir)) {
        mount(spec.device, dir, spec.type || null, spec.flags, spec.data || null);
      }
      holders.add(containerId);
      this.holders.set(name, holders);
    }
    return dir;
  }

  release(name: string, containerId: string): void {
    const holders = this.holders.get(name);
    if (!holders) return;
    holders.delete(containerId);
    if (holders.size === 0) {
      this.unmountIfMounted(name);
      this.holders.delete(name);
    }
  }

  private unmountIfMounted(name: string): void {
    const dir = this.dataDir(name);
    if (isMountPoint(dir)) umount(dir, MNT_DETACH);
  }

  /** True when the volume was never filled from an image and is empty (Docker copies only then). */
  isFresh(name: string): boolean {
    const m = this.volumes.get(name);
    if (!m || m.populated) return false;
    try {
      return fs.readdirSync(this.dataDir(name)).length === 0;
    } catch {
      return false;
    }
  }

  markPopulated(name: string): void {
    const m = this.volumes.get(name);
    if (!m || m.populated) return;
    m.populated = true;
    fs.writeFileSync(path.join(this.root, name, META), JSON.stringify(m));
  }

  /** Fill a fresh, empty volume from a directory (Docker's copy-up on first use). */
  async populate(name: string, fromDir: string): Promise<void> {
    if (!this.isFresh(name)) {
      this.markPopulated(name);
      return;
    }
    const dir = this.dataDir(name);
    if (fs.existsSync(fromDir)) {
      await run('cp', ['-a', '--', `${fromDir}/.`, dir]);
      const st = fs.lstatSync(fromDir);
      fs.chownSync(dir, st.uid, st.gid);
      fs.chmodSync(dir, st.mode & 0o7777);
    }
    this.markPopulated(name);
  }
}

function labelsMatch(labels: Record<string, string>, filters: Filters): boolean {
  const has = (l: string): boolean => {
    const eq = l.indexOf('=');
    return eq < 0 ? Object.hasOwn(labels, l) : labels[l.slice(0, eq)] === l.slice(eq + 1);
  };
  return (filters.get('label') ?? []).every(has) && !(filters.get('label!') ?? []).some(has);
}

export function isMountPoint(dir: string): boolean {
  try {
    const st = fs.statSync(dir);
    const parent = fs.statSync(path.dirname(dir));
    if (st.dev !== parent.dev) return true;
    // Same device (e.g. a bind of a dir on the same fs): consult mountinfo.
    const mi = fs.readFileSync('/proc/self/mountinfo', 'utf8');
    const real = fs.realpathSync(dir);
    return mi.split('\n').some((l) => l.split(' ')[4] === real);
  } catch {
    return false;
  }
}
