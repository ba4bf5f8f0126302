/**
 * HostConfig.Binds ("src:dst[:opts]", `-v`), HostConfig.Mounts (`--mount`) and HostConfig.Tmpfs
 * (`--tmpfs`) → one list of mount requests, with Docker's rules and messages: absolute targets,
 * no duplicate mount points, bind sources must exist for --mount (Binds create them, as -v does).
 */
import fs from 'node:fs';
import path from 'node:path';
import { InvalidArgument } from '../errdefs';
import type { HostConfig, MountSpec } from './docker-types';

export type Propagation = 'private' | 'rprivate' | 'shared' | 'rshared' | 'slave' | 'rslave';

export type MountRequest =
  | { kind: 'bind'; source: string; target: string; readonly: boolean; propagation: Propagation; createSource: boolean }
  | {
      kind: 'volume';
      /** undefined: an anonymous volume is created for it. */
      name: string | undefined;
      target: string;
      readonly: boolean;
      noCopy: boolean;
      labels?: Record<string, string>;
      driverOpts?: Record<string, string>;
    }
  | { kind: 'tmpfs'; target: string; options: string; readonly: boolean };

const PROPAGATIONS = new Set<Propagation>(['private', 'rprivate', 'shared', 'rshared', 'slave', 'rslave']);
const VOLUME_NAME_RE = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

function cleanTarget(t: string, spec: string): string {
  if (!t.startsWith('/')) throw new InvalidArgument(`invalid mount config: mount path must be absolute: ${spec}`);
  const c = path.posix.normalize(t);
  if (c === '/') throw new InvalidArgument(`invalid mount config: destination can't be '/': ${spec}`);
  return c.length > 1 && c.endsWith('/') ? c.slice(0, -1) : c;
}

export function parseBind(spec: string): MountRequest {
  const parts = spec.split(':');
  if (parts.some((p) => p === '') || parts.length > 3)
    throw new InvalidArgument(`invalid volume specification: '${spec}'`);
  if (parts.length === 1) {
    return { kind: 'volume', name: undefined, target: cleanTarget(parts[0]!, spec), readonly: false, noCopy: false };
  }
  const [src, dst, optStr] = parts as [string, string, string | undefined];
  let readonly = false;
  let propagation: Propagation = 'rprivate';
  let noCopy = false;
  for (const o of (optStr ?? '').split(',').filter(Boolean)) {
    if (o === 'ro') readonly = true;
    else if (o === 'rw') readonly = false;
    else if (o === 'nocopy') noCopy = true;
    else if (o === 'z' || o === 'Z')
      continue; // SELinux relabelling: nothing to do without SELinux
    else if (PROPAGATIONS.has(o as Propagation)) propagation = o as Propagation;
    else throw new InvalidArgument(`invalid mode: ${o}`);
  }
  const target = cleanTarget(dst, spec);
  if (src.startsWith('/')) {
    if (noCopy) throw new InvalidArgument(`invalid mode: nocopy (only for volumes): '${spec}'`);
    return { kind: 'bind', source: path.posix.normalize(src), target, readonly, propagation, createSource: true };
  }
  if (!VOLUME_NAME_RE.test(src)) {
    throw new InvalidArgument(
      `create ${src}: "${src}" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path`,
    );
  }
  return { kind: 'volume', name: src, target, readonly, noCopy };
}

export function parseMount(m: MountSpec): MountRequest {
  const type = m.Type as string;
  if (!m.Target) throw new InvalidArgument('invalid mount config: Target must not be empty');
  const target = cleanTarget(m.Target, m.Target);
  switch (type) {
    case 'bind': {
      if (!m.Source) throw new InvalidArgument(`invalid mount config for type "bind": field Source must not be empty`);
      if (!m.Source.startsWith('/'))
        throw new InvalidArgument(
          `invalid mount config for type "bind": invalid mount path: '${m.Source}' mount path must be absolute`,
        );
      const createSource = m.BindOptions?.CreateMountpoint === true;
      if (!createSource && !fs.existsSync(m.Source)) {
        throw new InvalidArgument(`invalid mount config for type "bind": bind source path does not exist: ${m.Source}`);
      }
      const prop = (m.BindOptions?.Propagation || 'rprivate') as Propagation;
      if (!PROPAGATIONS.has(prop))
        throw new InvalidArgument(`invalid mount config for type "bind": invalid propagation mode: ${prop}`);
      return {
        kind: 'bind',
        source: path.posix.normalize(m.Source),
        target,
        readonly: !!m.ReadOnly,
        propagation: prop,
        createSource,
      };
    }
    case 'volume': {
      if (m.Source && !VOLUME_NAME_RE.test(m.Source)) {
        throw new InvalidArgument(`invalid mount config for type "volume": invalid volume name: "${m.Source}"`);
      }
      const drv = m.VolumeOptions?.DriverConfig?.Name;
      if (drv && drv !== 'local')
        throw new InvalidArgument(`invalid mount config for type "volume": volume driver "${drv}" is not available`);
      return {
        kind: 'volume',
        name: m.Source || undefined,
        target,
        readonly: !!m.ReadOnly,
        noCopy: !!m.VolumeOptions?.NoCopy,
        ...(m.VolumeOptions?.Labels ? { labels: m.VolumeOptions.Labels } : {}),
        ...(m.VolumeOptions?.DriverConfig?.Options ? { driverOpts: m.VolumeOptions.DriverConfig.Options } : {}),
      };
    }
    case 'tmpfs': {
      if (m.Source) throw new InvalidArgument('invalid mount config for type "tmpfs": field Source must be empty');
      const opts: string[] = [];
      if (m.TmpfsOptions?.SizeBytes) {
        if (m.TmpfsOptions.SizeBytes < 0)
          throw new InvalidArgument('invalid mount config for type "tmpfs": size must not be negative');
        opts.push(`size=${m.TmpfsOptions.SizeBytes}`);
      }
      if (m.TmpfsOptions?.Mode) opts.push(`mode=${(m.TmpfsOptions.Mode & 0o7777).toString(8)}`);
      return { kind: 'tmpfs', target, options: opts.join(','), readonly: !!m.ReadOnly };
    }
    default:
      throw new InvalidArgument(`invalid mount config: mount type unknown: "${type}"`);
  }
}

export function parseTmpfs(target: string, options: string): MountRequest {
  const t = cleanTarget(target, target);
  const opts = options.split(',').filter(Boolean);
  const readonly = opts.includes('ro');
  return { kind: 'tmpfs', target: t, options: opts.filter((o) => o !== 'ro' && o !== 'rw').join(','), readonly };
}

/** All mounts of a create request, in the order Docker applies them; duplicates refused. */
export function collectMounts(h: HostConfig): MountRequest[] {
  const out: MountRequest[] = [];
  for (const b of h.Binds ?? []) out.push(parseBind(b));
  for (const m of h.Mounts ?? []) out.push(parseMount(m));
  for (const [target, opts] of Object.entries(h.Tmpfs ?? {})) out.push(parseTmpfs(target, opts));
  const seen = new Set<string>();
  for (const m of out) {
    if (seen.has(m.target)) throw new InvalidArgument(`Duplicate mount point: ${m.target}`);
    seen.add(m.target);
  }
  return out;
}
