/**
 * Docker's shapes of an image: the list summary (GET /images/json), inspect (GET /images/{name}/json)
 * and history (GET /images/{name}/history). RepoTags and RepoDigests use familiar names.
 */
import { compareApiVersions } from '../version';
import { createdSeconds, type ContainerConfig, type HistoryEntry, type ImageConfigFile } from './image-config';
import type { ImageRecord } from './image-store';
import { familiarString, type Reference } from './reference';

export interface ImageView {
  record: ImageRecord;
  config: ImageConfigFile;
  refs: Reference[];
  /** Sum of the unique layers' sizes. */
  size: number;
}

export function repoTags(refs: Reference[]): string[] {
  return refs
    .filter((r) => r.tag)
    .map(familiarString)
    .sort();
}

export function repoDigests(refs: Reference[]): string[] {
  return refs
    .filter((r) => r.digest)
    .map(familiarString)
    .sort();
}

/** The Config object as Docker prints it: every key present, nulls where unset. */
export function dockerConfig(c: ContainerConfig | undefined): Record<string, unknown> {
  const cfg = c ?? {};
  const out: Record<string, unknown> = {
    Hostname: cfg.Hostname ?? '',
    Domainname: cfg.Domainname ?? '',
    User: cfg.User ?? '',
    AttachStdin: cfg.AttachStdin ?? false,
    AttachStdout: cfg.AttachStdout ?? false,
    AttachStderr: cfg.AttachStderr ?? false,
    Tty: cfg.Tty ?? false,
    OpenStdin: cfg.OpenStdin ?? false,
    StdinOnce: cfg.StdinOnce ?? false,
    Env: cfg.Env ?? null,
    Cmd: cfg.Cmd ?? null,
    Image: cfg.Image ?? '',
    Volumes: cfg.Volumes ?? null,
    WorkingDir: cfg.WorkingDir ?? '',
    Entrypoint: cfg.Entrypoint ?? null,
    OnBuild: cfg.OnBuild ?? null,
    Labels: cfg.Labels ?? null,
  };
  if (cfg.ExposedPorts) out.ExposedPorts = cfg.ExposedPorts;
  if (cfg.Healthcheck) out.Healthcheck = cfg.Healthcheck;
  if (cfg.StopSignal) out.StopSignal = cfg.StopSignal;
  if (cfg.ArgsEscaped) out.ArgsEscaped = cfg.ArgsEscaped;
  if (cfg.Shell) out.Shell = cfg.Shell;
  return out;
}

export interface SummaryOptions {
  apiVersion: string;
  sharedSize?: number | undefined;
  containers?: number | undefined;
  /** Only these tags (reference filter). */
  tags?: string[] | undefined;
}

export function imageSummary(v: ImageView, o: SummaryOptions): Record<string, unknown> {
  const s: Record<string, unknown> = {
    Id: v.record.id,
    ParentId: v.record.parent ?? '',
    RepoTags: o.tags ?? repoTags(v.refs),
    RepoDigests: repoDigests(v.refs),
    Created: createdSeconds(v.config),
    Size: v.size,
    SharedSize: o.sharedSize ?? -1,
    Labels: v.config.config?.Labels ?? {},
    Containers: o.containers ?? -1,
  };
  if (compareApiVersions(o.apiVersion, '1.44') < 0) s.VirtualSize = v.size;
  return s;
}

export function imageInspect(v: ImageView, lowerDirs: string[], apiVersion: string): Record<string, unknown> {
  const c = v.config;
  const out: Record<string, unknown> = {
    Id: v.record.id,
    RepoTags: repoTags(v.refs),
    RepoDigests: repoDigests(v.refs),
    Parent: v.record.parent ?? '',
    Comment: c.comment ?? '',
    Created: c.created ?? '',
    Container: c.container ?? '',
    ContainerConfig: dockerConfig(c.container_config),
    DockerVersion: c.docker_version ?? '',
    Author: c.author ?? '',
    Config: dockerConfig(c.config),
    Architecture: c.architecture,
    ...(c.variant ? { Variant: c.variant } : {}),
    Os: c.os,
    ...(c['os.version'] ? { OsVersion: c['os.version'] } : {}),
    Size: v.size,
    GraphDriver: {
      Name: 'overlay2',
      Data: { LowerDir: lowerDirs.join(':') },
    },
    RootFS: { Type: 'layers', Layers: c.rootfs.diff_ids },
    Metadata: { LastTagTime: v.record.lastTagTime ?? '0001-01-01T00:00:00Z' },
  };
  if (compareApiVersions(apiVersion, '1.44') < 0) out.VirtualSize = v.size;
  return out;
}

/** History newest first; layer sizes matched to the non-empty entries in order. */
export function imageHistory(v: ImageView, layerSizes: number[]): Array<Record<string, unknown>> {
  const hist: HistoryEntry[] = v.config.history?.length
    ? v.config.history
    : v.config.rootfs.diff_ids.map(() => ({ created: v.config.created, created_by: '' }));
  let layer = 0;
  const rows = hist.map((h) => {
    const size = h.empty_layer ? 0 : (layerSizes[layer++] ?? 0);
    return {
      Id: '<missing>',
      Created: createdSeconds(h),
      CreatedBy: h.created_by ?? '',
      Tags: null as string[] | null,
      Size: size,
      Comment: h.comment ?? '',
    };
  });
  rows.reverse();
  if (rows[0]) {
    rows[0].Id = v.record.id;
    const tags = repoTags(v.refs);
    rows[0].Tags = tags.length ? tags : null;
  }
  return rows;
}
