/**
 * Turns a create request's mounts (and the image's VOLUMEs) into host sources for the runtime:
 * bind sources created when `-v` names a missing directory (as Docker does), named volumes
 * created on first use, anonymous volumes for image VOLUMEs and `-v /path`, tmpfs passed on.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { MountOption } from '../runtime/spec/types';
import type { VolumeStore } from '../volumes/store';
import { ANONYMOUS_LABEL } from '../volumes/types';
import type { ResolvedMount } from './engine-record';
import type { MountRequest } from './mounts';

export interface ResolvedMounts {
  /** Bind mounts for the runtime (volumes are binds of their data dir). */
  mounts: MountOption[];
  /** HostConfig.Tmpfs-style entries for the runtime. */
  tmpfs: Record<string, string>;
  /** For inspect's Mounts. */
  summary: ResolvedMount[];
  /** Volumes created here (removed again if the create fails). */
  created: string[];
  anonymous: string[];
  /** Volumes to fill from the image on first use: name → container path. */
  populate: Array<{ name: string; target: string }>;
  /** Every volume the container uses. */
  volumeNames: string[];
}

export function resolveMounts(requests: MountRequest[], imageVolumes: string[], volumes: VolumeStore): ResolvedMounts {
  const out: ResolvedMounts = {
    mounts: [],
    tmpfs: {},
    summary: [],
    created: [],
    anonymous: [],
    populate: [],
    volumeNames: [],
  };
  const targets = new Set(requests.map((r) => r.target));
  const all: MountRequest[] = [...requests];
  for (const v of imageVolumes) {
    const target = path.posix.normalize(v.startsWith('/') ? v : `/${v}`);
    if (!targets.has(target)) all.push({ kind: 'volume', name: undefined, target, readonly: false, noCopy: false });
  }
  try {
    for (const r of all) {
      if (r.kind === 'tmpfs') {
        out.tmpfs[r.target] = [r.readonly ? 'ro' : '', r.options].filter(Boolean).join(',');
        out.summary.push({
          Type: 'tmpfs',
          Source: '',
          Destination: r.target,
          Mode: '',
          RW: !r.readonly,
          Propagation: '',
        });
        continue;
      }
      if (r.kind === 'bind') {
        if (r.createSource && !fs.existsSync(r.source)) fs.mkdirSync(r.source, { recursive: true, mode: 0o755 });
        out.mounts.push({ type: 'bind', source: r.source, target: r.target, readonly: r.readonly });
        out.summary.push({
          Type: 'bind',
          Source: r.source,
          Destination: r.target,
          Mode: r.readonly ? 'ro' : '',
          RW: !r.readonly,
          Propagation: r.propagation,
        });
        continue;
      }
      const anonymous = r.name === undefined;
      const name = r.name ?? crypto.randomBytes(32).toString('hex');
      const existed = volumes.has(name);
      const v = volumes.create({
        Name: name,
        Labels: anonymous ? { [ANONYMOUS_LABEL]: '' } : (r.labels ?? {}),
        ...(r.driverOpts ? { DriverOpts: r.driverOpts } : {}),
      });
      if (!existed) out.created.push(name);
      if (anonymous) out.anonymous.push(name);
      if (!r.noCopy) out.populate.push({ name, target: r.target });
      out.volumeNames.push(name);
      out.mounts.push({ type: 'bind', source: v.Mountpoint, target: r.target, readonly: r.readonly });
      out.summary.push({
        Type: 'volume',
        Name: name,
        Source: v.Mountpoint,
        Destination: r.target,
        Driver: 'local',
        Mode: r.readonly ? 'ro' : 'z',
        RW: !r.readonly,
        Propagation: '',
      });
    }
  } catch (err) {
    for (const n of out.created) volumes.remove(n, true);
    throw err;
  }
  return out;
}
