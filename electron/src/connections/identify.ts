/** Ask an engine who it is (/_ping then /version) and classify it: berthd, Docker or Podman. */
import type Dockerode from 'dockerode';
import type { EngineIdentity } from './types';

interface VersionBody {
  Version?: string;
  ApiVersion?: string;
  Os?: string;
  Arch?: string;
  Platform?: { Name?: string };
  Components?: Array<{ Name?: string }>;
}

export async function identify(docker: Dockerode, signal?: AbortSignal): Promise<EngineIdentity> {
  signal?.throwIfAborted();
  await docker.ping();
  signal?.throwIfAborted();
  const v = (await docker.version()) as VersionBody;
  const platform = v.Platform?.Name ?? '';
  const components = (v.Components ?? []).map((c) => c.Name ?? '').join(' ');
  const flavour: EngineIdentity['flavour'] = /berth/i.test(platform)
    ? 'berth'
    : /podman/i.test(platform + ' ' + components)
      ? 'podman'
      : /docker|engine/i.test(platform + ' ' + components)
        ? 'docker'
        : 'unknown';
  return { flavour, version: v.Version ?? '', apiVersion: v.ApiVersion ?? '', os: v.Os ?? '', arch: v.Arch ?? '' };
}
