/** Volumes on one host, with the containers that use each. */
import type Dockerode from 'dockerode';
import type { ContainerRef, PruneReport, VolumeCreate, VolumeSummary } from '../contract/models/storage';
import { ServiceError, toErrorPayload } from './errors';
import type { HostManager } from './hosts/manager';

type Json = Record<string, unknown>;
const obj = (v: unknown): Json => (v && typeof v === 'object' ? (v as Json) : {});

export async function containerUsage(d: Dockerode): Promise<Json[]> {
  return (await d.listContainers({ all: true })) as unknown as Json[];
}

const ref = (c: Json): ContainerRef => ({
  id: String(c.Id ?? ''),
  name: (Array.isArray(c.Names) ? String(c.Names[0] ?? '') : '').replace(/^\//, ''),
});

function toVolume(v: Json, containers: Json[]): VolumeSummary {
  const name = String(v.Name ?? '');
  const usedBy = containers
    .filter((c) =>
      (Array.isArray(c.Mounts) ? (c.Mounts as Json[]) : []).some((m) => m.Type === 'volume' && m.Name === name),
    )
    .map(ref);
  const s: VolumeSummary = {
    name,
    driver: String(v.Driver ?? 'local'),
    mountpoint: String(v.Mountpoint ?? ''),
    scope: String(v.Scope ?? 'local'),
    labels: obj(v.Labels) as Record<string, string>,
    options: obj(v.Options) as Record<string, string>,
    usedBy,
  };
  if (typeof v.CreatedAt === 'string') s.createdAt = v.CreatedAt;
  return s;
}

export class VolumeService {
  constructor(private readonly hosts: HostManager) {}

  list(hostId: string): Promise<VolumeSummary[]> {
    return this.hosts.call(hostId, async (d) => {
      const [r, containers] = await Promise.all([d.listVolumes() as Promise<unknown>, containerUsage(d)]);
      const vols = (obj(r).Volumes as Json[] | null) ?? [];
      return vols.map((v) => toVolume(v, containers));
    });
  }

  create(hostId: string, spec: VolumeCreate): Promise<VolumeSummary> {
    return this.hosts.call(hostId, async (d) => {
      try {
        const v = (await d.createVolume({
          ...(spec.name ? { Name: spec.name } : {}),
          Driver: spec.driver ?? 'local',
          DriverOpts: spec.driverOpts ?? {},
          Labels: spec.labels ?? {},
        })) as unknown;
        // dockerode answers the engine's JSON (older versions: a Volume handle).
        const body = obj(v).Name ? obj(v) : ((await d.getVolume(String(obj(v).name)).inspect()) as unknown as Json);
        return toVolume(body, []);
      } catch (err) {
        const p = toErrorPayload(err, { hostId });
        throw new ServiceError(p.code, p.message, {
          hostId,
          field: /name/i.test(p.message) ? ['spec', 'name'] : ['spec'],
        });
      }
    });
  }

  inspect(hostId: string, name: string): Promise<VolumeSummary> {
    return this.hosts.call(hostId, async (d) => {
      const [v, containers] = await Promise.all([d.getVolume(name).inspect() as Promise<unknown>, containerUsage(d)]);
      return toVolume(obj(v), containers);
    });
  }

  remove(hostId: string, name: string, force = false): Promise<void> {
    return this.hosts.call(hostId, async (d) => {
      await d.getVolume(name).remove({ force });
    });
  }

  prune(hostId: string): Promise<PruneReport> {
    return this.hosts.call(hostId, async (d) => {
      const r = obj(await d.pruneVolumes());
      return {
        deleted: (r.VolumesDeleted as string[] | null) ?? [],
        spaceReclaimed: Number(r.SpaceReclaimed ?? 0),
      };
    });
  }
}
